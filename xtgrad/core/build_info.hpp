// What this build of xtgrad was compiled with (GEMM backends) and runs with (SIMD instruction set).
#pragma once

#include <string>

#include "xtgrad/core/export.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

struct BuildInfo {
  std::string version;  ///< e.g. "0.1.0"
  /// The matrix-product backends and where the switch between them is, e.g. "oneDNN 2.6.3 from
  /// m*n*k >= 262144 (NN), ..., Eigen 3.4.0 below", or "Eigen 3.4.0", or "CBLAS".
  std::string gemm_backend;
  /// The instruction set xtgrad's kernels and Eigen's small products run with, chosen at start-up:
  /// the CPU's widest of "sse2", "avx2" (with FMA) and "avx512", or the environment's XTGRAD_ISA
  /// (which must name one the CPU has). With a bad XTGRAD_ISA, "none (<why>)", and every op
  /// with a vector kernel throws std::invalid_argument saying why.
  std::string simd;
  bool native = false;  ///< built with -march=native (XTGRAD_NATIVE): the rest of the code too
  bool openmp = false;  ///< large products and loops can use several threads (XTGRAD_OPENMP)
};

BuildInfo build_info();
/// Threads for large matrix products and long elementwise loops (sigmoid, tanh, Adam's update)
/// run on the calling thread (OpenMP, which Eigen's and oneDNN's products follow too; products
/// with the CBLAS backend follow OpenBLAS's process-wide setting). Small products and short loops stay on one thread
/// whatever the setting. Default 1. Throws std::invalid_argument for n < 1.
void set_num_threads(int n);
int get_num_threads();

/// One line, e.g. "xtgrad 0.1.0 (GEMM: Eigen 3.4.0, SIMD: avx512, native)".
std::string build_summary();

}  // namespace xtgrad

XTGRAD_API_END
