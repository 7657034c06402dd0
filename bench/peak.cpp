// xtgrad_peak: the machine's reference speeds for bench/compare.sh.
// - sgemm GFLOP/s of a 512×1024×1024 product through every library at hand: Eigen (one thread),
//   OpenBLAS, oneDNN's dnnl_sgemm and oneDNN's matmul primitive (1 and 2 threads; xtgrad's
//   largest products use the primitive); compare.sh takes the best as the peak.
// - copy bandwidth in GB/s, counting the bytes read plus the bytes written, as W5's byte count
//   does (bench/README.md): at W5's and W5s's sizes (four arrays of 1,000,000 and of 50,000 floats,
//   so the copy lives in the same level of cache as the workload), 1 and 2 threads; and with
//   buffers far beyond the last-level cache, for the machine's memory bandwidth.
// Run it with OPENBLAS_CORETYPE set to the CPU's kernel family (Debian's OpenBLAS 0.3.21
// misdetects recent CPUs).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <cblas.h>
#include <omp.h>
#include <unistd.h>
#include <Eigen/Core>
#ifdef PEAK_ONEDNN
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace {

constexpr int kM = 512, kK = 1024, kN = 1024;  // C [M, N] = A [M, K] · B [K, N]
constexpr double kGemmFlops = 2.0 * kM * kK * kN;

/// Best time per call of f, in seconds: one untimed call, then `batches` batches of calls, each
/// batch long enough (>= 20 ms) that the clock's resolution and one fork-join do not matter.
template <class F>
double best_seconds(F f, int batches) {
  f();
  auto seconds_of = [&f](int calls) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  int calls = 1;
  while (seconds_of(calls) < 0.02) calls *= 2;
  double best = 1e30;
  for (int b = 0; b < batches; ++b) best = std::min(best, seconds_of(calls) / calls);
  return best;
}

struct GemmOperands {
  std::vector<float> a = std::vector<float>(std::size_t{kM} * kK, 0.5f);
  std::vector<float> b = std::vector<float>(std::size_t{kK} * kN, 0.25f);
  std::vector<float> c = std::vector<float>(std::size_t{kM} * kN);
};

double eigen_gflops() {
  // Row-major, as xtgrad stores its arrays. One thread: EIGEN_DONT_PARALLELIZE (bench/CMakeLists.txt).
  using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Matrix a = Matrix::Random(kM, kK), b = Matrix::Random(kK, kN), c(kM, kN);
  return kGemmFlops / best_seconds([&] { c.noalias() = a * b; }, 10) / 1e9;
}

double openblas_gflops(int threads) {
  openblas_set_num_threads(threads);
  GemmOperands o;
  double s = best_seconds(
      [&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, kM, kN, kK, 1.0f, o.a.data(), kK, o.b.data(), kN, 0.0f,
                    o.c.data(), kN);
      },
      10);
  return kGemmFlops / s / 1e9;
}

#ifdef PEAK_ONEDNN
/// dnnl_sgemm (row-major) on `threads` OpenMP threads: Debian's oneDNN runs on libgomp and reads
/// omp_get_max_threads(), as xtgrad's gemm steers it.
double onednn_gflops(int threads) {
  omp_set_num_threads(threads);
  GemmOperands o;
  bool ok = true;
  double s = best_seconds(
      [&] {
        ok &= dnnl_sgemm('N', 'N', kM, kN, kK, 1.0f, o.a.data(), kK, o.b.data(), kN, 0.0f, o.c.data(), kN) ==
              dnnl_success;
      },
      10);
  if (!ok) {
    std::fprintf(stderr, "xtgrad_peak: dnnl_sgemm failed\n");
    std::exit(1);
  }
  return kGemmFlops / s / 1e9;
}

/// oneDNN's matmul primitive on `threads` OpenMP threads, made once for them (as xtgrad's gemm
/// does per thread count) with its scratchpad passed in, as xtgrad passes it.
double onednn_matmul_gflops(int threads) {
  omp_set_num_threads(threads);
  GemmOperands o;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  using dims = dnnl::memory::dims;
  auto f32 = dnnl::memory::data_type::f32;
  dnnl::memory::desc a({kM, kK}, f32, dims{kK, 1}), b({kK, kN}, f32, dims{kN, 1}), c({kM, kN}, f32, dims{kN, 1});
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a, b, c), attr, engine);
  dnnl::matmul matmul(pd);
  std::vector<char> scratch(pd.scratchpad_desc().get_size() + 64);
  dnnl::memory am(a, engine, o.a.data()), bm(b, engine, o.b.data()), cm(c, engine, o.c.data());
  dnnl::memory sm(pd.scratchpad_desc(), engine, scratch.data());
  double s = best_seconds(
      [&] {
        matmul.execute(stream,
                       {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}, {DNNL_ARG_SCRATCHPAD, sm}});
        stream.wait();
      },
      10);
  return kGemmFlops / s / 1e9;
}
#endif

/// GB/s of copying a into b and c into d, four arrays of `floats` floats each (the four of W5:
/// x, the upstream gradient, y and x's gradient), each of `threads` threads copying its own slice;
/// counts read + written bytes, 2 × 2 × 4 × floats per call. The arrays are written before timing,
/// so no first-touch page fault is timed.
double copy_gbps(std::size_t floats, int threads) {
  std::vector<float> a(floats, 1.0f), b(floats, 0.0f), c(floats, 2.0f), d(floats, 0.0f);
  auto copy = [&] {
#pragma omp parallel num_threads(threads)
    {
      std::size_t t = static_cast<std::size_t>(omp_get_thread_num()),
                  nt = static_cast<std::size_t>(omp_get_num_threads());
      std::size_t begin = floats * t / nt, end = floats * (t + 1) / nt;
      std::memcpy(b.data() + begin, a.data() + begin, (end - begin) * sizeof(float));
      std::memcpy(d.data() + begin, c.data() + begin, (end - begin) * sizeof(float));
    }
  };
  return 16.0 * static_cast<double>(floats) / best_seconds(copy, 10) / 1e9;
}

/// Bytes per buffer for the out-of-cache copy: four times the last-level cache (at least 256 MB),
/// but at most a sixteenth of the machine's memory (two buffers are allocated).
std::size_t beyond_cache_bytes() {
  long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE), pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  std::size_t bytes = std::max<std::size_t>(std::size_t{256} << 20, l3 > 0 ? 4 * static_cast<std::size_t>(l3) : 0);
  if (pages > 0 && page > 0)
    bytes = std::min(bytes, static_cast<std::size_t>(pages) * static_cast<std::size_t>(page) / 16);
  return bytes;
}

/// GB/s of one memcpy between buffers far beyond the caches (read + written bytes), best of 5.
double memory_gbps(std::size_t bytes) {
  std::vector<char> src(bytes, 1), dst(bytes, 0);  // touched, so no page faults are timed
  return 2.0 * static_cast<double>(bytes) / best_seconds([&] { std::memcpy(dst.data(), src.data(), bytes); }, 5) / 1e9;
}

}  // namespace

int main() {
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  std::printf("openblas_coretype_env=%s\n", coretype ? coretype : "(unset)");
  std::printf("openblas_core=%s\n", openblas_get_corename());
  std::printf("eigen_simd=%s\n", Eigen::SimdInstructionSetsInUse());
  std::printf("sgemm_shape=%dx%dx%d\n", kM, kK, kN);
  std::printf("eigen_gflops_1t=%.1f\n", eigen_gflops());
  std::printf("openblas_gflops_1t=%.1f\n", openblas_gflops(1));
  std::printf("openblas_gflops_2t=%.1f\n", openblas_gflops(2));
  openblas_set_num_threads(1);  // its idle threads would otherwise compete with oneDNN's
#ifdef PEAK_ONEDNN
  std::printf("onednn_gflops_1t=%.1f\n", onednn_gflops(1));
  std::printf("onednn_gflops_2t=%.1f\n", onednn_gflops(2));
  std::printf("onednn_matmul_gflops_1t=%.1f\n", onednn_matmul_gflops(1));
  std::printf("onednn_matmul_gflops_2t=%.1f\n", onednn_matmul_gflops(2));
#endif
  for (int threads : {1, 2}) {
    std::printf("copy_gbps_w5_%dt=%.1f\n", threads, copy_gbps(1000000, threads));
    std::printf("copy_gbps_w5s_%dt=%.1f\n", threads, copy_gbps(50000, threads));
  }
  std::size_t bytes = beyond_cache_bytes();
  std::printf("memory_copy_mb=%zu\n", bytes >> 20);
  std::printf("memory_gbps=%.1f\n", memory_gbps(bytes));
  return 0;
}
