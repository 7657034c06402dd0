// xtgrad_gemm_shootout: sgemm speed of each backend on this machine at the shapes xtgrad's workloads
// multiply (W1-W4) and over sizes 16..512, for the transpose cases xtgrad uses (NT: y = x·Wᵀ,
// NN: dx = g·W, TN: dW = gᵀ·x). Every result is checked against a double-precision reference.
// It chose the crossover table in core/detail/gemm_dispatch.cpp (see bench/RESULTS.md).
// Usage: xtgrad_gemm_shootout [--threads N] [--rounds R] [--only PREFIX]
//        (defaults: 1 thread, 30 rounds, every shape; PREFIX keeps the shapes whose label starts
//        with it, e.g. "W3 " for W3's products, and then the last line gives their sum through
//        xtgrad's gemm as xtgrad_total_gflops=, which bench/compare.sh reads)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Core>
#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef SHOOTOUT_OPENBLAS
#include <cblas.h>
#endif
#ifdef XTGRAD_WITH_ONEDNN
#include <dnnl.h>
#endif

#include "xtgrad/core/build_info.hpp"
#include "xtgrad/core/detail/gemm.hpp"
#include "xtgrad/core/detail/simd_kernels.hpp"

namespace {

struct Shape {
  std::string label;  // the workload and product it comes from, or the sweep family
  bool ta, tb;
  std::size_t m, n, k;
  double work() const { return double(m) * double(n) * double(k); }
  std::string kind() const { return std::string(ta ? "T" : "N") + (tb ? "T" : "N"); }
};

// Row-major operands as xtgrad stores them: A is [m, k] (Aᵀ: [k, m]), B is [k, n] (Bᵀ: [n, k]).
struct Problem {
  Shape s;
  std::vector<float> a, b, c;
  std::size_t lda, ldb, ldc;
  std::vector<double> ref, bound;  // the exact product in double, and the rounding-error bound

  explicit Problem(Shape shape) : s(std::move(shape)) {
    std::mt19937 gen(42);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    a.resize(s.m * s.k), b.resize(s.k * s.n), c.assign(s.m * s.n, 0.0f);
    for (float& x : a) x = u(gen);
    for (float& x : b) x = u(gen);
    lda = s.ta ? s.m : s.k, ldb = s.tb ? s.k : s.n, ldc = s.n;
    // op(A) [m, k] and op(B) [k, n] in double, then C = op(A)·op(B) and |op(A)|·|op(B)|.
    std::vector<double> oa(s.m * s.k), ob(s.k * s.n);
    for (std::size_t i = 0; i < s.m; ++i)
      for (std::size_t p = 0; p < s.k; ++p) oa[i * s.k + p] = s.ta ? a[p * lda + i] : a[i * lda + p];
    for (std::size_t p = 0; p < s.k; ++p)
      for (std::size_t j = 0; j < s.n; ++j) ob[p * s.n + j] = s.tb ? b[j * ldb + p] : b[p * ldb + j];
    ref.assign(s.m * s.n, 0.0), bound.assign(s.m * s.n, 0.0);
    for (std::size_t i = 0; i < s.m; ++i)
      for (std::size_t p = 0; p < s.k; ++p) {
        double x = oa[i * s.k + p];
        for (std::size_t j = 0; j < s.n; ++j) {
          ref[i * s.n + j] += x * ob[p * s.n + j];
          bound[i * s.n + j] += std::abs(x * ob[p * s.n + j]);
        }
      }
    // Any summation order in float is within (k + 1)·u·(|A|·|B|) of the exact sum (u = 2^-24).
    double gamma = double(s.k + 1) * std::ldexp(1.0, -24);
    for (double& x : bound) x *= gamma;
  }

  /// The largest |C - exact| / bound; above 1 the backend computed something else.
  double error_ratio() const {
    double worst = 0;
    for (std::size_t i = 0; i < c.size(); ++i) worst = std::max(worst, std::abs(c[i] - ref[i]) / (bound[i] + 1e-30));
    return worst;
  }
};

struct Backend {
  const char* name;
  std::function<void(Problem&)> run;  // C = op(A)·op(B)
  bool (*takes)(const Shape&) = [](const Shape&) { return true; };
};

int threads = 1;

void set_library_threads() {
#ifdef _OPENMP
  omp_set_num_threads(threads);  // xtgrad's gemm changes it per product; Eigen and oneDNN read it
#endif
}

std::vector<Backend> backends() {
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using ConstMap = Eigen::Map<const RowMajor>;
  std::vector<Backend> list;
  list.push_back({"Eigen", [](Problem& p) {
                    set_library_threads();
                    const Shape& s = p.s;
                    ConstMap am(p.a.data(), s.ta ? s.k : s.m, s.ta ? s.m : s.k);
                    ConstMap bm(p.b.data(), s.tb ? s.n : s.k, s.tb ? s.k : s.n);
                    Eigen::Map<RowMajor> cm(p.c.data(), s.m, s.n);
                    if (!s.ta && !s.tb) cm.noalias() = am * bm;
                    else if (s.ta && !s.tb) cm.noalias() = am.transpose() * bm;
                    else if (!s.ta && s.tb) cm.noalias() = am * bm.transpose();
                    else cm.noalias() = am.transpose() * bm.transpose();
                  }});
#ifdef SHOOTOUT_OPENBLAS
  list.push_back({"OpenBLAS", [](Problem& p) {
                    const Shape& s = p.s;
                    cblas_sgemm(CblasRowMajor, s.ta ? CblasTrans : CblasNoTrans, s.tb ? CblasTrans : CblasNoTrans,
                                int(s.m), int(s.n), int(s.k), 1.0f, p.a.data(), int(p.lda), p.b.data(), int(p.ldb),
                                0.0f, p.c.data(), int(p.ldc));
                  }});
#endif
#ifdef XTGRAD_WITH_ONEDNN
  list.push_back({"oneDNN", [](Problem& p) {
                    set_library_threads();
                    const Shape& s = p.s;
                    if (dnnl_sgemm(s.ta ? 'T' : 'N', s.tb ? 'T' : 'N', dnnl_dim_t(s.m), dnnl_dim_t(s.n),
                                   dnnl_dim_t(s.k), 1.0f, p.a.data(), dnnl_dim_t(p.lda), p.b.data(), dnnl_dim_t(p.ldb),
                                   0.0f, p.c.data(), dnnl_dim_t(p.ldc)) != dnnl_success) {
                      std::fprintf(stderr, "dnnl_sgemm failed\n");
                      std::exit(1);
                    }
                  }});
#endif
  // xtgrad's small-product kernel, for the ISA chosen at start-up, on the products it takes.
  list.push_back({"small",
                  [](Problem& p) {
                    const Shape& s = p.s;
                    xtgrad::detail::simd_kernels().small_gemm(s.ta, s.tb, s.m, s.n, s.k, 1.0f, p.a.data(), p.lda,
                                                              p.b.data(), p.ldb, 0.0f, p.c.data(), p.ldc, nullptr);
                  },
                  [](const Shape& s) { return xtgrad::detail::small_gemm_fits(s.m, s.n, s.k); }});
  list.push_back({"xtgrad", [](Problem& p) {
                    const Shape& s = p.s;
                    xtgrad::detail::gemm(s.ta, s.tb, s.m, s.n, s.k, 1.0f, p.a.data(), p.lda, p.b.data(), p.ldb, 0.0f,
                                         p.c.data(), p.ldc);
                  }});
  return list;
}

std::vector<Shape> shapes() {
  std::vector<Shape> list;
  // Linear(in, out) on a batch: forward NT (batch, out, in), dx NN (batch, in, out), dW TN (out, in, batch).
  auto linear = [&](const char* w, std::size_t batch, std::size_t in, std::size_t out, bool dx) {
    std::string l = std::string(w) + " " + std::to_string(in) + "->" + std::to_string(out);
    list.push_back({l + " y", false, true, batch, out, in});
    if (dx) list.push_back({l + " dx", false, false, batch, in, out});
    list.push_back({l + " dW", true, false, out, in, batch});
  };
  linear("W1", 64, 2, 16, false), linear("W1", 64, 16, 16, true), linear("W1", 64, 16, 1, true);
  linear("W2", 256, 30, 128, false), linear("W2", 256, 128, 128, true), linear("W2", 256, 128, 1, true);
  linear("W3", 512, 784, 1024, false), linear("W3", 512, 1024, 1024, true), linear("W3", 512, 1024, 1, true);
  // W4: LSTM(8 -> 64), 32 steps of batch 32, 4·64 = 256 gates (layers/lstm_layer.cpp).
  list.push_back({"W4 x·W_ihᵀ (all steps)", false, true, 1024, 256, 8});
  list.push_back({"W4 h·W_hhᵀ (per step)", false, true, 32, 256, 64});
  list.push_back({"W4 dh = d_gates·W_hh", false, false, 32, 64, 256});
  list.push_back({"W4 dW_ih", true, false, 256, 8, 1024});
  list.push_back({"W4 dW_hh (steps 2..32)", true, false, 256, 64, 992});
  list.push_back({"W4 dW_hh (step 1)", true, false, 256, 64, 32});
  for (std::size_t s : {16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512})
    for (auto [ta, tb] : {std::pair{false, true}, {false, false}, {true, false}}) {
      list.push_back({"square", ta, tb, s, s, s});
      if (s <= 128) {
        list.push_back({"m = 4n = 4k", ta, tb, 4 * s, s, s});
        list.push_back({"k = 4m = 4n", ta, tb, s, s, 4 * s});
      }
    }
  // Products of a matrix and a vector (a layer with one output, or one sample), and outer products.
  for (std::size_t s : {64, 256, 1024})
    for (auto [ta, tb] : {std::pair{false, true}, {false, false}, {true, false}}) {
      list.push_back({"n = 1", ta, tb, s, 1, s});
      list.push_back({"m = 1", ta, tb, 1, s, s});
      list.push_back({"k = 1", ta, tb, s, s, 1});
    }
  return list;
}

double seconds_of(const std::function<void()>& f, int iters) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iters; ++i) f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / iters;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 30;
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--rounds")) rounds = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--only")) only = argv[i + 1];
    else rounds = 0;  // an unknown option: the usage below
  }
  if (threads < 1 || rounds < 1 || argc % 2 == 0) {
    std::fprintf(stderr, "usage: xtgrad_gemm_shootout [--threads N >= 1] [--rounds R >= 1] [--only PREFIX]\n");
    return 2;
  }
  xtgrad::set_num_threads(threads);
#ifdef SHOOTOUT_OPENBLAS
  openblas_set_num_threads(threads);
#endif
  std::vector<Backend> list = backends();
  std::printf("%s; %d thread(s); GFLOP/s = 2·m·n·k / best time of %d rounds (backends interleaved)\n\n",
              xtgrad::build_summary().c_str(), threads, rounds);
  std::printf("| shape | case | m | n | k |");
  for (const Backend& b : list) std::printf(" %s |", b.name);
  std::printf(" xtgrad's route | oneDNN / Eigen | small / best of Eigen, oneDNN |\n| --- | --- | ---: | ---: | ---: |");
  for (std::size_t i = 0; i < list.size(); ++i) std::printf(" ---: |");
  std::printf(" --- | ---: | ---: |\n");

  bool all_correct = true;
  struct Row {
    Shape s;
    double ratio;        // oneDNN / Eigen
    double small_ratio;  // small / the faster of Eigen and oneDNN (0 where small does not take it)
  };
  std::vector<Row> rows;
  double total_work = 0, total_seconds = 0;  // the selected products through xtgrad's gemm
  for (const Shape& shape : shapes()) {
    if (shape.label.compare(0, only.size(), only) != 0) continue;
    Problem p(shape);
    std::vector<double> best(list.size(), 1e30);
    std::vector<int> iters(list.size());
    for (std::size_t b = 0; b < list.size(); ++b) {
      if (!list[b].takes(shape)) continue;
      std::fill(p.c.begin(), p.c.end(), std::nanf(""));  // beta = 0 must not read C
      list[b].run(p);
      double err = p.error_ratio();
      if (!(err <= 1.0)) {
        std::printf("WRONG: %s on %s %s %zux%zux%zu: error %.3g x the rounding bound\n", list[b].name,
                    shape.label.c_str(), shape.kind().c_str(), shape.m, shape.n, shape.k, err);
        all_correct = false;
      }
      // Samples of about 0.3 ms: short enough that most escape preemption on a loaded machine.
      double once = seconds_of([&] { list[b].run(p); }, 1);
      iters[b] = std::max(1, int(3e-4 / once));
    }
    for (int r = 0; r < rounds; ++r)
      for (std::size_t i = 0; i < list.size(); ++i) {
        std::size_t b = (i + r) % list.size();  // rotate, so that no backend always runs first
        if (!list[b].takes(shape)) continue;
        best[b] = std::min(best[b], seconds_of([&] { list[b].run(p); }, iters[b]));
      }
    std::printf("| %s | %s | %zu | %zu | %zu |", shape.label.c_str(), shape.kind().c_str(), shape.m, shape.n, shape.k);
    double eigen = 0, onednn = 0, small = 0;
    for (std::size_t b = 0; b < list.size(); ++b) {
      if (!list[b].takes(shape)) {
        std::printf(" |");
        continue;
      }
      double gflops = 2.0 * shape.work() / best[b] / 1e9;
      std::printf(" %.1f |", gflops);
      if (!std::strcmp(list[b].name, "Eigen")) eigen = gflops;
      if (!std::strcmp(list[b].name, "oneDNN")) onednn = gflops;
      if (!std::strcmp(list[b].name, "small")) small = gflops;
      if (!std::strcmp(list[b].name, "xtgrad")) total_work += 2.0 * shape.work(), total_seconds += best[b];
    }
    double ratio = eigen > 0 ? onednn / eigen : 0;
    double small_ratio = eigen > 0 ? small / std::max(eigen, onednn) : 0;
    std::printf(" %s | %.2f | %.2f |\n", xtgrad::detail::gemm_route(shape.ta, shape.tb, shape.m, shape.n, shape.k),
                ratio, small_ratio);
    std::fflush(stdout);
    rows.push_back({shape, ratio, small_ratio});
  }

  // Per case: the smallest m·n·k from which oneDNN beat Eigen on every measured matrix product
  // (matrix-vector products, m or n = 1, are routed apart: see core/detail/gemm_dispatch.cpp).
  std::printf("\n");
  for (const char* kind : {"NT", "NN", "TN"}) {
    double from = 0, worst_above = 1e30;
    auto matrix = [&](const Row& r) { return r.s.kind() == kind && r.s.m > 1 && r.s.n > 1; };
    for (const Row& r : rows)
      if (matrix(r) && r.ratio < 1.0) from = std::max(from, r.s.work() * 1.0000001);
    for (const Row& r : rows)
      if (matrix(r) && r.s.work() >= from) worst_above = std::min(worst_above, r.ratio);
    std::printf(
        "%s: oneDNN at least as fast as Eigen on every m, n > 1 from m*n*k = %.0f (slowest of them: %.2fx Eigen)\n",
        kind, from, worst_above);
  }
  // Per case: the largest m·n·k up to which the small kernel beat both on every product it takes.
  for (const char* kind : {"NT", "NN", "TN"}) {
    double below = 1e300;
    for (const Row& r : rows)
      if (r.s.kind() == kind && r.small_ratio > 0 && r.small_ratio < 1.0) below = std::min(below, r.s.work());
    double up_to = 0;
    for (const Row& r : rows)
      if (r.s.kind() == kind && r.small_ratio > 0 && r.s.work() < below) up_to = std::max(up_to, r.s.work());
    std::printf("%s: the small kernel faster than Eigen and oneDNN on every product it takes up to m*n*k = %.0f\n",
                kind, up_to);
  }
  if (!only.empty() && total_seconds > 0)
    std::printf(
        "the products above one after another through xtgrad's gemm, each at its best time:\n"
        "xtgrad_total_gflops=%.1f\n",
        total_work / total_seconds / 1e9);
  std::printf("%s\n", all_correct ? "every result within the rounding bound of the double reference"
                                  : "SOME RESULTS WRONG (see above)");
  return all_correct ? 0 : 1;
}
