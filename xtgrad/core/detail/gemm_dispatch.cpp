// gemm(): picks the backend per product (xtgrad's own kernel for small products, oneDNN past a
// measured size, Eigen between) and the threads it may use (set_num_threads for large products,
// one thread for the rest).
#ifdef _OPENMP
#include <omp.h>
#endif

#include <string>

#include "xtgrad/core/detail/gemm.hpp"
#include "xtgrad/core/detail/gemm_backends.hpp"
#include "xtgrad/core/detail/simd_kernels.hpp"

namespace xtgrad::detail {
namespace {
// Per calling thread, like OpenMP's own setting, so threads that each train a model do not race.
thread_local int requested_threads = 1;
// Below this many multiply-adds a product stays on one thread: forking and joining cost more
// than they save (measured: W2's 256x128x128 products ran 8% slower on two threads).
constexpr double kParallelWork = 3.2e7;

double work(std::size_t m, std::size_t n, std::size_t k) {
  return static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
}

// Eigen and oneDNN both read omp_get_max_threads(), a per-thread value.
void use_threads_for(std::size_t m, std::size_t n, std::size_t k) {
#ifdef _OPENMP
  int want = work(m, n, k) >= kParallelWork ? requested_threads : 1;
  if (omp_get_max_threads() != want) omp_set_num_threads(want);
#else
  (void)m, (void)n, (void)k;
#endif
}

// The small-product kernel (detail/gemm_small_isa.cpp) takes products of up to kSmallUpTo
// multiply-adds whose rows it computes in whole vectors of 16 (a partial vector is written lane by
// lane), and an NT product (y = x·Wᵀ, B transposed into a copy first) only over at least 2k rows.
// Measured with bench/gemm_shootout.cpp on the 2-core AVX-512 Xeon of bench/RESULTS.md (10
// interleaved rounds, loaded by two builds), as a multiple of the faster of Eigen and oneDNN:
//   W1's products: 1.31-4.26 (64x16x16 NT 1.31, NN 1.44; 16x16x64 TN 2.31; 16x2x64 TN 4.26);
//   NN and TN at 16^3 1.60 and 1.87, at 32^3 1.39 and 1.59, 16x16x64 1.68 and 1.94;
//   NT 16^3 0.91 and 16x16x64 0.78 (the transposed copy of B outweighs the product: kept on Eigen);
//   with a partial vector (n = 24) 0.73-0.88, and 0.35 at 96x24x24 (kept on Eigen);
//   past 32768, the larger products go to oneDNN, which wins or ties from there.
constexpr double kSmallUpTo = 32768;

bool use_small(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k) {
  if (trans_a && trans_b) return false;  // never used by xtgrad's ops; not measured
  if (work(m, n, k) > kSmallUpTo || !small_gemm_fits(m, n, k)) return false;
  if (small_gemm_row_dots(trans_a, n)) return true;
  if ((small_gemm_swaps(m, n) ? m : n) % 16 != 0) return false;
  return trans_a || !trans_b || m >= 2 * k;
}

#ifdef XTGRAD_WITH_ONEDNN
// From how many multiply-adds (m·n·k) oneDNN beats Eigen, per transpose case. Measured with
// bench/gemm_shootout.cpp on a 2-core Xeon with AVX-512 (one thread, best of 2 × 40 interleaved
// rounds on a machine loaded by other builds; oneDNN's speed as a multiple of Eigen's, the full
// table in bench/RESULTS.md):
//   NT (y = x·Wᵀ):  110592 (48³) 0.99, 262144 (64³) 0.93 (above 1 in one run of two);
//                   from 442368 (192·48·48, 48·48·192) 1.11-1.27; W2-W4's shapes 1.10-1.64.
//   NN (dx = g·W):  32768 (32³) 0.87; 55296 1.08-1.18 (0.94 in one run); from 110592 (48³)
//                   1.09-1.38; W2-W4's shapes 1.11-1.33.
//   TN (dW = gᵀ·x): 32768 (32³) 0.94; from 55296 1.20-1.28; W2-W4's shapes 1.10-2.83.
// Eigen keeps the smaller products (W1's all run at 0.5-0.8x on oneDNN): oneDNN costs a few
// tenths of a microsecond more per call.
constexpr double kOneDnnFrom[2][2] = {
    /* A:  B: N, T */ {100000, 400000},
    /* Aᵀ: B: N, T */ {50000, 1e300},  // TT: xtgrad never multiplies two transposes; not measured
};

// A matrix times a vector (an output of one row or one column: a layer with one output, one
// sample) stays on Eigen at any size: oneDNN ran at 0.68-0.73x Eigen at 256 and 0.96-1.02x at 1024.
bool use_onednn(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k) {
  return m > 1 && n > 1 && work(m, n, k) >= kOneDnnFrom[trans_a][trans_b];
}

// From how many multiply-adds oneDNN's products go through its matmul primitive (scratch memory
// from xtgrad, detail/gemm_onednn_matmul.cpp) rather than dnnl_sgemm (a packing buffer malloc'ed
// and freed per call): the products that fork, whose buffers are the large ones. Below, finding
// the cached primitive and wrapping the operands would cost more of a product than it saves.
constexpr double kMatmulFrom = kParallelWork;
#else
bool use_onednn(bool, bool, std::size_t, std::size_t, std::size_t) { return false; }
#endif
// XTGRAD_EIGEN_VERSION comes from CMake's find_package (Eigen itself is compiled per ISA elsewhere).
constexpr const char* kEigenVersion = "Eigen " XTGRAD_EIGEN_VERSION;
}  // namespace

void gemm_set_threads(int n) { requested_threads = n; }
int gemm_threads() { return requested_threads; }

void gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
          std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum: C = beta * C
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
    return;
  }
  if (use_small(trans_a, trans_b, m, n, k)) {  // one thread: far below kParallelWork
    simd_kernels().small_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, nullptr);
    return;
  }
  use_threads_for(m, n, k);
#ifdef XTGRAD_WITH_ONEDNN
  if (use_onednn(trans_a, trans_b, m, n, k)) {
    if (work(m, n, k) >= kMatmulFrom) onednn_matmul(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    else onednn_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
#endif
  simd_kernels().eigen_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm_bias(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
               std::size_t lda, const float* b, std::size_t ldb, const float* bias, float* c, std::size_t ldc) {
  if (m == 0 || n == 0) return;
  if (k > 0 && use_small(trans_a, trans_b, m, n, k)) {  // the bias added as each block is stored
    simd_kernels().small_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, 0.0f, c, ldc, bias);
    return;
  }
  broadcast_rows(bias, m, n, c, ldc);  // elsewhere: the product accumulated onto the broadcast bias
  gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, 1.0f, c, ldc);
}

const char* gemm_route(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k) {
  if (k > 0 && use_small(trans_a, trans_b, m, n, k)) return "small";
  return use_onednn(trans_a, trans_b, m, n, k) ? "oneDNN" : "Eigen";
}

const char* gemm_backend() {
  static const std::string small =
      "xtgrad's own kernel up to m*n*k = " + std::to_string(static_cast<long long>(kSmallUpTo));
#ifdef XTGRAD_WITH_ONEDNN
  static const std::string summary = [] {
    auto from = [](bool ta, bool tb) { return std::to_string(static_cast<long long>(kOneDnnFrom[ta][tb])); };
    return std::string(onednn_version()) + " from m*n*k >= " + from(false, false) + " (NN), " + from(false, true) +
           " (NT), " + from(true, false) + " (TN), its matmul primitive from " +
           std::to_string(static_cast<long long>(kMatmulFrom)) + ", " + kEigenVersion + " below, " + small;
  }();
  return summary.c_str();
#else
  static const std::string summary = std::string(kEigenVersion) + ", " + small;
  return summary.c_str();
#endif
}

}  // namespace xtgrad::detail
