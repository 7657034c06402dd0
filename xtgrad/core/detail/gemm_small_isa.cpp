// Small matrix products (detail::gemm below the size measured in detail/gemm_dispatch.cpp) without
// Eigen's machinery, for one instruction set, built like detail/simd_kernels_isa.cpp (no start-up
// code, nothing shared between copies). At W1's shapes (64×16×16 and smaller) Eigen spends most of
// its time packing both operands into panels and choosing block sizes, not multiplying: a callgrind
// profile of I1 put 40% of its instructions in Eigen's product for 19k multiply-adds a step.
//
// Here op(B) [k, n] is read as rows of whole vectors: B itself when it is stored that way with n a
// multiple of the vector width, else a zero-padded copy on the stack (at most kSmallGemmPackFloats).
// Each block of R rows × V vectors of C is summed in registers over p = 0..k−1 in order,
// acc += a(i, p)·op(B)[p, j] with one fused multiply-add, then written as alpha·acc + beta·C.
// When C has fewer columns than rows and padding them to whole vectors would waste more (a layer
// with two inputs: dW is [16, 2]), the kernel computes Cᵀ = op(B)ᵀ·op(A)ᵀ the same way instead
// (small_gemm_swaps). Products with one row or one column stay with Eigen's matrix-vector code.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>

#include "xtgrad/core/detail/isa_variants.hpp"
#include "xtgrad/core/detail/simd.hpp"

namespace xtgrad::detail::XTGRAD_KERNEL_NS {
namespace {

using A = XTGRAD_KERNEL_ARCH;
using B = Batch<A>;
constexpr std::size_t kWidth = B::size;

// One product as the blocks see it. With swapped operands (Cᵀ = op(B)ᵀ·op(A)ᵀ) only the strides
// of C change: element (i, j) of what is computed is c[i·c_row + j·c_col].
struct Operands {
  const float* a;  // a(i, p) = a[p·lda + i] when TA, else a[i·lda + p]
  std::size_t lda;
  const float* b;  // rows of op(B) [k, ldb], whole vectors to the last column's
  std::size_t ldb;
  std::size_t k, n;
  float alpha, beta;
  float* c;
  std::size_t c_row, c_col;
};

template <bool TA>
float a_at(const Operands& o, std::size_t i, std::size_t p) {
  return TA ? o.a[p * o.lda + i] : o.a[i * o.lda + p];
}

// store's slow cases, kept out of the blocks' code: part of a vector, or C's elements one by one.
[[gnu::noinline]] void store_lanes(const Operands& o, const B& result, std::size_t i, std::size_t j,
                                   std::size_t lanes) {
  alignas(64) float values[kWidth];
  result.store_aligned(values);
  for (std::size_t l = 0; l < lanes; ++l) {
    float& out = o.c[i * o.c_row + (j + l) * o.c_col];
    out = o.beta != 0.0f ? std::fma(o.beta, out, values[l]) : values[l];
  }
}

// alpha·acc + beta·C into `lanes` elements of C from (i, j), along a row of C, or down a column
// when the operands were swapped (CT); beta = 0 never reads C, which may hold anything (NaN
// included), as BLAS. Inlined: as a call per vector it took 14% of W1's instructions (callgrind).
template <bool CT>
[[gnu::always_inline]] inline void store(const Operands& o, const B& acc, std::size_t i, std::size_t j,
                                         std::size_t lanes) {
  B result = B(o.alpha) * acc;
  if (CT || lanes != kWidth) return store_lanes(o, result, i, j, lanes);
  float* out = o.c + i * o.c_row + j;
  if (o.beta != 0.0f) result = xsimd::fma(B(o.beta), B::load_unaligned(out), result);
  result.store_unaligned(out);
}

// C[i0 .. i0+R, 0 .. V·W] of the strip o points at (its columns past n are not written).
template <bool TA, bool CT, int R, int V>
void block(const Operands& o, std::size_t i0) {
  B acc[R][V];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) acc[r][v] = B(0.0f);
  for (std::size_t p = 0; p < o.k; ++p) {
    const float* row = o.b + p * o.ldb;
    B bv[V];
    for (int v = 0; v < V; ++v) bv[v] = B::load_unaligned(row + v * kWidth);
    for (int r = 0; r < R; ++r) {
      B ar(a_at<TA>(o, i0 + r, p));
      for (int v = 0; v < V; ++v) acc[r][v] = xsimd::fma(ar, bv[v], acc[r][v]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V && v * kWidth < o.n; ++v)
      store<CT>(o, acc[r][v], i0 + r, v * kWidth, std::min(kWidth, o.n - v * kWidth));
}

// Rows i0 .. i0+rows (rows < R) of one column strip, with the block of exactly that many rows.
template <bool TA, bool CT, int V, int... Rs>
void tail_rows(const Operands& o, std::size_t i0, std::size_t rows, std::integer_sequence<int, Rs...>) {
  (void)((rows == std::size_t(Rs + 1) ? (block<TA, CT, Rs + 1, V>(o, i0), true) : false) || ...);
}

// One strip of V vectors of columns from column j0, over all m rows: R rows at a time, so that
// R·V accumulators and V rows of op(B) stay in registers (8 with 1 vector, 4×2 with 2).
template <bool TA, bool CT, int V>
void strip(const Operands& o, std::size_t m, std::size_t j0) {
  constexpr int R = V == 1 ? 8 : 4;
  Operands at = o;
  at.b += j0, at.c += j0 * o.c_col, at.n -= j0;
  std::size_t i = 0;
  for (; i + R <= m; i += R) block<TA, CT, R, V>(at, i);
  if (i < m) tail_rows<TA, CT, V>(at, i, m - i, std::make_integer_sequence<int, R - 1>{});
}

template <bool TA, bool CT>
void strips(const Operands& o, std::size_t m, std::size_t padded) {
  std::size_t j = 0;
  for (; j + 2 * kWidth <= padded; j += 2 * kWidth) strip<TA, CT, 2>(o, m, j);
  if (j < padded) strip<TA, CT, 1>(o, m, j);
}

// rows(p)[j] = at(p, j) for j < n, zero up to `padded`, into pack [k, padded].
template <class At>
void pack_rows(float* pack, std::size_t k, std::size_t n, std::size_t padded, At at) {
  for (std::size_t p = 0; p < k; ++p) {
    float* row = pack + p * padded;
    for (std::size_t j = 0; j < n; ++j) row[j] = at(p, j);
    std::fill(row + n, row + padded, 0.0f);
  }
}

}  // namespace

void small_gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
                std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
  alignas(64) float pack[kSmallGemmPackFloats];
  if (small_gemm_swaps(m, n)) {
    // Cᵀ [n, m] = op(B)ᵀ·op(A)ᵀ: op(B)ᵀ read as the new A, op(A)ᵀ's rows as the new B.
    std::size_t padded = (m + kWidth - 1) / kWidth * kWidth;
    Operands o{b, ldb, a, lda, k, m, alpha, beta, c, 1, ldc};
    if (!trans_a || padded != m) {
      if (trans_a) pack_rows(pack, k, m, padded, [&](std::size_t p, std::size_t j) { return a[p * lda + j]; });
      else pack_rows(pack, k, m, padded, [&](std::size_t p, std::size_t j) { return a[j * lda + p]; });
      o.b = pack, o.ldb = padded;
    }
    // op(B)ᵀ(i, p) = op(B)(p, i): b[i·ldb + p] when B is stored transposed, else b[p·ldb + i].
    return trans_b ? strips<false, true>(o, n, padded) : strips<true, true>(o, n, padded);
  }
  std::size_t padded = (n + kWidth - 1) / kWidth * kWidth;
  Operands o{a, lda, b, ldb, k, n, alpha, beta, c, ldc, 1};
  if (trans_b || padded != n) {  // op(B) into rows of whole vectors, zero past column n
    if (trans_b) pack_rows(pack, k, n, padded, [&](std::size_t p, std::size_t j) { return b[j * ldb + p]; });
    else pack_rows(pack, k, n, padded, [&](std::size_t p, std::size_t j) { return b[p * ldb + j]; });
    o.b = pack, o.ldb = padded;
  }
  return trans_a ? strips<true, false>(o, m, padded) : strips<false, false>(o, m, padded);
}

}  // namespace xtgrad::detail::XTGRAD_KERNEL_NS
