// The layer every sgz command shares: options common to all commands,
// errors and exit codes, the progress line, and small formatting helpers.
// The commands use the public library only (sgz/sgz.h), like any program.
#ifndef SGZ_CLI_CLI_COMMON_H_
#define SGZ_CLI_CLI_COMMON_H_

#include <chrono>
#include <cstdio>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sgz/sgz.h"

namespace cxxopts {
class ParseResult;
}

namespace sgz::cli {

// The parsed command line as the commands see it. Only main.cc includes
// cxxopts.hpp: the header defines its regular expressions at namespace scope,
// so every file including it compiles them again at every start of sgz.
class Args {
 public:
  explicit Args(const cxxopts::ParseResult& r) : r_(r) {}
  // How often option `key` was given.
  size_t count(const std::string& key) const;
  class Value {
   public:
    Value(const cxxopts::ParseResult& r, std::string key) : r_(r), key_(std::move(key)) {}
    // The value (or default) as T: std::string, int, unsigned or uint64_t.
    // Throws UsageError (cli_options.h) for a number that does not parse,
    // naming the option; main() reports it as a usage error.
    template <typename T>
    T as() const;

   private:
    const cxxopts::ParseResult& r_;
    std::string key_;
  };
  Value operator[](const std::string& key) const { return Value(r_, key); }

 private:
  const cxxopts::ParseResult& r_;
};

enum ExitCode { kExitOk = 0, kExitUsage = 1, kExitCorrupt = 2, kExitIO = 3, kExitUnsupported = 4 };

// Options shared by every command.
struct Common {
  bool quiet = false;
  bool verbose = false;
  bool json = false;
  bool force = false;
  unsigned threads = 0;
};

// A command: its parsed options, the common ones, and its positional
// arguments (without the command name); returns the exit code.
using CommandFn = int (*)(const Args&, const Common&, const std::vector<std::string>&);
int CmdPack(const Args& r, const Common& c, const std::vector<std::string>& args);
int CmdUnpack(const Args& r, const Common& c, const std::vector<std::string>& args);
int CmdLs(const Args& r, const Common& c, const std::vector<std::string>& args);
int CmdCat(const Args& r, const Common& c, const std::vector<std::string>& args);
int CmdInfo(const Args& r, const Common& c, const std::vector<std::string>& args);
int CmdVerify(const Args& r, const Common& c, const std::vector<std::string>& args);
int CmdAdd(const Args& r, const Common& c, const std::vector<std::string>& args);
int CmdMount(const Args& r, const Common& c, const std::vector<std::string>& args);

// 1 usage (invalid argument, not found), 2 corrupt or checksum mismatch,
// 3 I/O or resource exhausted, 4 not supported.
int ExitFor(const Error& e);
// The message as people read it: "corrupt: " before the messages of
// damaged archives (kCorrupt, kChecksumMismatch), "I/O error: " before
// those of the system, the message alone otherwise; "OK" for ok.
std::string ErrorText(const Error& e);
// Prints "sgz: FILE: <ErrorText>" ("-" shows as <stdin>; the library names
// the output "-" <stdout>, see OutName) and returns the exit code for it.
// A message starting with the file's name loses it (the line names it
// once); "already exists" gets the advice "(use -f to overwrite)".
int Fail(const std::string& file, const Error& e);
// "sgz: IN: ignoring N bytes after the last complete manifest (an
// interrupted add?)" on stderr, once per archive and process, when
// `ignored` (ArchiveInfo::ignored_bytes) is not 0 and not -q.
void NoteIgnoredTail(const Common& c, const std::string& in, uint64_t ignored);
// Prints "sgz: MESSAGE (see 'sgz --help')" and returns kExitUsage.
int Usage(const std::string& message);
// Flushes what the command printed on stdout. A failure (disk full, closed
// pipe) is reported and turns a successful `rc` into kExitIO: text output
// that did not arrive is not a success.
int FinishStdout(int rc);
// JSON output: one object per archive, alone on its line, or (JsonBegin(true),
// for several archives) the items of one array closed by JsonEnd.
void JsonBegin(bool array);
void EmitJson(const std::string& object);
void JsonEnd();
// How many objects EmitJson has printed.
size_t JsonEmitted();
// How messages name an input: "<stdin>" for "-", a URL without its
// credentials (RedactUrl), else the path.
inline std::string InName(const std::string& in) { return in == "-" ? "<stdin>" : RedactUrl(in); }
// How messages name an output: "<stdout>" for "-", else the path.
inline std::string OutName(const std::string& out) { return out == "-" ? "<stdout>" : out; }

// The output of pack or unpack: -c (stdout, "-"), -o OUT, or `default_name`
// derived from the input. -o DIR/ (or an existing directory DIR) puts the
// base name of `default_name` in DIR. Empty (after a message) when there is
// none: standard input into a directory, DIR/ that is no directory.
std::string ChooseOutput(const Args& r, const std::string& in, const std::string& verb,
                         const std::string& default_name);

// "1 chunk", "2 chunks".
std::string Plural(uint64_t n, const std::string& noun);
// The -v line of unpack on stderr: "IN: 1.2G -> OUT (1.3G), 240 chunks,
// 1.1 s, 1.2G/s"; of verify (`out` empty): "IN: 1.2G archive, 1.3G
// original, 240 chunks checked, 1.1 s, 1.2G/s". "-" shows as <stdin>.
void PrintVerboseLine(const std::string& in, uint64_t archive_bytes, const std::string& out, uint64_t original,
                      uint64_t chunks, double seconds);
// True when the output `out` names a directory: it ends in '/' or is one.
bool NamesDirectory(const std::string& out);

double Ratio(uint64_t a, uint64_t b);
std::string Fixed(double v, int digits);
std::string Hex64(uint64_t v);
// "[256, 512]": the dims, readable as text and as JSON.
std::string Shape(const std::vector<int64_t>& dims);

// A size for people, as `ls -h` writes it: bytes below 1024, else 1024-based
// K, M, G, T, P, E (the suffixes --range reads), one decimal below 10,
// rounded up: "1000", "1.0K", "72K", "1011K", "2.3G".
std::string HumanSize(uint64_t bytes);
// HumanSize, or the exact decimal number with `exact` (--bytes).
std::string SizeText(uint64_t bytes, bool exact);
// SizeText for prose: "1011K", "1000 bytes", with `exact` "1034400 bytes".
std::string SizePhrase(uint64_t bytes, bool exact);

// "read B of S archive bytes in N reads, decoded D of C chunks" on stderr
// (cat --stats or -v, unpack --stats).
void PrintReadStats(const ReadStats& s);
// The requests and bytes of every archive read over HTTP in this process
// (main() hands them to SetHttpDefaults); PrintHttpStats prints "HTTP: 3
// requests, N bytes received" on stderr when there were any.
std::shared_ptr<HttpStats> HttpCounters();
void PrintHttpStats();
// The per-stream table (streams with no original bytes left out) and the
// archive total, on `out` (stderr when stdout carries an archive or data).
// Sizes are HumanSize unless `exact` (--bytes).
void PrintStreams(FILE* out, const std::vector<StreamStat>& streams, uint64_t original, uint64_t archive,
                  bool exact = false);

// A progress line on stderr, shown only when stderr is a terminal (and not
// with -q): bytes done, MB/s, ratio so far (when archive bytes are known)
// and time left when the total is known. Redrawn at most ten times a second.
class ProgressLine {
 public:
  ProgressLine(const Common& c, const char* verb);
  ~ProgressLine() { Done(); }
  void Update(const Progress& p);
  // Clears the line.
  void Done();
  // A callback that draws on this line (nullptr when it is not shown).
  ProgressCallback Callback();

 private:
  bool enabled_;
  const char* verb_;
  std::chrono::steady_clock::time_point start_, last_;
  bool shown_ = false;
};

}  // namespace sgz::cli

#endif  // SGZ_CLI_CLI_COMMON_H_
