// layer_norm's row loops (core/ops_normalization.cpp) for one instruction set, built like
// detail/simd_kernels_isa.cpp (see its rules: no start-up code, nothing shared between copies);
// the functions are this ISA's, declared in isa_variants.hpp and put in its table there. A
// portable build normalises with the CPU's widest vectors this way. Each loop is the op's former
// one in the same order of operations: full batches, then the tail one value at a time, and the
// row sums with simd_reduce's lane-wise partials.
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "xtgrad/core/detail/isa_variants.hpp"
#include "xtgrad/core/detail/simd.hpp"

namespace xtgrad::detail::XTGRAD_KERNEL_NS {
namespace {

using A = XTGRAD_KERNEL_ARCH;
using B = Batch<A>;
constexpr std::size_t kWidth = B::size;

// One value (T = float) or one batch (T = B) at p, so a loop body serves the batches and the tail.
template <class T>
T load(const float* p) {
  if constexpr (std::is_same_v<T, float>) return *p;
  else return T::load_unaligned(p);
}

template <class T>
void store(const T& v, float* p) {
  if constexpr (std::is_same_v<T, float>) *p = v;
  else v.store_unaligned(p);
}

// Calls body(T{}, j) for j = 0, kWidth, … with T = B over the full batches, then T = float for
// each value of the tail.
template <class Body>
void for_each_lane(std::size_t n, Body body) {
  std::size_t j = 0;
  for (; j + kWidth <= n; j += kWidth) body(B(0.0f), j);
  for (; j < n; ++j) body(0.0f, j);
}

}  // namespace

void layer_norm_forward(const float* x, std::size_t rows, std::size_t width, double eps, const float* gamma,
                        const float* beta, float* y, float* mean, float* rstd) {
  const float n = static_cast<float>(width);
  for (std::size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * width;
    float* out = y + r * width;
    const float m = simd_reduce<A>(xr, xr, width, [](auto v, auto) { return v; }) / n;
    const float var = simd_reduce<A>(xr, xr, width, [m](auto v, auto) { return (v - m) * (v - m); }) / n;
    const float s = static_cast<float>(1.0 / std::sqrt(static_cast<double>(var) + eps));
    mean[r] = m;
    rstd[r] = s;
    for_each_lane(width, [&](auto lanes, std::size_t j) {
      using T = decltype(lanes);
      T v = (load<T>(xr + j) - m) * s;
      if (gamma) v = v * load<T>(gamma + j);
      if (beta) v = v + load<T>(beta + j);
      store(v, out + j);
    });
  }
}

void layer_norm_backward(const float* g, const float* x, std::size_t rows, std::size_t width, const float* mean,
                         const float* rstd, const float* gamma, float* dgamma, float* dbeta, float* dx) {
  const float n = static_cast<float>(width);
  for (std::size_t r = 0; r < rows; ++r) {
    const float* gr = g + r * width;
    const float* xr = x + r * width;
    const float m = mean[r], s = rstd[r];
    // x̂ = (x − mean)·rstd and d = g·γ, recomputed in the second pass rather than stored.
    auto xhat_and_d = [&](auto lanes, std::size_t j) {
      using T = decltype(lanes);
      T gv = load<T>(gr + j);
      T xh = (load<T>(xr + j) - m) * s;
      return std::pair<T, T>(xh, gamma ? T(gv * load<T>(gamma + j)) : gv);
    };
    // First pass: dγ += g·x̂, dβ += g, and Σd, Σd·x̂ as simd_reduce sums them.
    B sum_d_lanes(0.0f), sum_dx_lanes(0.0f);
    float sum_d = 0.0f, sum_dx = 0.0f;
    bool tail = false;
    for_each_lane(width, [&](auto lanes, std::size_t j) {
      using T = decltype(lanes);
      T gv = load<T>(gr + j);
      auto [xh, d] = xhat_and_d(lanes, j);
      if (dgamma) store(T(load<T>(dgamma + j) + gv * xh), dgamma + j);
      if (dbeta) store(T(load<T>(dbeta + j) + gv), dbeta + j);
      if (!dx) return;
      if constexpr (std::is_same_v<T, B>) {
        sum_d_lanes += d, sum_dx_lanes += d * xh;
      } else {
        if (!tail) sum_d = xsimd::hadd(sum_d_lanes), sum_dx = xsimd::hadd(sum_dx_lanes), tail = true;
        sum_d += d, sum_dx += d * xh;
      }
    });
    if (!dx) continue;
    if (!tail) sum_d = xsimd::hadd(sum_d_lanes), sum_dx = xsimd::hadd(sum_dx_lanes);
    const float mean_d = sum_d / n, mean_dx = sum_dx / n;
    // Second pass: dx = rstd·(d − mean(d) − x̂·mean(d·x̂)).
    float* out = dx + r * width;
    for_each_lane(width, [&](auto lanes, std::size_t j) {
      using T = decltype(lanes);
      auto [xh, d] = xhat_and_d(lanes, j);
      store(T(s * (d - mean_d - xh * mean_dx)), out + j);
    });
  }
}

}  // namespace xtgrad::detail::XTGRAD_KERNEL_NS
