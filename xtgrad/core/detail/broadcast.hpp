// NumPy broadcasting of shapes, and its adjoint: summing a gradient back to an input's shape.
#pragma once

#include "xtgrad/core/tensor.hpp"

namespace xtgrad::detail {

/// The broadcast shape of a and b; throws invalid_argument naming `op` and both shapes.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);

/// Sums `grad` over the axes along which `shape` was broadcast to reach grad's shape.
/// Throws logic_error when `shape` does not broadcast to grad's shape.
Array sum_to(const Array& grad, const Shape& shape, const char* op);

bool same_shape(const Array& a, const Array& b);
Shape shape_of(const Array& a);

}  // namespace xtgrad::detail
