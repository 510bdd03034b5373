# Script for the install.linked_licences test: every shared library that libtensorzoo and the CLI
# load (ldd, so transitive ones too) must have a licence that lets an MIT-licensed framework link
# it. A library missing from the table fails the test until someone checks its licence
# (dpkg -S <path>, then /usr/share/doc/<package>/copyright) and adds it here; a copyleft library
# that would bind users of the core (GPL without a linking exception) is refused outright.
#   cmake -DBINARIES="<file>;<file>" -P check_linked_licences.cmake
set(permitted
  "^libtensorzoo" "tensorzoo itself (MIT)"
  "^linux-vdso|^ld-linux" "the kernel's vDSO and glibc's loader (LGPL-2.1+)"
  "^lib(c|m|pthread|dl|rt|mvec)\\.so" "glibc (LGPL-2.1+)"
  "^lib(stdc\\+\\+|gcc_s|gomp|gfortran|quadmath|atomic)\\.so" "GCC runtime libraries (GPL-3 with the GCC Runtime Library Exception, libquadmath LGPL-2.1+)"
  "^libopenblas" "OpenBLAS (BSD-3-Clause)"
  "^libdnnl" "oneDNN (Apache-2.0)"
  "^libOpenCL" "ocl-icd OpenCL loader (BSD-2-Clause)"
  "^libz\\.so" "zlib (Zlib)"
  "^lib(cudart|cublas|cublasLt|cudnn[a-z_]*|cuda|nvrtc|nvJitLink|cufft|cusolver|cusparse|nccl)\\.so" "NVIDIA CUDA libraries (CUDA EULA, optional backend, not shipped with tensorzoo)"
)
set(refused "^lib(fftw3|gsl|readline|ncurses)[^/]*\\.so")

set(failures "")
foreach(binary IN LISTS BINARIES)
  execute_process(COMMAND ldd ${binary} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ldd ${binary} failed (${rc}): ${err}")
  endif()
  string(REPLACE "\n" ";" lines "${out}")
  foreach(line IN LISTS lines)
    string(STRIP "${line}" line)
    if(line STREQUAL "" OR line MATCHES "^statically linked")
      continue()
    endif()
    string(REGEX REPLACE "^([^ \t]+).*" "\\1" library "${line}")
    get_filename_component(library "${library}" NAME)
    if(library MATCHES "${refused}")
      string(APPEND failures "\n  ${binary}: ${library} is copyleft without a linking exception (GPL); tensorzoo is MIT")
      continue()
    endif()
    list(LENGTH permitted count)
    math(EXPR last "${count} - 1")
    set(known OFF)
    foreach(i RANGE 0 ${last} 2)
      list(GET permitted ${i} pattern)
      if(library MATCHES "${pattern}")
        set(known ON)
        break()
      endif()
    endforeach()
    if(NOT known)
      string(APPEND failures "\n  ${binary}: ${library} has no licence entry in tests/install/check_linked_licences.cmake")
    endif()
  endforeach()
endforeach()
if(failures)
  message(FATAL_ERROR "linked libraries whose licence is not known to fit MIT:${failures}")
endif()
message(STATUS "every linked library has a permitted licence: ${BINARIES}")
