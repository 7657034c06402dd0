// Reports the configure-time choices, so benchmarks and bug reports can say what ran.
#include "build_info.hpp"

#include <xsimd/xsimd.hpp>

#include "detail/gemm.hpp"

namespace xtgrad {

BuildInfo build_info() {
  BuildInfo info;
  info.version = XTGRAD_VERSION;
  info.gemm_backend = detail::gemm_backend();
  info.simd = xsimd::default_arch::name();
#ifdef XTGRAD_BUILT_NATIVE
  info.native = true;
#endif
  return info;
}

std::string build_summary() {
  BuildInfo info = build_info();
  return "xtgrad " + info.version + " (GEMM: " + info.gemm_backend + ", SIMD: " + info.simd +
         (info.native ? ", native)" : ", portable)");
}

}  // namespace xtgrad
