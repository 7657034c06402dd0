// Inputs and closed forms shared by the per-ISA kernel tests (tests/core/test_*_kernels.cpp),
// which check float kernels against the same formulas in double.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace xtgrad::testing {

/// n reproducible values spread over [lo, hi].
inline std::vector<float> spread(std::size_t n, float seed, float lo, float hi) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = lo + (hi - lo) * 0.5f * (1.0f + std::sin(seed + 1.7f * static_cast<float>(i)));
  return v;
}

/// 301 values with 12 random-looking bits each, k/1024 in [−2, 2) (exact in float), from a
/// multiplicative hash of first, first + 1, ...: the optimizers' inputs, made alike by
/// tests/core/optimizer_kernels_torch.py (grid_value) for PyTorch. A tail on every vector width.
inline std::vector<float> optimizer_grid(std::uint32_t first) {
  std::vector<float> v(301);
  for (std::uint32_t i = 0; i < v.size(); ++i) {
    std::uint32_t h = (first + i) * 2654435761u;
    v[i] = static_cast<float>(static_cast<int>(h >> 20) - 2048) / 1024.0f;
  }
  return v;
}

/// The optimizers' gradient at step `step` (from 0); their parameters start at optimizer_grid(0).
inline std::vector<float> optimizer_grad(std::size_t step) {
  return optimizer_grid(1000 * (static_cast<std::uint32_t>(step) + 1));
}

/// Σ v in double, in element order: the checksum optimizer_kernels_torch.py prints for a tensor.
inline double sum_in_order(const std::vector<float>& v) {
  double s = 0.0;
  for (float x : v) s += x;
  return s;
}

/// The logistic function in double.
inline double sigmoid_in_double(double z) { return 1.0 / (1.0 + std::exp(-z)); }

/// A float32 kernel's result against double: a few ulps of the result (xsimd's exp, tanh and erf
/// are within 2-3), plus an absolute floor for results that cancel towards 0. Equal infinities
/// (exp far out) count as close.
inline bool close_to_double(double got, double want) {
  return got == want || std::fabs(got - want) <= 2e-6 + 2e-5 * std::fabs(want);
}

}  // namespace xtgrad::testing
