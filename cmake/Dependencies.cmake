# Third-party dependencies. The reference CPU kernels always build; OpenBLAS and oneDNN are
# accelerators that the build uses when present (AUTO) or requires (ON). Every probe names the
# Debian package that brings what is missing (tools/install-deps.sh installs them all).
include(CheckCSourceRuns)
include(CheckCXXSourceRuns)

# tz_require(<found-var> <what> <debian packages>): a required dependency is missing; stop with
# the package that brings it instead of CMake's generic "Could NOT find" text.
function(tz_require found what packages)
  if(NOT ${found})
    message(FATAL_ERROR "tensorzoo: ${what} was not found (apt-get install ${packages}, or run tools/install-deps.sh)")
  endif()
endfunction()

# tz_report_accelerator(<name> <option> <have-var> <where> <hint>): one status line saying whether
# an optional accelerator is used; when <option> is ON and it is missing, stop with <hint> (which
# names the Debian package that brings it).
function(tz_report_accelerator name option have where hint)
  if(${have})
    message(STATUS "tensorzoo: ${name} ON ${where}")
  elseif(${option} STREQUAL "ON")
    message(FATAL_ERROR "${option}=ON but ${name} was not found or does not work (${hint})")
  elseif(${option} STREQUAL "OFF")
    message(STATUS "tensorzoo: ${name} OFF (${option}=OFF)")
  else()
    message(STATUS "tensorzoo: ${name} OFF (not found; ${hint})")
  endif()
endfunction()

find_package(Threads QUIET)
tz_require(Threads_FOUND "a threads library" "libc6-dev")
find_package(OpenMP QUIET)
tz_require(OpenMP_CXX_FOUND "OpenMP for C++" "g++ (libgomp)")
find_package(nlohmann_json 3 QUIET)
tz_require(nlohmann_json_FOUND "nlohmann_json 3" "nlohmann-json3-dev")
find_package(ZLIB QUIET)
tz_require(ZLIB_FOUND "zlib" "zlib1g-dev")

set(TZ_HAVE_OPENBLAS OFF)
if(NOT TZ_WITH_OPENBLAS STREQUAL "OFF")
  # Link libopenblas itself: the generic libblas.so.3 may resolve to netlib's reference BLAS.
  find_library(TZ_OPENBLAS_LIB NAMES openblas openblasp openblas64 PATHS /usr/lib/x86_64-linux-gnu/openblas-pthread /usr/lib/x86_64-linux-gnu/openblas-openmp)
  find_path(TZ_OPENBLAS_INCLUDE NAMES cblas.h PATHS /usr/include/x86_64-linux-gnu/openblas-pthread /usr/include/x86_64-linux-gnu/openblas-openmp /usr/include/openblas)
  if(TZ_OPENBLAS_LIB AND TZ_OPENBLAS_INCLUDE)
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
endif()
tz_report_accelerator(OpenBLAS TZ_WITH_OPENBLAS TZ_HAVE_OPENBLAS "${TZ_OPENBLAS_LIB}"
  "apt-get install libopenblas-dev for fast GEMM")

set(TZ_HAVE_ONEDNN OFF)
if(NOT TZ_WITH_ONEDNN STREQUAL "OFF")
  # Found by its header and library, not by find_package(dnnl): Debian's dnnl-config.cmake calls
  # find_package(OpenCL REQUIRED) for its GPU runtime, which is fatal even under QUIET when the
  # OpenCL headers (ocl-icd-opencl-dev, only recommended by libdnnl-dev) are absent. tensorzoo
  # uses oneDNN's CPU engine only; libdnnl itself links the OpenCL loader it needs.
  find_path(TZ_ONEDNN_INCLUDE NAMES oneapi/dnnl/dnnl.hpp)
  find_library(TZ_ONEDNN_LIB NAMES dnnl)
  if(TZ_ONEDNN_INCLUDE AND TZ_ONEDNN_LIB)
    set(CMAKE_REQUIRED_LIBRARIES ${TZ_ONEDNN_LIB})
    set(CMAKE_REQUIRED_INCLUDES ${TZ_ONEDNN_INCLUDE})
    # A CPU engine must come up: this rejects a header without its library or a broken install.
    check_cxx_source_runs("
      #include <oneapi/dnnl/dnnl.hpp>
      int main() { dnnl::engine engine(dnnl::engine::kind::cpu, 0); return engine ? 0 : 1; }" TZ_ONEDNN_WORKS)
    unset(CMAKE_REQUIRED_LIBRARIES)
    unset(CMAKE_REQUIRED_INCLUDES)
    if(TZ_ONEDNN_WORKS)
      set(TZ_HAVE_ONEDNN ON)
    endif()
  endif()
endif()
tz_report_accelerator(oneDNN TZ_WITH_ONEDNN TZ_HAVE_ONEDNN "${TZ_ONEDNN_LIB}"
  "apt-get install libdnnl-dev for fast convolution and pooling")

set(TZ_HAVE_CUDA OFF)
if(NOT TZ_WITH_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER AND EXISTS ${PROJECT_SOURCE_DIR}/backends/cuda/CMakeLists.txt)
    set(TZ_HAVE_CUDA ON)
  endif()
endif()
tz_report_accelerator(CUDA TZ_WITH_CUDA TZ_HAVE_CUDA "${CMAKE_CUDA_COMPILER}"
  "no nvcc: install the CUDA toolkit or set CMAKE_CUDA_COMPILER for the GPU backend")

function(tz_link_accelerators target)
  if(TZ_HAVE_OPENBLAS)
    target_include_directories(${target} PRIVATE ${TZ_OPENBLAS_INCLUDE})
    target_link_libraries(${target} PRIVATE ${TZ_OPENBLAS_LIB})
    target_compile_definitions(${target} PRIVATE TZ_HAVE_OPENBLAS=1)
  endif()
  if(TZ_HAVE_ONEDNN)
    target_include_directories(${target} PRIVATE ${TZ_ONEDNN_INCLUDE})
    target_link_libraries(${target} PRIVATE ${TZ_ONEDNN_LIB})
    target_compile_definitions(${target} PRIVATE TZ_HAVE_ONEDNN=1)
  endif()
endfunction()

# The contiguous float loops are compiled once per instruction set and chosen at run time
# (backends/cpu/cpu_vec_select.cpp), so one binary is fast on AVX2 and AVX-512 machines and
# still runs on plain x86-64. -fno-math-errno lets sqrt vectorise.
function(tz_set_isa_flags)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    set_source_files_properties(${PROJECT_SOURCE_DIR}/backends/cpu/cpu_vec_avx2.cpp PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma;-fno-math-errno")
    set_source_files_properties(${PROJECT_SOURCE_DIR}/backends/cpu/cpu_vec_avx512.cpp PROPERTIES COMPILE_OPTIONS "-mavx512f;-mavx512dq;-mavx512bw;-mavx512vl;-mfma;-fno-math-errno;-mprefer-vector-width=512")
    set_source_files_properties(${PROJECT_SOURCE_DIR}/backends/cpu/cpu_vec_default.cpp PROPERTIES COMPILE_OPTIONS "-fno-math-errno")
  endif()
endfunction()
