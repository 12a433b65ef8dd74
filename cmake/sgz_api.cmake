# Install rules and package files of the public libraries (sgzlib: libsgz.a,
# sgz_shared: libsgz.so; cmake/sgz_libraries.cmake) and their tests.
# Included at the end of the top-level CMakeLists.txt, after the CLI target
# sgz exists.
include(CMakePackageConfigHelpers)

# ---- Install: CLI, library, headers, CMake package, pkg-config file.
set(_sgz_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/sgz)

install(TARGETS sgz RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS sgzlib sgz_shared EXPORT sgzTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
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
# libsgz.a is C++ (libstdc++ with GCC and with clang on Linux) and uses
# threads and libm. -pthread rather than CMAKE_THREAD_LIBS_INIT, which is
# empty where libc holds pthreads: the .pc file may be used elsewhere.
set(SGZ_PC_PRIVATE_LIBS "-lstdc++ -lm -pthread")
# A sanitized library (static or shared) needs the sanitizer runtimes linked
# into the program, first.
set(SGZ_PC_SANITIZE_LIBS "")
if(SGZ_SANITIZE)
  set(SGZ_PC_SANITIZE_LIBS " -fsanitize=address,undefined")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/sgz.pc.in ${CMAKE_CURRENT_BINARY_DIR}/sgz.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/sgz.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# ---- Tests.
if(SGZ_BUILD_TESTS)
  # tests/ found GTest in its own directory scope; imported targets do not
  # reach this one.
  find_package(GTest REQUIRED)
  # The public API tests, compiled once and linked twice: against libsgz.a
  # and against libsgz.so (which must export everything they use).
  add_library(sgz_api_test_objects OBJECT tests/api_test.cc tests/api_info_test.cc tests/api_c_test.cc
    tests/api_files_test.cc tests/api_input_change_test.cc tests/api_listing_test.cc
    tests/api_stream_test.cc tests/api_attributes_test.cc tests/api_names_test.cc
    tests/api_members_test.cc tests/api_append_test.cc tests/api_predict_test.cc)
  target_link_libraries(sgz_api_test_objects PRIVATE sgzlib GTest::gtest)
  target_compile_definitions(sgz_api_test_objects PRIVATE SGZ_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_executable(sgz_api_test $<TARGET_OBJECTS:sgz_api_test_objects>)
  target_link_libraries(sgz_api_test PRIVATE sgzlib GTest::gtest GTest::gtest_main)
  add_executable(sgz_api_test_shared $<TARGET_OBJECTS:sgz_api_test_objects>)
  target_link_libraries(sgz_api_test_shared PRIVATE sgz_shared GTest::gtest GTest::gtest_main)
  add_test(NAME api_test COMMAND sgz_api_test)
  add_test(NAME api_test_shared COMMAND sgz_api_test_shared)

  add_test(NAME install_example_test
    COMMAND bash ${PROJECT_SOURCE_DIR}/tests/install_example_test.sh
      ${CMAKE_COMMAND} ${CMAKE_BINARY_DIR} ${PROJECT_SOURCE_DIR} $<CONFIG> ${CMAKE_CXX_COMPILER})
  # pkg-config (shared and --static) from C, Python ctypes, exported symbols.
  add_test(NAME shared_lib_test
    COMMAND bash ${PROJECT_SOURCE_DIR}/tests/shared_lib_test.sh
      ${CMAKE_COMMAND} ${CMAKE_BINARY_DIR} ${PROJECT_SOURCE_DIR} ${PROJECT_VERSION} $<CONFIG> ${CMAKE_CXX_COMPILER})
  set_tests_properties(api_test api_test_shared install_example_test shared_lib_test PROPERTIES TIMEOUT 600)
endif()
