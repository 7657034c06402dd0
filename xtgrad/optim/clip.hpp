// Gradient clipping, as torch.nn.utils.clip_grad_norm_ and clip_grad_value_.
#pragma once

#include <limits>
#include <vector>

#include "xtgrad/core/export.hpp"
#include "xtgrad/core/tensor.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

constexpr double kInfNorm = std::numeric_limits<double>::infinity();

/// Scales all gradients by min(1, max_norm / (total_norm + 1e−6)), where total_norm is the
/// norm_type-norm (2 by default, kInfNorm for the max-abs norm) of all gradients together.
/// Parameters without a gradient are skipped. Returns total_norm before clipping. With
/// error_if_nonfinite, a NaN or Inf total norm throws instead of scaling.
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

/// Clamps every gradient element to [−clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);

}  // namespace xtgrad

XTGRAD_API_END
