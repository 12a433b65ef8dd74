// Shared parts of sgz_bench (what it measures: sgz_bench.cc). Each method runs
// in a forked child process that loads the input itself (Input) and reports
// its figures back to the parent as text (Report); the parent prints them.
#ifndef SGZ_BENCH_BENCH_H_
#define SGZ_BENCH_BENCH_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "container/reader.h"
#include "streams/gguf_reader.h"

namespace sgz_bench {

struct Config {
  int reps = 5;
  int threads = 2;  // zstd compression workers; sgz pack and decode threads (at least 1)
  std::vector<int> levels = {1, 3, 9, 19};
  std::set<std::string> methods = {"zstd", "streams", "sgz"};
};

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t0);

// ---- Failing inside a child process.

// Exit codes of a child process.
constexpr int kExitError = 3;     // something failed (I/O, a library error)
constexpr int kExitMismatch = 4;  // decoded output differs from the input

// Reports and leaves without running the parent's atexit handlers or
// flushing stdio buffers inherited from it.
[[noreturn]] void ChildFail(int code, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void CheckStatus(const sgz::internal::Status& s, const char* what);
size_t CheckZstd(size_t r, const char* what);

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
size_t FirstDifference(const uint8_t* a, const uint8_t* b, size_t n);

// ---- What a child reads and what it reports.

struct Input {
  std::string path;
  Buffer bytes;
  bool gguf = false;
  std::string parse_error;
  sgz::internal::GgufLayout layout;
  int largest = -1;  // index of the largest tensor, or -1
};

// Reads the whole file into memory and parses it as GGUF.
Input LoadInput(const std::string& path);

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

// Text lines over the pipe from child to parent.
std::string Serialize(const Report& r);
Report Deserialize(const std::string& text);

// ---- The methods (each called in its own child; *r gets its figures).

// The whole file as one zstd frame (zstd_whole.cc).
void RunZstdWhole(const Input& in, const Config& cfg, int level, Report* r);
// The published per-stream split, each stream one zstd frame (per_stream.cc).
constexpr int kStreamsLevel = 19;
void RunStreams(const Input& in, const Config& cfg, Report* r);
// sgz through the library (sgz_method.cc).
void RunSgz(const Input& in, const Config& cfg, int level, Report* r);
std::unique_ptr<sgz::internal::Archive> OpenArchive(const std::string& archive, const Config& cfg);

// Time to get the largest tensor out (extract.cc): from a whole-file zstd
// frame, decompressing from the start up to its last byte; from an sgz
// archive, Archive::Open + ReadTensor. Each run's output is compared.
void ExtractFromZstd(const Input& in, const Config& cfg, int level, const Buffer& frame, Report* r);
void ExtractFromSgz(const Input& in, const Config& cfg, int level, const std::string& archive, Report* r);

// ---- Child processes (child.cc).

struct Method {
  std::string kind;  // "probe", "zstd", "streams", "sgz"
  int level = 0;
  std::string label;
};

// Runs the method in a forked child; returns its report with its peak RSS.
// Exits the whole program if the child fails (mismatch included).
Report RunMethod(const Method& m, const std::string& path, const Config& cfg);

// ---- Output (report.cc).

double Median(std::vector<double> v);
std::string Fmt(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// Measures every method of cfg on one file and prints its Markdown section.
void BenchFile(const std::string& path, const Config& cfg);

}  // namespace sgz_bench

#endif  // SGZ_BENCH_BENCH_H_
