// GEMM through Eigen 3.4: row-major maps over the caller's buffers, no copies or transposes.
// Compiled once per instruction set like detail/simd_kernels_isa.cpp, each copy with Eigen's
// namespace renamed (-DEigen=xtgrad_eigen_<isa>), so no Eigen template built for AVX-512 can be
// picked by the linker for the SSE2 copy, or the other way round.
#include <Eigen/Core>

#include "xtgrad/core/detail/isa_variants.hpp"

namespace xtgrad::detail::XTGRAD_KERNEL_NS {
namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMajor, Eigen::Unaligned, Eigen::OuterStride<>>;
using MutMap = Eigen::Map<RowMajor, Eigen::Unaligned, Eigen::OuterStride<>>;

template <class A, class B>
void product_into(MutMap& c, float alpha, const A& a, const B& b, float beta) {
  if (beta == 0.0f) {
    c.noalias() = alpha * (a * b);
  } else {
    if (beta != 1.0f) c *= beta;
    c.noalias() += alpha * (a * b);
  }
}

}  // namespace

// Eigen reads omp_get_max_threads(), a per-thread value, when Eigen::setNbThreads was never called.
void eigen_gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
                std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
  using Index = Eigen::Index;
  MutMap cm(c, Index(m), Index(n), Eigen::OuterStride<>(Index(ldc)));
  // A stored [m, k] (or [k, m] when transposed); likewise B.
  ConstMap am(a, Index(trans_a ? k : m), Index(trans_a ? m : k), Eigen::OuterStride<>(Index(lda)));
  ConstMap bm(b, Index(trans_b ? n : k), Index(trans_b ? k : n), Eigen::OuterStride<>(Index(ldb)));
  if (!trans_a && !trans_b) product_into(cm, alpha, am, bm, beta);
  else if (trans_a && !trans_b) product_into(cm, alpha, am.transpose(), bm, beta);
  else if (!trans_a && trans_b) product_into(cm, alpha, am, bm.transpose(), beta);
  else product_into(cm, alpha, am.transpose(), bm.transpose(), beta);
}

}  // namespace xtgrad::detail::XTGRAD_KERNEL_NS
