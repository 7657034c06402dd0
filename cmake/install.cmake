# Installs headers, the static and shared libraries and an exported CMake package
# (xtgradConfig.cmake), so that a downstream project can `find_package(xtgrad CONFIG REQUIRED)` and
# link xtgrad::xtgrad: the static archives, or libxtgrad.so when it sets xtgrad_SHARED to ON first
# (xtgrad::shared is libxtgrad.so whatever xtgrad_SHARED says).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The public headers, as they are in the source tree; detail/ folders are implementation only.
set(xtgrad_header_dirs core layers losses optim io)
if(TARGET xtgrad_distributed)
  list(APPEND xtgrad_header_dirs distributed)
endif()
foreach(dir IN LISTS xtgrad_header_dirs)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/xtgrad/${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/xtgrad/${dir}
          FILES_MATCHING PATTERN "*.hpp" PATTERN "detail" EXCLUDE)
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/xtgrad/xtgrad.hpp ${PROJECT_SOURCE_DIR}/xtgrad/io.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/xtgrad)
set(xtgrad_installed_targets xtgrad xtgrad_options xtgrad_core xtgrad_layers xtgrad_losses xtgrad_optim xtgrad_io
    xtgrad_shared xtgrad_cli)
if(TARGET xtgrad_distributed)
  list(APPEND xtgrad_installed_targets xtgrad_distributed xtgrad_distributed_shared)
endif()

# Built with BUILD_SHARED_LIBS, the tool links libxtgrad.so: it finds it from bin/ wherever installed.
if(BUILD_SHARED_LIBS)
  set_target_properties(xtgrad_cli PROPERTIES INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
endif()
install(TARGETS ${xtgrad_installed_targets}
        EXPORT xtgradTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT xtgradTargets NAMESPACE xtgrad:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/xtgrad)

set(XTGRAD_CONFIG_GEMM ${XTGRAD_GEMM})
set(XTGRAD_CONFIG_OPENMP ${XTGRAD_OPENMP})
set(XTGRAD_CONFIG_ONEDNN ${XTGRAD_WITH_ONEDNN})
set(XTGRAD_CONFIG_MPI ${XTGRAD_WITH_MPI})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/xtgradConfig.cmake.in
  ${PROJECT_BINARY_DIR}/xtgradConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/xtgrad)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/xtgradConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/xtgradConfig.cmake ${PROJECT_BINARY_DIR}/xtgradConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/xtgrad)
