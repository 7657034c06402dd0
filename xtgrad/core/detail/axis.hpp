// Dimension arguments: a negative dim counts from the end; a row-major array seen as
// [outer, n, inner] around one axis turns a reduction or a scan along it into plain loops.
#pragma once

#include <cstdint>

#include "xtgrad/core/detail/check.hpp"

namespace xtgrad::detail {

/// `dim` in [−rank, rank) as an index in [0, rank); throws naming the op and the shape.
inline std::size_t normalize_dim(const char* op, std::int64_t dim, const Array& a) {
  auto rank = static_cast<std::int64_t>(a.dimension());
  XTGRAD_CHECK(dim >= -rank && dim < rank, op, "dimension ", dim, " is out of range for shape ", dims(a));
  return static_cast<std::size_t>(dim < 0 ? dim + rank : dim);
}

struct AxisSplit {
  std::size_t axis = 0, outer = 1, n = 1, inner = 1;
  Shape out_shape;  // without the axis, or with it as 1 when keepdim
};

/// PyTorch wraps a scalar's dims as one of extent 1: dim 0 or −1 of a 0-d tensor names its one
/// element, and any other dim is an error.
inline void check_scalar_dim(const char* op, std::int64_t dim) {
  XTGRAD_CHECK(dim == 0 || dim == -1, op, "axis ", dim, " is out of range for a 0-d tensor (0 or -1)");
}

/// Element (o, j, i) of the [outer, n, inner] view is at flat index (o·n + j)·inner + i. A 0-d
/// array is one element along dim 0 or −1, as PyTorch wraps dims of a scalar (out_shape stays []).
inline AxisSplit split_at(const char* op, const Array& a, std::int64_t dim, bool keepdim) {
  auto rank = static_cast<std::int64_t>(a.dimension());
  if (rank == 0) {
    check_scalar_dim(op, dim);
    return AxisSplit{};
  }
  XTGRAD_CHECK(dim >= -rank && dim < rank, op, "axis ", dim, " is out of range for shape ", dims(a));
  AxisSplit s;
  s.axis = static_cast<std::size_t>(dim < 0 ? dim + rank : dim);
  for (std::size_t d = 0; d < a.dimension(); ++d) {
    std::size_t extent = a.shape()[d];
    if (d < s.axis) s.outer *= extent;
    if (d == s.axis) s.n = extent;
    if (d > s.axis) s.inner *= extent;
    if (d != s.axis) s.out_shape.push_back(extent);
    else if (keepdim) s.out_shape.push_back(1);
  }
  return s;
}

}  // namespace xtgrad::detail
