// What this build of xtgrad was compiled with: GEMM backend and SIMD instruction set.
#pragma once

#include <string>

namespace xtgrad {

struct BuildInfo {
  std::string version;       ///< e.g. "0.1.0"
  std::string gemm_backend;  ///< "Eigen 3.4.0" or "CBLAS"
  std::string simd;          ///< xsimd's widest instruction set in use, e.g. "avx512bw"
  bool native = false;       ///< built with -march=native (XTGRAD_NATIVE)
};

BuildInfo build_info();
/// One line, e.g. "xtgrad 0.1.0 (GEMM: Eigen 3.4.0, SIMD: avx512bw, native)".
std::string build_summary();

}  // namespace xtgrad
