// Shared by the files of the C ABI (sgz_c.cc, sgz_c_info.cc, sgz_c_files.cc):
// the reader handle and the error reporting. Like those files it sees only
// the public C++ API, so it is kept apart from api_internal.h, which brings
// in the internal library.
#ifndef SGZ_API_SGZ_C_INTERNAL_H_
#define SGZ_API_SGZ_C_INTERNAL_H_

#include <exception>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "sgz/sgz.h"
#include "sgz/sgz_c.h"

struct sgz_reader {
  explicit sgz_reader(sgz::Reader r) : reader(std::move(r)) {}
  sgz::Reader reader;
  // Filled by the first successful sgz_reader_metadata_count /
  // sgz_reader_stream_count; the C strings point into them.
  bool metadata_loaded = false;
  std::vector<sgz::MetadataEntry> metadata;
  std::vector<std::string> metadata_text;
  bool streams_loaded = false;
  std::vector<sgz::StreamStat> streams;
};

// In sgz::internal so that cmake/libsgz.map keeps these out of libsgz.so's
// exported symbols.
namespace sgz::internal::capi {

// Records `message` for sgz_last_error() and returns `code`. Recording may
// fail for lack of memory; the code still gets out.
int Fail(int code, const char* message) noexcept;

// SGZ_OK for an ok `e`; otherwise records its message (prefixed with its
// path) for sgz_last_error() and returns its code.
int Report(const sgz::Error& e) noexcept;

// The C pack options as the C++ ones (the defaults for null), progress included.
sgz::PackFileOptions ToPackFileOptions(const sgz_pack_options* options);

inline int InvalidArgument(const char* what) noexcept { return Fail(SGZ_INVALID_ARGUMENT, what); }

// Runs f (returning an int code), mapping any exception to an error code.
template <typename F>
int Guarded(F&& f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return Fail(SGZ_RESOURCE_EXHAUSTED, "out of memory");
  } catch (const std::exception& e) {
    return Fail(SGZ_IO_ERROR, e.what());
  } catch (...) {
    return Fail(SGZ_IO_ERROR, "unexpected exception");
  }
}

}  // namespace sgz::internal::capi

#endif  // SGZ_API_SGZ_C_INTERNAL_H_
