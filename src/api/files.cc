// Whole-file operations of the public API: pack, unpack, verify against a
// file, and output files that appear only when complete.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "api/api_internal.h"
#include "container/stream_reader.h"
#include "container/writer.h"

namespace sgz {

using namespace internal::api;  // NOLINT
using internal::InputStream;
using internal::NewFdInputStream;
using internal::OpenInputStream;
using internal::Pack;
using internal::PackOptions;
using internal::PackStats;
using internal::Result;
using internal::Status;
using internal::StreamUnpackStats;
using internal::UnpackStream;

namespace {

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}


// Bytes of a regular file, 0 for anything else (pipes, devices, "-").
uint64_t RegularFileSize(const std::string& path) {
  struct stat st;
  if (path == "-" || stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  return static_cast<uint64_t>(st.st_size);
}

// Device and inode of the regular file `path` ("-": the file open on
// `std_fd`); false for anything else (missing, pipe, device), which
// cannot be an input overwritten by an output.
bool RegularFileId(const std::string& path, int std_fd, dev_t* dev, ino_t* ino) {
  struct stat st;
  const int rc = path == "-" ? fstat(std_fd, &st) : stat(path.c_str(), &st);
  if (rc != 0 || !S_ISREG(st.st_mode)) return false;
  *dev = st.st_dev;
  *ino = st.st_ino;
  return true;
}

}  // namespace

void internal::api::FillStreamedSummary(const StreamUnpackStats& stats, UnpackSummary* summary) {
  summary->streamed = true;
  summary->reads = ReadStats();
  summary->reads.bytes_read = stats.archive_bytes;
  summary->reads.chunks_decoded = summary->reads.chunks_total = stats.chunks;
  summary->original_size = stats.original_bytes;
}

void internal::api::FillPackSummary(const PackStats& stats, PackSummary* summary) {
  summary->original_size = stats.original_size;
  summary->archive_size = stats.archive_size;
  summary->chunks = stats.chunks;
  summary->shared_size = stats.shared_bytes;
  summary->gguf = stats.gguf;
  summary->notice = stats.notice;
  summary->streams.clear();
  for (const auto& [name, t] : stats.streams) summary->streams.push_back({name, t.raw, t.stored});
}

internal::PackOptions internal::api::ToInternal(const PackFileOptions& options, uint64_t total_size) {
  PackOptions internal;
  internal.level = options.level;
  internal.meta_level = options.meta_level;  // 0: the library's rule, max(level, 9)
  internal.chunk_size = options.chunk_size;
  internal.threads = options.threads;
  internal.predict = options.predict;
  internal.predict_preset =
      options.predict_scales ? internal::PredictPreset::kMax : internal::PredictPreset::kDefault;
  internal.parent_member = options.parent;
  internal.imatrix_member = options.imatrix;
  // Out of range values stay out of range (ValidatePackOptions refuses them).
  internal.format_minor = static_cast<uint16_t>(std::clamp(options.format_minor, 0, 0xFFFF));
  if (options.progress) {
    internal.progress = [&options, total_size](uint64_t done, uint64_t written) {
      Progress p;
      p.done = done;
      p.total = total_size;
      p.archive_bytes = written;
      options.progress(p);
    };
  }
  return internal;
}

PackFileOptions PackFileOptions::Fast() {
  PackFileOptions o;
  o.level = o.meta_level = kMinLevel;
  return o;
}

PackFileOptions PackFileOptions::Max() {
  PackFileOptions o;
  o.level = o.meta_level = kMaxPresetLevel;
  o.predict_scales = true;
  return o;
}

Error ValidatePackOptions(const PackFileOptions& options) {
  return Guarded([&]() -> Error { return ToError(internal::ValidatePackOptions(ToInternal(options, 0))); });
}

Error PackFile(const std::string& in, const std::string& out, const PackFileOptions& options, PackSummary* summary) {
  return Guarded([&]() -> Error {
    PackOptions internal = ToInternal(options, RegularFileSize(in));
    internal.name = in == "-" ? "" : BaseName(in);
    // Checked before any file is created, so bad options leave no trace.
    Status s = internal::ValidatePackOptions(internal);
    if (!s.ok()) return ToError(s);
    // Before anything is opened for writing: replacing the file being read
    // would destroy it, overwrite or not.
    Error same = CheckOutputNotInput(in, out);
    if (!same.ok()) return same;
    Result<std::unique_ptr<InputStream>> input = OpenInputStream(in);
    if (!input.ok()) return OnPath(input.status(), in);
    Result<std::unique_ptr<internal::OutputFile>> file = internal::OutputFile::Create(out, options.overwrite);
    if (!file.ok()) return OnPath(file.status(), OutName(out));
    CountingSink sink(file->get(), nullptr, 0);
    PackStats stats;
    s = Pack(input->get(), internal, &sink, &stats);
    if (!s.ok()) return OnPath(s, sink.failed() ? OutName(out) : in);
    s = (*file)->Commit();
    if (!s.ok()) return OnPath(s, OutName(out));
    if (summary != nullptr) FillPackSummary(stats, summary);
    return Error();
  });
}

Error CheckOutputNotInput(const std::string& in, const std::string& out) {
  return Guarded([&]() -> Error {
    dev_t in_dev, out_dev;
    ino_t in_ino, out_ino;
    if (!RegularFileId(in, STDIN_FILENO, &in_dev, &in_ino) || !RegularFileId(out, STDOUT_FILENO, &out_dev, &out_ino) ||
        in_dev != out_dev || in_ino != out_ino) {
      return Error();
    }
    return Error(ErrorCode::kInvalidArgument, "refusing to write over an input (output is the same file as input " +
                                                  (in == "-" ? std::string("<stdin>") : in) + ")")
        .set_path(OutName(out));
  });
}

Error UnpackFile(const std::string& in, const std::string& out, const UnpackOptions& options, UnpackSummary* summary) {
  return Guarded([&]() -> Error {
    // Before anything is opened for writing: replacing the archive being
    // read would destroy it, -f or not.
    Error same = CheckOutputNotInput(in, out);
    if (!same.ok()) return same;
    if (IsUrl(in)) return UnpackUrl(in, out, options, HttpDefaults(), summary);
    if (in != "-") {
      ErrorOr<Reader> reader = Reader::Open(in);
      if (!reader.ok()) return reader.error().set_path(in);
      return UnpackReaderTo(&*reader, in, out, options, summary);
    }
    // Standard input is not seekable: decode in order as the bytes arrive.
    std::unique_ptr<InputStream> input = NewFdInputStream(STDIN_FILENO, "<stdin>");
    return UnpackInputTo(input.get(), in, out, options, summary);
  });
}

Error UnpackTo(const std::string& in, const WriteCallback& write, const UnpackOptions& options,
               UnpackSummary* summary) {
  return Guarded([&]() -> Error {
    if (in != "-") {
      ErrorOr<Reader> reader = Reader::Open(in);
      if (!reader.ok()) return reader.error().set_path(in);
      reader->set_threads(options.threads);
      bool write_failed = false;
      Error e = reader->Unpack(
          [&](const void* data, size_t n) -> Error {
            Error w = write(data, n);
            write_failed = !w.ok();
            return w;
          },
          options.progress);
      if (!e.ok()) return write_failed ? e : e.set_path(in);
      if (summary != nullptr) {
        summary->streamed = false;
        summary->ignored_bytes = reader->archive_info().ignored_bytes;
        summary->reads = reader->stats();
        summary->original_size = reader->original_size();
      }
      return Error();
    }
    CallbackSink to_write(&write);
    CountingSink sink(&to_write, &options.progress, 0);
    std::unique_ptr<InputStream> input = NewFdInputStream(STDIN_FILENO, "<stdin>");
    StreamUnpackStats stats;
    Status s = UnpackStream(input.get(), &sink, &stats, options.threads, options.member);
    if (!s.ok()) return sink.failed() ? to_write.error() : OnPath(s, in);
    if (summary != nullptr) FillStreamed(stats, summary);
    return Error();
  });
}

Error UnpackFile(const std::string& in, const std::string& out, bool overwrite, unsigned threads) {
  UnpackOptions options;
  options.overwrite = overwrite;
  options.threads = threads;
  return UnpackFile(in, out, options);
}

namespace {

// Compares what it is given with a file, in order, and notes which tensors
// (and whether bytes outside them) differ.
class Comparer {
 public:
  Comparer(InputStream* against, const std::vector<TensorInfo>& tensors) : against_(against) {
    for (size_t i = 0; i < tensors.size(); ++i) {
      if (tensors[i].size > 0) spans_.push_back({tensors[i].offset, tensors[i].size, i});
    }
    std::sort(spans_.begin(), spans_.end(), [](const Span& a, const Span& b) { return a.offset < b.offset; });
    differs_.assign(tensors.size(), false);
  }
  Status Write(const void* data, size_t n) {
    const uint8_t* expect;
    uint64_t got;
    SGZ_RETURN_IF_ERROR(against_->Peek(n, &expect, &got));
    const uint8_t* bytes = static_cast<const uint8_t*>(data);
    if (got < n || memcmp(expect, bytes, n) != 0) {
      uint64_t i = 0;
      while (i < got && expect[i] == bytes[i]) ++i;
      if (mismatch_ == UINT64_MAX) mismatch_ = pos_ + i;
      NoteDifferences(expect, bytes, got, n);
    }
    against_->Consume(std::min<uint64_t>(got, n));
    pos_ += n;
    return Status::Ok();
  }
  // Passes over n bytes the archive could not restore (a damaged chunk).
  Status Skip(uint64_t n) {
    while (n > 0) {
      const uint8_t* ignored;
      uint64_t got;
      const uint64_t want = std::min<uint64_t>(n, 1 << 20);
      SGZ_RETURN_IF_ERROR(against_->Peek(want, &ignored, &got));
      if (got == 0) break;
      against_->Consume(got);
      n -= got;
      pos_ += got;
    }
    if (n > 0) {  // the file ends inside the skipped bytes: it lacks the rest
      if (mismatch_ == UINT64_MAX) mismatch_ = pos_;
      NoteDifferences(nullptr, nullptr, 0, n);
    }
    pos_ += n;
    return Status::Ok();
  }
  // Offset of the first difference, or UINT64_MAX; also when the file is longer.
  uint64_t Finish() {
    const uint8_t* more;
    uint64_t got = 0;
    if (against_->Peek(1, &more, &got).ok() && got > 0) {
      if (mismatch_ == UINT64_MAX) mismatch_ = pos_;
      outside_ = true;  // bytes past the original's end belong to no tensor
    }
    return mismatch_;
  }
  bool tensor_differs(size_t i) const { return differs_[i]; }
  bool outside_differs() const { return outside_; }

 private:
  struct Span {
    uint64_t offset, size;
    size_t tensor;
  };
  // Marks the tensors (and gaps between them) of [pos_, pos_ + n) whose
  // bytes differ; the file has `got` of them.
  void NoteDifferences(const uint8_t* expect, const uint8_t* bytes, uint64_t got, uint64_t n) {
    const uint64_t end = pos_ + n;
    uint64_t at = pos_;  // everything before `at` is accounted for
    auto differs = [&](uint64_t from, uint64_t to) {
      const uint64_t a = from - pos_, b = to - pos_;
      return b > got || memcmp(expect + a, bytes + a, b - a) != 0;
    };
    auto first = std::upper_bound(spans_.begin(), spans_.end(), pos_,
                                  [](uint64_t p, const Span& s) { return p < s.offset; });
    if (first != spans_.begin()) --first;
    for (auto it = first; it != spans_.end() && it->offset < end; ++it) {
      const uint64_t from = std::max(it->offset, pos_), to = std::min(it->offset + it->size, end);
      if (from >= to) continue;
      if (at < from && differs(at, from)) outside_ = true;
      if (!differs_[it->tensor] && differs(from, to)) differs_[it->tensor] = true;
      at = std::max(at, to);
    }
    if (at < end && differs(at, end)) outside_ = true;
  }

  InputStream* against_;
  std::vector<Span> spans_;
  std::vector<bool> differs_;
  bool outside_ = false;
  uint64_t pos_ = 0;
  uint64_t mismatch_ = UINT64_MAX;
};

// Hands the decoded bytes of a streamed archive to a Comparer, or drops them.
class CompareSink : public internal::ByteSink {
 public:
  explicit CompareSink(Comparer* compare) : compare_(compare) {}
  Status Write(const void* data, size_t n) override {
    if (compare_ == nullptr) return Status::Ok();
    Status s = compare_->Write(data, n);
    failed_ = failed_ || !s.ok();
    return s;
  }
  bool failed() const { return failed_; }

 private:
  Comparer* compare_;
  bool failed_ = false;
};

// VerifyFile of the archive on standard input: decoded in one pass, in order.
Error VerifyStdin(const VerifyOptions& options, InputStream* against, VerifyResult* r) {
  std::unique_ptr<Comparer> compare;
  if (against != nullptr) compare.reset(new Comparer(against, {}));
  CompareSink to_compare(compare.get());
  CountingSink sink(&to_compare, &options.progress, 0);
  std::unique_ptr<InputStream> input = NewFdInputStream(STDIN_FILENO, "<stdin>");
  StreamUnpackStats stats;
  // Without a file to compare with, every member is checked; with one, the
  // only member or the one named.
  Status s = compare || !options.member.empty()
                 ? UnpackStream(input.get(), &sink, &stats, options.threads, options.member)
                 : internal::VerifyStream(input.get(), &stats, options.threads);
  r->opened = s.ok() || stats.chunks > 0;
  r->original_size = stats.original_bytes;
  r->chunks_checked = stats.chunks;
  r->archive_bytes = stats.archive_bytes;
  if (!s.ok()) return OnPath(s, to_compare.failed() ? options.against : "-");
  if (compare) r->first_difference = compare->Finish();
  r->matches = r->first_difference == UINT64_MAX;
  return Error();
}

}  // namespace

Error VerifyFile(const std::string& archive, const VerifyOptions& options, VerifyResult* result) {
  VerifyResult scratch;
  VerifyResult& r = result != nullptr ? *result : scratch;
  r = VerifyResult();
  return Guarded([&]() -> Error {
    std::unique_ptr<InputStream> against;
    if (!options.against.empty()) {
      Result<std::unique_ptr<InputStream>> s = OpenInputStream(options.against);
      if (!s.ok()) return OnPath(s.status(), options.against);
      against = std::move(s).value();
      r.against_opened = true;
    }
    if (archive == "-") {
      if (options.against == "-") {
        return Error(ErrorCode::kInvalidArgument, "standard input cannot be both the archive and the file to compare with")
            .set_path("-");
      }
      return VerifyStdin(options, against.get(), &r);
    }
    ErrorOr<Reader> reader = Reader::Open(archive);
    if (!reader.ok()) return reader.error().set_path(archive);
    if (!options.member.empty()) {
      reader = reader->OpenMember(options.member);
      if (!reader.ok()) return reader.error().set_path(archive);
    }
    r.opened = true;
    r.ignored_bytes = reader->archive_info().ignored_bytes;
    r.original_size = reader->original_size();
    reader->set_threads(options.threads);
    std::unique_ptr<Comparer> compare;
    if (against) compare = std::make_unique<Comparer>(against.get(), reader->tensors());
    bool against_failed = false;
    const DamageCallback damaged = [&](const Damage& d) -> Error {
      r.damaged.push_back(d);
      if (!compare) return Error();
      Status s = compare->Skip(d.length);
      against_failed = !s.ok();
      return ToError(s);
    };
    WriteCallback write;
    if (compare) {
      write = [&](const void* data, size_t n) -> Error {
        Status s = compare->Write(data, n);
        against_failed = !s.ok();
        return ToError(s);
      };
    }
    Error e = reader->VerifyAll(damaged, write, options.progress);
    if (compare && (e.ok() || !r.damaged.empty()) && !against_failed) {
      r.first_difference = compare->Finish();
      r.matches = r.first_difference == UINT64_MAX;
      for (size_t i = 0; i < reader->tensors().size(); ++i) {
        if (compare->tensor_differs(i)) r.differing_tensors.push_back(reader->tensors()[i].name);
      }
      r.differs_outside_tensors = compare->outside_differs();
    }
    r.chunks_checked = reader->stats().chunks_decoded + r.damaged.size();
    // Decodes count the chunk a member's metadata is coded against (another
    // member's, transform 3); the member's own chunks are what was checked.
    for (const MemberInfo& m : reader->members()) {
      if (m.name == options.member || (options.member.empty() && reader->members().size() == 1)) {
        r.chunks_checked = std::min<uint64_t>(r.chunks_checked, m.chunks);
      }
    }
    r.archive_bytes = reader->archive_info().archive_size;
    if (!e.ok()) return e.set_path(against_failed ? options.against : archive);
    return Error();
  });
}

struct OutputFile::Impl {
  std::unique_ptr<internal::OutputFile> file;
};

OutputFile::OutputFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OutputFile::OutputFile(OutputFile&& other) noexcept = default;
OutputFile& OutputFile::operator=(OutputFile&& other) noexcept = default;
OutputFile::~OutputFile() = default;

ErrorOr<OutputFile> OutputFile::Create(const std::string& path, bool overwrite) {
  return Guarded([&]() -> ErrorOr<OutputFile> {
    Result<std::unique_ptr<internal::OutputFile>> file = internal::OutputFile::Create(path, overwrite);
    if (!file.ok()) return ToError(file.status());
    std::unique_ptr<Impl> impl(new Impl);
    impl->file = std::move(file).value();
    return OutputFile(std::move(impl));
  });
}

Error OutputFile::Write(const void* data, size_t n) {
  return Guarded([&]() -> Error {
    if (data == nullptr && n != 0) return Error(ErrorCode::kInvalidArgument, "OutputFile::Write: null data");
    return ToError(impl_->file->Write(data, n));
  });
}

Error OutputFile::Commit() {
  return Guarded([&]() -> Error { return ToError(impl_->file->Commit()); });
}

const std::string& OutputFile::path() const { return impl_->file->path(); }

void InstallOutputCleanup() { internal::InstallOutputCleanup(); }

}  // namespace sgz
