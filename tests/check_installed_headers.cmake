# Fails when an installed header includes one that is not installed. In the source tree every
# header is reachable, so a public header that includes a detail/ header (or anything else outside
# the installed set) builds here and breaks only for a consumer of the installed package.
# Installed, as in cmake/install.cmake: every .hpp under xtgrad/ that is not in a detail/ folder.
# A textual check of each header's own #include lines (each installed header is checked, so what
# they include in turn is covered), cheap enough for every ctest run.
# Usage: cmake -DSOURCE_DIR=<the project's source folder> -P check_installed_headers.cmake
cmake_minimum_required(VERSION 3.18)
file(GLOB_RECURSE headers RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/xtgrad/*.hpp)
set(installed "")
foreach(header IN LISTS headers)
  if(NOT header MATCHES "(^|/)detail/")
    list(APPEND installed ${header})
  endif()
endforeach()
list(LENGTH installed count)
if(count LESS 10)
  message(FATAL_ERROR "found only ${count} installed headers under ${SOURCE_DIR}/xtgrad: wrong SOURCE_DIR?")
endif()

set(bad "")
foreach(header IN LISTS installed)
  get_filename_component(folder ${header} DIRECTORY)
  file(STRINGS ${SOURCE_DIR}/${header} includes REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]")
  foreach(line IN LISTS includes)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]+)[>\"].*" "\\1" included "${line}")
    # A quoted include is looked for next to the including file first, then on the include path
    # (the source folder, in the build tree); anything found in neither is a third-party header.
    if(line MATCHES "\"" AND EXISTS ${SOURCE_DIR}/${folder}/${included})
      set(path ${SOURCE_DIR}/${folder}/${included})
    elseif(EXISTS ${SOURCE_DIR}/${included})
      set(path ${SOURCE_DIR}/${included})
    else()
      continue()
    endif()
    get_filename_component(path ${path} ABSOLUTE)
    file(RELATIVE_PATH path ${SOURCE_DIR} ${path})
    if(NOT path IN_LIST installed)
      string(APPEND bad "\n  ${header} includes ${path}, which is not installed")
    endif()
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR "installed headers must include only installed headers:${bad}")
endif()
message(STATUS "${count} installed headers include only installed headers")
