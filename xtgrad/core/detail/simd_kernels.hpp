// xtgrad's own vectorised kernels, behind a table of plain functions per instruction set: the
// table of the ISA chosen at start-up (detail/isa.hpp) is used by the ops; tests may ask for any.
// Nothing here depends on the flags the caller is compiled with.
//
// Adding a kernel: a function pointer here taking raw pointers and sizes; its body in
// detail/simd_kernels_isa.cpp, inside its anonymous namespace, or in a *_isa.cpp added to the
// xtgrad_kernels_<isa> objects in core/CMakeLists.txt (as detail/recurrent_kernels_isa.cpp and
// detail/normalization_kernels_isa.cpp), its functions declared in isa_variants.hpp; written with
// B = Batch<A> and load_n<A>/store_n; its entry in kernels(); a test of every supported ISA against
// a reference in tests/core/ (test_simd_kernels.cpp, or a file beside it). The caller does
// simd_kernels().f(...), and no longer includes simd.hpp.
#pragma once

#include <cstddef>
#include <cstdint>

#include "xtgrad/core/detail/isa.hpp"
#include "xtgrad/core/export.hpp"

XTGRAD_API_BEGIN

namespace xtgrad::detail {

/// The pointwise functions with a vectorised kernel.
enum class Pointwise { Sigmoid, Tanh, Relu, LeakyRelu, Elu, GeluErf, GeluTanh, Silu, Softplus, Hardtanh, Exp };

/// A pointwise function and its options: p is leaky_relu's slope, elu's alpha, softplus's beta or
/// hardtanh's min; q is softplus's threshold or hardtanh's max. Unused ones are ignored.
struct PointwiseFn {
  Pointwise f;
  float p = 0.0f, q = 0.0f;
};

/// One Adam step's constants for one parameter (optim/adam.cpp), in float as PyTorch's. decoupled:
/// AdamW's p ·= decay_factor; otherwise a nonzero decay adds decay·p to the gradient (L2).
struct AdamConstants {
  float beta1, beta2, one_minus_beta1, one_minus_beta2, eps, decay, decay_factor, step_size, bc2_sqrt;
  bool decoupled;
};

/// One SGD step's constants for one parameter (optim/sgd.cpp), in float as PyTorch's: keep is
/// 1 − dampening; first: the momentum buffer starts now, as d itself (no dampening).
struct SGDConstants {
  float lr, momentum, keep, decay;
  bool nesterov, first;
};

/// The most floats small_gemm copies an operand into (16 kB on the stack).
inline constexpr std::size_t kSmallGemmPackFloats = 4096;
inline constexpr std::size_t round_up_16(std::size_t x) { return (x + 15) / 16 * 16; }
/// Whether small_gemm computes Cᵀ = op(B)ᵀ·op(A)ᵀ, with vectors along C's m rather than its n:
/// when padding n to whole vectors would waste more than padding m.
inline constexpr bool small_gemm_swaps(std::size_t m, std::size_t n) { return round_up_16(m) * n < m * round_up_16(n); }
/// Whether small_gemm computes C's one column as dot products of A's rows with op(B)'s column
/// (a layer with one output: y = x·wᵀ), the vectors along k; a transposed A is read as Cᵀ instead.
inline constexpr bool small_gemm_row_dots(bool trans_a, std::size_t n) { return n == 1 && !trans_a; }
/// Whether small_gemm takes a product of these sizes: its copy of an operand fits the stack, and
/// m > 1 unless n = 1 (a single row stays with Eigen's matrix-vector code, as fast there; a single
/// dot product does not, so that a row's result is the same in a batch of one as in any other).
inline constexpr bool small_gemm_fits(std::size_t m, std::size_t n, std::size_t k) {
  return (m > 1 || n == 1) && n >= 1 && k <= kSmallGemmPackFloats / round_up_16(small_gemm_swaps(m, n) ? m : n);
}

/// std::mt19937_64's state size n (its shift m is half of it).
inline constexpr std::size_t kMt64StateWords = 312;

struct SimdKernels {
  /// y[i] = f(x[i]).
  void (*forward)(PointwiseFn f, const float* x, float* y, std::size_t n);
  /// dx[i] = g[i]·f'(x[i]), from the input x.
  void (*grad_from_input)(PointwiseFn f, const float* g, const float* x, float* dx, std::size_t n);
  /// dx[i] = g[i]·f'(z) from the saved output y = f(z): Sigmoid (y(1 − y)), Tanh (1 − y²) and
  /// Relu (1 where y > 0) only.
  void (*grad_from_output)(Pointwise f, const float* g, const float* y, float* dx, std::size_t n);
  /// acc[c] += Σ_r x[r·ld + c] over a row-major [rows, cols] x whose rows are ld apart (a bias
  /// gradient, or a band of its columns), each column summed in row order, as a plain loop would.
  void (*add_column_sums)(const float* x, std::size_t rows, std::size_t cols, std::size_t ld, float* acc);
  /// C = alpha·op(A)·op(B) + beta·C through Eigen, row-major, as detail::gemm (m, n, k > 0).
  void (*eigen_gemm)(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
                     const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c,
                     std::size_t ldc);
  /// The same for a small product (detail/gemm_small_isa.cpp) without Eigen's packing and
  /// blocking, whose cost dominates there; only where small_gemm_fits(m, n, k). A bias (n floats,
  /// or nullptr) is added to every row of the product before beta·C: Linear's y = x·Wᵀ + b.
  void (*small_gemm)(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
                     const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c,
                     std::size_t ldc, const float* bias);

  /// One sequence's LSTM cell update over its H units (layers/lstm_layer.cpp). a: the 4H
  /// pre-activations in, replaced by the activated gates i, f, g, o (kept for backward); c and h
  /// out: c = f⊙c_prev + i⊙g, h = o⊙tanh(c).
  void (*lstm_cell_forward)(float* a, const float* c_prev, float* c, float* h, std::size_t H);
  /// Its backward: from dh (plus d_out, the output's gradient, unless null) and dc, the
  /// pre-activation gradients d_pre [4H]; dc becomes dc_{t−1}.
  void (*lstm_cell_backward)(const float* act, const float* c, const float* c_prev, const float* dh, const float* d_out,
                             float* dc, float* d_pre, std::size_t H);
  /// One sequence's GRU step (layers/gru_layer.cpp). gi: the 3H input pre-activations (b_ih, b_hr
  /// and b_hz included), replaced by r, z, n; gh: h_prev W_hhᵀ [3H]; b_hn: n's recurrent bias, or
  /// null; hn out: W_hn h_prev + b_hn, kept for backward; h out: (1 − z)⊙n + z⊙h_prev.
  void (*gru_cell_forward)(float* gi, const float* gh, const float* b_hn, const float* h_prev, float* h, float* hn,
                           std::size_t H);
  /// Its backward: from dh (plus d_out unless null), the gradients of the input pre-activations
  /// d_ih [3H] and of the recurrent ones d_hh [3H]; dh becomes dh·z, its part of dh_{t−1} that
  /// does not go through W_hh.
  void (*gru_cell_backward)(const float* act, const float* hn, const float* h_prev, float* dh, const float* d_out,
                            float* d_ih, float* d_hh, std::size_t H);
  /// Adam's update of n values in PyTorch's order of operations: p, the moments m and v, and
  /// vmax (amsgrad's running max of v) unless null.
  void (*adam_update)(float* p, const float* grad, float* m, float* v, float* vmax, std::size_t n,
                      const AdamConstants& c);
  /// The 64-bit Mersenne Twister's next block (Generator, core/random.cpp): regenerates its
  /// kMt64StateWords-word state in place, exactly as std::mt19937_64 does once it has handed out
  /// every word of the last block (dropout and the initialisers draw millions of words).
  void (*mt19937_64_twist)(std::uint64_t* state);
  /// layer_norm over a row-major [rows, width] x (core/ops_normalization.cpp): per row, mean and
  /// rstd = 1/√(var + eps) (biased variance, in float; the root in double) out, and
  /// y = (x − mean)·rstd, times γ[j] and plus β[j] unless they are null.
  void (*layer_norm_forward)(const float* x, std::size_t rows, std::size_t width, double eps, const float* gamma,
                             const float* beta, float* y, float* mean, float* rstd);
  /// Its backward from the upstream g and the saved mean and rstd: with x̂ = (x − mean)·rstd and
  /// d = g·γ (g if gamma is null), dgamma[j] += Σ_rows g·x̂ and dbeta[j] += Σ_rows g unless null,
  /// and dx = rstd·(d − mean(d) − x̂·mean(d·x̂)) per row unless null.
  void (*layer_norm_backward)(const float* g, const float* x, std::size_t rows, std::size_t width, const float* mean,
                              const float* rstd, const float* gamma, float* dgamma, float* dbeta, float* dx);
  /// Dropout's mask and output (core/ops_dropout.cpp) for n values from (n + 1)/2 64-bit draws:
  /// value k takes the low 32 bits of bits[k/2] for even k, the high 32 for odd k;
  /// mask = scale where their top 24 bits as a uniform on [0, 1) are >= p, else 0; y = x·mask.
  void (*dropout_forward)(const std::uint64_t* bits, std::size_t n, float p, float scale, const float* x, float* mask,
                          float* y);
  /// out[i] = a[i]·b[i] (dropout's backward).
  void (*multiply)(const float* a, const float* b, float* out, std::size_t n);
  /// BCEWithLogitsLoss (losses/bce.cpp) over n logits z and targets y, with weight w and pos_weight
  /// pw of the same n values or null: each loss into loss unless null, and their sum, in double and
  /// in element order, into *sum unless null.
  void (*bce_with_logits_forward)(const float* z, const float* y, const float* w, const float* pw, float* loss,
                                  double* sum, std::size_t n);
  /// Its gradient: dz[i] = d·w[i]·(upstream ? upstream[i] : scale), d = lw·σ(z) − p·y (σ(z) − y
  /// without pos_weight), added to dz when accumulate, else written.
  void (*bce_with_logits_backward)(const float* z, const float* y, const float* w, const float* pw,
                                   const float* upstream, float scale, bool accumulate, float* dz, std::size_t n);
  /// SGD's update of n values in PyTorch's order of operations: p, and the momentum buffer buf
  /// unless null (no momentum).
  void (*sgd_update)(float* p, const float* grad, float* buf, std::size_t n, const SGDConstants& c);
};

/// The kernels compiled for isa (the CPU must support it: see cpu_supports).
const SimdKernels& simd_kernels(Isa isa);
/// The kernels of active_isa(); cheap after the first call.
const SimdKernels& simd_kernels();

}  // namespace xtgrad::detail

XTGRAD_API_END
