include(CMakePackageConfigHelpers)
install(EXPORT mpactTargets NAMESPACE mpact:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mpact)
configure_package_config_file(cmake/mpactConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/mpactConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mpact)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/mpactConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/mpactConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/mpactConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mpact)
install(TARGETS mpact_mpact EXPORT mpactTargets)
