# Third-party dependencies. The reference CPU kernels always build; OpenBLAS and oneDNN are
# accelerators that the build uses when present (AUTO) or requires (ON).
find_package(Threads REQUIRED)
find_package(OpenMP REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(ZLIB REQUIRED)

set(TZ_HAVE_OPENBLAS OFF)
if(NOT TZ_WITH_OPENBLAS STREQUAL "OFF")
  # Link libopenblas itself: the generic libblas.so.3 may resolve to netlib's reference BLAS.
  find_library(TZ_OPENBLAS_LIB NAMES openblas openblasp openblas64 PATHS /usr/lib/x86_64-linux-gnu/openblas-pthread /usr/lib/x86_64-linux-gnu/openblas-openmp)
  find_path(TZ_OPENBLAS_INCLUDE NAMES cblas.h PATHS /usr/include/x86_64-linux-gnu/openblas-pthread /usr/include/x86_64-linux-gnu/openblas-openmp /usr/include/openblas)
  if(TZ_OPENBLAS_LIB AND TZ_OPENBLAS_INCLUDE)
    include(CheckCSourceRuns)
    set(CMAKE_REQUIRED_LIBRARIES ${TZ_OPENBLAS_LIB})
    set(CMAKE_REQUIRED_INCLUDES ${TZ_OPENBLAS_INCLUDE})
    # openblas_get_config() exists only in OpenBLAS: this rejects a netlib libblas posing as it.
    check_c_source_runs("
      #include <cblas.h>
      #include <string.h>
      char* openblas_get_config(void);
      int main(void) { return strstr(openblas_get_config(), \"OpenBLAS\") ? 0 : 1; }" TZ_OPENBLAS_IS_OPENBLAS)
    unset(CMAKE_REQUIRED_LIBRARIES)
    unset(CMAKE_REQUIRED_INCLUDES)
    if(TZ_OPENBLAS_IS_OPENBLAS)
      set(TZ_HAVE_OPENBLAS ON)
    endif()
  endif()
  if(TZ_WITH_OPENBLAS STREQUAL "ON" AND NOT TZ_HAVE_OPENBLAS)
    message(FATAL_ERROR "TZ_WITH_OPENBLAS=ON but libopenblas was not found or is not OpenBLAS (apt-get install libopenblas-dev)")
  endif()
endif()
message(STATUS "tensorzoo: OpenBLAS ${TZ_HAVE_OPENBLAS} ${TZ_OPENBLAS_LIB}")

set(TZ_HAVE_ONEDNN OFF)
if(NOT TZ_WITH_ONEDNN STREQUAL "OFF")
  find_package(dnnl CONFIG QUIET)
  if(dnnl_FOUND)
    set(TZ_HAVE_ONEDNN ON)
  endif()
  if(TZ_WITH_ONEDNN STREQUAL "ON" AND NOT TZ_HAVE_ONEDNN)
    message(FATAL_ERROR "TZ_WITH_ONEDNN=ON but oneDNN was not found (apt-get install libdnnl-dev)")
  endif()
endif()
message(STATUS "tensorzoo: oneDNN ${TZ_HAVE_ONEDNN}")

set(TZ_HAVE_CUDA OFF)
if(NOT TZ_WITH_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER AND EXISTS ${PROJECT_SOURCE_DIR}/backends/cuda/CMakeLists.txt)
    set(TZ_HAVE_CUDA ON)
  elseif(TZ_WITH_CUDA STREQUAL "ON")
    message(FATAL_ERROR "TZ_WITH_CUDA=ON but no CUDA compiler or backend sources were found")
  endif()
endif()
message(STATUS "tensorzoo: CUDA ${TZ_HAVE_CUDA}")

function(tz_link_accelerators target)
  if(TZ_HAVE_OPENBLAS)
    target_include_directories(${target} PRIVATE ${TZ_OPENBLAS_INCLUDE})
    target_link_libraries(${target} PRIVATE ${TZ_OPENBLAS_LIB})
    target_compile_definitions(${target} PRIVATE TZ_HAVE_OPENBLAS=1)
  endif()
  if(TZ_HAVE_ONEDNN)
    target_link_libraries(${target} PRIVATE DNNL::dnnl)
    target_compile_definitions(${target} PRIVATE TZ_HAVE_ONEDNN=1)
  endif()
endfunction()

# The contiguous float loops are compiled once per instruction set and chosen at run time
# (backends/cpu/cpu_elementwise.cpp), so one binary is fast on AVX2 and AVX-512 machines and
# still runs on plain x86-64. -fno-math-errno lets sqrt vectorise.
function(tz_set_isa_flags)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    set_source_files_properties(${PROJECT_SOURCE_DIR}/backends/cpu/cpu_vec_avx2.cpp PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma;-fno-math-errno")
    set_source_files_properties(${PROJECT_SOURCE_DIR}/backends/cpu/cpu_vec_avx512.cpp PROPERTIES COMPILE_OPTIONS "-mavx512f;-mavx512dq;-mavx512bw;-mavx512vl;-mfma;-fno-math-errno;-mprefer-vector-width=512")
    set_source_files_properties(${PROJECT_SOURCE_DIR}/backends/cpu/cpu_vec_default.cpp PROPERTIES COMPILE_OPTIONS "-fno-math-errno")
  endif()
endfunction()
