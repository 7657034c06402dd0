// The one matrix-product interface. Its backends are chosen at configure time (XTGRAD_GEMM): Eigen
// alone, oneDNN for large products with Eigen below a measured size, or a CBLAS; with the first
// two, xtgrad's own kernel takes the smallest products.
#pragma once

#include <cstddef>

#include "xtgrad/core/export.hpp"

XTGRAD_API_BEGIN

namespace xtgrad::detail {

/// C = alpha * op(A) * op(B) + beta * C, all row-major; op(X) is X or Xᵀ per the flag.
/// op(A) is [m, k], op(B) is [k, n], C is [m, n]; ld* are row strides in elements.
/// With beta = 1 a gradient accumulates in place; with beta = 0, C's old contents are ignored.
void gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
          std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc);

/// C = alpha * op(A) * op(B) + bias: Linear's y = x·Wᵀ + b, with bias's n values added to every row
/// of the product (C's old contents are ignored). Rounded as the product followed by the addition.
void gemm_bias(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
               std::size_t lda, const float* b, std::size_t ldb, const float* bias, float* c, std::size_t ldc);

/// C's m rows of n set to bias (rows ldc apart), split over the set threads: where gemm_bias's
/// backend cannot add the bias as C is stored, C starts as this and the product is added (beta = 1).
void broadcast_rows(const float* bias, std::size_t m, std::size_t n, float* c, std::size_t ldc);

/// The library gemm() hands this product to: "small" (xtgrad's own kernel), "oneDNN", "Eigen" or
/// "CBLAS" (for tests and benchmarks).
const char* gemm_route(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k);

/// The backends built in and, with two, where the switch between them is (for build_summary()).
const char* gemm_backend();
void gemm_set_threads(int n);
int gemm_threads();

}  // namespace xtgrad::detail

XTGRAD_API_END
