// Picks the kernels' instruction set once, from the CPU and the XTGRAD_ISA variable.
#include "xtgrad/core/detail/isa.hpp"

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace xtgrad::detail {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Sse2: return "sse2";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
  }
  return "unknown";
}

// GCC's checks read CPUID and XGETBV, so an OS that does not save the wide registers counts as
// lacking them. The flags match the ones the kernels are compiled with (core/CMakeLists.txt).
bool cpu_supports(Isa isa) {
  __builtin_cpu_init();
  switch (isa) {
    case Isa::Sse2: return true;  // part of x86-64
    case Isa::Avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::Avx512:
      return cpu_supports(Isa::Avx2) && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw");
  }
  return false;
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::Sse2, Isa::Avx2, Isa::Avx512})
    if (cpu_supports(isa)) isas.push_back(isa);
  return isas;
}

Isa choose_isa(const char* requested) {
  if (requested == nullptr || *requested == '\0') return supported_isas().back();
  for (Isa isa : {Isa::Sse2, Isa::Avx2, Isa::Avx512}) {
    if (std::strcmp(requested, isa_name(isa)) != 0) continue;
    if (!cpu_supports(isa))
      throw std::invalid_argument(std::string("XTGRAD_ISA: this CPU cannot run '") + requested +
                                  "' (widest it has: " + isa_name(supported_isas().back()) + ")");
    return isa;
  }
  throw std::invalid_argument(std::string("XTGRAD_ISA: expected sse2, avx2 or avx512, got '") + requested + "'");
}

// A static local: if XTGRAD_ISA is bad, every kernel call throws the same message, none runs.
Isa active_isa() {
  static const Isa isa = choose_isa(std::getenv("XTGRAD_ISA"));
  return isa;
}

}  // namespace xtgrad::detail
