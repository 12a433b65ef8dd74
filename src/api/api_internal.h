// Shared by the files of the public API (src/api): the Reader's state and
// the translations between the public types and the internal library.
#ifndef SGZ_API_API_INTERNAL_H_
#define SGZ_API_API_INTERNAL_H_

#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "common/status.h"
#include "container/io.h"
#include "container/reader.h"
#include "sgz/sgz.h"

namespace sgz {
namespace internal::api {

inline Error ToError(const internal::Status& s) { return s.ok() ? Error() : Error(s.code(), s.message()); }

inline ::sgz::FileAttributes PublicAttributes(const internal::FileAttributes& a) {
  ::sgz::FileAttributes out;
  out.has_mode = a.has_mode;
  out.mode = a.mode;
  out.has_mtime = a.has_mtime;
  out.mtime_sec = a.mtime_sec;
  out.mtime_nsec = a.mtime_nsec;
  return out;
}

inline internal::FileAttributes InternalAttributes(const ::sgz::FileAttributes& a) {
  internal::FileAttributes out;
  out.has_mode = a.has_mode;
  out.mode = a.mode;
  out.has_mtime = a.has_mtime;
  out.mtime_sec = a.mtime_sec;
  out.mtime_nsec = a.mtime_nsec;
  return out;
}

// A Source or callback may hand back any integer cast to ErrorCode.
internal::Status ToStatus(const Error& e);

// Runs f, turning any exception into an Error: nothing thrown inside the
// library (allocation failure, mostly) reaches the caller.
template <typename F>
auto Guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return Error(ErrorCode::kResourceExhausted, "out of memory");
  } catch (const std::exception& e) {
    return Error(ErrorCode::kIoError, std::string("unexpected exception: ") + e.what());
  } catch (...) {
    return Error(ErrorCode::kIoError, "unexpected exception");
  }
}

// Hands bytes to a WriteCallback. The callback's own Error is kept, so that
// the caller gets it back unchanged rather than a Status round trip.
class CallbackSink : public internal::ByteSink {
 public:
  explicit CallbackSink(const WriteCallback* write) : write_(write) {}
  internal::Status Write(const void* data, size_t n) override;
  // The first error the callback returned (ok if none).
  const Error& error() const { return error_; }

 private:
  const WriteCallback* write_;
  Error error_;
};

// Counts bytes on their way to another sink (nullptr: discards them), reports
// progress, and remembers whether the next sink failed (so an error can be
// put on the output's account).
class CountingSink : public internal::ByteSink {
 public:
  CountingSink(internal::ByteSink* next, const ProgressCallback* progress, uint64_t total)
      : next_(next), progress_(progress), total_(total) {}
  internal::Status Write(const void* data, size_t n) override;
  uint64_t done() const { return done_; }
  bool failed() const { return failed_; }

 private:
  internal::ByteSink* next_;
  const ProgressCallback* progress_;
  uint64_t total_;
  uint64_t done_ = 0;
  bool failed_ = false;
};

// The metadata of a GGUF header parsed into `layout` (its bytes at
// `header`), as Reader::Metadata returns it.
std::vector<MetadataEntry> DecodeMetadata(const uint8_t* header, const internal::GgufLayout& layout,
                                          bool big_endian, const MetadataLimits& limits);

}  // namespace internal::api

struct Reader::Impl {
  static ErrorOr<Reader> Make(std::unique_ptr<internal::ByteSource> source);

  std::unique_ptr<internal::Archive> archive;
  // The path given to Open(path), so that Unpack(out_path) can refuse to
  // replace the archive it reads; empty for memory and custom sources.
  std::string path;
  std::vector<TensorInfo> tensors;  // index i describes archive->file().tensors[i]
  GgufInfo gguf;
  ::sgz::FileAttributes attributes;  // of archive->file()
  // The GGUF header bytes and their parse, read on first use by Metadata().
  std::vector<uint8_t> header;
  std::unique_ptr<internal::GgufLayout> layout;
};

}  // namespace sgz

#endif  // SGZ_API_API_INTERNAL_H_
