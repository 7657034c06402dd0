// Scalar kernels shared by ops that fuse activations (activations, losses, the LSTM cell).
#pragma once

#include <cmath>

namespace xtgrad::detail {

// Two-branch sigmoid: with e = exp(−|z|) <= 1 nothing overflows; σ(−1000) = 0/(1+0) = 0 and
// σ(1000) = 1/(1+0) = 1 exactly.
inline float stable_sigmoid(float z) {
  float e = std::exp(-std::fabs(z));
  return z >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
}

// softplus(z) = log(1 + eᶻ) = max(z, 0) + log1p(e^−|z|)
inline float stable_softplus(float z) { return std::fmax(z, 0.0f) + std::log1p(std::exp(-std::fabs(z))); }

}  // namespace xtgrad::detail
