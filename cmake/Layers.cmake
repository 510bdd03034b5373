# The library's layers, each its own CMake target, linked in one direction:
#
#   core  <-  backends  <-  autograd  <-  nn  <-  models  <-  tools
#                                                                 (backends sit beside autograd:
#                                                                  autograd reaches them only
#                                                                  through core's dispatch)
#
# A layer is an OBJECT library compiled against an include tree of its own that holds only the
# layer and the layers below it (symbolic links in <build>/layer_include/<layer>/), so an upward
# #include ("models/config.h" from nn, "autograd/..." from core, "tensorzoo.h" from any of them)
# does not compile. tests/layers/check_layer_symbols.cmake checks the same direction on the
# compiled objects (no object references a symbol that only a higher layer defines).
#
# libtensorzoo (the framework: core, backends, autograd, nn) is built from the first four;
# libtensorzoo_zoo (models: the zoo's model builders, data generators, trainer) links it. A
# program that uses only the framework links libtensorzoo alone.

set(TZ_LAYER_COMPILE_OPTIONS -Wall -Wextra -Wno-unused-parameter -Werror=switch -Werror=return-type)

# tz_layer_include_tree(<layer> <visible dirs...>): makes <build>/layer_include/<layer> with one
# link per visible source folder and stores its path in TZ_LAYER_INCLUDE_<layer>.
function(tz_layer_include_tree layer)
  set(root ${PROJECT_BINARY_DIR}/layer_include/${layer})
  file(MAKE_DIRECTORY ${root})
  # Drop links from an earlier configure (only links: never recurse into the source tree).
  file(GLOB old LIST_DIRECTORIES true ${root}/*)
  foreach(entry IN LISTS old)
    if(IS_SYMLINK ${entry})
      file(REMOVE ${entry})
    endif()
  endforeach()
  foreach(dir IN LISTS ARGN)
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${dir} ${root}/${dir} SYMBOLIC)
  endforeach()
  set(TZ_LAYER_INCLUDE_${layer} ${root} PARENT_SCOPE)
endfunction()

# tz_add_layer(<layer> SOURCES <files...> SEES <dirs...>): the OBJECT library tensorzoo_<layer>.
function(tz_add_layer layer)
  cmake_parse_arguments(arg "" "" "SOURCES;SEES" ${ARGN})
  tz_layer_include_tree(${layer} ${arg_SEES})
  set(target tensorzoo_${layer})
  add_library(${target} OBJECT ${arg_SOURCES})
  target_include_directories(${target} PRIVATE ${TZ_LAYER_INCLUDE_${layer}})
  target_compile_options(${target} PRIVATE ${TZ_LAYER_COMPILE_OPTIONS})
  # Third-party usage requirements (include paths, OpenMP flags), never another layer's headers.
  target_link_libraries(${target} PRIVATE Threads::Threads nlohmann_json::nlohmann_json OpenMP::OpenMP_CXX ZLIB::ZLIB)
  set(TZ_LAYER_INCLUDE_${layer} ${TZ_LAYER_INCLUDE_${layer}} PARENT_SCOPE)
endfunction()

macro(tz_glob_layer var)
  file(GLOB_RECURSE ${var} CONFIGURE_DEPENDS ${ARGN})
endmacro()
