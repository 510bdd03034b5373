# Sanitized and fuzzing builds (tools/ci/sanitize.sh runs them in CI; docs/reliability.md).
#   -DTZ_SANITIZE=address,undefined   ASan + UBSan; any UBSan finding aborts (no recovery)
#   -DTZ_SANITIZE=thread              TSan (run with OMP_NUM_THREADS=1: libgomp is not instrumented)
#   -DTZ_FUZZ=ON                      libFuzzer targets in tests/fuzz (clang only)
# Sanitizers instrument host code only, so they build without the CUDA backend.
set(TZ_SANITIZE "" CACHE STRING "Sanitizers to build with: address,undefined | thread | empty for none")
option(TZ_FUZZ "Build the libFuzzer targets in tests/fuzz (needs clang)" OFF)

if(TZ_SANITIZE)
  string(REPLACE "," ";" _tz_sanitizers "${TZ_SANITIZE}")
  foreach(_s IN LISTS _tz_sanitizers)
    if(NOT _s MATCHES "^(address|undefined|thread|leak)$")
      message(FATAL_ERROR "tensorzoo: TZ_SANITIZE: unknown sanitizer '${_s}' (use address,undefined or thread)")
    endif()
  endforeach()
  if("thread" IN_LIST _tz_sanitizers AND ("address" IN_LIST _tz_sanitizers OR "leak" IN_LIST _tz_sanitizers))
    message(FATAL_ERROR "tensorzoo: TZ_SANITIZE: thread cannot be combined with address or leak")
  endif()
  if(TZ_WITH_CUDA STREQUAL "ON")
    message(FATAL_ERROR "tensorzoo: TZ_SANITIZE builds host code only; configure with -DTZ_WITH_CUDA=OFF")
  endif()
  set(TZ_WITH_CUDA OFF CACHE STRING "Build the CUDA backend (AUTO/ON/OFF)" FORCE)
  set(_tz_flags -fsanitize=${TZ_SANITIZE} -fno-omit-frame-pointer)
  if("undefined" IN_LIST _tz_sanitizers)
    # A UB report must fail the test that triggered it, not scroll past.
    list(APPEND _tz_flags -fno-sanitize-recover=undefined)
  endif()
  add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:${_tz_flags}>")
  add_link_options(-fsanitize=${TZ_SANITIZE})
  message(STATUS "tensorzoo: sanitizers ${TZ_SANITIZE} (CUDA backend off)")
endif()

if(TZ_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "tensorzoo: TZ_FUZZ needs clang's libFuzzer (apt-get install clang libclang-rt-14-dev; "
                        "configure with -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++)")
  endif()
  set(TZ_WITH_CUDA OFF CACHE STRING "Build the CUDA backend (AUTO/ON/OFF)" FORCE)
  # Coverage feedback for the whole library; the fuzz executables add the libFuzzer driver.
  add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:-fsanitize=fuzzer-no-link>")
endif()

# True when the library is instrumented: clang's sanitizer runtimes live in the executable, so
# the shared library may not be linked with --no-undefined.
if(TZ_SANITIZE OR TZ_FUZZ)
  set(TZ_INSTRUMENTED ON)
else()
  set(TZ_INSTRUMENTED OFF)
endif()
