# The CUDA backend (backends/cuda), compiled into libtensorzoo when a CUDA compiler is found.
# Architectures are explicit so a machine without a GPU builds it: default 80 (A100) and 90
# (H100/H200); each entry also embeds PTX, so newer GPUs JIT-compile it.
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES OR CMAKE_CUDA_ARCHITECTURES STREQUAL "")
  set(CMAKE_CUDA_ARCHITECTURES "80;90")
endif()
if(TZ_CCACHE)
  set(CMAKE_CUDA_COMPILER_LAUNCHER ${TZ_CCACHE})
endif()
enable_language(CUDA)
find_package(CUDAToolkit REQUIRED)
# CMake 3.25 predates nvcc 13 and records no C++20 dialect for it (generation then fails with
# "requires the language dialect CUDA20"); nvcc 12+ accepts -std=c++20, so declare it.
if(NOT "cuda_std_20" IN_LIST CMAKE_CUDA_COMPILE_FEATURES AND CMAKE_CUDA_COMPILER_VERSION VERSION_GREATER_EQUAL 12.0)
  set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
  set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
  set(CMAKE_CUDA20_COMPILE_FEATURES cuda_std_20)
  list(APPEND CMAKE_CUDA_COMPILE_FEATURES cuda_std_20)
endif()
add_subdirectory(${PROJECT_SOURCE_DIR}/backends/cuda ${PROJECT_BINARY_DIR}/backends/cuda)
target_sources(tensorzoo PRIVATE $<TARGET_OBJECTS:tensorzoo_cuda>)
target_link_libraries(tensorzoo PRIVATE tensorzoo_cuda_deps)
set(TZ_BACKEND_REGISTER "${TZ_BACKEND_REGISTER}, register_cuda_backend")
set(TZ_BACKEND_DECLS "${TZ_BACKEND_DECLS}\nvoid register_cuda_backend();")
message(STATUS "tensorzoo: CUDA architectures ${CMAKE_CUDA_ARCHITECTURES}, cuDNN ${TZ_HAVE_CUDNN}")
