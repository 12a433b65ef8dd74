# The public library (sgz::sgzlib, libsgz.a), its install rules and package
# files, and its tests. Included at the end of the top-level CMakeLists.txt,
# after the internal targets sgz_common, sgz_streams, sgz_container and the
# CLI target sgz exist.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# One self-contained static library: the public API plus every internal
# source. The sources are taken from the internal targets so that a file
# added there is never missing here (per-file properties such as SIMD flags
# are directory-scoped and carry over).
set(_sgz_api_sources src/api/sgz.cc src/api/reader_info.cc src/api/files.cc src/api/sgz_c.cc)
foreach(_sgz_internal sgz_common sgz_streams sgz_container)
  get_target_property(_sgz_internal_sources ${_sgz_internal} SOURCES)
  list(APPEND _sgz_api_sources ${_sgz_internal_sources})
  get_target_property(_sgz_internal_defs ${_sgz_internal} COMPILE_DEFINITIONS)
  if(_sgz_internal_defs)
    list(APPEND _sgz_api_definitions ${_sgz_internal_defs})
  endif()
  get_target_property(_sgz_internal_opts ${_sgz_internal} COMPILE_OPTIONS)
  if(_sgz_internal_opts)
    list(APPEND _sgz_api_options ${_sgz_internal_opts})
  endif()
endforeach()
list(REMOVE_DUPLICATES _sgz_api_sources)

# The CLI executable is already called sgz; the library target is sgzlib and
# its file libsgz.a.
add_library(sgzlib STATIC ${_sgz_api_sources})
set_target_properties(sgzlib PROPERTIES
  OUTPUT_NAME sgz
  EXPORT_NAME sgzlib
  ARCHIVE_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib
  POSITION_INDEPENDENT_CODE ON)
target_compile_features(sgzlib PUBLIC cxx_std_17)
target_include_directories(sgzlib
  PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
  PRIVATE
    ${PROJECT_SOURCE_DIR}/src)
target_compile_definitions(sgzlib PRIVATE SGZ_VERSION_STRING="${PROJECT_VERSION}" ${_sgz_api_definitions})
if(_sgz_api_options)
  target_compile_options(sgzlib PRIVATE ${_sgz_api_options})
endif()
target_link_libraries(sgzlib PRIVATE PkgConfig::ZSTD PkgConfig::XXHASH Threads::Threads)
if(SGZ_SANITIZE)
  # A consumer of a sanitized libsgz.a must link the sanitizer runtimes.
  target_link_options(sgzlib INTERFACE -fsanitize=address,undefined)
endif()

# ---- Install: CLI, library, headers, CMake package, pkg-config file.
set(_sgz_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/sgz)

install(TARGETS sgz RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS sgzlib EXPORT sgzTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/sgz
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")
install(EXPORT sgzTargets
  NAMESPACE sgz::
  FILE sgzTargets.cmake
  DESTINATION ${_sgz_cmake_dir})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/sgzConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/sgzConfig.cmake
  INSTALL_DESTINATION ${_sgz_cmake_dir})
# 0.x: a new minor version may break the API.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/sgzConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/sgzConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/sgzConfigVersion.cmake
  DESTINATION ${_sgz_cmake_dir})

# The .pc file finds its prefix relative to itself, so an install moved
# elsewhere (or made with `cmake --install --prefix`) still works.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(SGZ_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
  set(SGZ_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  set(SGZ_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  file(RELATIVE_PATH _sgz_pc_up "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
  string(REGEX REPLACE "/$" "" _sgz_pc_up "${_sgz_pc_up}")
  set(SGZ_PC_PREFIX "\${pcfiledir}/${_sgz_pc_up}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(SGZ_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(SGZ_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
set(SGZ_PC_EXTRA_LIBS "${CMAKE_THREAD_LIBS_INIT}")
if(SGZ_SANITIZE)
  string(APPEND SGZ_PC_EXTRA_LIBS " -fsanitize=address,undefined")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/sgz.pc.in ${CMAKE_CURRENT_BINARY_DIR}/sgz.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/sgz.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# ---- Tests.
if(SGZ_BUILD_TESTS)
  # tests/ found GTest in its own directory scope; imported targets do not
  # reach this one.
  find_package(GTest REQUIRED)
  add_executable(sgz_api_test tests/api_test.cc tests/api_info_test.cc tests/api_c_test.cc)
  target_link_libraries(sgz_api_test PRIVATE sgzlib GTest::gtest GTest::gtest_main)
  target_compile_definitions(sgz_api_test PRIVATE SGZ_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_test(NAME api_test COMMAND sgz_api_test)

  add_test(NAME install_example_test
    COMMAND bash ${PROJECT_SOURCE_DIR}/tests/install_example_test.sh
      ${CMAKE_COMMAND} ${CMAKE_BINARY_DIR} ${PROJECT_SOURCE_DIR} $<CONFIG> ${CMAKE_CXX_COMPILER})
  set_tests_properties(api_test install_example_test PROPERTIES TIMEOUT 600)
endif()
