// sgz command-line tool: a thin layer over the sgz library. It parses
// options, opens files, shows progress and maps library errors to exit codes;
// all format logic lives in the library.
#include <cxxopts.hpp>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "common/checksum.h"
#include "container/io.h"
#include "container/reader.h"
#include "container/stream_reader.h"
#include "container/writer.h"
#include "streams/ggml_types.h"
#include "streams/gguf_values.h"
#include "streams/shuffle.h"

namespace sgz::internal {
namespace {

constexpr const char* kVersion = "0.1.0";

enum ExitCode { kExitOk = 0, kExitUsage = 1, kExitCorrupt = 2, kExitIO = 3, kExitUnsupported = 4 };

int ExitFor(const Status& s) {
  switch (s.code()) {
    case Status::Code::kOk: return kExitOk;
    case Status::Code::kInvalidArgument: case Status::Code::kNotFound: return kExitUsage;
    case Status::Code::kCorrupt: case Status::Code::kChecksumMismatch: return kExitCorrupt;
    case Status::Code::kNotSupported: return kExitUnsupported;
    case Status::Code::kIoError: case Status::Code::kResourceExhausted: return kExitIO;
  }
  return kExitIO;
}

int Fail(const std::string& file, const Status& s) {
  fprintf(stderr, "sgz: %s: %s\n", file == "-" ? "<stdin>" : file.c_str(), s.ToString().c_str());
  return ExitFor(s);
}

int Usage(const std::string& message) {
  fprintf(stderr, "sgz: %s (see 'sgz --help')\n", message.c_str());
  return kExitUsage;
}

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "[256, 512]": the dims, readable as text and as JSON.
std::string Shape(const TensorEntry& t) {
  std::string s = "[";
  for (uint32_t d = 0; d < t.n_dims; ++d) s += (d ? ", " : "") + std::to_string(t.ne[d]);
  return s + "]";
}

double Ratio(uint64_t a, uint64_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b); }

std::string Hex64(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

std::string Fixed(double v, int digits) {
  char buf[64];
  snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// Options shared by every command.
struct Common {
  bool quiet = false;
  bool verbose = false;
  bool json = false;
  bool force = false;
  unsigned threads = 0;
};

// A progress line on stderr, shown only when stderr is a terminal (and not
// with -q): bytes done, MB/s, ratio so far and time left when the total is
// known. Redrawn at most ten times a second.
class Progress {
 public:
  Progress(const Common& c, const char* verb, uint64_t total)
      : enabled_(!c.quiet && isatty(STDERR_FILENO)), verb_(verb), total_(total),
        start_(std::chrono::steady_clock::now()) {}
  ~Progress() { Done(); }

  // `done` original bytes processed, `other` archive bytes (for the ratio).
  void Update(uint64_t done, uint64_t other) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double mbps = secs > 0 ? done / 1e6 / secs : 0;
    std::string line = std::string(verb_) + " " + Fixed(done / 1e6, 1) + " MB";
    if (total_ > 0) line += " / " + Fixed(total_ / 1e6, 1) + " MB (" + Fixed(100.0 * done / total_, 0) + "%)";
    line += ", " + Fixed(mbps, 1) + " MB/s";
    if (other > 0) line += ", ratio " + Fixed(Ratio(done, other), 4);
    if (total_ > 0 && mbps > 0 && done < total_) line += ", ETA " + Fixed((total_ - done) / 1e6 / mbps, 0) + " s";
    fprintf(stderr, "\r%-78s", line.c_str());
    shown_ = true;
  }

  void Done() {
    if (shown_) fprintf(stderr, "\r%-78s\r", "");
    shown_ = false;
  }

 private:
  bool enabled_;
  const char* verb_;
  uint64_t total_;
  std::chrono::steady_clock::time_point start_, last_;
  bool shown_ = false;
};

// Counts bytes on their way to another sink and reports progress.
class ProgressSink : public ByteSink {
 public:
  ProgressSink(ByteSink* next, Progress* progress) : next_(next), progress_(progress) {}
  Status Write(const void* data, size_t n) override {
    done_ += n;
    progress_->Update(done_, 0);
    return next_ == nullptr ? Status::Ok() : next_->Write(data, n);
  }
  uint64_t done() const { return done_; }

 private:
  ByteSink* next_;
  Progress* progress_;
  uint64_t done_ = 0;
};

Result<std::unique_ptr<Archive>> OpenArchive(const std::string& path, const Common& c) {
  SGZ_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> src, OpenFileSource(path));
  SGZ_ASSIGN_OR_RETURN(std::unique_ptr<Archive> archive, Archive::Open(std::move(src)));
  archive->set_threads(c.threads);
  return archive;
}

void PrintReadStats(Archive& a) {
  fprintf(stderr, "read %llu of %llu archive bytes in %llu reads, decoded %llu of %zu chunks\n",
          static_cast<unsigned long long>(a.source().bytes_read()), static_cast<unsigned long long>(a.source().Size()),
          static_cast<unsigned long long>(a.source().read_calls()), static_cast<unsigned long long>(a.chunks_decoded()),
          a.manifest().chunks.size());
}

void PrintStreams(const std::map<std::string, StreamTotals>& streams, uint64_t original, uint64_t archive) {
  printf("%-22s %14s %14s %8s\n", "stream", "original", "stored", "ratio");
  for (const auto& [name, t] : streams) {
    if (t.raw == 0) continue;
    printf("%-22s %14" PRIu64 " %14" PRIu64 " %8.4f\n", name.c_str(), t.raw, t.stored, Ratio(t.raw, t.stored));
  }
  printf("%-22s %14" PRIu64 " %14" PRIu64 " %8.4f\n", "total (archive)", original, archive, Ratio(original, archive));
}

std::string StreamsJson(const std::map<std::string, StreamTotals>& streams) {
  std::string out = "[";
  bool first = true;
  for (const auto& [name, t] : streams) {
    if (t.raw == 0) continue;
    out += std::string(first ? "" : ", ") + "{\"name\": " + JsonString(name) + ", \"original\": " + std::to_string(t.raw) +
           ", \"stored\": " + std::to_string(t.stored) + ", \"ratio\": " + Fixed(Ratio(t.raw, t.stored), 6) + "}";
    first = false;
  }
  return out + "]";
}

// ---- pack

// The output of pack or unpack: -c (stdout), -o OUT, or `default_name`
// derived from the input. Empty (after a usage message) when there is none.
std::string ChooseOutput(const cxxopts::ParseResult& r, const std::string& in, const std::string& verb,
                         const std::string& default_name) {
  if (r.count("stdout")) return "-";
  if (r.count("output")) return r["output"].as<std::string>();
  if (in == "-") {
    Usage(verb + " standard input needs -o OUT or -c");
    return "";
  }
  if (default_name.empty()) Usage(in + ": name does not end in .sgz; give the output with -o");
  return default_name;
}

int CmdPack(const cxxopts::ParseResult& r, const Common& c, const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage("pack takes one input file");
  const std::string in = args[0];
  const std::string out = ChooseOutput(r, in, "packing", in + ".sgz");
  if (out.empty()) return kExitUsage;
  PackOptions options;
  if (r.count("fast") + r.count("max") + r.count("level") > 1) return Usage("give one of -l, --fast, --max");
  options.level = r["level"].as<int>();
  if (r.count("fast")) options.level = options.meta_level = kMinLevel;
  if (r.count("max")) options.level = options.meta_level = kMaxPresetLevel;
  options.chunk_size = r["chunk-size"].as<uint64_t>() * 1024;
  options.name = in == "-" ? "" : BaseName(in);
  options.threads = c.threads;
  Status s = ValidatePackOptions(options);
  if (!s.ok()) return Usage(s.message());
  Result<std::unique_ptr<InputStream>> input = OpenInputStream(in);
  if (!input.ok()) return Fail(in, input.status());
  Result<std::unique_ptr<OutputFile>> file = OutputFile::Create(out, c.force);
  if (!file.ok()) return Fail(out, file.status());
  uint64_t total = 0;
  if (in != "-") {
    Result<std::unique_ptr<ByteSource>> probe = OpenFileSource(in);
    if (probe.ok()) total = (*probe)->Size();
  }
  Progress progress(c, "packing", total);
  options.progress = [&](uint64_t done, uint64_t written) { progress.Update(done, written); };
  const auto start = std::chrono::steady_clock::now();
  PackStats stats;
  s = Pack(input->get(), options, file->get(), &stats);
  if (s.ok()) s = (*file)->Commit();
  progress.Done();
  if (!s.ok()) return Fail(s.code() == Status::Code::kIoError ? out : in, s);
  if (!stats.notice.empty() && !c.quiet) fprintf(stderr, "sgz: %s: notice: %s\n", in.c_str(), stats.notice.c_str());
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!c.quiet) {
    fprintf(stderr, "%s: %" PRIu64 " -> %" PRIu64 " bytes (ratio %.4f), %" PRIu64 " chunks", out == "-" ? "<stdout>" : out.c_str(),
            stats.original_size, stats.archive_size, Ratio(stats.original_size, stats.archive_size), stats.chunks);
    if (c.verbose) fprintf(stderr, ", %.3f s, %.1f MB/s, %s shuffles", secs, stats.original_size / 1e6 / secs, ShuffleVariant());
    fprintf(stderr, "\n");
  }
  if (r.count("stats") || c.verbose) {
    PrintStreams(stats.streams, stats.original_size, stats.archive_size);
  }
  return kExitOk;
}

// ---- unpack

std::string DefaultUnpackName(const std::string& in) {
  const std::string ext = ".sgz";
  if (in.size() > ext.size() && in.compare(in.size() - ext.size(), ext.size(), ext) == 0) {
    return in.substr(0, in.size() - ext.size());
  }
  return "";
}

int CmdUnpack(const cxxopts::ParseResult& r, const Common& c, const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage("unpack takes one archive");
  const std::string in = args[0];
  const std::string out = ChooseOutput(r, in, "unpacking", DefaultUnpackName(in));
  if (out.empty()) return kExitUsage;
  std::unique_ptr<Archive> archive;
  if (in != "-") {
    Result<std::unique_ptr<Archive>> a = OpenArchive(in, c);
    if (!a.ok()) return Fail(in, a.status());
    archive = std::move(a.value());
  }
  Result<std::unique_ptr<OutputFile>> file = OutputFile::Create(out, c.force);
  if (!file.ok()) return Fail(out, file.status());
  Progress progress(c, "unpacking", archive ? archive->file().original_size : 0);
  ProgressSink sink(file->get(), &progress);
  Status s;
  if (archive == nullptr) {
    // Standard input is not seekable: decode in order as the bytes arrive.
    std::unique_ptr<InputStream> input = NewFdInputStream(STDIN_FILENO, "<stdin>");
    StreamUnpackStats stats;
    s = UnpackStream(input.get(), &sink, &stats, c.threads);
    if (s.ok() && r.count("stats")) {
      fprintf(stderr, "read %" PRIu64 " archive bytes sequentially, decoded %" PRIu64 " chunks, wrote %" PRIu64 " bytes\n",
              stats.archive_bytes, stats.chunks, stats.original_bytes);
    }
  } else {
    s = archive->Unpack(&sink);
    if (s.ok() && r.count("stats")) PrintReadStats(*archive);
  }
  progress.Done();
  if (!s.ok()) return Fail(s.code() == Status::Code::kIoError ? out : in, s);
  s = (*file)->Commit();
  if (!s.ok()) return Fail(out, s);
  return kExitOk;
}

// ---- cat

// "OFFSET:LENGTH", decimal or 0x-hex.
bool ParseRange(const std::string& text, uint64_t* offset, uint64_t* length) {
  size_t colon = text.find(':');
  if (colon == std::string::npos) return false;
  try {
    size_t used = 0;
    const std::string a = text.substr(0, colon), b = text.substr(colon + 1);
    if (a.empty() || b.empty() || a[0] == '-' || b[0] == '-') return false;
    *offset = std::stoull(a, &used, 0);
    if (used != a.size()) return false;
    *length = std::stoull(b, &used, 0);
    return used == b.size();
  } catch (const std::exception&) {
    return false;
  }
}

int CmdCat(const cxxopts::ParseResult& r, const Common& c, const std::vector<std::string>& args) {
  const bool by_range = r.count("range") > 0;
  if (args.size() != (by_range ? 1u : 2u)) {
    return Usage("cat takes an archive and a tensor name, or an archive and --range OFFSET:LENGTH");
  }
  uint64_t offset = 0, length = 0;
  if (by_range && !ParseRange(r["range"].as<std::string>(), &offset, &length)) {
    return Usage("--range wants OFFSET:LENGTH, got '" + r["range"].as<std::string>() + "'");
  }
  const std::string in = args[0];
  Result<std::unique_ptr<Archive>> archive = OpenArchive(in, c);
  if (!archive.ok()) return Fail(in, archive.status());
  if (!by_range) {
    Result<const TensorEntry*> t = (*archive)->FindTensor(args[1]);
    if (!t.ok()) return Fail(in, t.status());
    offset = (*t)->offset;
    length = (*t)->size;
  }
  const std::string out = r.count("output") ? r["output"].as<std::string>() : "-";
  Result<std::unique_ptr<OutputFile>> file = OutputFile::Create(out, out == "-" || c.force);
  if (!file.ok()) return Fail(out, file.status());
  Status s = (*archive)->WriteRange(offset, length, file->get());
  if (!s.ok()) return Fail(s.code() == Status::Code::kIoError ? out : in, s);
  s = (*file)->Commit();
  if (!s.ok()) return Fail(out, s);
  if (r.count("stats")) PrintReadStats(**archive);
  return kExitOk;
}

// ---- ls

int CmdLs(const cxxopts::ParseResult& r, const Common& c, const std::vector<std::string>& args) {
  (void)r;
  if (args.size() != 1) return Usage("ls takes one archive");
  Result<std::unique_ptr<Archive>> archive = OpenArchive(args[0], c);
  if (!archive.ok()) return Fail(args[0], archive.status());
  const FileEntry& f = (*archive)->file();
  if (c.json) {
    std::string out = "{\"file\": " + JsonString(f.name) + ", \"kind\": \"" +
                      (f.kind == EntryKind::kGguf ? "gguf" : "opaque") + "\", \"original_size\": " +
                      std::to_string(f.original_size) + ", \"tensors\": [";
    for (size_t i = 0; i < f.tensors.size(); ++i) {
      const TensorEntry& t = f.tensors[i];
      const uint64_t stored = (*archive)->TensorStoredBytes(t);
      out += std::string(i ? ", " : "") + "{\"name\": " + JsonString(t.name) + ", \"type\": " +
             JsonString(GgmlTypeName(t.type)) + ", \"shape\": " + Shape(t) + ", \"offset\": " +
             std::to_string(t.offset) + ", \"size\": " + std::to_string(t.size) + ", \"stored\": " +
             std::to_string(stored) + ", \"ratio\": " + Fixed(Ratio(t.size, stored), 6) + "}";
    }
    printf("%s]}\n", out.c_str());
    return kExitOk;
  }
  if (f.kind != EntryKind::kGguf) {
    printf("%s: not GGUF (%s): %" PRIu64 " bytes stored as opaque chunks\n", f.name.c_str(), f.note.c_str(),
           f.original_size);
    return kExitOk;
  }
  printf("%-40s %-8s %-24s %12s %14s %14s %8s\n", "tensor", "type", "shape", "offset", "original", "stored", "ratio");
  for (const TensorEntry& t : f.tensors) {
    const uint64_t stored = (*archive)->TensorStoredBytes(t);
    printf("%-40s %-8s %-24s %12" PRIu64 " %14" PRIu64 " %14" PRIu64 " %8.4f\n", t.name.c_str(),
           GgmlTypeName(t.type).c_str(), Shape(t).c_str(), t.offset, t.size, stored, Ratio(t.size, stored));
  }
  printf("%zu tensors, GGUF v%u%s, %" PRIu64 " bytes\n", f.tensors.size(), f.gguf_version,
         f.big_endian ? " big-endian" : "", f.original_size);
  return kExitOk;
}

// ---- info

int CmdInfo(const cxxopts::ParseResult& r, const Common& c, const std::vector<std::string>& args) {
  (void)r;
  if (args.size() != 1) return Usage("info takes one archive");
  const std::string in = args[0];
  Result<std::unique_ptr<Archive>> archive = OpenArchive(in, c);
  if (!archive.ok()) return Fail(in, archive.status());
  Archive& a = **archive;
  const FileEntry& f = a.file();
  std::map<std::string, StreamTotals> streams;
  Status s = a.StreamStats(&streams);
  if (!s.ok()) return Fail(in, s);
  std::vector<uint8_t> header;
  GgufLayout layout;
  if (f.kind == EntryKind::kGguf) {
    s = a.ReadGgufHeader(&header, &layout);
    if (!s.ok()) return Fail(in, s);
  }
  std::map<std::string, uint64_t> by_type;
  for (const TensorEntry& t : f.tensors) ++by_type[GgmlTypeName(t.type)];
  const uint64_t archive_size = a.source().Size();
  const std::string version = std::to_string(a.header().major) + "." + std::to_string(a.header().minor);
  if (c.json) {
    std::string out = "{\"format_version\": \"" + version + "\", \"archive_size\": " + std::to_string(archive_size) +
                      ", \"file\": " + JsonString(f.name) + ", \"original_size\": " + std::to_string(f.original_size) +
                      ", \"checksum\": \"xxh3-64:" + Hex64(f.checksum) + "\", \"ratio\": " +
                      Fixed(Ratio(f.original_size, archive_size), 6) + ", \"chunks\": " +
                      std::to_string(a.manifest().chunks.size()) + ", \"kind\": \"" +
                      (f.kind == EntryKind::kGguf ? "gguf" : "opaque") + "\", \"note\": " + JsonString(f.note);
    if (f.kind == EntryKind::kGguf) {
      out += ", \"gguf\": {\"version\": " + std::to_string(f.gguf_version) + ", \"byte_order\": \"" +
             (f.big_endian ? "big" : "little") + "\", \"alignment\": " + std::to_string(f.alignment) +
             ", \"data_offset\": " + std::to_string(f.data_offset) + ", \"tensor_count\": " +
             std::to_string(f.tensors.size()) + ", \"tensors_by_type\": {";
      bool first = true;
      for (const auto& [type, n] : by_type) {
        out += std::string(first ? "" : ", ") + JsonString(type) + ": " + std::to_string(n);
        first = false;
      }
      out += "}, \"metadata\": [";
      for (size_t i = 0; i < layout.kvs.size(); ++i) {
        const GgufKv& kv = layout.kvs[i];
        out += std::string(i ? ", " : "") + "{\"key\": " + JsonString(kv.key) + ", \"type\": \"" +
               GgufValueTypeName(kv.type) + "\", \"value\": " + GgufValueJson(header.data(), kv, f.big_endian, 16) + "}";
      }
      out += "]}";
    }
    printf("%s, \"streams\": %s}\n", out.c_str(), StreamsJson(streams).c_str());
    return kExitOk;
  }
  printf("archive:         %s (sgz format %s, %" PRIu64 " bytes, %zu chunks)\n", in.c_str(), version.c_str(),
         archive_size, a.manifest().chunks.size());
  printf("original:        %s, %" PRIu64 " bytes, xxh3-64 %s, ratio %.4f\n", f.name.empty() ? "(no name)" : f.name.c_str(),
         f.original_size, Hex64(f.checksum).c_str(), Ratio(f.original_size, archive_size));
  if (f.kind != EntryKind::kGguf) {
    printf("kind:            opaque (not GGUF: %s)\n", f.note.c_str());
  } else {
    printf("GGUF:            version %u, %s-endian, alignment %" PRIu64 ", data at %" PRIu64 "\n", f.gguf_version,
           f.big_endian ? "big" : "little", f.alignment, f.data_offset);
    printf("metadata:        %zu key/value pairs\n", layout.kvs.size());
    for (size_t i = 0; i < layout.kvs.size(); ++i) {
      const GgufKv& kv = layout.kvs[i];
      printf("  %4zu: %-8s | %-40s = %s\n", i + 1, GgufValueTypeName(kv.type), kv.key.c_str(),
             FormatGgufValue(header.data(), kv, f.big_endian, 8).c_str());
    }
    printf("tensors:         %zu\n", f.tensors.size());
    for (const auto& [type, n] : by_type) printf("  %-8s %" PRIu64 "\n", type.c_str(), n);
  }
  PrintStreams(streams, f.original_size, archive_size);
  return kExitOk;
}

// ---- verify

// Compares what it is given with a file, in order.
class CompareSink : public ByteSink {
 public:
  explicit CompareSink(InputStream* against) : against_(against) {}
  Status Write(const void* data, size_t n) override {
    const uint8_t* expect;
    uint64_t got;
    SGZ_RETURN_IF_ERROR(against_->Peek(n, &expect, &got));
    if (got < n || memcmp(expect, data, n) != 0) {
      if (mismatch_ == UINT64_MAX) {
        uint64_t i = 0;
        while (i < got && expect[i] == static_cast<const uint8_t*>(data)[i]) ++i;
        mismatch_ = against_->position() + i;
      }
    }
    against_->Consume(std::min<uint64_t>(got, n));
    return Status::Ok();
  }
  // Offset of the first difference, or UINT64_MAX; also when the file is longer.
  uint64_t Finish() {
    const uint8_t* more;
    uint64_t got = 0;
    if (mismatch_ == UINT64_MAX && against_->Peek(1, &more, &got).ok() && got > 0) mismatch_ = against_->position();
    return mismatch_;
  }

 private:
  InputStream* against_;
  uint64_t mismatch_ = UINT64_MAX;
};

int CmdVerify(const cxxopts::ParseResult& r, const Common& c, const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage("verify takes one archive");
  const std::string in = args[0];
  const std::string against = r.count("against") ? r["against"].as<std::string>() : "";
  std::unique_ptr<InputStream> against_stream;
  if (!against.empty()) {
    Result<std::unique_ptr<InputStream>> s = OpenInputStream(against);
    if (!s.ok()) return Fail(against, s.status());
    against_stream = std::move(s.value());
  }
  Status s;
  uint64_t original = 0, chunks = 0, mismatch = UINT64_MAX;
  Result<std::unique_ptr<Archive>> archive = OpenArchive(in, c);
  if (!archive.ok()) {
    s = archive.status();
  } else {
    original = (*archive)->file().original_size;
    Progress progress(c, "verifying", original);
    std::unique_ptr<CompareSink> compare(against_stream ? new CompareSink(against_stream.get()) : nullptr);
    ProgressSink sink(compare.get(), &progress);
    s = (*archive)->Unpack(&sink);
    chunks = (*archive)->chunks_decoded();
    progress.Done();
    if (s.ok() && compare) mismatch = compare->Finish();
  }
  const bool matches = mismatch == UINT64_MAX;
  if (c.json) {
    printf("{\"archive\": %s, \"ok\": %s, \"error\": %s, \"original_size\": %" PRIu64 ", \"chunks_checked\": %" PRIu64
           ", \"against\": %s, \"matches\": %s}\n",
           JsonString(in).c_str(), s.ok() && matches ? "true" : "false",
           s.ok() ? "null" : JsonString(s.ToString()).c_str(), original, chunks,
           against.empty() ? "null" : JsonString(against).c_str(),
           against.empty() || !s.ok() ? "null" : (matches ? "true" : "false"));
  }
  if (!s.ok()) return c.json ? ExitFor(s) : Fail(in, s);
  if (!matches) {
    if (!c.json) fprintf(stderr, "sgz: %s: differs from %s at byte %" PRIu64 "\n", in.c_str(), against.c_str(), mismatch);
    return kExitCorrupt;
  }
  if (!c.json && !c.quiet) {
    printf("%s: OK (%" PRIu64 " bytes, %" PRIu64 " chunks, every checksum verified%s)\n", in.c_str(), original, chunks,
           against.empty() ? "" : (", identical to " + against).c_str());
  }
  return kExitOk;
}

// ---- help

struct Command {
  const char* name;
  int (*run)(const cxxopts::ParseResult&, const Common&, const std::vector<std::string>&);
  const char* usage;
  const char* help;
};

const Command kCommands[] = {
    {"pack", CmdPack, "sgz pack IN [-o OUT | -c] [-l LEVEL | --fast | --max] [-f] [--stats] [-T N]",
     "Packs a GGUF file (any file) into an .sgz archive. IN may be - (standard input).\n"
     "  -o OUT        output (default IN.sgz); -c writes to standard output\n"
     "  -l LEVEL      zstd level 1..22 of tensor streams (default 1; metadata at least 9)\n"
     "  --fast/--max  presets: level 1 everywhere / level 19 everywhere (slow, smallest)\n"
     "  --chunk-size  original KiB per chunk (default 4096)\n"
     "  --stats       per-stream original and stored bytes\n"
     "examples:\n"
     "  sgz pack model.gguf                    # writes model.gguf.sgz\n"
     "  cat model.gguf | sgz pack - -o m.sgz\n"},
    {"unpack", CmdUnpack, "sgz unpack IN.sgz [-o OUT | -c] [-f] [--stats] [-T N]",
     "Restores the original file, verifying every checksum. IN may be - (standard input,\n"
     "decoded in order as it arrives). Default output: IN without .sgz.\n"
     "examples:\n"
     "  sgz unpack model.gguf.sgz\n"
     "  curl -s URL/model.gguf.sgz | sgz unpack - -o model.gguf\n"},
    {"ls", CmdLs, "sgz ls IN.sgz [--json]",
     "Lists tensors: name, type, shape, offset, original bytes, stored bytes, ratio.\n"
     "examples:\n"
     "  sgz ls model.gguf.sgz\n"
     "  sgz ls model.gguf.sgz --json | jq '.tensors[0]'\n"},
    {"cat", CmdCat, "sgz cat IN.sgz TENSOR [-o FILE] [--stats] | sgz cat IN.sgz --range OFFSET:LENGTH [-o FILE]",
     "Writes one tensor's bytes, or a byte range of the original, decoding only the chunks\n"
     "that hold them (default: standard output). --stats: archive bytes read, chunks decoded.\n"
     "examples:\n"
     "  sgz cat model.gguf.sgz blk.0.attn_q.weight -o q.bin\n"
     "  sgz cat model.gguf.sgz --range 0:4096 | xxd | head\n"},
    {"info", CmdInfo, "sgz info IN.sgz [--json]",
     "Shows the format version, original size and checksum, GGUF version and metadata,\n"
     "tensor count by type, per-stream sizes and ratios, and the chunk count.\n"
     "examples:\n"
     "  sgz info model.gguf.sgz\n"},
    {"verify", CmdVerify, "sgz verify IN.sgz [--against ORIGINAL] [--json]",
     "Decodes everything and checks every checksum; with --against, also compares with a\n"
     "file. Exit code 0: intact (and identical); 2: corrupt or different.\n"
     "examples:\n"
     "  sgz verify model.gguf.sgz --against model.gguf\n"},
};

const char* kExitCodes =
    "exit codes: 0 ok, 1 usage error, 2 corrupt archive or checksum mismatch, 3 I/O error,\n"
    "            4 unsupported format version\n";

void PrintHelp(FILE* out) {
  fprintf(out, "sgz %s: lossless, seekable archives for GGUF model files\n\nusage:\n", kVersion);
  for (const Command& c : kCommands) fprintf(out, "  %s\n", c.usage);
  fprintf(out,
          "\ncommon options: -q/--quiet, -v/--verbose, -T/--threads N (default: all cores), -f/--force,\n"
          "                --json (ls, info, verify), --version, COMMAND --help\n\n%s",
          kExitCodes);
}

int Main(int argc, char** argv) {
  cxxopts::Options options("sgz", "");
  options.add_options()
      ("o,output", "output file", cxxopts::value<std::string>())
      ("l,level", "zstd level", cxxopts::value<int>()->default_value(std::to_string(kDefaultLevel)))
      ("fast", "fastest preset")
      ("max", "smallest preset")
      ("chunk-size", "original KiB per chunk", cxxopts::value<uint64_t>()->default_value(std::to_string(kDefaultChunkSize / 1024)))
      ("T,threads", "worker threads (0 = all cores; at most one per core)", cxxopts::value<unsigned>()->default_value("0"))
      ("f,force", "overwrite an existing output")
      ("c,stdout", "write to standard output")
      ("q,quiet", "no messages but errors")
      ("v,verbose", "more messages")
      ("json", "machine-readable output")
      ("stats", "sizes and read statistics")
      ("range", "OFFSET:LENGTH", cxxopts::value<std::string>())
      ("against", "original file to compare with", cxxopts::value<std::string>())
      ("version", "print the version")
      ("h,help", "print help")
      ("args", "", cxxopts::value<std::vector<std::string>>());
  options.parse_positional({"args"});
  cxxopts::ParseResult r;
  try {
    r = options.parse(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    return Usage(e.what());
  }
  if (r.count("version")) {
    printf("sgz %s (format %u.%u, zstd levels %d..%d)\n", kVersion, kFormatMajor, kFormatMinor, kMinLevel, kMaxLevel);
    return kExitOk;
  }
  std::vector<std::string> args;
  if (r.count("args")) args = r["args"].as<std::vector<std::string>>();
  if (args.empty()) {
    PrintHelp(r.count("help") ? stdout : stderr);
    return r.count("help") ? kExitOk : kExitUsage;
  }
  const std::string name = args[0];
  args.erase(args.begin());
  for (const Command& cmd : kCommands) {
    if (name != cmd.name) continue;
    if (r.count("help")) {
      printf("usage: %s\n\n%s\n%s", cmd.usage, cmd.help, kExitCodes);
      return kExitOk;
    }
    Common c;
    c.quiet = r.count("quiet") > 0;
    c.verbose = r.count("verbose") > 0;
    c.json = r.count("json") > 0;
    c.force = r.count("force") > 0;
    try {
      c.threads = r["threads"].as<unsigned>();
      if (c.json && name != "ls" && name != "info" && name != "verify") return Usage("--json is for ls, info and verify");
      return cmd.run(r, c, args);
    } catch (const cxxopts::exceptions::exception& e) {
      return Usage(e.what());
    }
  }
  return Usage("unknown command '" + name + "'");
}

}  // namespace
}  // namespace sgz::internal

int main(int argc, char** argv) {
  sgz::internal::InstallOutputCleanup();
  return sgz::internal::Main(argc, argv);
}
