// What each per-ISA build of detail/simd_kernels_isa.cpp, detail/recurrent_kernels_isa.cpp,
// detail/normalization_kernels_isa.cpp, detail/gemm_eigen.cpp, detail/gemm_small_isa.cpp and
// detail/loss_kernels_isa.cpp defines, in its own namespace (isa_sse2, isa_avx2, isa_avx512), so
// the three copies never share a symbol.
#pragma once

#include <cstddef>

#include "xtgrad/core/detail/simd_kernels.hpp"

#define XTGRAD_DECLARE_ISA_VARIANT(ns)                                                                                \
  namespace xtgrad::detail::ns {                                                                                      \
  const SimdKernels& kernels();                                                                                       \
  void eigen_gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha,               \
                  const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c,             \
                  std::size_t ldc);                                                                                   \
  void small_gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha,               \
                  const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c,             \
                  std::size_t ldc, const float* bias);                                                                \
  void lstm_cell_forward(float* a, const float* c_prev, float* c, float* h, std::size_t H);                           \
  void lstm_cell_backward(const float* act, const float* c, const float* c_prev, const float* dh, const float* d_out, \
                          float* dc, float* d_pre, std::size_t H);                                                    \
  void gru_cell_forward(float* gi, const float* gh, const float* b_hn, const float* h_prev, float* h, float* hn,      \
                        std::size_t H);                                                                               \
  void gru_cell_backward(const float* act, const float* hn, const float* h_prev, float* dh, const float* d_out,       \
                         float* d_ih, float* d_hh, std::size_t H);                                                    \
  void adam_update(float* p, const float* grad, float* m, float* v, float* vmax, std::size_t n,                       \
                   const AdamConstants& c);                                                                           \
  void layer_norm_forward(const float* x, std::size_t rows, std::size_t width, double eps, const float* gamma,        \
                          const float* beta, float* y, float* mean, float* rstd);                                     \
  void layer_norm_backward(const float* g, const float* x, std::size_t rows, std::size_t width, const float* mean,    \
                           const float* rstd, const float* gamma, float* dgamma, float* dbeta, float* dx);            \
  void bce_with_logits_forward(const float* z, const float* y, const float* w, const float* pw, float* loss,          \
                               double* sum, std::size_t n);                                                           \
  void bce_with_logits_backward(const float* z, const float* y, const float* w, const float* pw,                      \
                                const float* upstream, float scale, bool accumulate, float* dz, std::size_t n);       \
  void sgd_update(float* p, const float* grad, float* buf, std::size_t n, const SGDConstants& c);                     \
  }

XTGRAD_DECLARE_ISA_VARIANT(isa_sse2)
XTGRAD_DECLARE_ISA_VARIANT(isa_avx2)
XTGRAD_DECLARE_ISA_VARIANT(isa_avx512)
