// Reports the configure-time choices and the instruction set picked at start-up, so benchmarks
// and bug reports can say what ran.
#include "xtgrad/core/build_info.hpp"

#include <stdexcept>

#include "xtgrad/core/detail/gemm.hpp"
#include "xtgrad/core/detail/isa.hpp"

namespace xtgrad {

BuildInfo build_info() {
  BuildInfo info;
  info.version = XTGRAD_VERSION;
  info.gemm_backend = detail::gemm_backend();
  try {
    info.simd = detail::isa_name(detail::active_isa());
  } catch (const std::invalid_argument& e) {  // reported, not thrown: --version must still print
    info.simd = std::string("none (") + e.what() + ")";
  }
#ifdef XTGRAD_BUILT_NATIVE
  info.native = true;
#endif
#ifdef _OPENMP
  info.openmp = true;
#endif
  return info;
}

void set_num_threads(int n) {
  if (n < 1) throw std::invalid_argument("set_num_threads: expected at least 1 thread, got " + std::to_string(n));
  detail::gemm_set_threads(n);
}

int get_num_threads() { return detail::gemm_threads(); }

std::string build_summary() {
  BuildInfo info = build_info();
  return "xtgrad " + info.version + " (GEMM: " + info.gemm_backend + ", SIMD: " + info.simd +
         (info.openmp ? ", OpenMP" : "") + (info.native ? ", native)" : ", portable)");
}

}  // namespace xtgrad
