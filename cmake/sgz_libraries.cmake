# The libraries built from the layer object libraries sgz_common_objects,
# sgz_streams_objects and sgz_container_objects (top-level CMakeLists.txt),
# each source compiled once:
#
#   sgz_api_objects  OBJECT  src/api: the public C++ and C API
#   sgzlib        STATIC  libsgz.a: every object (public API and internals);
#                         installed and exported as sgz::sgzlib
#   sgz_shared    SHARED  libsgz.so.0: the same objects, exporting only the
#                         public API (cmake/libsgz.map); sgz::sgz_shared
#   sgz_internal  INTERFACE  for the CLI, tests, fuzz replays, benchmarks and
#                         fixture tools: libsgz.a plus the internal headers
#                         (src/) and the layers' usage requirements. Also
#                         called sgz_container, sgz_streams and sgz_common,
#                         the names internal code linked before the layers
#                         became object libraries.
#
# A new layer or internal library goes into _sgz_layers below.
# Included from the top level right after the layers are defined.
include(GNUInstallDirs)

set(_sgz_layers sgz_common_objects sgz_streams_objects sgz_container_objects)
# Every object ends up in libsgz.so too.
set_target_properties(${_sgz_layers} PROPERTIES POSITION_INDEPENDENT_CODE ON)

add_library(sgz_api_objects OBJECT src/api/sgz.cc src/api/reader_info.cc src/api/files.cc src/api/unpack_to.cc src/api/sgz_c.cc
  src/api/sgz_c_info.cc src/api/sgz_c_files.cc src/api/gguf_file.cc src/api/pack_files.cc
  src/api/sgz_c_members.cc src/api/stream_members.cc src/api/append_files.cc src/api/http.cc)
set_target_properties(sgz_api_objects PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_compile_definitions(sgz_api_objects PRIVATE SGZ_VERSION_STRING="${PROJECT_VERSION}")
# Usage requirements only: an object library links no objects of another.
target_link_libraries(sgz_api_objects PRIVATE sgz_container_objects)

set(_sgz_objects)
foreach(_sgz_obj sgz_api_objects ${_sgz_layers})
  list(APPEND _sgz_objects $<TARGET_OBJECTS:${_sgz_obj}>)
endforeach()

# What a consumer of either library sees: the public headers only.
function(_sgz_public_library target)
  target_compile_features(${target} PUBLIC cxx_std_17)
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${target} PRIVATE PkgConfig::ZSTD PkgConfig::XXHASH Threads::Threads ${CMAKE_DL_LIBS})
  if(SGZ_SANITIZE)
    # A program using a sanitized library must link the sanitizer runtimes.
    target_link_options(${target} INTERFACE -fsanitize=address,undefined)
  endif()
endfunction()

# The CLI executable is already called sgz; the library target is sgzlib and
# its file libsgz.a.
add_library(sgzlib STATIC ${_sgz_objects})
_sgz_public_library(sgzlib)
set_target_properties(sgzlib PROPERTIES
  OUTPUT_NAME sgz
  EXPORT_NAME sgzlib
  ARCHIVE_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib)

# libsgz.so.0 -> libsgz.so.MAJOR.MINOR.PATCH. The version script hides
# sgz::internal and everything else that is not the public API, so internal
# code can change without breaking programs linked against the library.
set(_sgz_map ${PROJECT_SOURCE_DIR}/cmake/libsgz.map)
add_library(sgz_shared SHARED ${_sgz_objects})
_sgz_public_library(sgz_shared)
set_target_properties(sgz_shared PROPERTIES
  OUTPUT_NAME sgz
  EXPORT_NAME sgz_shared
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR}
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib
  LINK_DEPENDS ${_sgz_map})
target_link_options(sgz_shared PRIVATE "LINKER:--version-script=${_sgz_map}")
# Instrumented objects (sanitizers, libFuzzer coverage) leave their runtime
# symbols for the executable to provide; otherwise every symbol must resolve.
if(NOT SGZ_SANITIZE AND NOT SGZ_FUZZ)
  target_link_options(sgz_shared PRIVATE "LINKER:--no-undefined")
endif()

# Linking an object library through an interface library brings its usage
# requirements (include directories, zstd, xxhash, threads, the fuzz build's
# sanitizer options) but not its objects, which come from libsgz.a once.
add_library(sgz_internal INTERFACE)
target_link_libraries(sgz_internal INTERFACE sgzlib sgz_container_objects)
foreach(_sgz_old_name sgz_common sgz_streams sgz_container)
  add_library(${_sgz_old_name} ALIAS sgz_internal)
endforeach()
