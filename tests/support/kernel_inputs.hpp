// Inputs and closed forms shared by the per-ISA kernel tests (tests/core/test_*_kernels.cpp),
// which check float kernels against the same formulas in double.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

namespace xtgrad::testing {

/// n reproducible values spread over [lo, hi].
inline std::vector<float> spread(std::size_t n, float seed, float lo, float hi) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = lo + (hi - lo) * 0.5f * (1.0f + std::sin(seed + 1.7f * static_cast<float>(i)));
  return v;
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
