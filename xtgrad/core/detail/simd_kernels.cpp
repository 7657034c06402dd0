// Hands out the kernel table of an instruction set; the active one is fixed at first use.
#include "xtgrad/core/detail/simd_kernels.hpp"

#include <stdexcept>
#include <string>

#include "xtgrad/core/detail/isa_variants.hpp"

namespace xtgrad::detail {

const SimdKernels& simd_kernels(Isa isa) {
  if (!cpu_supports(isa))
    throw std::invalid_argument(std::string("simd_kernels: this CPU cannot run ") + isa_name(isa) + " kernels");
  switch (isa) {
    case Isa::Sse2: return isa_sse2::kernels();
    case Isa::Avx2: return isa_avx2::kernels();
    case Isa::Avx512: return isa_avx512::kernels();
  }
  throw std::logic_error("simd_kernels: unknown instruction set");
}

const SimdKernels& simd_kernels() {
  static const SimdKernels& active = simd_kernels(active_isa());
  return active;
}

}  // namespace xtgrad::detail
