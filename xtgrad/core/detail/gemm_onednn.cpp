// GEMM through oneDNN's dnnl_sgemm (row-major, like xtgrad's arrays), which JIT-compiles its kernels
// for the CPU it runs on. Debian's libdnnl uses OpenMP (libgomp, as xtgrad does), so its threads
// follow the calling thread's omp_set_num_threads, which detail/gemm_dispatch.cpp sets per product.
#include <dnnl.h>

#include <new>
#include <stdexcept>
#include <string>

#include "xtgrad/core/detail/gemm_backends.hpp"

namespace xtgrad::detail {

void onednn_gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
                 std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
  using Dim = dnnl_dim_t;
  dnnl_status_t status = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', Dim(m), Dim(n), Dim(k), alpha, a,
                                    Dim(lda), b, Dim(ldb), beta, c, Dim(ldc));
  if (status == dnnl_success) return;
  if (status == dnnl_out_of_memory) throw std::bad_alloc();
  // Only reachable through a caller's bad strides: every op passes consistent ones.
  throw std::logic_error("gemm: oneDNN's dnnl_sgemm failed (status " + std::to_string(int(status)) +
                         ") for m=" + std::to_string(m) + " n=" + std::to_string(n) + " k=" + std::to_string(k) +
                         " lda=" + std::to_string(lda) + " ldb=" + std::to_string(ldb) + " ldc=" + std::to_string(ldc));
}

const char* onednn_version() {
  static const std::string name = [] {
    const dnnl_version_t* v = dnnl_version();
    return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
  }();
  return name.c_str();
}

}  // namespace xtgrad::detail
