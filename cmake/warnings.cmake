# Compiler warnings for every target of ours (the library, the per-ISA kernel objects, the tool,
# tests, examples, benchmarks, the guide's snippets and the fuzz targets), applied in one place
# as PRIVATE options, so they never reach the installed package's consumers. Third-party headers
# (xtensor, xsimd, Eigen, oneDNN, doctest, CLI11, nlohmann, libtorch) come from /usr/include or
# imported targets, which the compiler treats as system headers: their warnings are not shown.
option(XTGRAD_WARNINGS_AS_ERRORS "Turn compiler warnings into errors (CI does)" OFF)

# Adds the warnings to every compiled target defined in `dir` and the directories below it (once
# per target, so a project that adds ours as a subdirectory, such as tests/fuzz, can call it too).
#  -Wall -Wextra -Wpedantic -Wconversion: all of them, with g++ 12 and clang 14; but clang's
#   -Wconversion also means -Wsign-conversion (g++'s does not in C++), which flags every size_t
#   shape or index meeting an iterator's or xtensor's signed difference type (24 sites in
#   the library and fuzz targets): a cast at each would hide the code, not fix it.
#  -Wno-uninitialized -Wno-maybe-uninitialized with g++ before 12.3 (Debian 12 has 12.2): its
#   avx512fintrin.h leaves `__Y` uninitialized on purpose (_mm512_undefined_ps) and, once inlined
#   into our code, g++ reports it there (GCC bug 105593, fixed in 12.3): 765 warnings from init.cpp
#   and the AVX-512 kernel objects alone, none of them ours.
#  -Wshadow with clang only. g++'s also flags a local declared inside a lambda that a local of the
#   enclosing function shadows although the lambda does not capture it: each op's backward
#   lambda names the saved input `x` and output `y` as the forward does (STYLE.md: the backward
#   reads as the forward's chain rule): g++ counted 19 such sites, and 8 constructor parameters
#   named after the member they set, over every target, and nothing else. clang's -Wshadow
#   skips what a lambda cannot see (0 warnings).
function(xtgrad_enable_warnings dir)
  set(gcc_avx512_bug $<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,12.3>>)
  set(flags -Wall -Wextra -Wpedantic -Wconversion $<$<CXX_COMPILER_ID:Clang>:-Wshadow>
            $<$<CXX_COMPILER_ID:Clang>:-Wno-sign-conversion>
            $<${gcc_avx512_bug}:-Wno-uninitialized> $<${gcc_avx512_bug}:-Wno-maybe-uninitialized>)
  if(XTGRAD_WARNINGS_AS_ERRORS)
    list(APPEND flags -Werror)
  endif()
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    get_target_property(done ${target} XTGRAD_WARNINGS)
    if(type MATCHES "^(STATIC|SHARED|MODULE|OBJECT)_LIBRARY$|^EXECUTABLE$" AND NOT done)
      target_compile_options(${target} PRIVATE ${flags})
      set_target_properties(${target} PROPERTIES XTGRAD_WARNINGS ON)
    endif()
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(subdir IN LISTS subdirs)
    xtgrad_enable_warnings(${subdir})
  endforeach()
endfunction()
