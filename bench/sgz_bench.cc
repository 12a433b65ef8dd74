// Benchmark harness: sgz against the alternatives a user would pick, on the
// same GGUF files, in one run on one machine.
//
// For every input file it measures
//   zstd -3, zstd -19     the whole file as one zstd frame (libzstd; compression
//                         with ZSTD_c_nbWorkers = -t, decompression single-threaded
//                         and streamed as `zstd -d` does)
//   per-stream zstd -19   the published method re-implemented: the GGUF split into
//                         5 streams for the whole file (Q4_K nibbles, Q4_K scale
//                         headers byte-grouped, other quantized payloads, float
//                         payloads, metadata), each one zstd -19 frame
//   sgz -L                the sgz library at each level of -l
// and reports ratio (original / compressed), pack and unpack speed (MB/s of
// original bytes, 1 MB = 1e6 bytes, wall clock, median of -R runs), the time to
// extract the largest tensor, and peak memory.
//
// Every method runs in its own forked child process, which reads the input into
// memory itself; its peak memory is the child's ru_maxrss (from wait4). That
// figure therefore INCLUDES the input held in memory (see the "input alone" line,
// a child that only reads the file) and covers pack, unpack and extraction.
//
// Every method's output is decoded and compared byte for byte with the input;
// any mismatch aborts the run.
//
// usage: sgz_bench [-R REPS] [-t THREADS] [-l LEVELS] [-m METHODS] FILE...
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "container/io.h"
#include "container/reader.h"
#include "container/writer.h"
#include "streams/ggml_types.h"
#include "streams/gguf_reader.h"

namespace {

// ---------------------------------------------------------------------------
// Configuration and small helpers.

struct Config {
  int reps = 5;
  int threads = 2;
  std::vector<int> levels = {1, 3, 9, 19};
  std::set<std::string> methods = {"zstd", "streams", "sgz"};
};

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Exit codes of a child process.
constexpr int kExitError = 3;     // something failed (I/O, a library error)
constexpr int kExitMismatch = 4;  // decoded output differs from the input

// In a child: report and leave without running the parent's atexit handlers or
// flushing stdio buffers inherited from it.
[[noreturn]] void ChildFail(int code, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "sgz_bench: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  _exit(code);
}

void CheckStatus(const sgz::internal::Status& s, const char* what) {
  if (!s.ok()) ChildFail(kExitError, "%s: %s", what, s.ToString().c_str());
}

size_t CheckZstd(size_t r, const char* what) {
  if (ZSTD_isError(r)) ChildFail(kExitError, "%s: %s", what, ZSTD_getErrorName(r));
  return r;
}

// An uninitialized byte buffer: allocation does not touch the pages, so
// neither timings nor peak memory pay for zero-filling.
struct Buffer {
  std::unique_ptr<uint8_t[]> p;
  size_t n = 0;
  Buffer() = default;
  explicit Buffer(size_t size) : p(new uint8_t[size == 0 ? 1 : size]), n(size) {}
  uint8_t* data() { return p.get(); }
  const uint8_t* data() const { return p.get(); }
  size_t size() const { return n; }
};

// Offset of the first differing byte of a and b (both n bytes), or n.
size_t FirstDifference(const uint8_t* a, const uint8_t* b, size_t n) {
  if (memcmp(a, b, n) == 0) return n;
  size_t i = 0;
  while (a[i] == b[i]) ++i;
  return i;
}

// PackOptions::threads is being added concurrently; use it when it exists.
template <typename T, typename = void>
struct HasThreads : std::false_type {};
template <typename T>
struct HasThreads<T, std::void_t<decltype(std::declval<T&>().threads)>> : std::true_type {};
constexpr bool kSgzHasThreads = HasThreads<sgz::internal::PackOptions>::value;

template <typename T>
void SetThreads(T* options, int threads) {
  if constexpr (HasThreads<T>::value) {
    options->threads = threads;
  } else {
    (void)options;
    (void)threads;
  }
}

// ---------------------------------------------------------------------------
// The input, as a child process sees it.

struct Input {
  std::string path;
  Buffer bytes;
  bool gguf = false;
  std::string parse_error;
  sgz::internal::GgufLayout layout;
  int largest = -1;  // index of the largest tensor, or -1
};

Input LoadInput(const std::string& path) {
  Input in;
  in.path = path;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) ChildFail(kExitError, "%s: %s", path.c_str(), strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) ChildFail(kExitError, "%s: %s", path.c_str(), strerror(errno));
  in.bytes = Buffer(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < in.bytes.size()) {
    ssize_t r = read(fd, in.bytes.data() + got, in.bytes.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) ChildFail(kExitError, "%s: short read", path.c_str());
    got += static_cast<size_t>(r);
  }
  close(fd);
  auto layout = sgz::internal::ParseGguf(in.bytes.data(), in.bytes.size());
  if (layout.ok()) {
    in.gguf = true;
    in.layout = std::move(layout).value();
    uint64_t best = 0;
    for (size_t i = 0; i < in.layout.tensors.size(); ++i) {
      if (in.largest < 0 || in.layout.tensors[i].size > best) {
        in.largest = static_cast<int>(i);
        best = in.layout.tensors[i].size;
      }
    }
  } else {
    in.parse_error = layout.status().ToString();
  }
  return in;
}

// ---------------------------------------------------------------------------
// What a child reports back (as text lines over a pipe).

struct StreamRow {
  std::string name;
  uint64_t raw = 0;
  uint64_t stored = 0;
};

struct Report {
  uint64_t compressed = 0;
  std::vector<double> pack, unpack, extract;  // seconds per run
  bool extract_supported = false;
  std::vector<StreamRow> streams;
  std::string note;
  // Probe only.
  uint64_t size = 0;
  bool gguf = false;
  std::string largest_name, largest_type;
  uint64_t largest_size = 0;
  uint64_t largest_offset = 0;
  uint64_t tensor_count = 0;
  // Filled by the parent.
  long maxrss_kib = 0;
};

std::string OneLine(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

std::string Serialize(const Report& r) {
  std::ostringstream o;
  o.precision(17);
  o << "compressed " << r.compressed << "\n";
  o << "pack";
  for (double t : r.pack) o << " " << t;
  o << "\nunpack";
  for (double t : r.unpack) o << " " << t;
  o << "\nextract";
  for (double t : r.extract) o << " " << t;
  o << "\nextract_supported " << (r.extract_supported ? 1 : 0) << "\n";
  for (const StreamRow& s : r.streams) o << "stream " << s.raw << " " << s.stored << " " << OneLine(s.name) << "\n";
  if (!r.note.empty()) o << "note " << OneLine(r.note) << "\n";
  o << "size " << r.size << "\n";
  o << "gguf " << (r.gguf ? 1 : 0) << "\n";
  o << "tensors " << r.tensor_count << "\n";
  if (!r.largest_name.empty()) {
    o << "largest " << r.largest_size << " " << r.largest_offset << " " << r.largest_type << " " << OneLine(r.largest_name) << "\n";
  }
  return o.str();
}

Report Deserialize(const std::string& text) {
  Report r;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    std::string key;
    l >> key;
    auto rest = [&]() {
      std::string s;
      std::getline(l, s);
      if (!s.empty() && s[0] == ' ') s.erase(0, 1);
      return s;
    };
    auto times = [&](std::vector<double>* v) {
      double t;
      while (l >> t) v->push_back(t);
    };
    if (key == "compressed") l >> r.compressed;
    else if (key == "pack") times(&r.pack);
    else if (key == "unpack") times(&r.unpack);
    else if (key == "extract") times(&r.extract);
    else if (key == "extract_supported") { int v = 0; l >> v; r.extract_supported = v != 0; }
    else if (key == "stream") { StreamRow s; l >> s.raw >> s.stored; s.name = rest(); r.streams.push_back(s); }
    else if (key == "note") r.note = rest();
    else if (key == "size") l >> r.size;
    else if (key == "gguf") { int v = 0; l >> v; r.gguf = v != 0; }
    else if (key == "tensors") l >> r.tensor_count;
    else if (key == "largest") { l >> r.largest_size >> r.largest_offset >> r.largest_type; r.largest_name = rest(); }
  }
  return r;
}

// ---------------------------------------------------------------------------
// zstd helpers.

struct CCtxDeleter { void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); } };
struct DCtxDeleter { void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); } };
using CCtxPtr = std::unique_ptr<ZSTD_CCtx, CCtxDeleter>;
using DCtxPtr = std::unique_ptr<ZSTD_DCtx, DCtxDeleter>;

// One frame, as the zstd CLI writes it (content size and checksum present).
Buffer ZstdCompress(const uint8_t* src, size_t n, int level, int threads) {
  CCtxPtr c(ZSTD_createCCtx());
  if (!c) ChildFail(kExitError, "ZSTD_createCCtx failed");
  CheckZstd(ZSTD_CCtx_setParameter(c.get(), ZSTD_c_compressionLevel, level), "zstd level");
  CheckZstd(ZSTD_CCtx_setParameter(c.get(), ZSTD_c_checksumFlag, 1), "zstd checksum flag");
  CheckZstd(ZSTD_CCtx_setParameter(c.get(), ZSTD_c_nbWorkers, threads), "zstd nbWorkers");
  Buffer out(ZSTD_compressBound(n));
  out.n = CheckZstd(ZSTD_compress2(c.get(), out.data(), out.size(), src, n), "ZSTD_compress2");
  return out;
}

// Streams the decompression of one frame, handing each piece of output to
// fn(offset, data, n), which returns false to stop early. Single-threaded,
// with the buffer sizes libzstd recommends (as `zstd -d` uses). Returns the
// bytes produced.
template <typename Fn>
uint64_t ZstdDecompressStream(const uint8_t* src, size_t n, Fn fn) {
  DCtxPtr d(ZSTD_createDCtx());
  if (!d) ChildFail(kExitError, "ZSTD_createDCtx failed");
  std::vector<uint8_t> buf(ZSTD_DStreamOutSize());
  ZSTD_inBuffer in = {src, n, 0};
  uint64_t produced = 0;
  size_t ret = 1;
  while (in.pos < in.size || ret != 0) {
    ZSTD_outBuffer out = {buf.data(), buf.size(), 0};
    ret = CheckZstd(ZSTD_decompressStream(d.get(), &out, &in), "ZSTD_decompressStream");
    if (out.pos > 0) {
      if (!fn(produced, buf.data(), out.pos)) return produced + out.pos;
      produced += out.pos;
    } else if (in.pos == in.size && ret != 0) {
      ChildFail(kExitError, "zstd frame truncated");
    }
  }
  return produced;
}

// ---------------------------------------------------------------------------
// Method a: the whole file as one zstd frame.

void RunZstdWhole(const Input& in, const Config& cfg, int level, Report* r) {
  const uint8_t* data = in.bytes.data();
  const size_t size = in.bytes.size();
  Buffer frame;
  for (int i = 0; i < cfg.reps; ++i) {
    frame = Buffer();  // never hold two results at once
    auto t0 = Clock::now();
    Buffer f = ZstdCompress(data, size, level, cfg.threads);
    r->pack.push_back(Since(t0));
    frame = std::move(f);
  }
  r->compressed = frame.size();

  // Verification (not timed): decode and compare every byte.
  uint64_t got = ZstdDecompressStream(frame.data(), frame.size(), [&](uint64_t off, const uint8_t* p, size_t n) {
    if (off + n > size) ChildFail(kExitMismatch, "zstd -%d: output longer than the input", level);
    size_t d = FirstDifference(p, data + off, n);
    if (d != n) ChildFail(kExitMismatch, "zstd -%d: output differs at byte %" PRIu64, level, off + d);
    return true;
  });
  if (got != size) ChildFail(kExitMismatch, "zstd -%d: output is %" PRIu64 " bytes, input %zu", level, got, size);

  for (int i = 0; i < cfg.reps; ++i) {
    auto t0 = Clock::now();
    uint64_t n = ZstdDecompressStream(frame.data(), frame.size(), [](uint64_t, const uint8_t*, size_t) { return true; });
    r->unpack.push_back(Since(t0));
    if (n != size) ChildFail(kExitMismatch, "zstd -%d: output size changed", level);
  }

  // One tensor out of a .zst: decompress from the start until its last byte.
  if (in.largest >= 0) {
    r->extract_supported = true;
    const sgz::internal::GgufTensor& t = in.layout.tensors[in.largest];
    Buffer dst(t.size);
    memset(dst.data(), 0, dst.size());
    for (int i = 0; i < cfg.reps; ++i) {
      const uint64_t begin = t.offset, end = t.offset + t.size;
      auto t0 = Clock::now();
      ZstdDecompressStream(frame.data(), frame.size(), [&](uint64_t off, const uint8_t* p, size_t n) {
        const uint64_t lo = std::max(off, begin), hi = std::min<uint64_t>(off + n, end);
        if (lo < hi) memcpy(dst.data() + (lo - begin), p + (lo - off), hi - lo);
        return off + n < end;
      });
      r->extract.push_back(Since(t0));
      if (memcmp(dst.data(), data + t.offset, t.size) != 0) {
        ChildFail(kExitMismatch, "zstd -%d: extracted tensor '%s' differs", level, t.name.c_str());
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Method b: the published per-stream split, each stream one zstd -19 frame.

enum StreamId { kNibbles = 0, kScales, kOtherQuant, kFloat, kMeta, kStreamCount };
const char* const kStreamNames[kStreamCount] = {
    "Q4_K nibbles (qs)", "Q4_K scale headers (byte-grouped)", "other quantized payloads",
    "float payloads (F32/F16/BF16)", "metadata (header, KVs, infos, padding, tail)"};

constexpr uint32_t kTypeF32 = 0, kTypeF16 = 1, kTypeQ4K = 12, kTypeBF16 = 30;
constexpr uint64_t kQ4KBlock = 144, kQ4KHeader = 16, kQ4KQs = 128;
constexpr int kStreamsLevel = 19;

StreamId StreamOfTensor(uint32_t type) {
  if (type == kTypeQ4K) return kNibbles;
  if (type == kTypeF32 || type == kTypeF16 || type == kTypeBF16) return kFloat;
  return kOtherQuant;
}

struct StreamSet {
  Buffer s[kStreamCount];
};

// Bytes of each stream for a layout.
void StreamSizes(const sgz::internal::GgufLayout& layout, uint64_t sizes[kStreamCount]) {
  for (int i = 0; i < kStreamCount; ++i) sizes[i] = 0;
  for (const sgz::internal::Region& g : layout.regions) {
    if (g.kind != sgz::internal::RegionKind::kTensor) {
      sizes[kMeta] += g.size;
      continue;
    }
    const uint32_t type = layout.tensors[g.tensor].type;
    if (type == kTypeQ4K) {
      const uint64_t blocks = g.size / kQ4KBlock;
      sizes[kScales] += blocks * kQ4KHeader;
      sizes[kNibbles] += blocks * kQ4KQs;
      sizes[kOtherQuant] += g.size % kQ4KBlock;  // never, for a valid file
    } else {
      sizes[StreamOfTensor(type)] += g.size;
    }
  }
}

// Walks the layout, calling copy(stream, stream_offset, file_offset, n) for
// every run of bytes; Q4_K header bytes go one at a time to their grouped place.
template <typename Copy>
void WalkStreams(const sgz::internal::GgufLayout& layout, const uint64_t sizes[kStreamCount], Copy copy) {
  uint64_t pos[kStreamCount] = {0, 0, 0, 0, 0};
  const uint64_t q4k_blocks = sizes[kScales] / kQ4KHeader;
  uint64_t block = 0;  // global Q4_K block index
  for (const sgz::internal::Region& g : layout.regions) {
    if (g.kind != sgz::internal::RegionKind::kTensor) {
      copy(kMeta, pos[kMeta], g.offset, g.size);
      pos[kMeta] += g.size;
      continue;
    }
    const uint32_t type = layout.tensors[g.tensor].type;
    if (type != kTypeQ4K) {
      const StreamId s = StreamOfTensor(type);
      copy(s, pos[s], g.offset, g.size);
      pos[s] += g.size;
      continue;
    }
    const uint64_t blocks = g.size / kQ4KBlock;
    for (uint64_t b = 0; b < blocks; ++b, ++block) {
      const uint64_t at = g.offset + b * kQ4KBlock;
      for (uint64_t j = 0; j < kQ4KHeader; ++j) copy(kScales, j * q4k_blocks + block, at + j, 1);
      copy(kNibbles, pos[kNibbles], at + kQ4KHeader, kQ4KQs);
      pos[kNibbles] += kQ4KQs;
    }
    const uint64_t rest = g.size % kQ4KBlock;
    if (rest > 0) {
      copy(kOtherQuant, pos[kOtherQuant], g.offset + blocks * kQ4KBlock, rest);
      pos[kOtherQuant] += rest;
    }
  }
}

StreamSet Split(const uint8_t* data, const sgz::internal::GgufLayout& layout) {
  uint64_t sizes[kStreamCount];
  StreamSizes(layout, sizes);
  StreamSet set;
  for (int i = 0; i < kStreamCount; ++i) set.s[i] = Buffer(sizes[i]);
  WalkStreams(layout, sizes, [&](int s, uint64_t at, uint64_t file_off, uint64_t n) {
    if (n == 1) {
      set.s[s].data()[at] = data[file_off];
    } else {
      memcpy(set.s[s].data() + at, data + file_off, n);
    }
  });
  return set;
}

// Decodes the 5 frames and rebuilds the file. The layout comes from the
// decoded metadata stream (it starts with the GGUF header), as a real decoder
// would have it; the file size is the sum of the stream sizes.
Buffer Join(const StreamSet& frames) {
  DCtxPtr d(ZSTD_createDCtx());
  if (!d) ChildFail(kExitError, "ZSTD_createDCtx failed");
  StreamSet dec;
  uint64_t sizes[kStreamCount];
  uint64_t total = 0;
  for (int i = 0; i < kStreamCount; ++i) {
    const unsigned long long n = ZSTD_getFrameContentSize(frames.s[i].data(), frames.s[i].size());
    if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN) ChildFail(kExitError, "stream %d: no content size", i);
    dec.s[i] = Buffer(n);
    CheckZstd(ZSTD_decompressDCtx(d.get(), dec.s[i].data(), n, frames.s[i].data(), frames.s[i].size()),
              "ZSTD_decompressDCtx");
    sizes[i] = n;
    total += n;
  }
  auto header = sgz::internal::ParseGgufHeader(dec.s[kMeta].data(), dec.s[kMeta].size(), /*at_eof=*/true, nullptr);
  CheckStatus(header.status(), "per-stream join: metadata stream");
  sgz::internal::GgufLayout layout = std::move(header).value();
  CheckStatus(sgz::internal::FinishGgufLayout(&layout, total), "per-stream join: layout");
  uint64_t expect[kStreamCount];
  StreamSizes(layout, expect);
  for (int i = 0; i < kStreamCount; ++i) {
    if (expect[i] != sizes[i]) ChildFail(kExitMismatch, "per-stream join: stream %d has %" PRIu64 " bytes, layout says %" PRIu64, i, sizes[i], expect[i]);
  }
  Buffer out(total);
  WalkStreams(layout, sizes, [&](int s, uint64_t at, uint64_t file_off, uint64_t n) {
    if (n == 1) {
      out.data()[file_off] = dec.s[s].data()[at];
    } else {
      memcpy(out.data() + file_off, dec.s[s].data() + at, n);
    }
  });
  return out;
}

void RunStreams(const Input& in, const Config& cfg, Report* r) {
  if (!in.gguf) {
    r->note = "not a GGUF (" + in.parse_error + ")";
    return;
  }
  const uint8_t* data = in.bytes.data();
  const size_t size = in.bytes.size();
  StreamSet frames;
  uint64_t raw[kStreamCount];
  StreamSizes(in.layout, raw);
  for (int i = 0; i < cfg.reps; ++i) {
    frames = StreamSet();
    auto t0 = Clock::now();
    StreamSet f;
    {
      StreamSet split = Split(data, in.layout);
      for (int s = 0; s < kStreamCount; ++s) {
        f.s[s] = ZstdCompress(split.s[s].data(), split.s[s].size(), kStreamsLevel, cfg.threads);
      }
    }  // the split streams are freed inside the timing, as a packer would
    r->pack.push_back(Since(t0));
    frames = std::move(f);
  }
  r->compressed = 0;
  for (int s = 0; s < kStreamCount; ++s) {
    r->compressed += frames.s[s].size();
    r->streams.push_back({kStreamNames[s], raw[s], frames.s[s].size()});
  }
  for (int i = 0; i < cfg.reps; ++i) {
    auto t0 = Clock::now();
    Buffer out = Join(frames);
    r->unpack.push_back(Since(t0));
    // Verification (not timed).
    if (out.size() != size) ChildFail(kExitMismatch, "per-stream: output is %zu bytes, input %zu", out.size(), size);
    size_t d = FirstDifference(out.data(), data, size);
    if (d != size) ChildFail(kExitMismatch, "per-stream: output differs at byte %zu", d);
  }
  r->extract_supported = false;  // streams span the whole file
}

// ---------------------------------------------------------------------------
// Method c: sgz through the library.

class DiscardSink : public sgz::internal::ByteSink {
 public:
  sgz::internal::Status Write(const void*, size_t n) override {
    bytes += n;
    return sgz::internal::Status::Ok();
  }
  uint64_t bytes = 0;
};

class CompareSink : public sgz::internal::ByteSink {
 public:
  CompareSink(const uint8_t* expect, uint64_t size) : expect_(expect), size_(size) {}
  sgz::internal::Status Write(const void* data, size_t n) override {
    if (pos > size_ || n > size_ - pos) return sgz::internal::Status::Corruption("output longer than the input");
    size_t d = FirstDifference(static_cast<const uint8_t*>(data), expect_ + pos, n);
    if (d != n) return sgz::internal::Status::Corruption("output differs at byte " + std::to_string(pos + d));
    pos += n;
    return sgz::internal::Status::Ok();
  }
  uint64_t pos = 0;

 private:
  const uint8_t* expect_;
  uint64_t size_;
};

int g_decode_threads = 2;  // sgz decoding threads (-t)

std::unique_ptr<sgz::internal::Archive> OpenArchive(const std::string& archive) {
  auto a = sgz::internal::Archive::Open(sgz::internal::NewMemorySource(reinterpret_cast<const uint8_t*>(archive.data()), archive.size()));
  CheckStatus(a.status(), "Archive::Open");
  a.value()->set_threads(static_cast<unsigned>(std::max(g_decode_threads, 1)));
  return std::move(a).value();
}

void RunSgz(const Input& in, const Config& cfg, int level, Report* r) {
  const uint8_t* data = in.bytes.data();
  const size_t size = in.bytes.size();
  sgz::internal::PackOptions options;
  options.level = level;
  const size_t slash = in.path.find_last_of('/');
  options.name = slash == std::string::npos ? in.path : in.path.substr(slash + 1);
  SetThreads(&options, std::max(cfg.threads, 1));
  CheckStatus(sgz::internal::ValidatePackOptions(options), "PackOptions");

  std::string archive;
  sgz::internal::PackStats stats;
  for (int i = 0; i < cfg.reps; ++i) {
    archive.clear();
    archive.shrink_to_fit();  // never hold two archives at once
    sgz::internal::StringSink sink;
    sgz::internal::PackStats st;
    auto t0 = Clock::now();
    CheckStatus(sgz::internal::PackBuffer(data, size, options, &sink, &st), "PackBuffer");
    r->pack.push_back(Since(t0));
    if (i > 0 && sink.out.size() != r->compressed) {
      r->note = "archive size varies between runs (" + std::to_string(r->compressed) + " vs " +
                std::to_string(sink.out.size()) + ")";
    }
    r->compressed = sink.out.size();
    archive = std::move(sink.out);
    stats = std::move(st);
  }
  if (!stats.notice.empty()) r->note = stats.notice;
  for (const auto& kv : stats.streams) r->streams.push_back({kv.first, kv.second.raw, kv.second.stored});

  {  // Verification (not timed).
    auto a = OpenArchive(archive);
    CompareSink cmp(data, size);
    sgz::internal::Status s = a->Unpack(&cmp);
    if (!s.ok()) ChildFail(kExitMismatch, "sgz -%d: unpack: %s", level, s.ToString().c_str());
    if (cmp.pos != size) ChildFail(kExitMismatch, "sgz -%d: output is %" PRIu64 " bytes, input %zu", level, cmp.pos, size);
  }
  for (int i = 0; i < cfg.reps; ++i) {
    DiscardSink sink;
    auto t0 = Clock::now();
    {
      auto a = OpenArchive(archive);
      CheckStatus(a->Unpack(&sink), "Unpack");
    }
    r->unpack.push_back(Since(t0));
    if (sink.bytes != size) ChildFail(kExitMismatch, "sgz -%d: unpacked %" PRIu64 " bytes, input %zu", level, sink.bytes, size);
  }

  if (in.largest >= 0) {
    const sgz::internal::GgufTensor& t = in.layout.tensors[in.largest];
    auto probe = OpenArchive(archive);
    if (probe->FindTensor(t.name).ok()) {
      r->extract_supported = true;
      Buffer dst(t.size);
      memset(dst.data(), 0, dst.size());
      for (int i = 0; i < cfg.reps; ++i) {
        auto t0 = Clock::now();
        {
          auto a = OpenArchive(archive);
          CheckStatus(a->ReadTensor(t.name, dst.data(), dst.size()), "ReadTensor");
        }
        r->extract.push_back(Since(t0));
        if (memcmp(dst.data(), data + t.offset, t.size) != 0) {
          ChildFail(kExitMismatch, "sgz -%d: extracted tensor '%s' differs", level, t.name.c_str());
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Running one method in a child process.

struct Method {
  std::string kind;  // "probe", "zstd", "streams", "sgz"
  int level = 0;
  std::string label;
};

void RunInChild(const Method& m, const std::string& path, const Config& cfg, int fd) {
  Input in = LoadInput(path);
  Report r;
  if (m.kind == "probe") {
    r.size = in.bytes.size();
    r.gguf = in.gguf;
    r.tensor_count = in.layout.tensors.size();
    if (!in.gguf) r.note = in.parse_error;
    if (in.largest >= 0) {
      const sgz::internal::GgufTensor& t = in.layout.tensors[in.largest];
      r.largest_name = t.name;
      r.largest_type = sgz::internal::GgmlTypeName(t.type);
      r.largest_size = t.size;
      r.largest_offset = t.offset;
    }
  } else if (m.kind == "zstd") {
    RunZstdWhole(in, cfg, m.level, &r);
  } else if (m.kind == "streams") {
    RunStreams(in, cfg, &r);
  } else if (m.kind == "sgz") {
    RunSgz(in, cfg, m.level, &r);
  }
  const std::string text = Serialize(r);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t w = write(fd, text.data() + done, text.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) ChildFail(kExitError, "write to parent: %s", strerror(errno));
    done += static_cast<size_t>(w);
  }
}

// Runs the method in a forked child; returns its report with its peak RSS.
// Exits the whole program if the child fails (mismatch included).
Report RunMethod(const Method& m, const std::string& path, const Config& cfg) {
  int p[2];
  if (pipe(p) != 0) {
    perror("pipe");
    exit(1);
  }
  fflush(stdout);
  fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    exit(1);
  }
  if (pid == 0) {
    close(p[0]);
    RunInChild(m, path, cfg, p[1]);
    close(p[1]);
    _exit(0);
  }
  close(p[1]);
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = read(p[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(p[0]);
  int status = 0;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  while (wait4(pid, &status, 0, &ru) < 0) {
    if (errno != EINTR) {
      perror("wait4");
      exit(1);
    }
  }
  if (WIFSIGNALED(status)) {
    fprintf(stderr, "sgz_bench: %s on %s: killed by signal %d; run aborted\n", m.label.c_str(), path.c_str(),
            WTERMSIG(status));
    exit(1);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    fprintf(stderr, "sgz_bench: %s on %s: %s (exit %d); run aborted\n", m.label.c_str(), path.c_str(),
            code == kExitMismatch ? "DECODED OUTPUT DIFFERS FROM THE INPUT" : "failed", code);
    exit(1);
  }
  Report r = Deserialize(text);
  r.maxrss_kib = ru.ru_maxrss;  // Linux: KiB
  return r;
}

// ---------------------------------------------------------------------------
// Output.

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string Fmt(const char* fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return buf;
}

std::string Speed(uint64_t bytes, const std::vector<double>& times) {
  if (times.empty()) return "n/a";
  const double t = Median(times);
  if (t <= 0) return "inf";
  const double mbs = bytes / 1e6 / t;
  return mbs >= 100 ? Fmt("%.0f", mbs) : mbs >= 10 ? Fmt("%.1f", mbs) : Fmt("%.2f", mbs);
}

std::string Ratio(uint64_t original, uint64_t compressed) {
  if (compressed == 0) return "n/a";
  return Fmt("%.4f", static_cast<double>(original) / compressed);
}

std::string WithCommas(uint64_t v) {
  std::string s = std::to_string(v), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

void PrintStreamTable(const std::vector<StreamRow>& rows, uint64_t total) {
  printf("| stream | raw bytes | share | compressed bytes | ratio |\n");
  printf("|---|---:|---:|---:|---:|\n");
  uint64_t raw = 0, stored = 0;
  for (const StreamRow& s : rows) {
    printf("| %s | %s | %.2f%% | %s | %s |\n", s.name.c_str(), WithCommas(s.raw).c_str(),
           total ? 100.0 * s.raw / total : 0.0, WithCommas(s.stored).c_str(),
           s.raw == 0 ? "-" : Ratio(s.raw, s.stored).c_str());
    raw += s.raw;
    stored += s.stored;
  }
  printf("| (sum of streams) | %s | %.2f%% | %s | %s |\n", WithCommas(raw).c_str(), total ? 100.0 * raw / total : 0.0,
         WithCommas(stored).c_str(), Ratio(raw, stored).c_str());
}

double MiB(long kib) { return kib / 1024.0; }

void BenchFile(const std::string& path, const Config& cfg) {
  const Report probe = RunMethod({"probe", 0, "probe"}, path, cfg);
  const uint64_t size = probe.size;
  const size_t slash = path.find_last_of('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  printf("## %s\n\n", base.c_str());
  printf("- path: `%s`, %s bytes", path.c_str(), WithCommas(size).c_str());
  if (probe.gguf) {
    printf(", GGUF with %" PRIu64 " tensors\n", probe.tensor_count);
  } else {
    printf(", not parsed as GGUF (%s)\n", probe.note.c_str());
  }
  if (!probe.largest_name.empty()) {
    const uint64_t end = probe.largest_offset + probe.largest_size;
    printf("- tensor extracted: `%s` (%s, %s bytes, the largest; ends at byte %s, %.1f%% into the file,\n"
           "  which is how far whole-file zstd must decompress)\n",
           probe.largest_name.c_str(), probe.largest_type.c_str(), WithCommas(probe.largest_size).c_str(),
           WithCommas(end).c_str(), size ? 100.0 * end / size : 0.0);
  }
  printf("- input alone (a child that only reads the file): peak RSS %.1f MiB\n\n", MiB(probe.maxrss_kib));
  fflush(stdout);

  std::vector<Method> methods;
  if (cfg.methods.count("zstd")) {
    methods.push_back({"zstd", 3, "zstd -3 (whole file)"});
    methods.push_back({"zstd", 19, "zstd -19 (whole file)"});
  }
  if (cfg.methods.count("streams")) methods.push_back({"streams", kStreamsLevel, "per-stream zstd -19 (5 streams)"});
  if (cfg.methods.count("sgz")) {
    for (int l : cfg.levels) methods.push_back({"sgz", l, Fmt("sgz -%d", l)});
  }

  std::vector<std::pair<Method, Report>> results;
  for (const Method& m : methods) {
    fprintf(stderr, "sgz_bench: %s: %s ...\n", base.c_str(), m.label.c_str());
    results.emplace_back(m, RunMethod(m, path, cfg));
  }

  printf("| method | ratio | pack MB/s | unpack MB/s | tensor extract ms | peak RSS MiB |\n");
  printf("|---|---:|---:|---:|---:|---:|\n");
  for (const auto& [m, r] : results) {
    if (m.kind == "streams" && !probe.gguf) {
      printf("| %s | n/a | n/a | n/a | n/a | %.1f |\n", m.label.c_str(), MiB(r.maxrss_kib));
      continue;
    }
    const std::string extract = r.extract_supported && !r.extract.empty() ? Fmt("%.2f", Median(r.extract) * 1e3) : "n/a";
    printf("| %s | %s | %s | %s | %s | %.1f |\n", m.label.c_str(), Ratio(size, r.compressed).c_str(),
           Speed(size, r.pack).c_str(), Speed(size, r.unpack).c_str(), extract.c_str(), MiB(r.maxrss_kib));
  }
  bool notes = false;
  for (const auto& [m, r] : results) {
    if (r.note.empty()) continue;
    printf("%s- %s: %s\n", notes ? "" : "\n", m.label.c_str(), r.note.c_str());
    notes = true;
  }

  for (const auto& [m, r] : results) {
    if (m.kind == "streams" && !r.streams.empty()) {
      printf("\nPer-stream method, streams (each one zstd -%d frame):\n\n", kStreamsLevel);
      PrintStreamTable(r.streams, size);
    }
  }
  if (cfg.methods.count("sgz") && !cfg.levels.empty()) {
    const int top = *std::max_element(cfg.levels.begin(), cfg.levels.end());
    for (const auto& [m, r] : results) {
      if (m.kind == "sgz" && m.level == top) {
        printf("\nsgz -%d, streams (PackStats.streams; compressed = stored stream bytes, chunk headers and "
               "manifest excluded):\n\n", top);
        if (r.streams.empty()) {
          printf("(no streams reported)\n");
        } else {
          PrintStreamTable(r.streams, size);
        }
        break;
      }
    }
  }
  printf("\n");
  fflush(stdout);
}

void Usage(FILE* f) {
  fprintf(f,
          "usage: sgz_bench [-R REPS] [-t THREADS] [-l LEVELS] [-m METHODS] FILE...\n"
          "  -R REPS     runs per measurement, medians reported (default 5)\n"
          "  -t THREADS  compression threads: zstd ZSTD_c_nbWorkers and sgz PackOptions::threads\n"
          "              when the library has it (default 2), and sgz decoding threads; zstd\n"
          "              decompression is single-threaded, as zstd -d is\n"
          "  -l LEVELS   sgz levels, comma-separated (default 1,3,9,19)\n"
          "  -m METHODS  comma-separated subset of zstd,streams,sgz (default all)\n"
          "Prints Markdown tables to stdout, progress to stderr. Peak RSS is each method's\n"
          "child process ru_maxrss and includes the input held in memory.\n");
}

bool ParseInt(const char* s, int lo, int hi, int* out) {
  char* end = nullptr;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        fprintf(stderr, "sgz_bench: %s needs a value\n", a.c_str());
        exit(2);
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      Usage(stdout);
      return 0;
    } else if (a == "-R") {
      if (!ParseInt(value(), 1, 1000, &cfg.reps)) return fprintf(stderr, "sgz_bench: bad -R\n"), 2;
    } else if (a == "-t") {
      if (!ParseInt(value(), 0, 256, &cfg.threads)) return fprintf(stderr, "sgz_bench: bad -t\n"), 2;
    } else if (a == "-l") {
      cfg.levels.clear();
      for (const std::string& s : SplitComma(value())) {
        int l;
        if (!ParseInt(s.c_str(), sgz::internal::kMinLevel, sgz::internal::kMaxLevel, &l)) {
          return fprintf(stderr, "sgz_bench: bad level '%s' (%d..%d)\n", s.c_str(), sgz::internal::kMinLevel, sgz::internal::kMaxLevel), 2;
        }
        cfg.levels.push_back(l);
      }
    } else if (a == "-m") {
      cfg.methods.clear();
      for (const std::string& s : SplitComma(value())) {
        if (s != "zstd" && s != "streams" && s != "sgz") {
          return fprintf(stderr, "sgz_bench: unknown method '%s' (zstd, streams, sgz)\n", s.c_str()), 2;
        }
        cfg.methods.insert(s);
      }
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      fprintf(stderr, "sgz_bench: unknown option %s\n", a.c_str());
      Usage(stderr);
      return 2;
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) {
    Usage(stderr);
    return 2;
  }

  const ZSTD_bounds workers = ZSTD_cParam_getBounds(ZSTD_c_nbWorkers);
  std::string zstd_threads_note;
  if (ZSTD_isError(workers.error) || workers.upperBound < cfg.threads) {
    zstd_threads_note = " (this libzstd cannot use " + std::to_string(cfg.threads) + " workers; running with " +
                        std::to_string(ZSTD_isError(workers.error) ? 0 : workers.upperBound) + ")";
    cfg.threads = ZSTD_isError(workers.error) ? 0 : workers.upperBound;
  }

  printf("- zstd library: %s (runtime), built against %s\n", ZSTD_versionString(), ZSTD_VERSION_STRING);
#if defined(__clang__)
  printf("- compiler: clang %s\n", __clang_version__);
#elif defined(__GNUC__)
  printf("- compiler: gcc %s\n", __VERSION__);
#endif
  g_decode_threads = cfg.threads;
  printf("- settings: %d runs per measurement (medians), threads %d%s (sgz pack and unpack, zstd compression; zstd -d is single-threaded)\n",
         cfg.reps, cfg.threads, zstd_threads_note.c_str());
  printf("- sgz threads: %s\n",
         kSgzHasThreads ? ("PackOptions::threads = " + std::to_string(std::max(cfg.threads, 1))).c_str()
                        : "PackOptions has no `threads` field in this build: sgz packs with its default");
  printf("- MB/s = 1e6 bytes of ORIGINAL data per second, wall clock. Unpack: zstd streams to a discarding\n"
         "  buffer; sgz unpacks (Archive::Open on a memory source + Unpack) into a discarding sink; the\n"
         "  per-stream method decodes its 5 frames and re-interleaves the whole file in memory.\n"
         "  Every output was verified byte for byte against the input (not timed).\n");
  printf("- tensor extract: the largest tensor. zstd: decompress from the start up to its last byte;\n"
         "  sgz: Archive::Open + ReadTensor; per-stream: n/a (streams span the whole file).\n");
  printf("- peak RSS: ru_maxrss of a child process that runs one method (pack, unpack, extraction);\n"
         "  it INCLUDES the input file held in memory (see \"input alone\").\n\n");
  fflush(stdout);

  for (const std::string& f : files) BenchFile(f, cfg);
  return 0;
}
