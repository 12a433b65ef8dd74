// sgz command-line tool: a program over the public sgz library (sgz/sgz.h),
// one file per command. This file: the option table, help, dispatch.
// Without std::regex: option parsing then costs microseconds, not the
// millisecond regex construction adds to every run.
#define CXXOPTS_NO_REGEX 1
#include <cxxopts.hpp>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "cli_common.h"
#include "cli_options.h"
#include "json.h"
#include "listing.h"

namespace sgz::cli {
namespace {

struct Command {
  const char* name;
  CommandFn run;
  const char* usage;
  const char* help;
};

const Command kCommands[] = {
    {"pack", CmdPack, "sgz pack IN... [-o OUT | -c] [-l LEVEL | --fast | --max] [-f] [--stats] [-T N]",
     "Packs a GGUF file (any file) into an .sgz archive. IN may be - (standard input).\n"
     "Several files and directories make one archive of members (several need -o): a file\n"
     "is named by its base name, a directory by its base name and the paths below it\n"
     "(zoo/x.gguf), sorted; directories are recursed; a symbolic link or special file inside\n"
     "one is refused, before anything is written. A member's name is its path under -C DIR.\n"
     "  -o OUT        output (default IN.sgz; -o DIR/: DIR/IN.sgz); -c writes to standard output\n"
     "                The mode and modification time of IN are recorded (not for standard input).\n"
     "  -l LEVEL      zstd level 1..22 of tensor streams (default 1; metadata at least 9)\n"
     "  --fast/--max  presets: level 1 everywhere / level 19 everywhere (slow, smallest)\n"
     "                (-l 22 is as small as --max within 0.01%, and 3x slower)\n"
     "  --chunk-size  original KiB per chunk (default 4096)\n"
     "  --no-predict  several members: store quantized and F16 tensors as themselves, not as\n"
     "                the difference from their prediction from a float parent (format 2.3);\n"
     "                --max also predicts every type's block scales (slower to unpack)\n"
     "  --parent M    several members: take every parent from member M\n"
     "  --imatrix M   several members: take importance (--max) from member M\n"
     "  --format V    write what readers of format V read: 2.3, 2.4 (quantized blocks and\n"
     "                float values coded with contexts) or 2.5 (the default: as 2.4, and\n"
     "                predicted Q6_K scales stored against an estimate)\n"
     "  --stats       per-stream original and stored bytes\n"
     "  -k/--keep     accepted and ignored: sgz never deletes its input\n"
     "  -v            also time, speed and the stream table\n"
     "examples:\n"
     "  sgz pack model.gguf                    # writes model.gguf.sgz\n"
     "  sgz pack models/zoo -o zoo.sgz         # members zoo/...\n"
     "  cat model.gguf | sgz pack - -o m.sgz\n"},
    {"unpack", CmdUnpack, "sgz unpack IN.sgz [MEMBER...] [-C DIR | -o OUT | -c] [-f] [--stats] [-T N]",
     "Restores the original file, verifying every checksum. IN may be - (standard input,\n"
     "decoded in order as it arrives). Default output: IN without .sgz (not the name stored\n"
     "in the archive, which 'sgz info' shows); -o DIR/ (or an existing DIR) puts it in DIR.\n"
     "The file gets the mode (rwx bits) and modification time recorded at pack time, if any.\n"
     "An archive of several members (or with -C DIR, or MEMBERs named): the members, or\n"
     "those named (a MEMBER may be a directory of them: zoo/), restored under DIR (default:\n"
     "the current directory) by their names, sub-directories made; never outside DIR (no\n"
     "absolute name, no '..', no symbolic link followed); existing files refused without -f,\n"
     "before anything is written. MEMBER -o OUT or -c: that one member. From IN - the\n"
     "members are restored in one pass (each renamed into place once the whole archive\n"
     "checked out); an archive of several members written by sgz 2.1 needs the file.\n"
     "IN may be an http(s) URL: fetched with range requests on -T connections, verified as it\n"
     "goes (default output: the URL's last component without .sgz); a server that ignores\n"
     "ranges has its body read once, in order, as from standard input.\n"
     "  -k/--keep     accepted and ignored: sgz never deletes its input\n"
     "  -v            a line on stderr: IN: archive size -> OUT (size), chunks, time, speed\n"
     "examples:\n"
     "  sgz unpack model.gguf.sgz                # writes model.gguf\n"
     "  sgz unpack model.gguf.sgz -o models/\n"
     "  sgz unpack zoo.sgz -C out                # out/zoo/...\n"
     "  sgz unpack zoo.sgz zoo/x.gguf -o x.gguf\n"
     "  curl -s URL/model.gguf.sgz | sgz unpack - -o model.gguf\n"
     "  curl -s URL/zoo.sgz | sgz unpack - -C out\n"},
    {"ls", CmdLs, "sgz ls IN.sgz... [MEMBER] [PATTERN...] [--json] [--bytes]",
     "Lists tensors: name, type, shape, offset, original bytes, stored bytes, ratio.\n"
     "Sizes read like ls -h (K, M, G: 1024-based, rounded up); --bytes: exact numbers.\n"
     "PATTERN: only tensors whose name matches a shell pattern ('blk.0.*'); a pattern that\n"
     "matches nothing is an error (exit 1). The first argument is an archive; a later one is\n"
     "an archive when it ends in .sgz or .gguf, else a pattern.\n"
     "A plain GGUF file is listed too (stored and ratio: -).\n"
     "An archive of several members: its members (name, kind, original, stored, ratio); the\n"
     "first argument after it selects members (a name or shell pattern, where a name ending\n"
     "in .gguf is a member, not an archive); one member selected: its tensors, the other\n"
     "PATTERNs selecting them.\n"
     "Several archives: a '==> IN.sgz <==' line before each (--json: an array); exit code the worst.\n"
     "  -v            also the chunks holding each tensor (indices: 7, or 7-9)\n"
     "IN cannot be - (the manifest is at the end of an archive): give the file's name.\n"
     "examples:\n"
     "  sgz ls model.gguf.sgz\n"
     "  sgz ls model.gguf.sgz 'blk.0.*' output.weight\n"
     "  sgz ls model.gguf\n"
     "  sgz ls model.gguf.sgz --json | jq '.tensors[0]'\n"
     "  sgz ls zoo.sgz zoo/x.gguf 'blk.0.*'\n"},
    {"cat", CmdCat, "sgz cat IN.sgz [MEMBER] TENSOR [-o FILE] [--stats] | sgz cat IN.sgz [MEMBER] --range OFFSET:[LENGTH] [-o FILE]",
     "Writes one tensor's bytes, or a byte range of the original, decoding only the chunks\n"
     "that hold them (default: standard output). --stats: archive bytes read, chunks decoded.\n"
     "  --range OFFSET:LENGTH  or OFFSET: (to the end). Numbers are decimal (a leading 0 is\n"
     "                not octal) or hex after 0x; a K, M or G suffix means KiB, MiB, GiB\n"
     "                (1024-based): 1K:16 is 1024:16\n"
     "  -v            as --stats\n"
     "IN may be - with --range: standard input is read once, to its end (every checksum is\n"
     "checked), and the range written as it is decoded. A TENSOR needs a seekable archive file.\n"
     "MEMBER: the member to read, needed when the archive holds several.\n"
     "IN may be an http(s) URL: 2 range requests to open, 1 for the tensor (--stats counts\n"
     "them). A server that ignores ranges is refused unless --download (the archive is then\n"
     "downloaded once to a temporary file).\n"
     "examples:\n"
     "  sgz cat model.gguf.sgz blk.0.attn_q.weight -o q.bin\n"
     "  sgz cat model.gguf.sgz --range 0:4096 | xxd | head\n"
     "  sgz cat model.gguf.sgz --range 1M: -o tail.bin\n"},
    {"info", CmdInfo, "sgz info IN.sgz... [--json] [--full] [--bytes]",
     "Shows the format version, original size and checksum, GGUF version and metadata,\n"
     "tensor count by type, per-stream sizes and ratios, and the chunk count. Text shows\n"
     "8 items of an array and 256 bytes of a string; --full and --json show them whole.\n"
     "A plain GGUF file shows its header and metadata. --bytes: exact sizes.\n"
     "An archive of several members: its format, size and chunks, and per member its name,\n"
     "kind, size, checksum, mode and time ('sgz ls IN MEMBER' lists a member's tensors).\n"
     "Several archives: a '==> IN.sgz <==' line before each (--json: an array); exit code the worst.\n"
     "  -v            also original and stored bytes per tensor type\n"
     "IN cannot be - (the manifest is at the end of an archive): give the file's name.\n"
     "examples:\n"
     "  sgz info model.gguf.sgz\n"},
    {"verify", CmdVerify, "sgz verify IN.sgz... [--against ORIGINAL] [--json]",
     "Decodes everything and checks every checksum; with --against, also compares with a\n"
     "file (first differing byte, differing tensors). Damage does not stop the check: one\n"
     "line per damaged tensor (or metadata, other bytes), with its chunk and byte range.\n"
     "Exit code 0: intact (and identical); 2: corrupt or different. Several archives\n"
     "(without --against): each checked, --json gives an array, the exit code is the worst.\n"
     "IN may be - (standard input, decoded in order as it arrives).\n"
     "An archive of several members: each is checked; --against DIR compares each with DIR/NAME.\n"
     "  -v            a line on stderr: archive and original size, chunks checked, time, speed\n"
     "examples:\n"
     "  sgz verify model.gguf.sgz --against model.gguf\n"},
    {"add", CmdAdd, "sgz add ARCHIVE PATH... [--replace] [-l LEVEL | --fast | --max] [--stats] [-T N]",
     "Adds files and directories to an existing archive as new members (named as pack names\n"
     "them), without rewriting what it holds: their chunks, a new manifest and footer are\n"
     "appended; a chunk the archive already stores is written as a reference to it. A name\n"
     "already in the archive is refused unless --replace (the old member is dropped; its\n"
     "bytes stay in the file). If the add fails or is interrupted, the archive keeps its\n"
     "previous members: on an error or a signal it is cut back; after a crash, readers skip\n"
     "the unfinished end (with a warning) and the next add removes it.\n"
     "  --chunk-size  as for pack: chunks are shared only if cut alike (default 4096)\n"
     "  --no-predict  as for pack: quantized tensors not predicted from a float member\n"
     "                (old or new; --max also predicts every type's scales)\n"
     "  --format V    as for pack: no chunk of a later format than V added\n"
     "  -v            also the stream table of what was added\n"
     "examples:\n"
     "  sgz pack model-BF16.gguf -o zoo.sgz\n"
     "  sgz add zoo.sgz model-Q8_0.gguf model-Q4_K_M.gguf\n"
     "  sgz add zoo.sgz --replace README.md\n"},
    {"mount", CmdMount, "sgz mount ARCHIVE DIR [-f] [--cache-size MIB] [-T N]",
     "Shows the archive's members as read-only files under the existing directory DIR (FUSE),\n"
     "with their names (zoo/x.gguf is DIR/zoo/x.gguf), sizes, modes and times. A read decodes\n"
     "only the chunks it touches, each checked: a damaged chunk makes the read fail (EIO, and\n"
     "a line on stderr with -f, in the system log otherwise), never return wrong bytes.\n"
     "Returns once mounted; unmount with 'fusermount3 -u DIR' (or umount DIR), or stop it\n"
     "with SIGINT or SIGTERM. Needs /dev/fuse and fusermount3 (Debian: fuse3). ARCHIVE may be\n"
     "an http:// or https:// URL (read with range requests, as the other commands do).\n"
     "  -f            stay in the foreground (errors on stderr; Ctrl-C unmounts)\n"
     "  --cache-size  MiB of decoded blocks kept for later reads (default 256)\n"
     "  -T N          reads that decode at once, one reader each (default 1; each more\n"
     "                costs up to about 30 MiB of memory)\n"
     "examples:\n"
     "  sgz mount zoo.sgz /mnt/zoo && ls -l /mnt/zoo/zoo\n"
     "  fusermount3 -u /mnt/zoo\n"},
};

const char* kExitCodes =
    "exit codes: 0 ok, 1 usage error, 2 corrupt archive or checksum mismatch, 3 I/O error,\n"
    "            4 unsupported format version\n";

void PrintHelp(FILE* out) {
  fprintf(out, "sgz %s: lossless, seekable archives for GGUF model files\n\nusage:\n", Version());
  for (const Command& c : kCommands) fprintf(out, "  %s\n", c.usage);
  fprintf(out,
          "\ncommon options: -q/--quiet, -v/--verbose, -V/--version, COMMAND --help (or: sgz help COMMAND),\n"
          "                -T/--threads N (default: all cores) and -f/--force (pack, unpack, cat, verify;\n"
          "                mount: -f is the foreground),\n"
          "                --json (ls, info, verify); -k/--keep (pack, unpack) is accepted: sgz never\n"
          "                deletes its input\n"
          "IN may be an http:// or https:// URL (ls, info, cat, unpack, verify): read with range\n"
          "requests; --timeout SECONDS (default 30) without a byte fails a request, which is\n"
          "retried 3 times (5xx, resets, short bodies); user:password in a URL is never shown.\n"
          "An option a command does not take is refused, and so are -q with -v, -c with -o, and an\n"
          "option with a value given twice. Binary data is not written to a terminal (cat, -c) or\n"
          "read from one (IN or --against -) unless -f is given.\n\n%s",
          kExitCodes);
}

const Command* FindCommand(const std::string& name) {
  for (const Command& c : kCommands) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

// "unknown command 'X'", with the nearest command within 2 edits.
int UnknownCommand(const std::string& name) {
  std::vector<std::string> names;
  for (const Command& c : kCommands) names.push_back(c.name);
  const std::vector<std::string> close = ClosestNames(name, names, 2);
  return Usage("unknown command '" + name + "'" + (close.empty() ? "" : " (did you mean '" + close.front() + "'?)"));
}

// Archives at URLs: --timeout, --download, the process's counters, and
// read-ahead on -T connections for the commands that read everything.
HttpOptions HttpOptionsFor(const std::string& command, const Args& r, const Common& c) {
  HttpOptions http;
  if (r.count("timeout")) {
    const uint64_t t = ParseUnsignedOption("timeout", r["timeout"].as<std::string>(), 86400);
    if (t == 0) throw UsageError("--timeout: 0 is not a number of seconds (1 or more)");
    http.timeout_seconds = static_cast<double>(t);
  }
  http.download_without_ranges = r.count("download") > 0;
  http.stats = HttpCounters();
  if (command == "unpack" || command == "verify") {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    http.parallel = std::min(8u, c.threads > 0 ? c.threads : cores);
  }
  return http;
}

// ls, info or verify over several archives, like `zstd -l`/`-t`: text gets a
// header line per archive (ls, info), JSON one array of the objects (an
// archive that fails without one gets {"archive", "ok": false, "exit_code"}).
// The exit code is the highest (worst) of all.
// `patterns` follow each archive (ls).
int RunEach(const Command& cmd, const Args& r, const Common& c, const std::vector<std::string>& archives,
            const std::vector<std::string>& patterns) {
  const std::string name = cmd.name;
  if (name == "verify" && r.count("against")) return Usage("verify --against takes one archive");
  if (c.json) JsonBegin(true);
  int worst = kExitOk;
  for (size_t i = 0; i < archives.size(); ++i) {
    if (!c.json && name != "verify") printf("%s==> %s <==\n", i ? "\n" : "", InName(archives[i]).c_str());
    const size_t before = JsonEmitted();
    std::vector<std::string> one = {archives[i]};
    one.insert(one.end(), patterns.begin(), patterns.end());
    const int rc = cmd.run(r, c, one);
    if (c.json && JsonEmitted() == before) {
      EmitJson("{\"archive\": " + JsonString(RedactUrl(archives[i])) + ", \"ok\": false, \"exit_code\": " + std::to_string(rc) + "}");
    }
    worst = std::max(worst, rc);
  }
  if (c.json) JsonEnd();
  return worst;
}

void PrintCommandHelp(const Command& cmd) {
  // The options line comes from the table CheckCommandLine uses, wrapped.
  std::string options = "options taken:", line = options;
  const std::string all = AcceptedOptionsText(cmd.name);
  for (size_t at = 0; at < all.size();) {
    size_t end = all.find(", ", at);
    end = end == std::string::npos ? all.size() : end + 1;
    const std::string word = all.substr(at, end - at);
    if (line.size() + 1 + word.size() > 88) {
      options += "\n              ";
      line = "              ";
    }
    options += " " + word;
    line += " " + word;
    at = end == all.size() ? end : end + 1;
  }
  printf("usage: %s\n\n%s\n%s\n%s", cmd.usage, cmd.help, options.c_str(), kExitCodes);
}

int Main(int argc, char** argv) {
  cxxopts::Options options("sgz", "");
  // Numbers are taken as text and parsed by ParseSignedOption and
  // ParseUnsignedOption (Args::Value::as), whose messages name the option.
  options.add_options()
      ("o,output", "output file", cxxopts::value<std::string>())
      ("C,directory", "unpack members under DIR", cxxopts::value<std::string>())
      ("l,level", "zstd level", cxxopts::value<std::string>()->default_value(std::to_string(kDefaultLevel)))
      ("fast", "fastest preset")
      ("max", "smallest preset")
      ("chunk-size", "original KiB per chunk", cxxopts::value<std::string>()->default_value(std::to_string(kDefaultChunkSize / 1024)))
      ("T,threads", "worker threads (0 = all cores; at most one per core)", cxxopts::value<std::string>()->default_value("0"))
      ("f,force", "overwrite an existing output; binary data to or from a terminal")
      ("k,keep", "keep the input (always: sgz never deletes it)")
      ("c,stdout", "write to standard output")
      ("q,quiet", "no messages but errors")
      ("v,verbose", "more messages")
      ("json", "machine-readable output")
      ("stats", "sizes and read statistics")
      ("range", "OFFSET:LENGTH or OFFSET:", cxxopts::value<std::string>())
      ("against", "original file to compare with", cxxopts::value<std::string>())
      ("full", "whole arrays and strings (info)")
      ("bytes", "exact sizes instead of K/M/G")
      ("replace", "add: replace members of the same name")
      ("no-predict", "pack, add: store quantized tensors as themselves, not predicted from a float parent")
      ("format", "pack, add: the newest format version written (2.3, 2.4 or 2.5)", cxxopts::value<std::string>())
      ("parent", "pack: the member parents of predicted tensors are taken from", cxxopts::value<std::string>())
      ("imatrix", "pack: the importance matrix member used for predicted scales", cxxopts::value<std::string>())
      ("timeout", "URL: seconds without a byte before a request fails", cxxopts::value<std::string>())
      ("download", "URL: a server that ignores ranges: read a downloaded copy")
      ("cache-size", "mount: MiB of decoded blocks kept", cxxopts::value<std::string>())
      ("V,version", "print the version")
      ("h,help", "print help")
      ("args", "", cxxopts::value<std::vector<std::string>>());
  options.parse_positional({"args"});
  // cxxopts reports "--json=3" as "Argument '3' failed to parse", without
  // the option's name.
  const std::string flag_with_value = FlagWithValue(argc, argv);
  if (!flag_with_value.empty()) return Usage(flag_with_value);
  cxxopts::ParseResult r;
  try {
    r = options.parse(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    return Usage(RewordParseError(e.what()));
  }
  if (r.count("version")) {
    const FormatVersion format = WrittenFormatVersion();
    printf("sgz %s (format %u.%u, zstd levels %d..%d)\n", Version(), format.major, format.minor, kMinLevel, kMaxLevel);
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
  if (name == "help") {  // `sgz help [COMMAND]`: the same as `[COMMAND] --help`
    if (args.size() > 1) return Usage("help takes at most one command");
    if (args.empty()) {
      PrintHelp(stdout);
      return kExitOk;
    }
    const Command* cmd = FindCommand(args[0]);
    if (cmd == nullptr) return UnknownCommand(args[0]);
    PrintCommandHelp(*cmd);
    return kExitOk;
  }
  if (const Command* found = FindCommand(name)) {
    const Command& cmd = *found;
    if (r.count("help")) {
      PrintCommandHelp(cmd);
      return kExitOk;
    }
    Common c;
    c.quiet = r.count("quiet") > 0;
    c.verbose = r.count("verbose") > 0;
    c.json = r.count("json") > 0;
    c.force = r.count("force") > 0;
    try {
      if (!CheckCommandLine(name, Args(r), c, args)) return kExitUsage;
      c.threads = r.count("threads") ? Args(r)["threads"].as<unsigned>() : 0;
      SetHttpDefaults(HttpOptionsFor(name, Args(r), c));
      const bool several = name == "ls" || name == "info" || name == "verify";
      std::vector<std::string> patterns;
      if (name == "ls") patterns = TakeLsPatterns(&args);
      if (!several || args.size() < 2) {
        args.insert(args.end(), patterns.begin(), patterns.end());
        return cmd.run(Args(r), c, args);
      }
      return RunEach(cmd, Args(r), c, args, patterns);
    } catch (const UsageError& e) {
      return Usage(e.what());
    } catch (const cxxopts::exceptions::exception& e) {
      return Usage(RewordParseError(e.what()));
    }
  }
  return UnknownCommand(name);
}

}  // namespace

size_t Args::count(const std::string& key) const { return r_.count(key); }

template <typename T>
T Args::Value::as() const {
  const std::string text = r_[key_].as<std::string>();
  if constexpr (std::is_same_v<T, std::string>) {
    return text;
  } else if constexpr (std::is_same_v<T, int>) {
    return static_cast<int>(ParseSignedOption(key_, text, INT_MIN, INT_MAX));
  } else if constexpr (std::is_same_v<T, unsigned>) {
    return static_cast<unsigned>(ParseUnsignedOption(key_, text, UINT_MAX));
  } else {
    static_assert(std::is_same_v<T, uint64_t>);
    // --chunk-size is in KiB, --cache-size in MiB: their bytes must fit in 64 bits too.
    const uint64_t max = key_ == "chunk-size" ? UINT64_MAX / 1024 : key_ == "cache-size" ? UINT64_MAX >> 20 : UINT64_MAX;
    return ParseUnsignedOption(key_, text, max);
  }
}
template std::string Args::Value::as<std::string>() const;
template int Args::Value::as<int>() const;
template unsigned Args::Value::as<unsigned>() const;
template uint64_t Args::Value::as<uint64_t>() const;

}  // namespace sgz::cli

int main(int argc, char** argv) {
  sgz::InstallOutputCleanup();
  // The library turns its exceptions into errors; this catches the CLI's own
  // (an allocation in a command's formatting), so none ends in terminate().
  int rc;
  try {
    rc = sgz::cli::Main(argc, argv);
  } catch (const std::bad_alloc&) {
    fprintf(stderr, "sgz: out of memory\n");
    rc = sgz::cli::kExitIO;
  } catch (const std::exception& e) {
    fprintf(stderr, "sgz: unexpected exception: %s\n", e.what());
    rc = sgz::cli::kExitIO;
  }
  return sgz::cli::FinishStdout(rc);
}
