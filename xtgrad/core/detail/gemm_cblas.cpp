// GEMM through any CBLAS (OpenBLAS on Debian). Note: Debian's OpenBLAS 0.3.21 may misdetect
// recent CPUs and run slowly unless OPENBLAS_CORETYPE is set (see bench/RESULTS.md).
#include <cblas.h>

#include "xtgrad/core/detail/gemm.hpp"

namespace xtgrad::detail {

void gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
          std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
  if (m == 0 || n == 0) return;
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a, static_cast<int>(lda), b,
              static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
}

void gemm_bias(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
               std::size_t lda, const float* b, std::size_t ldb, const float* bias, float* c, std::size_t ldc) {
  broadcast_rows(bias, m, n, c, ldc);
  gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, 1.0f, c, ldc);
}

const char* gemm_backend() { return "CBLAS"; }
const char* gemm_route(bool, bool, std::size_t, std::size_t, std::size_t) { return "CBLAS"; }

// OpenBLAS's thread control, when the BLAS is OpenBLAS (weak: other BLAS libraries lack it).
extern "C" void openblas_set_num_threads(int) __attribute__((weak));
namespace {
int threads = 1;
const bool single_thread_by_default = [] {
  if (openblas_set_num_threads) openblas_set_num_threads(1);
  return true;
}();
}  // namespace

void gemm_set_threads(int n) {
  threads = n;
  if (openblas_set_num_threads) openblas_set_num_threads(n);
}
int gemm_threads() { return threads; }

}  // namespace xtgrad::detail
