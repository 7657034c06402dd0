// The products behind gemm() (detail/gemm_dispatch.cpp picks one per call). Same contract as
// gemm(), except that m, n and k are non-zero; they use the threads OpenMP allows the caller.
#pragma once

#include <cstddef>

namespace xtgrad::detail {

// Eigen's product is the kernel table's eigen_gemm (detail/simd_kernels.hpp), one per instruction set.

#ifdef XTGRAD_WITH_ONEDNN
void onednn_gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
                 std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc);
/// The same through oneDNN's matmul primitive, with a scratchpad of xtgrad's own (detail/gemm_onednn_matmul.cpp).
void onednn_matmul(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
                   std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc);
/// e.g. "oneDNN 2.6.3", as the library loaded at run time reports itself.
const char* onednn_version();
#endif

}  // namespace xtgrad::detail
