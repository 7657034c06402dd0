# Precompiled headers for xtgrad's own targets of several sources. Parsing xtensor, the standard
# library and (in tests) doctest and nlohmann/json is 1.2-1.7 s of the 3-6 s each source takes to
# compile (g++ 12, measured on tests/core/test_ops_reduce.cpp and layers/linear.cpp, Release and
# the sanitizer build's -Og), and every source parses them again; a target's precompiled header
# costs about 6 s once. Targets of one or two sources gain nothing and are left out.
# XTGRAD_PRECOMPILED_HEADERS=OFF compiles every source on its own includes (CI's TSan build does,
# for the library, tools/predict.cpp and a test suite, so a missing #include still fails there).
option(XTGRAD_PRECOMPILED_HEADERS "Precompile the standard library and xtensor headers for xtgrad's larger targets" ON)

set(xtgrad_pch_common <algorithm> <cmath> <cstddef> <cstdint> <functional> <memory> <optional> <stdexcept>
    <string> <utility> <vector> <xtensor/xarray.hpp> <xtensor/xview.hpp>)

# xtgrad_precompile_headers(TARGET [HEADER...]): the common headers plus HEADERs (e.g. doctest).
function(xtgrad_precompile_headers target)
  if(XTGRAD_PRECOMPILED_HEADERS)
    target_precompile_headers(${target} PRIVATE ${xtgrad_pch_common} ${ARGN})
  endif()
endfunction()
