# The pkg-config file and the Debian package (`cpack -G DEB` in the build folder gives
# xtgrad_<version>_amd64.deb): headers, libraries, the CMake package, xtgrad.pc, the `xtgrad`
# tool, torch_json.py as `xtgrad-torch-json` and as a module in share/xtgrad/python, and the guide.

# Two pkg-config files: xtgrad.pc links libxtgrad.so, which brings its own libraries (oneDNN,
# OpenMP); xtgrad-static.pc links the archives, so it spells out what they need, from the same
# settings as the exported CMake targets. Neither has an architecture flag: a consumer compiles
# with its own.
set(XTGRAD_PC_CFLAGS "-DXTENSOR_USE_XSIMD")
set(XTGRAD_PC_LIBS "-lxtgrad")
set(XTGRAD_PC_STATIC_LIBS "-lxtgrad_io -lxtgrad_optim -lxtgrad_losses -lxtgrad_layers -lxtgrad_core")
if(XTGRAD_GEMM STREQUAL "CBLAS")
  string(APPEND XTGRAD_PC_STATIC_LIBS " -lblas")
endif()
if(XTGRAD_WITH_ONEDNN)
  string(APPEND XTGRAD_PC_STATIC_LIBS " -ldnnl")
endif()
if(XTGRAD_OPENMP)
  string(APPEND XTGRAD_PC_STATIC_LIBS " -fopenmp")
endif()
string(APPEND XTGRAD_PC_STATIC_LIBS " -pthread")
# Relative to the .pc file's folder, so the file stays right wherever the package is installed
# (/usr from the .deb, any `cmake --install --prefix`).
file(RELATIVE_PATH xtgrad_pc_to_prefix /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
string(REGEX REPLACE "/$" "" xtgrad_pc_to_prefix "${xtgrad_pc_to_prefix}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/xtgrad.pc.in ${PROJECT_BINARY_DIR}/xtgrad.pc @ONLY)
set(XTGRAD_PC_NAME_SUFFIX " (static libraries)")
set(XTGRAD_PC_LIBS "${XTGRAD_PC_STATIC_LIBS}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/xtgrad.pc.in ${PROJECT_BINARY_DIR}/xtgrad-static.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/xtgrad.pc ${PROJECT_BINARY_DIR}/xtgrad-static.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The converter twice: as a command, with Debian's interpreter (where python3-torch lives) rather
# than whichever python3 is first on PATH, and as a module to import (a script that registers
# its own types and calls main()) from <prefix>/share/xtgrad/python. Component "python", so a
# test can install these two alone; the .deb holds every component.
file(READ ${PROJECT_SOURCE_DIR}/tools/torch_json.py xtgrad_torch_json)
string(REGEX REPLACE "^#![^\n]*" "#!/usr/bin/python3" xtgrad_torch_json "${xtgrad_torch_json}")
file(WRITE ${PROJECT_BINARY_DIR}/xtgrad-torch-json "${xtgrad_torch_json}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tools/torch_json.py)
install(PROGRAMS ${PROJECT_BINARY_DIR}/xtgrad-torch-json DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT python)
install(FILES ${PROJECT_SOURCE_DIR}/tools/torch_json.py DESTINATION ${CMAKE_INSTALL_DATADIR}/xtgrad/python
        COMPONENT python)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/guide.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The Debian dev packages that the installed headers and CMake package need (xtensor and its
# xsimd/xtl, nlohmann-json for io/; oneDNN's CMake config looks for OpenCL), and the libraries
# the static archives link.
set(xtgrad_deb_depends "xtensor-dev (>= 0.24), libxsimd-dev (>= 8), xtl-dev, nlohmann-json3-dev")
if(XTGRAD_WITH_ONEDNN)
  string(APPEND xtgrad_deb_depends ", libdnnl-dev (>= 2.6), ocl-icd-opencl-dev")
endif()
if(XTGRAD_GEMM STREQUAL "CBLAS")
  string(APPEND xtgrad_deb_depends ", libblas-dev")
endif()
if(XTGRAD_OPENMP)
  string(APPEND xtgrad_deb_depends ", libgomp1")
endif()
if(XTGRAD_WITH_MPI)
  string(APPEND xtgrad_deb_depends ", libopenmpi-dev")
endif()

# A package is for other machines: a -march=native build runs only on CPUs like this one (the
# libraries' own code, not just the per-ISA kernels, may use every instruction this CPU has).
# Said when `cpack` runs, which is when it matters (every configure would be noise).
if(XTGRAD_NATIVE)
  set(xtgrad_native_warning "this build uses -march=native (XTGRAD_NATIVE=ON): a package made from it runs only on CPUs like this one; configure with -DXTGRAD_NATIVE=OFF to make one that runs on any x86-64")
  file(WRITE ${PROJECT_BINARY_DIR}/xtgrad_cpack_native.cmake "message(WARNING \"${xtgrad_native_warning}\")\n")
  set(CPACK_PROJECT_CONFIG_FILE ${PROJECT_BINARY_DIR}/xtgrad_cpack_native.cmake)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME xtgrad)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "xtgrad developers <xtgrad@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "small, fast neural networks in C++17 with PyTorch's semantics")
set(CPACK_PACKAGE_DESCRIPTION
    "Tape-based automatic differentiation over xtensor arrays, layers, losses, optimizers, weights files that PyTorch reads, and the xtgrad command-line tool.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # xtgrad_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${xtgrad_deb_depends}")
# What the `xtgrad` tool's binary links (libc, libstdc++, ...), found by dpkg-shlibdeps (dpkg-dev).
find_program(XTGRAD_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(XTGRAD_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
endif()
# A shlibs file for libxtgrad.so (what a package linking it should depend on) and the ldconfig trigger.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "python3-torch")  # for xtgrad-torch-json
include(CPack)
