# Sets XTGRAD_WITH_ONEDNN: whether large products go to oneDNN (XTGRAD_GEMM Auto or oneDNN).
# xtgrad steers oneDNN's threads with omp_set_num_threads, which only reaches them when oneDNN runs
# on the OpenMP runtime xtgrad itself links (Debian's libdnnl: libgomp, as GCC's -fopenmp); any
# other pairing (TBB, clang's libomp, XTGRAD_OPENMP=OFF) would let oneDNN take every core.
set(XTGRAD_WITH_ONEDNN OFF)
if(XTGRAD_GEMM MATCHES "^(Auto|oneDNN)$")
  if(XTGRAD_GEMM STREQUAL "oneDNN")
    find_package(dnnl CONFIG REQUIRED)
  else()
    # Debian's dnnl-config.cmake calls find_package(OpenCL REQUIRED), which would stop an Auto
    # configure on a machine without ocl-icd-opencl-dev: look for OpenCL first.
    find_package(OpenCL QUIET)
    if(OpenCL_FOUND)
      find_package(dnnl CONFIG QUIET)
    endif()
  endif()
  set(onednn_threads_ok OFF)
  if(DNNL_CPU_RUNTIME STREQUAL "SEQ" OR
     (DNNL_CPU_RUNTIME STREQUAL "OMP" AND XTGRAD_OPENMP AND "gomp" IN_LIST OpenMP_CXX_LIB_NAMES))
    set(onednn_threads_ok ON)
  endif()
  if(dnnl_FOUND AND onednn_threads_ok)
    set(XTGRAD_WITH_ONEDNN ON)
  elseif(XTGRAD_GEMM STREQUAL "oneDNN")
    message(FATAL_ERROR "XTGRAD_GEMM=oneDNN needs oneDNN on the OpenMP runtime xtgrad uses (libgomp; "
                        "XTGRAD_OPENMP=ON), got oneDNN's ${DNNL_CPU_RUNTIME} and OpenMP libraries '${OpenMP_CXX_LIB_NAMES}'")
  elseif(dnnl_FOUND)
    message(STATUS "xtgrad: oneDNN found but not used: its ${DNNL_CPU_RUNTIME} threads would not follow set_num_threads "
                   "(OpenMP libraries: '${OpenMP_CXX_LIB_NAMES}')")
  endif()
endif()
if(XTGRAD_WITH_ONEDNN)
  message(STATUS "xtgrad GEMM: oneDNN ${dnnl_VERSION} for large products, Eigen for small ones")
elseif(XTGRAD_GEMM STREQUAL "CBLAS")
  message(STATUS "xtgrad GEMM: CBLAS")
elseif(XTGRAD_GEMM STREQUAL "Auto" AND NOT dnnl_FOUND)
  message(STATUS "xtgrad GEMM: Eigen (for oneDNN on large products: apt-get install libdnnl-dev ocl-icd-opencl-dev)")
else()
  message(STATUS "xtgrad GEMM: Eigen")
endif()
