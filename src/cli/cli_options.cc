#include "cli_options.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

namespace sgz::cli {
namespace {

// The options each command takes (besides -h/--help and -V/--version,
// which every command line takes). -q and -v are taken everywhere: every
// command has messages to silence and more to say; -T only where data is
// decoded or encoded.
struct CommandOptions {
  const char* command;
  std::vector<std::string> keys;
};
const std::vector<CommandOptions>& Accepted() {
  static const std::vector<CommandOptions> table = {
      {"pack", {"output", "stdout", "level", "fast", "max", "chunk-size", "threads", "force", "keep", "quiet", "verbose", "stats", "bytes",
                "no-predict", "parent", "imatrix", "format"}},
      {"unpack", {"output", "stdout", "directory", "threads", "force", "keep", "quiet", "verbose", "stats", "timeout",
                  "download"}},
      {"cat", {"output", "stdout", "range", "threads", "force", "quiet", "verbose", "stats", "timeout", "download"}},
      {"ls", {"json", "quiet", "verbose", "bytes", "timeout", "download"}},
      {"info", {"json", "quiet", "verbose", "full", "bytes", "timeout", "download"}},
      {"verify", {"against", "json", "threads", "force", "quiet", "verbose", "bytes", "timeout", "download"}},
      {"add", {"replace", "level", "fast", "max", "chunk-size", "threads", "quiet", "verbose", "stats", "bytes",
               "no-predict", "format"}},
      {"mount", {"cache-size", "threads", "force", "quiet", "verbose"}},
  };
  return table;
}

bool Takes(const std::string& command, const std::string& key) {
  for (const CommandOptions& c : Accepted()) {
    if (command != c.command) continue;
    for (const std::string& k : c.keys) {
      if (k == key) return true;
    }
  }
  return false;
}

// "pack, unpack and cat": the commands taking `key`.
std::string CommandsTaking(const std::string& key) {
  std::vector<std::string> names;
  for (const CommandOptions& c : Accepted()) {
    if (Takes(c.command, key)) names.push_back(c.command);
  }
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) s += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  return s;
}

bool Refuse(const std::string& message) {
  Usage(message);
  return false;
}

bool Refuse(const std::string& file, const std::string& message) {
  fprintf(stderr, "sgz: %s: %s\n", file.c_str(), message.c_str());
  return false;
}

// Text between cxxopts' quotes (‘ ’ in UTF-8, or ' '), or empty.
std::string Quoted(const std::string& what, size_t* end = nullptr) {
  static const char* const kOpen[] = {"\xe2\x80\x98", "'"};
  static const char* const kClose[] = {"\xe2\x80\x99", "'"};
  for (int q = 0; q < 2; ++q) {
    const size_t a = what.find(kOpen[q]);
    if (a == std::string::npos) continue;
    const size_t from = a + strlen(kOpen[q]);
    const size_t b = what.find(kClose[q], from);
    if (b == std::string::npos) continue;
    if (end != nullptr) *end = b + strlen(kClose[q]);
    return what.substr(from, b - from);
  }
  return "";
}

}  // namespace

const std::vector<OptionInfo>& Options() {
  static const std::vector<OptionInfo> table = {
      {"output", 'o', "FILE"},      {"level", 'l', "LEVEL"},   {"fast", 0, nullptr},
      {"max", 0, nullptr},          {"chunk-size", 0, "KIB"},  {"threads", 'T', "N"},
      {"force", 'f', nullptr},      {"keep", 'k', nullptr},    {"stdout", 'c', nullptr},
      {"quiet", 'q', nullptr},      {"verbose", 'v', nullptr}, {"json", 0, nullptr},
      {"stats", 0, nullptr},        {"range", 0, "OFFSET:LENGTH"}, {"against", 0, "FILE"},
      {"version", 'V', nullptr},    {"help", 'h', nullptr},    {"full", 0, nullptr},
      {"bytes", 0, nullptr},        {"directory", 'C', "DIR"},  {"replace", 0, nullptr},
      {"no-predict", 0, nullptr},   {"format", 0, "VERSION"},
      {"parent", 0, "MEMBER"},      {"imatrix", 0, "MEMBER"},
      {"timeout", 0, "SECONDS"},    {"download", 0, nullptr},
      {"cache-size", 0, "MIB"},
  };
  return table;
}

std::string OptionKey(const std::string& name) {
  for (const OptionInfo& o : Options()) {
    if (name == o.key || (name.size() == 1 && name[0] == o.letter)) return o.key;
  }
  return "";
}

std::string OptionName(const std::string& key) {
  for (const OptionInfo& o : Options()) {
    if (key == o.key) return o.letter ? std::string("-") + o.letter : "--" + key;
  }
  return (key.size() == 1 ? "-" : "--") + key;
}

std::string OptionSpellings(const std::string& key) {
  for (const OptionInfo& o : Options()) {
    if (key == o.key && o.letter) return std::string("-") + o.letter + "/--" + key;
  }
  return OptionName(key);
}

uint64_t ParseUnsignedOption(const std::string& key, const std::string& text, uint64_t max) {
  const std::string prefix = OptionName(key) + ": '" + text + "' ";
  if (text.empty()) throw UsageError(OptionName(key) + ": needs a number");
  if (text[0] == '-') throw UsageError(prefix + "is negative");
  uint64_t v = 0;
  for (const char ch : text) {
    if (ch < '0' || ch > '9') throw UsageError(prefix + "is not a number");
    const uint64_t digit = static_cast<uint64_t>(ch - '0');
    if (v > (max - digit) / 10) throw UsageError(prefix + "is too large (at most " + std::to_string(max) + ")");
    v = v * 10 + digit;
  }
  return v;
}

int ParseFormatOption(const std::string& text) {
  if (text == "2.3") return 3;
  if (text == "2.4") return 4;
  if (text == "2.5") return 5;
  throw UsageError("--format: '" + text + "': sgz writes format 2.3, 2.4 or 2.5");
}

int64_t ParseSignedOption(const std::string& key, const std::string& text, int64_t min, int64_t max) {
  const std::string prefix = OptionName(key) + ": '" + text + "' ";
  const bool negative = !text.empty() && text[0] == '-';
  const size_t begin = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
  if (begin == text.size()) throw UsageError(prefix + "is not a number");
  const uint64_t limit = negative ? static_cast<uint64_t>(-(min + 1)) + 1 : static_cast<uint64_t>(max);
  uint64_t v = 0;
  bool too_large = false;
  for (size_t i = begin; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') throw UsageError(prefix + "is not a number");
    const uint64_t digit = static_cast<uint64_t>(text[i] - '0');
    too_large = too_large || v > (limit - digit) / 10;
    if (!too_large) v = v * 10 + digit;
  }
  if (too_large) throw UsageError(prefix + "is out of range");
  return negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
}

std::string RewordParseError(const std::string& what) {
  size_t end = 0;
  const std::string name = Quoted(what, &end);
  const std::string rest = end < what.size() ? what.substr(end) : "";
  const std::string key = OptionKey(name);
  const std::string shown = key.empty() ? (name.size() == 1 ? "-" : "--") + name : OptionName(key);
  if (rest == " does not exist") {
    std::vector<std::string> keys;
    for (const OptionInfo& o : Options()) keys.push_back(o.key);
    // A single letter is near every short key: no suggestion for -x.
    const std::vector<std::string> close = name.size() > 1 ? ClosestNames(name, keys, 2) : std::vector<std::string>();
    return "unknown option " + shown + (close.empty() ? "" : " (did you mean --" + close.front() + "?)");
  }
  if (rest == " is missing an argument" || rest == " requires an argument") {
    for (const OptionInfo& o : Options()) {
      if (key == o.key && o.value != nullptr) return shown + ": needs a value, as in " + shown + " " + o.value;
    }
    return shown + ": needs a value";
  }
  if (rest.compare(0, 24, " does not take an argume") == 0) return shown + ": takes no value";
  if (rest == " starts with a - but has incorrect syntax") return "'" + name + "': not an option";
  // Anything else cxxopts may say, in sgz's quotes and case.
  std::string s = what;
  for (const char* q : {"\xe2\x80\x98", "\xe2\x80\x99"}) {
    for (size_t at; (at = s.find(q)) != std::string::npos;) s.replace(at, strlen(q), "'");
  }
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

std::string FlagWithValue(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--") break;
    const size_t eq = a.find('=');
    if (a.compare(0, 2, "--") != 0 || eq == std::string::npos) continue;
    const std::string key = OptionKey(a.substr(2, eq - 2));
    for (const OptionInfo& o : Options()) {
      if (key == o.key && o.value == nullptr) return OptionName(key) + ": takes no value (given '" + a.substr(eq + 1) + "')";
    }
  }
  return "";
}

std::string AcceptedOptionsText(const std::string& command) {
  std::string s;
  for (const OptionInfo& o : Options()) {
    if (Takes(command, o.key)) s += (s.empty() ? "" : ", ") + OptionSpellings(o.key);
  }
  return s;
}

bool CheckCommandLine(const std::string& command, const Args& r, const Common& c,
                      const std::vector<std::string>& args) {
  for (const OptionInfo& o : Options()) {
    const std::string key = o.key;
    if (key == "help" || key == "version" || r.count(key) == 0 || Takes(command, key)) continue;
    return Refuse(OptionSpellings(key) + " is for " + CommandsTaking(key) + ", not " + command);
  }
  if (r.count("stdout") && r.count("output")) {
    return Refuse("give -c (standard output) or -o FILE, not both");
  }
  if (r.count("directory") && (r.count("stdout") || r.count("output"))) {
    return Refuse("give -C DIR (members under DIR) or " + std::string(r.count("stdout") ? "-c" : "-o") + ", not both");
  }
  if (c.quiet && c.verbose) return Refuse("give -q (quiet) or -v (verbose), not both");
  for (const OptionInfo& o : Options()) {
    if (o.value != nullptr && r.count(o.key) > 1) return Refuse(OptionName(o.key) + " given more than once");
  }
  const bool any_stdin = std::find(args.begin(), args.end(), "-") != args.end();
  if ((command == "ls" || command == "info") && any_stdin) {
    return Refuse("<stdin>", command + " needs a seekable archive file (its manifest is at the end); give the file's "
                                       "name instead of -");
  }
  if (command == "cat" && !args.empty() && args[0] == "-" && r.count("range") == 0) {
    return Refuse("<stdin>", "cat TENSOR needs a seekable archive file (tensor offsets are in the manifest at the "
                             "end); give the file's name, or read a byte range with --range");
  }
  if (c.force) return true;
  const std::string output = r.count("output") ? r["output"].as<std::string>() : "";
  const bool to_stdout = command == "cat" ? output.empty() || output == "-"
                                          : (command == "pack" || command == "unpack") && (r.count("stdout") || output == "-");
  if (to_stdout && isatty(STDOUT_FILENO)) {
    return Refuse("<stdout>", "is a terminal; not writing binary data to it (use -o FILE, or -f to force)");
  }
  const bool reads_stdin = (command != "verify" ? !args.empty() && args[0] == "-" : any_stdin) ||
                           (r.count("against") && r["against"].as<std::string>() == "-");
  if (reads_stdin && isatty(STDIN_FILENO)) {
    return Refuse("<stdin>", "is a terminal; not reading binary data from it (use -f to force)");
  }
  return true;
}

}  // namespace sgz::cli
