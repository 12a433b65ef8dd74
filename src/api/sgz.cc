// The public C++ API: a thin translation onto the internal library
// (container/, streams/, common/). No format logic lives here. This file:
// errors, versions, opening a Reader and reading bytes; reader_info.cc:
// what a Reader tells about the archive; files.cc: whole-file operations.
#include "sgz/sgz.h"

#include <algorithm>
#include <map>

#include "api/api_internal.h"
#include "container/format.h"
#include "container/writer.h"
#include "streams/ggml_types.h"
#include "streams/shuffle.h"

#ifndef SGZ_VERSION_STRING
#define SGZ_VERSION_STRING "unknown"
#endif

namespace sgz {

using namespace internal;       // NOLINT: this file translates the internal library
using namespace internal::api;  // NOLINT

static_assert(sgz::kDefaultLevel == internal::kDefaultLevel, "public default level differs from the library's");
static_assert(sgz::kMaxPresetLevel == internal::kMaxPresetLevel, "public preset level differs from the library's");
static_assert(sgz::kMinLevel == internal::kMinLevel && sgz::kMaxLevel == internal::kMaxLevel,
              "public level range differs from the library's");
static_assert(internal::kDefaultMetaLevel == 9, "the public header documents metadata level max(level, 9)");
static_assert(sgz::kDefaultChunkSize == internal::kDefaultChunkSize, "public default chunk size differs from the library's");
static_assert(sgz::kMinChunkSize == internal::kMinChunkSize, "public minimum chunk size differs from the library's");
static_assert(static_cast<uint32_t>(MetadataType::kF64) == static_cast<uint32_t>(GgufValueType::kF64) &&
                  static_cast<uint32_t>(MetadataType::kArray) == static_cast<uint32_t>(GgufValueType::kArray),
              "public metadata types are numbered as GGUF's");

namespace internal::api {

Status ToStatus(const Error& e) {
  switch (e.code()) {
    case ErrorCode::kOk: return Status::Ok();
    case ErrorCode::kInvalidArgument: case ErrorCode::kCorrupt: case ErrorCode::kChecksumMismatch:
    case ErrorCode::kNotSupported: case ErrorCode::kIoError: case ErrorCode::kResourceExhausted:
    case ErrorCode::kNotFound:
      return Status(e.code(), e.message());
  }
  return Status::IOError("unknown error code " + std::to_string(static_cast<int>(e.code())) + ": " + e.message());
}

Status CallbackSink::Write(const void* data, size_t n) {
  if (n == 0) return Status::Ok();
  Error e;
  try {
    e = (*write_)(data, n);
  } catch (const std::exception& x) {
    e = Error(ErrorCode::kIoError, std::string("write callback threw: ") + x.what());
  } catch (...) {
    e = Error(ErrorCode::kIoError, "write callback threw an exception");
  }
  if (e.ok()) return Status::Ok();
  if (error_.ok()) error_ = e;
  return ToStatus(e);
}

Status CountingSink::Write(const void* data, size_t n) {
  Advance(n);
  if (next_ == nullptr) return Status::Ok();
  Status s = next_->Write(data, n);
  if (!s.ok()) failed_ = true;
  return s;
}

void CountingSink::Advance(uint64_t n) {
  done_ += n;
  if (progress_ != nullptr && *progress_) {
    Progress p;
    p.done = done_;
    p.total = total_;
    (*progress_)(p);
  }
}

std::vector<std::pair<std::string, uint64_t>> TensorsByType(const std::vector<TensorInfo>& tensors) {
  std::map<std::string, uint64_t> by_type;
  for (const TensorInfo& t : tensors) ++by_type[t.type];
  return {by_type.begin(), by_type.end()};
}

}  // namespace internal::api

namespace {

// Presents a user's Source as the library's ByteSource.
class SourceAdapter : public ByteSource {
 public:
  explicit SourceAdapter(std::unique_ptr<Source> source) : source_(std::move(source)) {}
  uint64_t Size() const override { return source_->Size(); }

 protected:
  Status DoRead(uint64_t offset, uint64_t n, uint8_t* dst) override {
    // User code must not unwind through the library.
    try {
      const Error e = source_->Read(offset, n, dst);
      if (e.ok()) return Status::Ok();
      Status s = ToStatus(e);
      return s.code() == e.code() ? s : Status::IOError("source returned " + s.message());
    } catch (const std::exception& e) {
      return Status::IOError(std::string("source threw: ") + e.what());
    } catch (...) {
      return Status::IOError("source threw an exception");
    }
  }

 private:
  std::unique_ptr<Source> source_;
};

// Runs a read into a callback; the callback's own error comes back unchanged.
Error ToCallerError(const Status& s, const CallbackSink& sink) {
  if (!s.ok() && !sink.error().ok()) return sink.error();
  return ToError(s);
}

}  // namespace

const char* Version() { return SGZ_VERSION_STRING; }

::sgz::FormatVersion WrittenFormatVersion() {
  ::sgz::FormatVersion v;
  v.major = kFormatMajor;
  v.minor = kFormatMinor;
  return v;
}

const char* ShuffleImplementation() { return ShuffleVariant(); }

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

Reader::Reader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Reader::Reader(Reader&& other) noexcept = default;
Reader& Reader::operator=(Reader&& other) noexcept = default;
Reader::~Reader() = default;

ErrorOr<Reader> Reader::Open(const std::string& path) { return Open(path, ReaderOptions()); }

ErrorOr<Reader> Reader::Open(const std::string& path, const ReaderOptions& options) {
  return Guarded([&]() -> ErrorOr<Reader> {
    if (IsUrl(path)) return OpenUrl(path, HttpDefaults());
    Result<std::unique_ptr<ByteSource>> source = OpenFileSource(path);
    if (!source.ok()) return ToError(source.status()).set_path(path);
    ErrorOr<Reader> reader = Impl::Make(std::move(source).value(), options);
    if (!reader.ok()) return reader.error().set_path(path);
    reader->impl_->path = path;
    return reader;
  });
}

ErrorOr<Reader> Reader::OpenMemory(const void* data, size_t size) {
  return Guarded([&]() -> ErrorOr<Reader> {
    if (data == nullptr && size != 0) {
      return Error(ErrorCode::kInvalidArgument, "OpenMemory: null data, size " + std::to_string(size));
    }
    return Impl::Make(NewMemorySource(static_cast<const uint8_t*>(data), size));
  });
}

ErrorOr<Reader> Reader::Open(std::unique_ptr<Source> source) {
  return Guarded([&]() -> ErrorOr<Reader> {
    if (source == nullptr) return Error(ErrorCode::kInvalidArgument, "Open: null source");
    return Impl::Make(std::make_unique<SourceAdapter>(std::move(source)));
  });
}

ErrorOr<Reader> Reader::Impl::Make(std::unique_ptr<ByteSource> source, const ReaderOptions& reader_options) {
  // Every archive the public API opens recovers from an interrupted add.
  internal::ChunkStoreOptions options;
  options.recover = true;
  options.cache_bytes = reader_options.cache_bytes;
  options.parent_cache_bytes = reader_options.cache_bytes / 2;
  options.max_merged_read = std::max(options.max_merged_read, source->PreferredReadSize());
  Result<std::unique_ptr<Archive>> archive = Archive::Open(std::move(source), options);
  if (!archive.ok()) return ToError(archive.status());
  return MakeView(std::shared_ptr<Archive>(std::move(archive).value()), 0);
}

ErrorOr<Reader> Reader::Impl::MakeView(std::shared_ptr<Archive> archive, uint32_t index) {
  Result<FileView*> view = archive->view(index);
  if (!view.ok()) return ToError(view.status());
  std::unique_ptr<Impl> impl(new Impl);
  impl->archive = std::move(archive);
  impl->view = *view;
  const FileView& v = *impl->view;
  const FileEntry& f = v.file();
  impl->tensors.reserve(f.tensors.size());
  for (const TensorEntry& t : f.tensors) {
    TensorInfo info = PublicTensor(t);
    info.stored_size = v.TensorStoredBytes(t);
    info.shared_size = v.TensorSharedBytes(t);
    v.TensorChunks(t, &info.first_chunk, &info.chunks);
    impl->tensors.push_back(std::move(info));
  }
  if (f.kind == EntryKind::kGguf) {
    GgufInfo& g = impl->gguf;
    g.version = f.gguf_version;
    g.big_endian = f.big_endian;
    g.alignment = f.alignment;
    g.data_offset = f.data_offset;
    g.kv_count = f.kv_count;
    g.tensor_count = f.tensors.size();
    g.tensors_by_type = TensorsByType(impl->tensors);
  }
  impl->attributes = PublicAttributes(f.attributes);
  impl->members = ListMembers(impl->archive->manifest());
  return Reader(std::move(impl));
}

void Reader::set_threads(unsigned threads) { impl_->archive->set_threads(threads); }

bool Reader::is_gguf() const { return impl_->file().kind == EntryKind::kGguf; }
const std::string& Reader::note() const { return impl_->file().note; }
const std::string& Reader::file_name() const { return impl_->file().name; }
uint64_t Reader::original_size() const { return impl_->file().original_size; }
const ::sgz::FileAttributes& Reader::file_attributes() const { return impl_->attributes; }
const GgufInfo& Reader::gguf() const { return impl_->gguf; }
const std::vector<TensorInfo>& Reader::tensors() const { return impl_->tensors; }

ArchiveInfo Reader::archive_info() const {
  Archive& a = *impl_->archive;
  ArchiveInfo info;
  info.format.major = a.header().major;
  info.format.minor = a.header().minor;
  info.archive_size = a.source().Size();
  info.chunks = a.manifest().chunks.size();
  info.checksum = impl_->file().checksum;
  info.ignored_bytes = a.store().ignored_bytes();
  return info;
}

ErrorOr<const TensorInfo*> Reader::FindTensor(const std::string& name) const {
  return Guarded([&]() -> ErrorOr<const TensorInfo*> {
    Result<const TensorEntry*> entry = impl_->view->FindTensor(name);
    if (!entry.ok()) return ToError(entry.status());
    // Same order as the manifest, so the index carries over.
    const size_t index = static_cast<size_t>(*entry - impl_->file().tensors.data());
    return &impl_->tensors[index];
  });
}

Error Reader::ReadTensor(const std::string& name, void* dst, size_t capacity) {
  return Guarded([&]() -> Error {
    if (dst == nullptr && capacity != 0) return Error(ErrorCode::kInvalidArgument, "ReadTensor: null buffer");
    return ToError(impl_->view->ReadTensor(name, static_cast<uint8_t*>(dst), capacity));
  });
}

Error Reader::ReadRange(uint64_t offset, uint64_t length, void* dst) {
  return Guarded([&]() -> Error {
    if (dst == nullptr && length != 0) return Error(ErrorCode::kInvalidArgument, "ReadRange: null buffer");
    return ToError(impl_->view->ReadRange(offset, length, static_cast<uint8_t*>(dst)));
  });
}

Error Reader::ReadRangeTo(uint64_t offset, uint64_t length, const WriteCallback& write) {
  return Guarded([&]() -> Error {
    if (!write) return Error(ErrorCode::kInvalidArgument, "ReadRangeTo: no write callback");
    CallbackSink sink(&write);
    return ToCallerError(impl_->view->WriteRange(offset, length, &sink), sink);
  });
}

Error Reader::ReadTensorTo(const std::string& name, const WriteCallback& write) {
  return Guarded([&]() -> Error {
    Result<const TensorEntry*> t = impl_->view->FindTensor(name);
    if (!t.ok()) return ToError(t.status());
    return ReadRangeTo((*t)->offset, (*t)->size, write);
  });
}

Error Reader::Unpack(const std::string& out_path, bool overwrite, const ProgressCallback& progress) {
  return Guarded([&]() -> Error {
    if (!impl_->path.empty()) {
      Error same = CheckOutputNotInput(impl_->path, out_path);
      if (!same.ok()) return same;
    }
    Result<std::unique_ptr<internal::OutputFile>> file = internal::OutputFile::Create(out_path, overwrite);
    if (!file.ok()) return ToError(file.status());
    CountingSink sink(file->get(), &progress, original_size());
    Status s = impl_->view->Unpack(&sink);
    if (s.ok()) s = (*file)->Commit(&impl_->file().attributes);
    return ToError(s);
  });
}

Error Reader::Unpack(const WriteCallback& write, const ProgressCallback& progress) {
  return Guarded([&]() -> Error {
    if (!write) return Error(ErrorCode::kInvalidArgument, "Unpack: no write callback");
    CallbackSink callback(&write);
    CountingSink sink(&callback, &progress, original_size());
    return ToCallerError(impl_->view->Unpack(&sink), callback);
  });
}

Error Reader::Verify(const ProgressCallback& progress) {
  return Guarded([&]() -> Error {
    CountingSink sink(nullptr, &progress, original_size());
    return ToError(impl_->view->Unpack(&sink));
  });
}

Error Reader::VerifyAll(const DamageCallback& damaged, const WriteCallback& write, const ProgressCallback& progress) {
  return Guarded([&]() -> Error {
    Archive& a = *impl_->archive;
    const FileEntry& f = impl_->file();
    const FileView& view = *impl_->view;
    CallbackSink callback(&write);
    // Damaged chunks count as done too (Advance), so progress reaches the total.
    CountingSink sink(write ? &callback : nullptr, &progress, original_size());
    Error first;          // the first damaged chunk's error
    Error damaged_error;  // what `damaged` returned, handed back unchanged
    Status s = view.UnpackPastDamage(&sink, [&](size_t k, const Status& failure) -> Status {
      const uint32_t index = f.chunks[k];
      Damage d;
      d.chunk = index;
      d.offset = view.starts()[k];
      d.length = a.manifest().chunks[index].original_size;
      d.code = failure.code();
      d.message = failure.message();
      for (const TensorInfo& t : impl_->tensors) {
        if (t.offset < d.offset + d.length && d.offset < t.offset + t.size) d.tensors.push_back(t.name);
      }
      d.metadata = f.kind == EntryKind::kGguf && d.offset < f.data_offset;
      sink.Advance(d.length);
      if (first.ok()) first = Error(failure.code(), a.DescribeChunk(index) + ": " + failure.message());
      if (!damaged) return Status::Ok();
      Error e;
      try {
        e = damaged(d);
      } catch (...) {
        e = Error(ErrorCode::kIoError, "damage callback threw an exception");
      }
      if (!e.ok()) damaged_error = e;
      return ToStatus(e);
    });
    if (!s.ok()) {
      if (!damaged_error.ok()) return damaged_error;
      return ToCallerError(s, callback);
    }
    return first;
  });
}

const std::vector<MemberInfo>& Reader::members() const { return impl_->members; }

ErrorOr<Reader> Reader::OpenMember(const std::string& name) const {
  return Guarded([&]() -> ErrorOr<Reader> {
    const std::vector<FileEntry>& files = impl_->archive->manifest().files;
    for (size_t i = 0; i < files.size(); ++i) {
      if (files[i].name != name) continue;
      ErrorOr<Reader> reader = Impl::MakeView(impl_->archive, static_cast<uint32_t>(i));
      if (reader.ok()) reader->impl_->path = impl_->path;
      return reader;
    }
    // A member of that name in a directory (zoo/NAME: what packing a
    // directory names its files) first, else names a few edits away.
    std::vector<std::string> names, close;
    for (const FileEntry& f : files) {
      names.push_back(f.name);
      const std::string& n = f.name;
      if (n.size() > name.size() && n[n.size() - name.size() - 1] == '/' &&
          n.compare(n.size() - name.size(), name.size(), name) == 0) {
        close.push_back(n);
      }
    }
    if (close.empty()) close = ClosestNames(name, names, 3);
    return Error(ErrorCode::kNotFound, "no member '" + name + "' in the archive" +
                                           (close.empty() ? "" : " (did you mean '" + close.front() + "'?)"));
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

}  // namespace sgz
