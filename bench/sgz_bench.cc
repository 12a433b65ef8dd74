// Benchmark harness: sgz against the alternatives a user would pick, on the
// same GGUF files, in one run on one machine.
//
// For every input file it measures
//   zstd -3, zstd -19     the whole file as one zstd frame (libzstd; compression
//                         with ZSTD_c_nbWorkers = -t, decompression single-threaded
//                         and streamed as `zstd -d` does)           zstd_whole.cc
//   per-stream zstd -19   the published method re-implemented: the GGUF split into
//                         5 streams for the whole file (Q4_K nibbles, Q4_K scale
//                         headers byte-grouped, other quantized payloads, float
//                         payloads, metadata), each one zstd -19 frame  per_stream.cc
//   sgz -L                the sgz library at each level of -l        sgz_method.cc
// and reports ratio (original / compressed), pack and unpack speed (MB/s of
// original bytes, 1 MB = 1e6 bytes, wall clock, median of -R runs), the time to
// extract the largest tensor (extract.cc), and peak memory.
//
// Every method runs in its own forked child process, which reads the input into
// memory itself; its peak memory is the child's ru_maxrss (from wait4). That
// figure therefore INCLUDES the input held in memory (see the "input alone" line,
// a child that only reads the file) and covers pack, unpack and extraction
// (child.cc). The tables are printed by report.cc.
//
// Every method's output is decoded and compared byte for byte with the input;
// any mismatch aborts the run.
//
// usage: sgz_bench [-R REPS] [-t THREADS] [-l LEVELS] [-m METHODS] FILE...
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench.h"
#include "streams/codec.h"

namespace sgz_bench {
namespace {

void Usage(FILE* f) {
  fprintf(f,
          "usage: sgz_bench [-R REPS] [-t THREADS] [-l LEVELS] [-m METHODS] FILE...\n"
          "  -R REPS     runs per measurement, medians reported (default 5)\n"
          "  -t THREADS  compression threads: zstd ZSTD_c_nbWorkers and sgz PackOptions::threads\n"
          "              (default 2), and sgz decoding threads; zstd decompression is\n"
          "              single-threaded, as zstd -d is\n"
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
}  // namespace sgz_bench

int main(int argc, char** argv) {
  using namespace sgz_bench;
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
  printf("- settings: %d runs per measurement (medians), threads %d%s (sgz pack and unpack, zstd compression; zstd -d is single-threaded)\n",
         cfg.reps, cfg.threads, zstd_threads_note.c_str());
  printf("- sgz threads: PackOptions::threads = %d\n", std::max(cfg.threads, 1));
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
