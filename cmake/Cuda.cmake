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
add_subdirectory(${PROJECT_SOURCE_DIR}/backends/cuda ${PROJECT_BINARY_DIR}/backends/cuda)
target_sources(tensorzoo PRIVATE $<TARGET_OBJECTS:tensorzoo_cuda>)
target_link_libraries(tensorzoo PRIVATE tensorzoo_cuda_deps)
target_compile_definitions(tensorzoo PRIVATE TZ_WITH_CUDA_BACKEND=1)
set(TZ_BACKEND_REGISTER "${TZ_BACKEND_REGISTER}, register_cuda_backend")
set(TZ_BACKEND_DECLS "${TZ_BACKEND_DECLS}\nvoid register_cuda_backend();")
message(STATUS "tensorzoo: CUDA architectures ${CMAKE_CUDA_ARCHITECTURES}, cuDNN ${TZ_HAVE_CUDNN}")
