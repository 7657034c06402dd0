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
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
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
  const float* bias;  // nullptr, or C's n row-bias values: bias[i·bias_row + j·bias_col] adds to (i, j)
  std::size_t bias_row, bias_col;
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
    float value = values[l];
    if (o.bias) value += o.bias[i * o.bias_row + (j + l) * o.bias_col];
    float& out = o.c[i * o.c_row + (j + l) * o.c_col];
    out = o.beta != 0.0f ? std::fma(o.beta, out, value) : value;
  }
}

// alpha·acc (+ the bias) + beta·C into `lanes` elements of C from (i, j), along a row of C, or down
// a column when the operands were swapped (CT); beta = 0 never reads C, which may hold anything (NaN
// included), as BLAS. The bias is added to the finished product, as a separate addition would
// (Linear's addmm). Inlined: as a call per vector it took 14% of W1's instructions (callgrind).
template <bool CT>
[[gnu::always_inline]] inline void store(const Operands& o, const B& acc, std::size_t i, std::size_t j,
                                         std::size_t lanes) {
  B result = B(o.alpha) * acc;
  if (CT || lanes != kWidth) return store_lanes(o, result, i, j, lanes);
  if (o.bias) result += B::load_unaligned(o.bias + j);
  float* out = o.c + i * o.c_row + j;
  if (o.beta != 0.0f) result = fmadd(B(o.beta), B::load_unaligned(out), result);
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
      for (int v = 0; v < V; ++v) acc[r][v] = fmadd(ar, bv[v], acc[r][v]);
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
  if (at.bias) at.bias += j0 * o.bias_col;
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

// rows(p)[j] = src[p·ld + j] for j < n, zero up to `padded`, into pack [k, padded].
void pack_rows(float* pack, const float* src, std::size_t ld, std::size_t k, std::size_t n, std::size_t padded) {
  for (std::size_t p = 0; p < k; ++p) {
    float* row = pack + p * padded;
    std::copy(src + p * ld, src + p * ld + n, row);
    if (padded != n) std::fill(row + n, row + padded, 0.0f);
  }
}

#ifdef __AVX512F__  // this file's AVX-512 build
// Transposes 16 vectors in place (afterwards r[p] lane j holds what r[j] lane p held) with 64
// two-source shuffles: of pairs of floats, of 64-bit pairs, then of 128-bit lanes twice.
void transpose_16x16(__m512* r) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2)
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]), t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  auto pairs = [](__m512 a, __m512 b, bool high) {
    __m512d x = _mm512_castps_pd(a), y = _mm512_castps_pd(b);
    return _mm512_castpd_ps(high ? _mm512_unpackhi_pd(x, y) : _mm512_unpacklo_pd(x, y));
  };
  for (int i = 0; i < 16; i += 4) {
    r[i] = pairs(t[i], t[i + 2], false), r[i + 1] = pairs(t[i], t[i + 2], true);
    r[i + 2] = pairs(t[i + 1], t[i + 3], false), r[i + 3] = pairs(t[i + 1], t[i + 3], true);
  }
  // 0x88 takes 128-bit lanes 0 and 2 of each source, 0xdd lanes 1 and 3.
  for (int h = 0; h < 16; h += 8)
    for (int i = h; i < h + 4; ++i)
      t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88), t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
  for (int i = 0; i < 8; ++i)
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88), r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
}

// The same from the transpose: rows(p)[j] = src[j·ld + p], in tiles of 16 columns of the pack
// (rows j of src, zero from n) by up to 16 of its rows (columns p of src; masked loads, so nothing
// past column k is read), each transposed in registers and stored with its padding. A vgatherdps
// of a column touches 16 cache lines: on a Zen 5 core I1's step took 1.11-1.17 µs gathering and
// 1.02-1.04 with the tiles. Tiles of 8 and 4 were slower than gathering on AVX2 (1.28 µs against
// 1.22) and than SSE2's element-by-element gather (2.59 against 2.43), so those copies gather.
void pack_rows_transposed(float* pack, const float* src, std::size_t ld, std::size_t k, std::size_t n,
                          std::size_t padded) {
  for (std::size_t j0 = 0; j0 < padded; j0 += 16)
    for (std::size_t p0 = 0; p0 < k; p0 += 16) {
      std::size_t cols = std::min<std::size_t>(16, k - p0);
      auto mask = static_cast<__mmask16>((1u << cols) - 1u);
      __m512 r[16];
      for (std::size_t j = 0; j < 16; ++j)
        r[j] = j0 + j < n ? _mm512_maskz_loadu_ps(mask, src + (j0 + j) * ld + p0) : _mm512_setzero_ps();
      transpose_16x16(r);
      for (std::size_t p = 0; p < cols; ++p) _mm512_storeu_ps(pack + (p0 + p) * padded + j0, r[p]);
    }
}
#else
// The same from the transpose: rows(p)[j] = src[j·ld + p], a whole vector of column p gathered at
// a time (vgatherdps on AVX2). It gains little, W1's 16x16 weight being 256 floats: I1's step took
// 1.49 µs against 1.51 with an element-by-element copy (six interleaved pairs).
void pack_rows_transposed(float* pack, const float* src, std::size_t ld, std::size_t k, std::size_t n,
                          std::size_t padded) {
  using Index = xsimd::batch<std::int32_t, A>;
  std::size_t whole = ld <= static_cast<std::size_t>(INT32_MAX) / kWidth ? n / kWidth * kWidth : 0;
  alignas(64) std::int32_t lanes[kWidth];
  for (std::size_t l = 0; l < kWidth; ++l) lanes[l] = static_cast<std::int32_t>(l * ld);
  const Index offsets = Index::load_aligned(lanes);
  for (std::size_t p = 0; p < k; ++p) {
    float* row = pack + p * padded;
    std::size_t j = 0;
    for (; j < whole; j += kWidth) B::gather(src + j * ld + p, offsets).store_unaligned(row + j);
    for (; j < n; ++j) row[j] = src[j * ld + p];
    if (padded != n) std::fill(row + n, row + padded, 0.0f);
  }
}
#endif

#ifdef __AVX512F__  // this file's AVX-512 build
// The sums of 8 vectors of 8 floats, as one vector (lane r: the sum of rows[r]): xsimd 8.1's AVX
// haddp, step for step. Written out rather than called, since xsimd::haddp on AVX batches would
// be an xsimd::avx2 symbol compiled for AVX-512 wherever it is not inlined (sanitized builds),
// which another object's AVX2 copy could be replaced by (tests/check_isa_symbols.cmake).
__m256 sums_of_eight(const __m256* rows) {
  __m256 ab = _mm256_hadd_ps(rows[0], rows[1]), cd = _mm256_hadd_ps(rows[2], rows[3]);
  __m256 abcd = _mm256_hadd_ps(ab, cd);  // a..d: sums of lanes 0-3, then of lanes 4-7
  __m256 ef = _mm256_hadd_ps(rows[4], rows[5]), gh = _mm256_hadd_ps(rows[6], rows[7]);
  __m256 efgh = _mm256_hadd_ps(ef, gh);
  return _mm256_add_ps(_mm256_blend_ps(abcd, efgh, 0b11110000), _mm256_permute2f128_ps(abcd, efgh, 0x21));
}
#endif

// The sums of kWidth vectors, as one vector (lane r: the sum of rows[r]). xsimd 8.1's haddp does
// this for SSE2 and AVX, but on AVX-512 it returns lanes 2-5 and 10-13 out of order; there each
// vector is folded to 8 lanes (AVX-512F only) and AVX's sums of eight add the two groups of 8.
B row_sums(const B* rows) {
#ifdef __AVX512F__
  __m256 low[8], high[8];
  auto fold = [](const B& v) {
    __m512 x = v;
    return _mm256_add_ps(_mm512_castps512_ps256(x), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1)));
  };
  for (std::size_t r = 0; r < 8; ++r) low[r] = fold(rows[r]), high[r] = fold(rows[r + 8]);
  __m256 first = sums_of_eight(low), second = sums_of_eight(high);
  return _mm512_castpd_ps(
      _mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(first)), _mm256_castps_pd(second), 1));
#else
  return xsimd::haddp(rows);
#endif
}

// C's one column when A is not transposed: c[i] = alpha·(row i of A)·v + beta·c[i], v = op(B)'s
// column (contiguous). Each of kWidth rows sums its products in a vector along k; row_sums then adds
// up the kWidth vectors at once into one vector of the rows' sums, rather than one horizontal sum
// per row. `rows` < kWidth only for the last group (Full = false).
template <bool Full>
void dot_rows(const float* a, std::size_t lda, const float* v, std::size_t k, std::size_t rows, float alpha,
              const float* bias, float beta, float* c, std::size_t ldc) {
  B acc[kWidth];
  for (std::size_t r = 0; r < kWidth; ++r) acc[r] = B(0.0f);
  std::size_t p = 0;
  for (; p + kWidth <= k; p += kWidth) {
    B vp = B::load_unaligned(v + p);
    for (std::size_t r = 0; r < (Full ? kWidth : rows); ++r)
      acc[r] = fmadd(B::load_unaligned(a + r * lda + p), vp, acc[r]);
  }
  if (p < k) {
    B vp = load_n<A>(v + p, k - p);
    for (std::size_t r = 0; r < (Full ? kWidth : rows); ++r)
      acc[r] = fmadd(load_n<A>(a + r * lda + p, k - p), vp, acc[r]);
  }
  alignas(64) float sums[kWidth];
  (B(alpha) * row_sums(acc)).store_aligned(sums);
  for (std::size_t r = 0; r < (Full ? kWidth : rows); ++r) {
    float value = bias ? sums[r] + *bias : sums[r];
    c[r * ldc] = beta != 0.0f ? std::fma(beta, c[r * ldc], value) : value;
  }
}

void row_dots(std::size_t m, std::size_t k, float alpha, const float* a, std::size_t lda, const float* v,
              const float* bias, float beta, float* c, std::size_t ldc) {
  std::size_t i = 0;
  for (; i + kWidth <= m; i += kWidth)
    dot_rows<true>(a + i * lda, lda, v, k, kWidth, alpha, bias, beta, c + i * ldc, ldc);
  if (i < m) dot_rows<false>(a + i * lda, lda, v, k, m - i, alpha, bias, beta, c + i * ldc, ldc);
}

}  // namespace

void small_gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
                std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc,
                const float* bias) {
  alignas(64) float pack[kSmallGemmPackFloats];
  if (small_gemm_row_dots(trans_a, n)) {
    const float* v = b;  // op(B)'s column: b[p] when B is stored as its row [1, k]
    if (!trans_b && ldb != 1) {
      for (std::size_t p = 0; p < k; ++p) pack[p] = b[p * ldb];
      v = pack;
    }
    return row_dots(m, k, alpha, a, lda, v, bias, beta, c, ldc);
  }
  if (small_gemm_swaps(m, n)) {
    // Cᵀ [n, m] = op(B)ᵀ·op(A)ᵀ: op(B)ᵀ read as the new A, op(A)ᵀ's rows as the new B.
    std::size_t padded = (m + kWidth - 1) / kWidth * kWidth;
    Operands o{b, ldb, a, lda, k, m, alpha, beta, c, 1, ldc, bias, 1, 0};
    if (!trans_a || padded != m) {
      if (trans_a) pack_rows(pack, a, lda, k, m, padded);
      else pack_rows_transposed(pack, a, lda, k, m, padded);
      o.b = pack, o.ldb = padded;
    }
    // op(B)ᵀ(i, p) = op(B)(p, i): b[i·ldb + p] when B is stored transposed, else b[p·ldb + i].
    return trans_b ? strips<false, true>(o, n, padded) : strips<true, true>(o, n, padded);
  }
  std::size_t padded = (n + kWidth - 1) / kWidth * kWidth;
  Operands o{a, lda, b, ldb, k, n, alpha, beta, c, ldc, 1, bias, 0, 1};
  if (trans_b || padded != n) {  // op(B) into rows of whole vectors, zero past column n
    if (trans_b) pack_rows_transposed(pack, b, ldb, k, n, padded);
    else pack_rows(pack, b, ldb, k, n, padded);
    o.b = pack, o.ldb = padded;
  }
  return trans_a ? strips<true, false>(o, m, padded) : strips<false, false>(o, m, padded);
}

}  // namespace xtgrad::detail::XTGRAD_KERNEL_NS
