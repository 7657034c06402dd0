// xtgrad_peak: the machine's reference speeds for bench/compare.sh: GFLOP/s of a 512×1024×1024
// sgemm through Eigen (one thread) and OpenBLAS (1 and 2 threads), and memcpy bandwidth.
// Run it with OPENBLAS_CORETYPE=SkylakeX set: Debian's OpenBLAS 0.3.21 misdetects recent CPUs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>

#include <Eigen/Core>
#include <cblas.h>

namespace {

constexpr int kM = 512, kK = 1024, kN = 1024;   // C [M, N] = A [M, K] · B [K, N]
constexpr double kGemmFlops = 2.0 * kM * kK * kN;

/// Best wall time of `repeats` calls of `f`, in seconds, after one untimed call.
double best_seconds(const std::function<void()>& f, int repeats) {
  f();
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    auto start = std::chrono::steady_clock::now();
    f();
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    best = std::min(best, elapsed.count());
  }
  return best;
}

double eigen_gflops() {
  // Row-major, as xtgrad stores its arrays.
  using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Matrix a = Matrix::Random(kM, kK), b = Matrix::Random(kK, kN), c(kM, kN);
  double s = best_seconds([&] { c.noalias() = a * b; }, 10);
  return kGemmFlops / s / 1e9;
}

double openblas_gflops(int threads) {
  openblas_set_num_threads(threads);
  std::vector<float> a(std::size_t{kM} * kK, 0.5f), b(std::size_t{kK} * kN, 0.25f), c(std::size_t{kM} * kN);
  double s = best_seconds(
      [&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, kM, kN, kK, 1.0f, a.data(), kK, b.data(), kN, 0.0f,
                    c.data(), kN);
      },
      10);
  return kGemmFlops / s / 1e9;
}

/// memcpy of a 64 MB buffer, best of 10; counts the bytes read plus the bytes written
/// (2 × 64 MB per copy), the same convention as compare.sh's byte count for W5.
double memcpy_gbps() {
  const std::size_t bytes = std::size_t{64} << 20;
  std::vector<char> src(bytes, 1), dst(bytes, 0);  // touched, so no page faults are timed
  double s = best_seconds([&] { std::memcpy(dst.data(), src.data(), bytes); }, 10);
  return 2.0 * static_cast<double>(bytes) / s / 1e9;
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
  std::printf("memcpy_gbps=%.1f\n", memcpy_gbps());
  return 0;
}
