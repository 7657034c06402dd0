# Every part of xtgrad (core, layers, losses, optim, io, distributed) is compiled once, as
# position-independent objects with hidden visibility (xtgrad/core/export.hpp says what is
# exported), and those objects make both its static archive (libxtgrad_<part>.a) and its share of
# a shared library: core to io make libxtgrad.so, distributed libxtgrad_distributed.so. So one
# build gives the .deb both kinds. BUILD_SHARED_LIBS picks which one xtgrad's own programs, tests
# and examples link (xtgrad::xtgrad, xtgrad::<part> in this build tree).

# xtgrad_add_library(<part> <shared library target> <sources>...): xtgrad_<part>_objects, the
# archive xtgrad_<part> (exported as xtgrad::<part>), and the objects added to the shared library.
function(xtgrad_add_library part shared)
  add_library(xtgrad_${part}_objects OBJECT ${ARGN})
  set_target_properties(xtgrad_${part}_objects PROPERTIES POSITION_INDEPENDENT_CODE ON
                        CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON XTGRAD_SHARED ${shared})
  add_library(xtgrad_${part} STATIC $<TARGET_OBJECTS:xtgrad_${part}_objects>)
  set_target_properties(xtgrad_${part} PROPERTIES EXPORT_NAME ${part})
  target_sources(${shared} PRIVATE $<TARGET_OBJECTS:xtgrad_${part}_objects>)
  if(BUILD_SHARED_LIBS)
    add_library(xtgrad::${part} ALIAS ${shared})
  else()
    add_library(xtgrad::${part} ALIAS xtgrad_${part})
  endif()
endfunction()

# xtgrad_link_libraries(<part> PUBLIC|PRIVATE <libraries>...): the part's objects compile with
# them and its archive links them; its shared library links them too, another part of xtgrad
# replaced by the shared library that holds it (and dropped when that is its own).
function(xtgrad_link_libraries part)
  target_link_libraries(xtgrad_${part}_objects ${ARGN})
  target_link_libraries(xtgrad_${part} ${ARGN})
  get_target_property(shared xtgrad_${part}_objects XTGRAD_SHARED)
  set(shared_args "")
  foreach(arg IN LISTS ARGN)
    if(arg MATCHES "^xtgrad_(core|layers|losses|optim|io)$")
      get_target_property(arg ${arg}_objects XTGRAD_SHARED)
    endif()
    if(NOT arg STREQUAL shared)
      list(APPEND shared_args ${arg})
    endif()
  endforeach()
  target_link_libraries(${shared} ${shared_args})
endfunction()

# xtgrad_add_shared_library(<target> <file name>): the shared library that parts are added to.
function(xtgrad_add_shared_library target name)
  add_library(${target} SHARED)
  # 0.x: any minor version may change the ABI, so it is part of the soname (libxtgrad.so.0.1).
  set_target_properties(${target} PROPERTIES OUTPUT_NAME ${name} VERSION ${PROJECT_VERSION}
                        SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
endfunction()
