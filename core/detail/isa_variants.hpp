// What each per-ISA build of detail/simd_kernels_isa.cpp and detail/gemm_eigen.cpp defines, in
// its own namespace (isa_sse2, isa_avx2, isa_avx512), so the three copies never share a symbol.
#pragma once

#include <cstddef>

#include "simd_kernels.hpp"

#define XTGRAD_DECLARE_ISA_VARIANT(ns)                                                                      \
  namespace xtgrad::detail::ns {                                                                            \
  const SimdKernels& kernels();                                                                             \
  void eigen_gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha,     \
                  const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, \
                  std::size_t ldc);                                                                         \
  }

XTGRAD_DECLARE_ISA_VARIANT(isa_sse2)
XTGRAD_DECLARE_ISA_VARIANT(isa_avx2)
XTGRAD_DECLARE_ISA_VARIANT(isa_avx512)
