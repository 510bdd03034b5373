# Script for the install.configure_degrades test: configuring the project with its optional
# accelerators missing must succeed in AUTO mode, print the Debian package that brings each one,
# and fail in ON mode naming that package. "Missing" is simulated by pointing the probes' cache
# entries at paths that do not exist, so the test needs nothing uninstalled.
#   cmake -DSOURCE_DIR=<repo> -DWORK_DIR=<scratch> -DGENERATOR=<gen> -P check_configure_degrades.cmake
set(missing -DTZ_OPENBLAS_LIB=/nonexistent/libopenblas.so -DTZ_OPENBLAS_INCLUDE=/nonexistent
            -DTZ_ONEDNN_LIB=/nonexistent/libdnnl.so -DTZ_ONEDNN_INCLUDE=/nonexistent)
set(lean -DTZ_WITH_CUDA=OFF -DTZ_BUILD_TESTS=OFF -DTZ_BUILD_TOOLS=OFF)

function(configure name expect_rc)
  file(REMOVE_RECURSE ${WORK_DIR}/${name})
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/${name} -G ${GENERATOR} ${lean} ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(log "${out}${err}")
  if((expect_rc EQUAL 0 AND NOT rc EQUAL 0) OR (NOT expect_rc EQUAL 0 AND rc EQUAL 0))
    message(FATAL_ERROR "configure '${name}' exited ${rc}, expected ${expect_rc}:\n${log}")
  endif()
  set(log "${log}" PARENT_SCOPE)
endfunction()

function(expect_in_log text)
  string(FIND "${log}" "${text}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "expected '${text}' in the configure output:\n${log}")
  endif()
endfunction()

configure(auto 0 ${missing})
expect_in_log("tensorzoo: OpenBLAS OFF (not found; apt-get install libopenblas-dev")
expect_in_log("tensorzoo: oneDNN OFF (not found; apt-get install libdnnl-dev")
configure(onednn_on 1 ${missing} -DTZ_WITH_ONEDNN=ON)
expect_in_log("TZ_WITH_ONEDNN=ON but oneDNN was not found or does not work (apt-get")
configure(openblas_on 1 ${missing} -DTZ_WITH_OPENBLAS=ON)
expect_in_log("libopenblas-dev")
file(REMOVE_RECURSE ${WORK_DIR})
message(STATUS "missing accelerators degrade in AUTO mode and fail with their package in ON mode")
