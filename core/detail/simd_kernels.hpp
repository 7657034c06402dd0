// xtgrad's own vectorised kernels, behind a table of plain functions per instruction set: the
// table of the ISA chosen at start-up (detail/isa.hpp) is used by the ops; tests may ask for any.
// Nothing here depends on the flags the caller is compiled with.
//
// Adding a kernel (the LSTM and GRU cells and Adam's update are next): a function pointer here
// taking raw pointers and sizes; its body in detail/simd_kernels_isa.cpp (or a new *_isa.cpp added
// to the xtgrad_kernels_<isa> objects in core/CMakeLists.txt), inside its anonymous namespace,
// written with B = Batch<A> and load_n<A>/store_n instead of FloatBatch; its entry in kernels();
// a test of every supported ISA against a reference in tests/core/test_simd_kernels.cpp. The
// caller does simd_kernels().f(...), and no longer includes simd.hpp.
#pragma once

#include <cstddef>

#include "isa.hpp"

namespace xtgrad::detail {

/// The pointwise functions with a vectorised kernel.
enum class Pointwise { Sigmoid, Tanh, Relu, LeakyRelu, Elu, GeluErf, GeluTanh, Silu, Softplus, Hardtanh, Exp };

/// A pointwise function and its options: p is leaky_relu's slope, elu's alpha, softplus's beta or
/// hardtanh's min; q is softplus's threshold or hardtanh's max. Unused ones are ignored.
struct PointwiseFn {
  Pointwise f;
  float p = 0.0f, q = 0.0f;
};

struct SimdKernels {
  /// y[i] = f(x[i]).
  void (*forward)(PointwiseFn f, const float* x, float* y, std::size_t n);
  /// dx[i] = g[i]·f'(x[i]), from the input x.
  void (*grad_from_input)(PointwiseFn f, const float* g, const float* x, float* dx, std::size_t n);
  /// dx[i] = g[i]·f'(z) from the saved output y = f(z): Sigmoid (y(1 − y)), Tanh (1 − y²) and
  /// Relu (1 where y > 0) only.
  void (*grad_from_output)(Pointwise f, const float* g, const float* y, float* dx, std::size_t n);
  /// Σ a[i], Σ (a[i] − mean)², Σ a[i]·b[i]: lane-wise float partial sums, then the tail.
  float (*sum)(const float* a, std::size_t n);
  float (*sum_squared_deviation)(const float* a, std::size_t n, float mean);
  float (*dot)(const float* a, const float* b, std::size_t n);
  /// acc[c] += Σ_r x[r·cols + c] over a row-major [rows, cols] x (a bias gradient), each column
  /// summed in row order, as a plain loop would.
  void (*add_column_sums)(const float* x, std::size_t rows, std::size_t cols, float* acc);
  /// C = alpha·op(A)·op(B) + beta·C through Eigen, row-major, as detail::gemm (m, n, k > 0).
  void (*eigen_gemm)(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
                     const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c,
                     std::size_t ldc);
};

/// The kernels compiled for isa (the CPU must support it: see cpu_supports).
const SimdKernels& simd_kernels(Isa isa);
/// The kernels of active_isa(); cheap after the first call.
const SimdKernels& simd_kernels();

}  // namespace xtgrad::detail
