// Vectorised elementwise loops (xsimd) for one instruction set A: a batch function over full SIMD
// widths, the same function on a zero-padded batch for the tail. The kernels built on them are
// compiled once per instruction set (detail/simd_kernels_isa.cpp) and chosen at run time.
#pragma once

#include <cstddef>
#include <type_traits>

#include <xsimd/xsimd.hpp>

namespace xtgrad::detail {

template <class A>
using Batch = xsimd::batch<float, A>;

/// x·y + z rounded once, as PyTorch's vec::fmadd, wherever the ISA has a fused multiply-add; on
/// SSE2, which has none, x·y is rounded before z is added. Not xsimd::fma alone: xsimd 8.1 fuses it
/// only for fma3<avx> and fma3<avx2>; on avx512bw it falls back to x*y + z, which GCC contracts
/// around whichever product it likes (Adam's fma(1−β₁, g, β₁·m) became fma(β₁, m, (1−β₁)·g),
/// 2e-6 from PyTorch in 10 steps). So the AVX-512 copies call the intrinsic, as
/// detail/gemm_small_isa.cpp's AVX-512 code does.
template <class A>
[[gnu::always_inline]] inline Batch<A> fmadd(const Batch<A>& x, const Batch<A>& y, const Batch<A>& z) {
#ifdef __AVX512F__
  if constexpr (std::is_base_of_v<xsimd::avx512f, A>) return Batch<A>(_mm512_fmadd_ps(x, y, z));
#endif
  return xsimd::fma(x, y, z);
}

/// x·y rounded on its own, as a separate PyTorch op (param.mul_) rounds it: GCC may fuse a plain
/// x * y into an addition that follows it, statements later, into one FMA (AdamW's p·(1 − lr·λ)
/// with its update: 226 of 301 values off PyTorch after 10 steps). x·y + (−0) through fmadd is x·y
/// rounded once, its sign of zero kept, and an FMA instruction is not fused again.
template <class A>
[[gnu::always_inline]] inline Batch<A> mul_rounded(const Batch<A>& x, const Batch<A>& y) {
  return fmadd(x, y, Batch<A>(-0.0f));
}

/// out[i] = f(a[i]) where f takes and returns a Batch<A>.
template <class A, class F>
void simd_map(const float* a, float* out, std::size_t n, F f) {
  constexpr std::size_t width = Batch<A>::size;
  std::size_t i = 0;
  for (; i + width <= n; i += width) f(Batch<A>::load_unaligned(a + i)).store_unaligned(out + i);
  if (i < n) {  // the tail: pad a full batch so f sees valid numbers
    alignas(64) float in_tail[width] = {}, out_tail[width];
    for (std::size_t k = 0; k < n - i; ++k) in_tail[k] = a[i + k];
    f(Batch<A>::load_aligned(in_tail)).store_aligned(out_tail);
    for (std::size_t k = 0; k < n - i; ++k) out[i + k] = out_tail[k];
  }
}

/// out[i] = f(a[i], b[i]).
template <class A, class F>
void simd_map2(const float* a, const float* b, float* out, std::size_t n, F f) {
  constexpr std::size_t width = Batch<A>::size;
  std::size_t i = 0;
  for (; i + width <= n; i += width)
    f(Batch<A>::load_unaligned(a + i), Batch<A>::load_unaligned(b + i)).store_unaligned(out + i);
  if (i < n) {
    alignas(64) float a_tail[width] = {}, b_tail[width] = {}, out_tail[width];
    for (std::size_t k = 0; k < n - i; ++k) a_tail[k] = a[i + k], b_tail[k] = b[i + k];
    f(Batch<A>::load_aligned(a_tail), Batch<A>::load_aligned(b_tail)).store_aligned(out_tail);
    for (std::size_t k = 0; k < n - i; ++k) out[i + k] = out_tail[k];
  }
}

/// Σ_j f(a[j], b[j]): lane-wise partial sums over full batches, then the tail one by one; f
/// takes floats and batches alike. The rows summed are short, so float partials lose nothing that
/// matters.
template <class A, class F>
float simd_reduce(const float* a, const float* b, std::size_t n, F f) {
  constexpr std::size_t width = Batch<A>::size;
  Batch<A> partial(0.0f);
  std::size_t j = 0;
  for (; j + width <= n; j += width) partial += f(Batch<A>::load_unaligned(a + j), Batch<A>::load_unaligned(b + j));
  float total = xsimd::hadd(partial);
  for (; j < n; ++j) total += f(a[j], b[j]);
  return total;
}

/// Loads n <= Batch<A>::size floats (a full batch, or a zero-padded tail).
template <class A>
Batch<A> load_n(const float* p, std::size_t n) {
  if (n == Batch<A>::size) return Batch<A>::load_unaligned(p);
  alignas(64) float tail[Batch<A>::size] = {};
  for (std::size_t k = 0; k < n; ++k) tail[k] = p[k];
  return Batch<A>::load_aligned(tail);
}

/// Stores the first n lanes of v.
template <class A>
void store_n(const Batch<A>& v, float* p, std::size_t n) {
  if (n == Batch<A>::size) return v.store_unaligned(p);
  alignas(64) float tail[Batch<A>::size];
  v.store_aligned(tail);
  for (std::size_t k = 0; k < n; ++k) p[k] = tail[k];
}

/// Two-branch stable sigmoid on a batch: e = exp(−|z|) never overflows; σ = 1/(1+e) for z >= 0,
/// e/(1+e) otherwise, so σ(−1000) = 0 and σ(1000) = 1 exactly. Always inlined: as a call (GCC's
/// choice) it loaded its constants again for every batch, and W5s's step took 53% more
/// instructions (callgrind, AVX2: 398k against 260k).
template <class A>
[[gnu::always_inline]] inline Batch<A> sigmoid_batch(const Batch<A>& z) {
  Batch<A> e = xsimd::exp(-xsimd::abs(z));
  Batch<A> r = Batch<A>(1.0f) / (Batch<A>(1.0f) + e);
  return xsimd::select(z >= Batch<A>(0.0f), r, e * r);
}

/// log(1 + eᶻ) = max(z, 0) + log1p(e^−|z|): e^−|z| <= 1 never overflows.
template <class A>
Batch<A> softplus_batch(const Batch<A>& z) {
  return xsimd::max(z, Batch<A>(0.0f)) + xsimd::log1p(xsimd::exp(-xsimd::abs(z)));
}

}  // namespace xtgrad::detail
