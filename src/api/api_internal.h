// Shared by the files of the public API (src/api): the Reader's state and
// the translations between the public types and the internal library.
#ifndef SGZ_API_API_INTERNAL_H_
#define SGZ_API_API_INTERNAL_H_

#include <exception>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "container/io.h"
#include "container/reader.h"
#include "container/writer.h"
#include "streams/ggml_types.h"
#include "sgz/sgz.h"

namespace sgz {
namespace internal {
struct StreamUnpackStats;
}  // namespace internal
namespace internal::api {

inline Error ToError(const internal::Status& s) { return s.ok() ? Error() : Error(s.code(), s.message()); }

// Copies file attributes between internal::FileAttributes and
// ::sgz::FileAttributes, which hold the same fields.
template <typename To, typename From>
To ConvertAttributes(const From& a) {
  To out;
  out.has_mode = a.has_mode;
  out.mode = a.mode;
  out.has_mtime = a.has_mtime;
  out.mtime_sec = a.mtime_sec;
  out.mtime_nsec = a.mtime_nsec;
  return out;
}
// The writer's options for `options`; its progress callback (when set)
// reports `total_size` input bytes in all. `options` must outlive the result.
internal::PackOptions ToInternal(const PackFileOptions& options, uint64_t total_size);
// The members of PackFiles' `listed` inputs, each opened when its turn comes
// (errors name the path).
std::vector<internal::MemberInput> MemberInputsOf(const std::vector<PackInput>& listed);
// The sizes, chunks, shared bytes, GGUF flag, notice and stream table of
// `stats` in *summary (its members list untouched).
void FillPackSummary(const internal::PackStats& stats, PackSummary* summary);
// What an unpack from a stream reports in *summary: streamed, the reads
// (archive bytes; chunks decoded, all of them) and the original size; the
// attributes untouched (a single file's come from its manifest entry).
void FillStreamedSummary(const internal::StreamUnpackStats& stats, UnpackSummary* summary);
// `s` as an Error naming `path`.
Error OnPath(const internal::Status& s, const std::string& path);
// How errors name an output: "-" is standard output, told apart from an
// input "-" (standard input).
std::string OutName(const std::string& out);
// FillStreamedSummary and the attributes the stream recorded.
void FillStreamed(const internal::StreamUnpackStats& stats, UnpackSummary* summary);
// Unpacks what `reader` (opened from in_name, as messages name it) or
// `input` (an archive read in order) holds to `out` ("-": standard output)
// as UnpackFile does: written to a temporary, committed once all of it was
// verified; *summary (optional) filled.
Error UnpackReaderTo(Reader* reader, const std::string& in_name, const std::string& out,
                     const UnpackOptions& options, UnpackSummary* summary);
Error UnpackInputTo(internal::InputStream* input, const std::string& in_name, const std::string& out,
                    const UnpackOptions& options, UnpackSummary* summary);

inline ::sgz::FileAttributes PublicAttributes(const internal::FileAttributes& a) {
  return ConvertAttributes<::sgz::FileAttributes>(a);
}
inline internal::FileAttributes InternalAttributes(const ::sgz::FileAttributes& a) {
  return ConvertAttributes<internal::FileAttributes>(a);
}

// The public description of a tensor from a parsed GGUF header
// (internal::GgufTensor) or an archive's tensor entry (internal::TensorEntry),
// which describe it with the same fields; the stored fields stay 0.
template <typename Tensor>
TensorInfo PublicTensor(const Tensor& t) {
  TensorInfo info;
  info.name = t.name;
  info.type = internal::GgmlTypeName(t.type);
  info.shape.assign(t.ne, t.ne + t.n_dims);
  info.offset = t.offset;
  info.size = t.size;
  return info;
}
// GgufInfo::tensors_by_type of `tensors`: the count per type name, sorted by name.
std::vector<std::pair<std::string, uint64_t>> TensorsByType(const std::vector<TensorInfo>& tensors);

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
  // Counts n bytes that are not written (a damaged chunk's) and reports progress.
  void Advance(uint64_t n);
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

// The members of an archive (Reader::members()), from its manifest.
std::vector<MemberInfo> ListMembers(const internal::Manifest& manifest);
}  // namespace internal::api

struct Reader::Impl {
  static ErrorOr<Reader> Make(std::unique_ptr<internal::ByteSource> source,
                              const ReaderOptions& options = ReaderOptions());
  // A Reader of file `index` of `archive` (whose members list is given).
  static ErrorOr<Reader> MakeView(std::shared_ptr<internal::Archive> archive, uint32_t index);

  // Shared by the Reader of the archive and every Reader of one of its
  // members (OpenMember): one chunk store, one source.
  std::shared_ptr<internal::Archive> archive;
  internal::FileView* view = nullptr;  // the file this Reader reads, of *archive
  const internal::FileEntry& file() const { return view->file(); }
  std::vector<MemberInfo> members;  // every file of the archive
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
