# Fails when an object compiled for one instruction set (core/CMakeLists.txt, xtgrad_kernels_<isa>)
# defines a global symbol that another copy, or the rest of the library, could define too: the
# linker keeps one of equal weak symbols, so an inline helper built with -mavx512f could be the
# one the SSE2 path calls, and stop with "illegal instruction" on an older CPU. Every global name
# must carry the ISA: its namespace (isa_<isa>, xtgrad_eigen_<isa>) or its xsimd architecture.
# Nor may an object have a static initialiser (.init_array): it would run at start-up on any CPU
# (not checked with -DSANITIZED=ON: AddressSanitizer adds one to every object).
# Nor may libxtgrad.so export any of their symbols (they are compiled with hidden visibility):
# another library's copy would then be the one called.
# Usage: cmake -DNM=<nm> -DOBJDUMP=<objdump> -DISA=<isa> -DARCH=<xsimd arch> [-DSANITIZED=ON]
#        "-DOBJECTS=<a.o;b.o>" [-DSHARED_LIBRARY=<libxtgrad.so>]
#        -P check_isa_symbols.cmake
cmake_minimum_required(VERSION 3.18)
# The C++ runtime's personality, and clang's helper that catches and terminates (two calls, no
# vector code): the same in every object.
set(allowed "DW.ref.__gxx_personality_v0" "__clang_call_terminate")
set(bad "")
foreach(object IN LISTS OBJECTS)
  execute_process(COMMAND ${NM} -C --defined-only --extern-only ${object} OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NM} failed on ${object}")
  endif()
  execute_process(COMMAND ${OBJDUMP} -h ${object} OUTPUT_VARIABLE sections)
  if(sections MATCHES "init_array" AND NOT SANITIZED)
    string(APPEND bad "\n  a static initialiser (.init_array)  (${object})")
  endif()
  string(REPLACE "\n" ";" lines "${symbols}")
  foreach(line IN LISTS lines)
    if(line STREQUAL "" OR line MATCHES ":$")
      continue()
    endif()
    string(REGEX REPLACE "^[0-9a-fA-F]* *[A-Za-z] " "" name "${line}")
    string(FIND "${name}" "isa_${ISA}::" in_namespace)
    string(FIND "${name}" "xtgrad_eigen_${ISA}::" in_eigen)
    string(FIND "${name}" "${ARCH}" on_arch)
    # Run-time type information is data, the same whichever ISA emitted it: clang's UBSan
    # (-fsanitize=function) emits it for the type of every function it checks calls through.
    string(REGEX MATCH "^typeinfo (name )?for " is_typeinfo "${name}")
    # Instrumented, clang leaves some of the standard library's inline members out of line
    # (std::bad_alloc's constructor, from Eigen); the unsanitized build checks those objects fully.
    string(REGEX MATCH "^std::" in_std "${name}")
    if(in_std AND SANITIZED)
      continue()
    endif()
    if(in_namespace EQUAL -1 AND in_eigen EQUAL -1 AND on_arch EQUAL -1 AND NOT name IN_LIST allowed
       AND NOT is_typeinfo)
      string(APPEND bad "\n  ${name}  (${object})")
    endif()
  endforeach()
endforeach()
if(SHARED_LIBRARY)
  execute_process(COMMAND ${NM} -C -D --defined-only ${SHARED_LIBRARY} OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NM} -D failed on ${SHARED_LIBRARY}")
  endif()
  string(REPLACE "\n" ";" lines "${symbols}")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[0-9a-fA-F]* *[A-Za-z] " "" name "${line}")
    string(FIND "${name}" "isa_${ISA}::" in_namespace)
    string(FIND "${name}" "xtgrad_eigen_${ISA}::" in_eigen)
    if(NOT in_namespace EQUAL -1 OR NOT in_eigen EQUAL -1)
      string(APPEND bad "\n  ${name}  (exported by ${SHARED_LIBRARY})")
    endif()
  endforeach()
endif()
if(bad)
  message(FATAL_ERROR "the ${ISA} kernels have symbols other code could define too (give them internal linkage, or make them templates on the architecture), or code that runs at start-up:${bad}")
endif()
message(STATUS "${ISA}: every global symbol names its instruction set")
