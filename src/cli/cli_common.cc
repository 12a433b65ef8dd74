#include "cli_common.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace sgz::cli {

int ExitFor(const Error& e) {
  switch (e.code()) {
    case ErrorCode::kOk: return kExitOk;
    case ErrorCode::kInvalidArgument: case ErrorCode::kNotFound: return kExitUsage;
    case ErrorCode::kCorrupt: case ErrorCode::kChecksumMismatch: return kExitCorrupt;
    case ErrorCode::kNotSupported: return kExitUnsupported;
    case ErrorCode::kIoError: case ErrorCode::kResourceExhausted: return kExitIO;
  }
  return kExitIO;
}

std::string ErrorText(const Error& e) {
  // The library's messages say what is wrong ("already exists", "format
  // version 3.0 is not supported", "... do not match the chunk checksum"):
  // a category is added only where the message alone would not tell that
  // the archive is damaged or that the system failed.
  switch (e.code()) {
    case ErrorCode::kOk: return "OK";
    case ErrorCode::kCorrupt: case ErrorCode::kChecksumMismatch: return "corrupt: " + e.message();
    case ErrorCode::kIoError: return "I/O error: " + e.message();
    case ErrorCode::kInvalidArgument: case ErrorCode::kNotSupported: case ErrorCode::kResourceExhausted:
    case ErrorCode::kNotFound: break;
  }
  return e.message();
}

int Fail(const std::string& file, const Error& e) {
  const std::string shown = file == "-" ? "<stdin>" : RedactUrl(file);
  // Messages of the operating system name the file ("x.sgz: No such file or
  // directory"), and the line names it already.
  Error text = e;
  for (const std::string& name : {shown, file, e.path(), RedactUrl(e.path())}) {
    const std::string prefix = name + ": ";
    if (!name.empty() && text.message().compare(0, prefix.size(), prefix) == 0) {
      text = Error(e.code(), text.message().substr(prefix.size()));
      break;
    }
  }
  std::string line = ErrorText(text);
  // The advice belongs to the command line, not the library.
  if (e.code() == ErrorCode::kInvalidArgument && text.message() == "already exists") line += " (use -f to overwrite)";
  const std::string in_archive = "is already in the archive";
  if (e.code() == ErrorCode::kInvalidArgument && text.message().size() >= in_archive.size() &&
      text.message().compare(text.message().size() - in_archive.size(), in_archive.size(), in_archive) == 0) {
    line += " (use --replace to replace it)";
  }
  if (e.code() == ErrorCode::kNotSupported && text.message().find("ignores range requests") != std::string::npos) {
    line += "; --download reads a downloaded copy";
  }
  fprintf(stderr, "sgz: %s: %s\n", shown.c_str(), line.c_str());
  return ExitFor(e);
}

void NoteIgnoredTail(const Common& c, const std::string& in, uint64_t ignored) {
  static std::vector<std::string> told;
  if (ignored == 0 || c.quiet || std::find(told.begin(), told.end(), in) != told.end()) return;
  told.push_back(in);
  fprintf(stderr, "sgz: %s: ignoring %s after the last complete manifest (an interrupted add?)\n", InName(in).c_str(),
          Plural(ignored, "byte").c_str());
}

int Usage(const std::string& message) {
  fprintf(stderr, "sgz: %s (see 'sgz --help')\n", message.c_str());
  return kExitUsage;
}

namespace {
bool json_array = false;
size_t json_emitted = 0;
}  // namespace

void JsonBegin(bool array) {
  json_array = array;
  json_emitted = 0;
}

void EmitJson(const std::string& object) {
  if (json_array) {
    printf("%s%s", json_emitted == 0 ? "[" : ",\n", object.c_str());
  } else {
    printf("%s\n", object.c_str());
  }
  ++json_emitted;
}

void JsonEnd() {
  if (json_array) printf("%s\n", json_emitted == 0 ? "[]" : "]");
}

size_t JsonEmitted() { return json_emitted; }

int FinishStdout(int rc) {
  errno = 0;
  if (fflush(stdout) == 0 && !ferror(stdout)) return rc;
  fprintf(stderr, "sgz: <stdout>: I/O error: %s\n", errno != 0 ? strerror(errno) : "write failed");
  return rc == kExitOk ? kExitIO : rc;
}

bool NamesDirectory(const std::string& out) {
  struct stat st;
  return (!out.empty() && out.back() == '/') || (stat(out.c_str(), &st) == 0 && S_ISDIR(st.st_mode));
}

// Reports (and returns false) unless `dir` is an existing directory.
bool CheckDirectory(const std::string& dir) {
  struct stat st;
  const int rc = stat(dir.c_str(), &st);
  if (rc == 0 && S_ISDIR(st.st_mode)) return true;
  const std::string why = rc != 0 && errno == ENOENT ? "no such directory"
                          : rc == 0 || errno == ENOTDIR ? "not a directory"
                                                        : strerror(errno);
  Fail(dir, Error(ErrorCode::kInvalidArgument, why));
  return false;
}

std::string ChooseOutput(const Args& r, const std::string& in, const std::string& verb,
                         const std::string& default_name) {
  if (r.count("stdout")) return "-";
  if (r.count("output")) {
    // -o DIR/ or an existing DIR: the default name, inside DIR.
    const std::string out = r["output"].as<std::string>();
    if (!NamesDirectory(out)) return out;
    if (!CheckDirectory(out)) return "";
    if (in == "-") {
      Usage(verb + " standard input into a directory needs a file name: -o DIR/NAME");
      return "";
    }
    if (default_name.empty()) {
      Usage(InName(in) + ": name does not end in .sgz; give the output file with -o DIR/NAME");
      return "";
    }
    const size_t slash = default_name.find_last_of('/');
    return out + (out.back() == '/' ? "" : "/") +
           (slash == std::string::npos ? default_name : default_name.substr(slash + 1));
  }
  if (in == "-") {
    Usage(verb + " standard input needs -o OUT or -c");
    return "";
  }
  if (default_name.empty()) Usage(InName(in) + ": name does not end in .sgz; give the output with -o");
  return default_name;
}

std::string Plural(uint64_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

void PrintVerboseLine(const std::string& in, uint64_t archive_bytes, const std::string& out, uint64_t original,
                      uint64_t chunks, double seconds) {
  std::string line = InName(in) + ": " + SizePhrase(archive_bytes, false) +
                     (out.empty() ? " archive, " + SizePhrase(original, false) + " original, " + Plural(chunks, "chunk") + " checked"
                                  : " -> " + out + " (" + SizePhrase(original, false) + "), " + Plural(chunks, "chunk"));
  if (seconds > 0) line += ", " + Fixed(seconds, 3) + " s, " + HumanSize(static_cast<uint64_t>(original / seconds)) + "/s";
  fprintf(stderr, "%s\n", line.c_str());
}

double Ratio(uint64_t a, uint64_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b); }

std::string Fixed(double v, int digits) {
  char buf[64];
  snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string Hex64(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

std::string Shape(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t d = 0; d < dims.size(); ++d) s += (d ? ", " : "") + std::to_string(dims[d]);
  return s + "]";
}

void PrintReadStats(const ReadStats& s) {
  fprintf(stderr, "read %" PRIu64 " of %s in %s, decoded %" PRIu64 " of %s\n", s.bytes_read,
          Plural(s.archive_size, "archive byte").c_str(), Plural(s.read_calls, "read").c_str(), s.chunks_decoded,
          Plural(s.chunks_total, "chunk").c_str());
  PrintHttpStats();
}

std::shared_ptr<HttpStats> HttpCounters() {
  static const std::shared_ptr<HttpStats> counters = std::make_shared<HttpStats>();
  return counters;
}

void PrintHttpStats() {
  const HttpStats& h = *HttpCounters();
  if (h.requests == 0) return;
  fprintf(stderr, "HTTP: %s, %s received%s\n", Plural(h.requests, "request").c_str(), Plural(h.bytes, "byte").c_str(),
          h.retries > 0 ? (", " + std::to_string(h.retries) + (h.retries == 1 ? " retry" : " retries")).c_str() : "");
}

std::string HumanSize(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes);
  static const char kUnits[] = "KMGTPE";
  // 128 bits: the rounding below multiplies sizes near 2^64.
  using U128 = unsigned __int128;
  const U128 b = bytes;
  U128 scale = 1024;  // bytes per unit
  int unit = 0;
  while (b >= scale * 1024 && unit < 5) scale *= 1024, ++unit;
  // Rounded up, as `ls -h` does, so that no size is shown smaller than it is.
  const U128 tenths = (b * 10 + scale - 1) / scale;
  const U128 whole = (b + scale - 1) / scale;
  char buf[32];
  if (tenths < 100) {
    snprintf(buf, sizeof buf, "%u.%u%c", static_cast<unsigned>(tenths / 10), static_cast<unsigned>(tenths % 10),
             kUnits[unit]);
  } else if (whole >= 1024 && unit < 5) {
    snprintf(buf, sizeof buf, "1.0%c", kUnits[unit + 1]);
  } else {
    snprintf(buf, sizeof buf, "%u%c", static_cast<unsigned>(whole), kUnits[unit]);
  }
  return buf;
}

std::string SizeText(uint64_t bytes, bool exact) { return exact ? std::to_string(bytes) : HumanSize(bytes); }

std::string SizePhrase(uint64_t bytes, bool exact) {
  return exact || bytes < 1024 ? std::to_string(bytes) + " bytes" : HumanSize(bytes);
}

void PrintStreams(FILE* out, const std::vector<StreamStat>& streams, uint64_t original, uint64_t archive, bool exact) {
  fprintf(out, "%-22s %14s %14s %8s\n", "stream", "original", "stored", "ratio");
  for (const StreamStat& t : streams) {
    if (t.original == 0) continue;
    fprintf(out, "%-22s %14s %14s %8.4f\n", t.name.c_str(), SizeText(t.original, exact).c_str(),
            SizeText(t.stored, exact).c_str(), Ratio(t.original, t.stored));
  }
  fprintf(out, "%-22s %14s %14s %8.4f\n", "total (archive)", SizeText(original, exact).c_str(),
          SizeText(archive, exact).c_str(), Ratio(original, archive));
}

ProgressLine::ProgressLine(const Common& c, const char* verb)
    : enabled_(!c.quiet && isatty(STDERR_FILENO)), verb_(verb), start_(std::chrono::steady_clock::now()) {}

void ProgressLine::Update(const Progress& p) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  const uint64_t done = p.done, total = p.total;
  const double secs = std::chrono::duration<double>(now - start_).count();
  const double mbps = secs > 0 ? done / 1e6 / secs : 0;
  std::string line = std::string(verb_) + " " + Fixed(done / 1e6, 1) + " MB";
  if (total > 0) line += " / " + Fixed(total / 1e6, 1) + " MB (" + Fixed(100.0 * done / total, 0) + "%)";
  line += ", " + Fixed(mbps, 1) + " MB/s";
  if (p.archive_bytes > 0) line += ", ratio " + Fixed(Ratio(done, p.archive_bytes), 4);
  if (total > 0 && mbps > 0 && done < total) line += ", ETA " + Fixed((total - done) / 1e6 / mbps, 0) + " s";
  fprintf(stderr, "\r%-78s", line.c_str());
  shown_ = true;
}

void ProgressLine::Done() {
  if (shown_) fprintf(stderr, "\r%-78s\r", "");
  shown_ = false;
}

ProgressCallback ProgressLine::Callback() {
  if (!enabled_) return nullptr;
  return [this](const Progress& p) { Update(p); };
}

}  // namespace sgz::cli
