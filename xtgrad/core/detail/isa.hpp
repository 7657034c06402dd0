// The instruction sets xtgrad's own kernels (activations, row sums, Eigen's small products) are
// compiled for, and the one chosen at start-up: the widest the CPU has, or XTGRAD_ISA's.
#pragma once

#include <vector>

#include "xtgrad/core/export.hpp"

XTGRAD_API_BEGIN

namespace xtgrad::detail {

/// Ordered from narrowest to widest. Avx2 means AVX2 with FMA; Avx512 means F, CD, DQ and BW.
enum class Isa { Sse2, Avx2, Avx512 };

/// "sse2", "avx2" or "avx512", the values XTGRAD_ISA takes.
const char* isa_name(Isa isa);
/// Whether this CPU (and its operating system) can run the kernels compiled for isa.
bool cpu_supports(Isa isa);
/// The instruction sets this CPU can run, narrowest first (sse2 is always among them).
std::vector<Isa> supported_isas();
/// The ISA named by an XTGRAD_ISA value (nullptr or "" for none: the widest supported one).
/// Throws std::invalid_argument for an unknown name or one this CPU lacks.
Isa choose_isa(const char* requested);
/// choose_isa(getenv("XTGRAD_ISA")), decided on first use and kept for the process.
Isa active_isa();

}  // namespace xtgrad::detail

XTGRAD_API_END
