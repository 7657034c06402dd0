// Gradient clipping. Norms are accumulated in double; the scale is applied in float32.
#include "xtgrad/optim/clip.hpp"

#include <cmath>

#include "xtgrad/core/detail/check.hpp"

namespace xtgrad {

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type, bool error_if_nonfinite) {
  XTGRAD_CHECK(norm_type > 0.0, "clip_grad_norm_", "norm_type must be positive, got ", norm_type);
  double total = 0.0;
  for (const Tensor& p : params) {
    if (!p.has_grad()) continue;
    if (norm_type == kInfNorm) {
      for (float g : p.grad()) {
        double a = std::fabs(static_cast<double>(g));
        if (std::isnan(a) || a > total) total = a;  // a NaN sticks: nothing compares greater
      }
    } else {
      // The norm of the per-parameter norms equals the norm over all elements.
      for (float g : p.grad()) total += std::pow(std::fabs(static_cast<double>(g)), norm_type);
    }
  }
  if (norm_type != kInfNorm) total = std::pow(total, 1.0 / norm_type);
  total = static_cast<float>(total);  // PyTorch returns a float32 tensor
  if (error_if_nonfinite && !std::isfinite(total))
    throw std::invalid_argument(detail::concat("clip_grad_norm_: the total norm of order ", norm_type,
                                               " for gradients is non-finite (", total, "), so it cannot be clipped"));
  // clamp(max=1) as PyTorch's: a NaN norm gives a NaN coefficient, and every gradient NaN.
  const float ratio = static_cast<float>(max_norm) / (static_cast<float>(total) + 1e-6f);
  const float coef = ratio > 1.0f ? 1.0f : ratio;
  for (Tensor p : params) {  // a copy of the handle shares the gradient
    if (!p.has_grad()) continue;
    for (float& g : p.mutable_grad()) g *= coef;
  }
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  XTGRAD_CHECK(clip_value >= 0.0, "clip_grad_value_", "clip_value must be >= 0, got ", clip_value);
  const float limit = static_cast<float>(clip_value);
  for (Tensor p : params) {
    if (!p.has_grad()) continue;
    for (float& g : p.mutable_grad()) g = g < -limit ? -limit : (g > limit ? limit : g);  // NaN stays, as clamp_
  }
}

}  // namespace xtgrad
