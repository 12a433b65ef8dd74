// The report: a child's figures as text over the pipe, and the Markdown
// section printed for each file.
#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <sstream>
#include <utility>

#include "bench.h"

namespace sgz_bench {
namespace {

std::string OneLine(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

}  // namespace

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

namespace {

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

}  // namespace

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

}  // namespace sgz_bench
