# Install + export so that a user's CMake project can find_package(tensorzoo) and link
# tensorzoo::tensorzoo. Headers keep the source layout under include/tensorzoo/.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS tensorzoo tensorzoo_zoo EXPORT tensorzooTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
foreach(dir core autograd nn models)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tensorzoo/${dir}
    FILES_MATCHING PATTERN "*.h")
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/tensorzoo.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tensorzoo)
install(EXPORT tensorzooTargets NAMESPACE tensorzoo:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tensorzoo)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/tensorzooConfig.cmake.in
  ${PROJECT_BINARY_DIR}/tensorzooConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tensorzoo)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/tensorzooConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/tensorzooConfig.cmake ${PROJECT_BINARY_DIR}/tensorzooConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tensorzoo)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/tensorzoo)
