// The public C++ API: a thin translation onto the internal library
// (container/, streams/, common/). No format logic lives here.
#include "sgz/sgz.h"

#include <algorithm>
#include <exception>
#include <new>

#include "common/status.h"
#include "container/format.h"
#include "container/io.h"
#include "container/reader.h"
#include "container/stream_reader.h"
#include "container/writer.h"
#include "streams/ggml_types.h"

#ifndef SGZ_VERSION_STRING
#define SGZ_VERSION_STRING "unknown"
#endif

namespace sgz {

using namespace internal;  // NOLINT: this file translates the internal library

static_assert(PackFileOptions().level == kDefaultLevel, "public default level differs from the library's");
static_assert(kDefaultMetaLevel == 9, "the public header documents metadata level max(level, 9)");
static_assert(PackFileOptions().chunk_size == kDefaultChunkSize,
              "public default chunk size differs from the library's");

namespace {

Error ToError(const Status& s) { return s.ok() ? Error() : Error(s.code(), s.message()); }

Status ToStatus(const Error& e) {
  switch (e.code()) {
    case ErrorCode::kOk: return Status::Ok();
    case ErrorCode::kInvalidArgument: case ErrorCode::kCorrupt: case ErrorCode::kChecksumMismatch:
    case ErrorCode::kNotSupported: case ErrorCode::kIoError: case ErrorCode::kResourceExhausted:
    case ErrorCode::kNotFound:
      return Status(e.code(), e.message());
  }
  // A Source may hand back any integer cast to ErrorCode.
  return Status::IOError("source returned unknown error code " + std::to_string(static_cast<int>(e.code())) +
                         ": " + e.message());
}

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

// Presents a user's Source as the library's ByteSource.
class SourceAdapter : public ByteSource {
 public:
  explicit SourceAdapter(std::unique_ptr<Source> source) : source_(std::move(source)) {}
  uint64_t Size() const override { return source_->Size(); }

 protected:
  Status DoRead(uint64_t offset, uint64_t n, uint8_t* dst) override {
    // User code must not unwind through the library.
    try {
      return ToStatus(source_->Read(offset, n, dst));
    } catch (const std::exception& e) {
      return Status::IOError(std::string("source threw: ") + e.what());
    } catch (...) {
      return Status::IOError("source threw an exception");
    }
  }

 private:
  std::unique_ptr<Source> source_;
};

// Accepts and drops everything; Verify decodes into it.
class DiscardSink : public ByteSink {
 public:
  Status Write(const void*, size_t) override { return Status::Ok(); }
};

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

const char* Version() { return SGZ_VERSION_STRING; }

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "ok";
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kCorrupt: return "corrupt";
    case ErrorCode::kChecksumMismatch: return "checksum_mismatch";
    case ErrorCode::kNotSupported: return "not_supported";
    case ErrorCode::kIoError: return "io_error";
    case ErrorCode::kResourceExhausted: return "resource_exhausted";
    case ErrorCode::kNotFound: return "not_found";
  }
  return "unknown";
}

std::string Error::ToString() const {
  if (ok()) return "ok";
  return std::string(ErrorCodeName(code_)) + ": " + message_;
}

struct Reader::Impl {
  // `context` (the archive's path, or empty) prefixes messages of failures
  // that do not already name it.
  static ErrorOr<Reader> Make(std::unique_ptr<ByteSource> source, const std::string& context);

  std::unique_ptr<Archive> archive;
  std::vector<TensorInfo> tensors;  // index i describes archive->file().tensors[i]
};

Reader::Reader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Reader::Reader(Reader&& other) noexcept = default;
Reader& Reader::operator=(Reader&& other) noexcept = default;
Reader::~Reader() = default;

ErrorOr<Reader> Reader::Open(const std::string& path) {
  return Guarded([&]() -> ErrorOr<Reader> {
    Result<std::unique_ptr<ByteSource>> source = OpenFileSource(path);
    if (!source.ok()) return ToError(source.status());  // already names the path
    return Impl::Make(std::move(source).value(), path);
  });
}

ErrorOr<Reader> Reader::OpenMemory(const void* data, size_t size) {
  return Guarded([&]() -> ErrorOr<Reader> {
    if (data == nullptr && size != 0) {
      return Error(ErrorCode::kInvalidArgument, "OpenMemory: null data, size " + std::to_string(size));
    }
    return Impl::Make(NewMemorySource(static_cast<const uint8_t*>(data), size), "");
  });
}

ErrorOr<Reader> Reader::Open(std::unique_ptr<Source> source) {
  return Guarded([&]() -> ErrorOr<Reader> {
    if (source == nullptr) return Error(ErrorCode::kInvalidArgument, "Open: null source");
    return Impl::Make(std::make_unique<SourceAdapter>(std::move(source)), "");
  });
}

ErrorOr<Reader> Reader::Impl::Make(std::unique_ptr<ByteSource> source, const std::string& context) {
  Result<std::unique_ptr<Archive>> archive = Archive::Open(std::move(source));
  if (!archive.ok()) {
    return ToError(context.empty() ? archive.status() : archive.status().WithContext(context));
  }
  std::unique_ptr<Impl> impl(new Impl);
  impl->archive = std::move(archive).value();
  const Archive& a = *impl->archive;
  impl->tensors.reserve(a.file().tensors.size());
  for (const TensorEntry& t : a.file().tensors) {
    TensorInfo info;
    info.name = t.name;
    info.type = GgmlTypeName(t.type);
    info.shape.assign(t.ne, t.ne + t.n_dims);
    info.offset = t.offset;
    info.size = t.size;
    info.stored_size = a.TensorStoredBytes(t);
    impl->tensors.push_back(std::move(info));
  }
  return Reader(std::move(impl));
}

void Reader::set_threads(unsigned threads) { impl_->archive->set_threads(threads); }

bool Reader::is_gguf() const { return impl_->archive->file().kind == EntryKind::kGguf; }
const std::string& Reader::note() const { return impl_->archive->file().note; }
const std::string& Reader::file_name() const { return impl_->archive->file().name; }
uint64_t Reader::original_size() const { return impl_->archive->file().original_size; }
const std::vector<TensorInfo>& Reader::tensors() const { return impl_->tensors; }

ErrorOr<const TensorInfo*> Reader::FindTensor(const std::string& name) const {
  return Guarded([&]() -> ErrorOr<const TensorInfo*> {
    Result<const TensorEntry*> entry = impl_->archive->FindTensor(name);
    if (!entry.ok()) return ToError(entry.status());
    // Same order as the manifest, so the index carries over.
    const size_t index = static_cast<size_t>(*entry - impl_->archive->file().tensors.data());
    return &impl_->tensors[index];
  });
}

Error Reader::ReadTensor(const std::string& name, void* dst, size_t capacity) {
  return Guarded([&]() -> Error {
    if (dst == nullptr && capacity != 0) return Error(ErrorCode::kInvalidArgument, "ReadTensor: null buffer");
    return ToError(impl_->archive->ReadTensor(name, static_cast<uint8_t*>(dst), capacity));
  });
}

Error Reader::ReadRange(uint64_t offset, uint64_t length, void* dst) {
  return Guarded([&]() -> Error {
    if (dst == nullptr && length != 0) return Error(ErrorCode::kInvalidArgument, "ReadRange: null buffer");
    return ToError(impl_->archive->ReadRange(offset, length, static_cast<uint8_t*>(dst)));
  });
}

Error Reader::Unpack(const std::string& out_path, bool overwrite) {
  return Guarded([&]() -> Error {
    Result<std::unique_ptr<OutputFile>> file = OutputFile::Create(out_path, overwrite);
    if (!file.ok()) return ToError(file.status());
    Status s = impl_->archive->Unpack(file->get());
    if (s.ok()) s = (*file)->Commit();
    return ToError(s);
  });
}

Error Reader::Verify() {
  return Guarded([&]() -> Error {
    DiscardSink sink;
    return ToError(impl_->archive->Unpack(&sink));
  });
}

ReadStats Reader::stats() const {
  Archive& a = *impl_->archive;
  ReadStats s;
  s.archive_size = a.source().Size();
  s.bytes_read = a.source().bytes_read();
  s.read_calls = a.source().read_calls();
  s.chunks_decoded = a.chunks_decoded();
  s.chunks_total = a.manifest().chunks.size();
  return s;
}

Error PackFile(const std::string& in, const std::string& out, const PackFileOptions& options, PackSummary* summary) {
  return Guarded([&]() -> Error {
    PackOptions internal;
    internal.level = options.level;
    internal.meta_level = options.meta_level;  // 0: the library's rule, max(level, 9)
    internal.chunk_size = options.chunk_size;
    internal.threads = options.threads;
    internal.name = in == "-" ? "" : BaseName(in);
    // Checked before any file is created, so bad options leave no trace.
    Status s = ValidatePackOptions(internal);
    if (!s.ok()) return ToError(s);
    Result<std::unique_ptr<InputStream>> input = OpenInputStream(in);
    if (!input.ok()) return ToError(input.status());
    Result<std::unique_ptr<OutputFile>> file = OutputFile::Create(out, options.overwrite);
    if (!file.ok()) return ToError(file.status());
    PackStats stats;
    s = Pack(input->get(), internal, file->get(), &stats);
    if (s.ok()) s = (*file)->Commit();
    if (!s.ok()) return ToError(s);  // messages of file errors name the file
    if (summary != nullptr) {
      summary->original_size = stats.original_size;
      summary->archive_size = stats.archive_size;
      summary->chunks = stats.chunks;
      summary->gguf = stats.gguf;
      summary->notice = stats.notice;
    }
    return Error();
  });
}

Error UnpackFile(const std::string& in, const std::string& out, bool overwrite, unsigned threads) {
  return Guarded([&]() -> Error {
    if (in != "-") {
      ErrorOr<Reader> reader = Reader::Open(in);
      if (!reader.ok()) return reader.error();
      reader->set_threads(threads);
      return reader->Unpack(out, overwrite);
    }
    // Standard input is not seekable: decode in order as the bytes arrive.
    Result<std::unique_ptr<OutputFile>> file = OutputFile::Create(out, overwrite);
    if (!file.ok()) return ToError(file.status());
    std::unique_ptr<InputStream> input = NewFdInputStream(0, "<stdin>");
    StreamUnpackStats stats;
    Status s = UnpackStream(input.get(), file->get(), &stats, threads);
    if (s.ok()) s = (*file)->Commit();
    return ToError(s);
  });
}

}  // namespace sgz
