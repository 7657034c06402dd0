// Reducing per-element losses, and the matching scale of each element's gradient; shared by
// the fused loss ops.
#pragma once

#include "xtgrad/core/ops_loss.hpp"

namespace xtgrad::detail {

/// sum: the total itself; mean: total / count (count: all elements).
inline float reduced_loss(double total, Reduction reduction, double count) {
  return static_cast<float>(reduction == Reduction::Mean ? total / count : total);
}

/// none: the losses themselves; sum: their sum; mean: the sum / count (count 0 means all
/// elements). Summed in double so that long sums stay exact to float precision.
inline Array reduce_losses(const Array& losses, Reduction reduction, double count = 0.0) {
  if (reduction == Reduction::None) return losses;
  double total = 0.0;
  for (float v : losses) total += v;
  Array out = Array::from_shape({});
  out() = reduced_loss(total, reduction, count > 0.0 ? count : static_cast<double>(losses.size()));
  return out;
}

/// A reduced loss's gradient per element: the upstream scalar, over numel for mean.
inline float reduction_scale(const Array& upstream, Reduction reduction, std::size_t numel) {
  float scale = upstream();
  if (reduction == Reduction::Mean) scale /= static_cast<float>(numel);
  return scale;
}

/// Multiplies dloss/dinput (per element) by the upstream gradient and the reduction's scale
/// (mean: 1/numel).
inline Array chain_reduction(Array local, const Array& upstream, Reduction reduction) {
  if (reduction == Reduction::None) {
    for (std::size_t i = 0; i < local.size(); ++i) local.data()[i] *= upstream.data()[i];
    return local;
  }
  const float scale = reduction_scale(upstream, reduction, local.size());
  for (float& v : local) v *= scale;
  return local;
}

}  // namespace xtgrad::detail
