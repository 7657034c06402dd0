// Vectorised elementwise loops (xsimd): a batch function over full SIMD widths, the same
// function on a scalar batch for the tail. Used by the activations and fused kernels.
#pragma once

#include <cstddef>

#include <xsimd/xsimd.hpp>

namespace xtgrad::detail {

using FloatBatch = xsimd::batch<float>;

/// out[i] = f(a[i]) where f takes and returns a FloatBatch (and must also work on one lane).
template <class F>
void simd_map(const float* a, float* out, std::size_t n, F f) {
  constexpr std::size_t width = FloatBatch::size;
  std::size_t i = 0;
  for (; i + width <= n; i += width) f(FloatBatch::load_unaligned(a + i)).store_unaligned(out + i);
  if (i < n) {  // the tail: pad a full batch so f sees valid numbers
    alignas(64) float in_tail[width] = {}, out_tail[width];
    for (std::size_t k = 0; k < n - i; ++k) in_tail[k] = a[i + k];
    f(FloatBatch::load_aligned(in_tail)).store_aligned(out_tail);
    for (std::size_t k = 0; k < n - i; ++k) out[i + k] = out_tail[k];
  }
}

/// out[i] = f(a[i], b[i]).
template <class F>
void simd_map2(const float* a, const float* b, float* out, std::size_t n, F f) {
  constexpr std::size_t width = FloatBatch::size;
  std::size_t i = 0;
  for (; i + width <= n; i += width)
    f(FloatBatch::load_unaligned(a + i), FloatBatch::load_unaligned(b + i)).store_unaligned(out + i);
  if (i < n) {
    alignas(64) float a_tail[width] = {}, b_tail[width] = {}, out_tail[width];
    for (std::size_t k = 0; k < n - i; ++k) a_tail[k] = a[i + k], b_tail[k] = b[i + k];
    f(FloatBatch::load_aligned(a_tail), FloatBatch::load_aligned(b_tail)).store_aligned(out_tail);
    for (std::size_t k = 0; k < n - i; ++k) out[i + k] = out_tail[k];
  }
}

/// Loads n <= FloatBatch::size floats (a full batch, or a zero-padded tail).
inline FloatBatch load_n(const float* p, std::size_t n) {
  if (n == FloatBatch::size) return FloatBatch::load_unaligned(p);
  alignas(64) float tail[FloatBatch::size] = {};
  for (std::size_t k = 0; k < n; ++k) tail[k] = p[k];
  return FloatBatch::load_aligned(tail);
}

/// Stores the first n lanes of v.
inline void store_n(const FloatBatch& v, float* p, std::size_t n) {
  if (n == FloatBatch::size) return v.store_unaligned(p);
  alignas(64) float tail[FloatBatch::size];
  v.store_aligned(tail);
  for (std::size_t k = 0; k < n; ++k) p[k] = tail[k];
}

/// Two-branch stable sigmoid on a batch: e = exp(−|z|) never overflows; σ = 1/(1+e) for z >= 0,
/// e/(1+e) otherwise, so σ(−1000) = 0 and σ(1000) = 1 exactly.
inline FloatBatch sigmoid_batch(const FloatBatch& z) {
  FloatBatch e = xsimd::exp(-xsimd::abs(z));
  FloatBatch r = FloatBatch(1.0f) / (FloatBatch(1.0f) + e);
  return xsimd::select(z >= FloatBatch(0.0f), r, e * r);
}

}  // namespace xtgrad::detail
