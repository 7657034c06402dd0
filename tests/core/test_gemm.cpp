// detail::gemm, whichever backend it routes a product to (oneDNN past the crossover, Eigen below,
// xtgrad's own kernel for the smallest):
// every transpose case, both sides of the crossover, strided operands, alpha and beta, against a
// double-precision product with the float rounding-error bound as tolerance.
#include <cmath>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/testing.hpp"
#include "xtgrad/core/detail/gemm.hpp"
#include "xtgrad/core/detail/simd_kernels.hpp"

using namespace xtgrad;

namespace {

struct Product {
  bool ta, tb;
  std::size_t m, n, k;
  std::size_t pad = 0;  // extra elements at the end of every row of A, B and C
};

/// A product C = alpha·op(A)·op(B) + bias + beta·C, bias (n values added to every row) nullptr or not.
using GemmFn = std::function<void(bool, bool, std::size_t, std::size_t, std::size_t, float, const float*, std::size_t,
                                  const float*, std::size_t, float, float*, std::size_t, const float*)>;

/// detail::gemm, or detail::gemm_bias (which has no beta) when there is a bias.
void dispatched(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
                std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc,
                const float* bias) {
  if (!bias) return detail::gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  REQUIRE(beta == 0.0f);
  detail::gemm_bias(ta, tb, m, n, k, alpha, a, lda, b, ldb, bias, c, ldc);
}

/// A gemm without a bias (Eigen's per ISA).
template <class Gemm>
GemmFn without_bias(Gemm gemm) {
  return [gemm](bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
                std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc,
                const float*) { gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); };
}

/// Runs C = alpha·op(A)·op(B) (+ a random bias on every row) + beta·C through `gemm` (detail::gemm
/// unless told) and checks every element against the product in double: any float summation order
/// stays within (k + 2)·u·(|alpha|·|A|·|B| + |bias| + |beta·C|) of it (u = 2^-24), while a wrong
/// transpose, stride, bias or beta is off by O(1).
void check_product(const Product& p, float alpha, float beta, const GemmFn& gemm = dispatched, bool with_bias = false) {
  std::mt19937 gen(static_cast<unsigned>(p.m * 7919 + p.n * 104729 + p.k));
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::size_t a_rows = p.ta ? p.k : p.m, a_cols = p.ta ? p.m : p.k;
  std::size_t b_rows = p.tb ? p.n : p.k, b_cols = p.tb ? p.k : p.n;
  std::size_t lda = a_cols + p.pad, ldb = b_cols + p.pad, ldc = p.n + p.pad;
  std::vector<float> a(a_rows * lda), b(b_rows * ldb), c(p.m * ldc);
  for (float& x : a) x = u(gen);
  for (float& x : b) x = u(gen);
  // beta = 0 must ignore C, NaN included (BLAS semantics).
  for (float& x : c) x = beta == 0.0f ? std::nanf("") : u(gen);
  std::vector<float> c0 = c, bias(p.n);
  for (float& x : bias) x = u(gen);
  gemm(p.ta, p.tb, p.m, p.n, p.k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc,
       with_bias ? bias.data() : nullptr);

  // op(A) by rows and op(B) by columns, in double, so the reference's inner loop runs along two
  // contiguous rows (in the sanitizer build it dominated the gemm tests' time).
  std::vector<double> rows_a(p.m * p.k), cols_b(p.n * p.k);
  for (std::size_t i = 0; i < p.m; ++i)
    for (std::size_t q = 0; q < p.k; ++q) rows_a[i * p.k + q] = p.ta ? a[q * lda + i] : a[i * lda + q];
  for (std::size_t j = 0; j < p.n; ++j)
    for (std::size_t q = 0; q < p.k; ++q) cols_b[j * p.k + q] = p.tb ? b[j * ldb + q] : b[q * ldb + j];
  double unit = std::ldexp(1.0, -24) * double(p.k + 2);
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < p.m; ++i)
    for (std::size_t j = 0; j < p.n; ++j) {
      const double *row = rows_a.data() + i * p.k, *col = cols_b.data() + j * p.k;
      double sum = 0, magnitude = 0;
      for (std::size_t q = 0; q < p.k; ++q) {
        double term = row[q] * col[q];
        sum += term;
        magnitude += std::abs(term);
      }
      double old = beta == 0.0f ? 0.0 : double(beta) * c0[i * ldc + j];
      double added = with_bias ? double(bias[j]) : 0.0;
      double expected = double(alpha) * sum + added + old;
      double bound = unit * (std::abs(alpha) * magnitude + std::abs(added) + std::abs(old)) + 1e-30;
      if (!(std::abs(c[i * ldc + j] - expected) <= bound)) ++wrong;
    }
  // The padding past each row of C is not C's: it must be left as it was.
  for (std::size_t i = 0; i < p.m; ++i)
    for (std::size_t j = p.n; j < ldc; ++j)
      if (!(c[i * ldc + j] == c0[i * ldc + j] || (std::isnan(c[i * ldc + j]) && std::isnan(c0[i * ldc + j])))) ++wrong;
  CHECK(wrong == 0);
}

/// The process's thread count, from /proc/self/status (Linux).
int process_threads() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key)
    if (key == "Threads:") {
      int n = 0;
      status >> n;
      return n;
    }
  return -1;
}

const char* case_name(bool ta, bool tb) { return ta ? (tb ? "TT" : "TN") : (tb ? "NT" : "NN"); }

// Sizes from 1 to well past every crossover in detail/gemm_dispatch.cpp, vectors and outer products
// included, the shapes of the benchmark workloads among them.
std::vector<Product> products_for(bool ta, bool tb) {
  std::vector<Product> list;
  for (std::size_t s : {1, 3, 8, 16, 24, 32, 48, 64, 80, 96, 128, 160, 256}) list.push_back({ta, tb, s, s, s});
  for (auto [m, n, k] : {std::tuple<std::size_t, std::size_t, std::size_t>{64, 16, 2},
                         {256, 128, 30},
                         {512, 1, 300},
                         {1, 300, 512},
                         {300, 200, 1},
                         {32, 256, 64},
                         {1024, 256, 8},
                         {256, 64, 992},
                         {7, 300, 500}})
    list.push_back({ta, tb, m, n, k});
  return list;
}

}  // namespace

TEST_CASE("gemm: every transpose case on both sides of the backend switch matches a double product") {
  bool with_onednn = build_info().gemm_backend.find("oneDNN") != std::string::npos;
  bool cblas = build_info().gemm_backend == "CBLAS";
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      std::set<std::string> routes;
      for (const Product& p : products_for(ta, tb)) {
        std::string route = detail::gemm_route(ta, tb, p.m, p.n, p.k);
        std::string where = std::string(case_name(ta, tb)) + " m=" + std::to_string(p.m) + " n=" + std::to_string(p.n) +
                            " k=" + std::to_string(p.k) + " via " + route;
        CAPTURE(where);
        routes.insert(route);
        check_product(p, 1.0f, 0.0f);
        check_product(p, 1.0f, 0.0f, dispatched, /*with_bias=*/true);  // Linear's forward
      }
      // TT is never used by xtgrad's ops and stays on Eigen; the others must reach every backend:
      // the small-product kernel, Eigen, and oneDNN when built in.
      std::string routes_seen = std::to_string(routes.size()) + " route(s) for " + case_name(ta, tb);
      CAPTURE(routes_seen);
      if (!cblas && !(ta && tb)) CHECK(routes.size() == (with_onednn ? 3u : 2u));
    }
}

TEST_CASE("gemm: alpha, accumulation into C (beta) and row strides wider than the rows") {
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (std::size_t s : {5, 40, 200, 330}) {  // 330: oneDNN's matmul primitive (from 32M multiply-adds)
        Product p{ta, tb, s, s + 3, s + 1, 7};
        std::string where = std::string(case_name(ta, tb)) + " size " + std::to_string(s) + " via " +
                            detail::gemm_route(ta, tb, p.m, p.n, p.k);
        CAPTURE(where);
        check_product(p, 1.0f, 1.0f);  // a gradient accumulating in place
        check_product(p, -0.5f, 2.0f);
        check_product(p, 2.0f, 0.0f);
      }
}

TEST_CASE("gemm: Eigen's products compiled for each instruction set this CPU has match a double product") {
  for (detail::Isa isa : detail::supported_isas()) {
    GemmFn eigen = without_bias(detail::simd_kernels(isa).eigen_gemm);
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (const Product& p : products_for(ta, tb)) {
          std::string where = std::string(detail::isa_name(isa)) + " " + case_name(ta, tb) +
                              " m=" + std::to_string(p.m) + " n=" + std::to_string(p.n) + " k=" + std::to_string(p.k);
          CAPTURE(where);
          check_product(p, 1.0f, 0.0f, eigen);
          check_product({ta, tb, p.m, p.n, p.k, 5}, -0.5f, 2.0f, eigen);  // strided, accumulating
        }
  }
}

TEST_CASE("gemm: the small-product kernel compiled for each instruction set this CPU has matches a double product") {
  // Every shape it takes (m > 1): rows in whole vectors and with a partial one, computed as Cᵀ
  // when n is narrow, one column as dot products, B used in place or copied, k = 1, strided,
  // accumulating, alpha and beta, with and without a bias.
  std::vector<Product> shapes;
  for (auto [m, n, k] : {std::tuple<std::size_t, std::size_t, std::size_t>{64, 16, 2},
                         {64, 16, 16},
                         {16, 16, 64},
                         {16, 2, 64},
                         {2, 16, 64},
                         {64, 16, 1},
                         {5, 3, 7},
                         {3, 5, 7},
                         {24, 24, 24},
                         {96, 24, 24},
                         {33, 17, 9},
                         {9, 40, 3},
                         {40, 9, 3},
                         {2, 2, 200},
                         {128, 32, 32},
                         {64, 16, 256},  // op(B)'s copy fills the whole stack buffer (kSmallGemmPackFloats)
                         {64, 1, 16},
                         {37, 1, 21},
                         {16, 1, 64},
                         {2, 1, 3},
                         {1, 1, 40}})
    for (bool ta : {false, true})
      for (bool tb : {false, true}) shapes.push_back({ta, tb, m, n, k});
  for (detail::Isa isa : detail::supported_isas()) {
    GemmFn small = detail::simd_kernels(isa).small_gemm;
    for (const Product& p : shapes) {
      REQUIRE(detail::small_gemm_fits(p.m, p.n, p.k));
      std::string where = std::string(detail::isa_name(isa)) + " " + case_name(p.ta, p.tb) +
                          " m=" + std::to_string(p.m) + " n=" + std::to_string(p.n) + " k=" + std::to_string(p.k) +
                          (detail::small_gemm_swaps(p.m, p.n) ? " as C transposed" : "");
      CAPTURE(where);
      check_product(p, 1.0f, 0.0f, small);
      check_product({p.ta, p.tb, p.m, p.n, p.k, 3}, -0.5f, 2.0f, small);  // strided, accumulating
      check_product({p.ta, p.tb, p.m, p.n, p.k, 1}, 2.0f, 1.0f, small);
      check_product(p, 1.0f, 0.0f, small, /*with_bias=*/true);
      check_product({p.ta, p.tb, p.m, p.n, p.k, 2}, -0.5f, 2.0f, small, /*with_bias=*/true);
    }
  }
  // It takes no more than its copy of an operand holds.
  CHECK_FALSE(detail::small_gemm_fits(64, 16, detail::kSmallGemmPackFloats / 16 + 1));
  CHECK_FALSE(detail::small_gemm_fits(1, 16, 16));
  CHECK_FALSE(detail::small_gemm_fits(16, 1, detail::kSmallGemmPackFloats / 16 + 1));
}

TEST_CASE("gemm: k = 0 scales C by beta, and empty outputs are left alone") {
  std::vector<float> c{1, 2, 3, 4};
  detail::gemm(false, false, 2, 2, 0, 1.0f, nullptr, 1, nullptr, 2, 0.5f, c.data(), 2);
  CHECK(c == std::vector<float>{0.5f, 1, 1.5f, 2});
  c = {std::nanf(""), 2, 3, 4};
  detail::gemm(true, false, 2, 2, 0, 1.0f, nullptr, 2, nullptr, 2, 0.0f, c.data(), 2);
  CHECK(c == std::vector<float>{0, 0, 0, 0});
  detail::gemm(false, true, 0, 2, 3, 1.0f, nullptr, 3, nullptr, 3, 0.0f, nullptr, 2);
}

TEST_CASE("gemm: two threads give a large product within the same bound") {
  set_num_threads(2);
  // 512·256·256 = 33.5M multiply-adds: past the size from which products fork.
  for (auto [ta, tb] : {std::pair{false, true}, {false, false}, {true, false}}) {
    std::string where = std::string(case_name(ta, tb)) + " via " + detail::gemm_route(ta, tb, 512, 256, 256);
    CAPTURE(where);
    check_product({ta, tb, 512, 256, 256}, 1.0f, 0.0f);
  }
  // Linear's forward on a 2 MB output, the bias broadcast split between the threads.
  check_product({false, true, 2048, 256, 8}, 1.0f, 0.0f, dispatched, /*with_bias=*/true);
  set_num_threads(1);
}

TEST_CASE("gemm: one thread unless set_num_threads allows more, and small products never fork") {
  std::string route = detail::gemm_route(false, true, 512, 256, 256);
  if (!build_info().openmp || route == "CBLAS") return;  // OpenBLAS keeps its own thread pool
    // OpenMP (libgomp) gives each thread that forks its own pool of helper threads, which outlives
    // the fork: a fresh thread shows whether a product forked, whatever earlier tests did. clang's
    // libomp keeps one pool for the process instead, so once an earlier test in the same process
    // has forked (test_core_with_isa_* runs them all in one), a fork adds no thread to count.
#ifdef __clang__
  return;
#endif
  int at_start = 0, after_large_1 = 0, after_small_2 = 0, after_large_2 = 0;
  std::thread([&] {
    at_start = process_threads();
    check_product({false, true, 512, 256, 256}, 1.0f, 0.0f);  // 33.5M multiply-adds, 1 thread set
    after_large_1 = process_threads();
    set_num_threads(2);
    for (auto [ta, tb] : {std::pair{false, true}, {false, false}, {true, false}})
      check_product({ta, tb, 160, 160, 160}, 1.0f, 0.0f);  // 4.1M: past the oneDNN switch, below the fork
    after_small_2 = process_threads();
    check_product({false, true, 512, 256, 256}, 1.0f, 0.0f);
    after_large_2 = process_threads();
  }).join();
  CAPTURE(route);
  CHECK(after_large_1 == at_start);
  CHECK(after_small_2 == at_start);
  CHECK(after_large_2 == at_start + 1);
}
