// sgz command-line tool: a program over the public sgz library (sgz/sgz.h),
// one file per command. This file: the option table, help, dispatch.
#include <cxxopts.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "cli_common.h"
#include "json.h"

namespace sgz::cli {
namespace {

struct Command {
  const char* name;
  CommandFn run;
  const char* usage;
  const char* help;
};

const Command kCommands[] = {
    {"pack", CmdPack, "sgz pack IN [-o OUT | -c] [-l LEVEL | --fast | --max] [-f] [--stats] [-T N]",
     "Packs a GGUF file (any file) into an .sgz archive. IN may be - (standard input).\n"
     "  -o OUT        output (default IN.sgz); -c writes to standard output\n"
     "  -l LEVEL      zstd level 1..22 of tensor streams (default 1; metadata at least 9)\n"
     "  --fast/--max  presets: level 1 everywhere / level 19 everywhere (slow, smallest)\n"
     "                (-l 22 is as small as --max within 0.01%, and 3x slower)\n"
     "  --chunk-size  original KiB per chunk (default 4096)\n"
     "  --stats       per-stream original and stored bytes\n"
     "  -k/--keep     accepted and ignored: sgz never deletes its input\n"
     "examples:\n"
     "  sgz pack model.gguf                    # writes model.gguf.sgz\n"
     "  cat model.gguf | sgz pack - -o m.sgz\n"},
    {"unpack", CmdUnpack, "sgz unpack IN.sgz [-o OUT | -c] [-f] [--stats] [-T N]",
     "Restores the original file, verifying every checksum. IN may be - (standard input,\n"
     "decoded in order as it arrives). Default output: IN without .sgz.\n"
     "  -k/--keep     accepted and ignored: sgz never deletes its input\n"
     "examples:\n"
     "  sgz unpack model.gguf.sgz\n"
     "  curl -s URL/model.gguf.sgz | sgz unpack - -o model.gguf\n"},
    {"ls", CmdLs, "sgz ls IN.sgz... [--json]",
     "Lists tensors: name, type, shape, offset, original bytes, stored bytes, ratio.\n"
     "Several archives: a '==> IN.sgz <==' line before each (--json: an array); exit code the worst.\n"
     "examples:\n"
     "  sgz ls model.gguf.sgz\n"
     "  sgz ls model.gguf.sgz --json | jq '.tensors[0]'\n"},
    {"cat", CmdCat, "sgz cat IN.sgz TENSOR [-o FILE] [--stats] | sgz cat IN.sgz --range OFFSET:[LENGTH] [-o FILE]",
     "Writes one tensor's bytes, or a byte range of the original, decoding only the chunks\n"
     "that hold them (default: standard output). --stats: archive bytes read, chunks decoded.\n"
     "  --range OFFSET:LENGTH  or OFFSET: (to the end). Numbers are decimal (a leading 0 is\n"
     "                not octal) or hex after 0x; a K, M or G suffix means KiB, MiB, GiB\n"
     "                (1024-based): 1K:16 is 1024:16\n"
     "examples:\n"
     "  sgz cat model.gguf.sgz blk.0.attn_q.weight -o q.bin\n"
     "  sgz cat model.gguf.sgz --range 0:4096 | xxd | head\n"
     "  sgz cat model.gguf.sgz --range 1M: -o tail.bin\n"},
    {"info", CmdInfo, "sgz info IN.sgz... [--json]",
     "Shows the format version, original size and checksum, GGUF version and metadata,\n"
     "tensor count by type, per-stream sizes and ratios, and the chunk count.\n"
     "Several archives: a '==> IN.sgz <==' line before each (--json: an array); exit code the worst.\n"
     "examples:\n"
     "  sgz info model.gguf.sgz\n"},
    {"verify", CmdVerify, "sgz verify IN.sgz... [--against ORIGINAL] [--json]",
     "Decodes everything and checks every checksum; with --against, also compares with a\n"
     "file. Exit code 0: intact (and identical); 2: corrupt or different. Several archives\n"
     "(without --against): each checked, --json gives an array, the exit code is the worst.\n"
     "examples:\n"
     "  sgz verify model.gguf.sgz --against model.gguf\n"},
};

const char* kExitCodes =
    "exit codes: 0 ok, 1 usage error, 2 corrupt archive or checksum mismatch, 3 I/O error,\n"
    "            4 unsupported format version\n";

void PrintHelp(FILE* out) {
  fprintf(out, "sgz %s: lossless, seekable archives for GGUF model files\n\nusage:\n", Version());
  for (const Command& c : kCommands) fprintf(out, "  %s\n", c.usage);
  fprintf(out,
          "\ncommon options: -q/--quiet, -v/--verbose, -T/--threads N (default: all cores), -f/--force,\n"
          "                --json (ls, info, verify), -V/--version, COMMAND --help (or: sgz help COMMAND);\n"
          "                -k/--keep (pack, unpack) is accepted: sgz never deletes its input\n\n%s",
          kExitCodes);
}

// Levenshtein distance: insertions, deletions and substitutions.
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

const Command* FindCommand(const std::string& name) {
  for (const Command& c : kCommands) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

// "unknown command 'X'", with the nearest command within 2 edits.
int UnknownCommand(const std::string& name) {
  const Command* best = nullptr;
  size_t best_distance = 3;
  for (const Command& c : kCommands) {
    const size_t d = EditDistance(name, c.name);
    if (d < best_distance) best = &c, best_distance = d;
  }
  return Usage("unknown command '" + name + "'" + (best ? std::string(" (did you mean '") + best->name + "'?)" : ""));
}

// ls, info or verify over several archives, like `zstd -l`/`-t`: text gets a
// header line per archive (ls, info), JSON one array of the objects (an
// archive that fails without one gets {"archive", "ok": false, "exit_code"}).
// The exit code is the highest (worst) of all.
int RunEach(const Command& cmd, const Args& r, const Common& c, const std::vector<std::string>& archives) {
  const std::string name = cmd.name;
  if (name == "verify" && r.count("against")) return Usage("verify --against takes one archive");
  if (c.json) JsonBegin(true);
  int worst = kExitOk;
  for (size_t i = 0; i < archives.size(); ++i) {
    if (!c.json && name != "verify") printf("%s==> %s <==\n", i ? "\n" : "", archives[i].c_str());
    const size_t before = JsonEmitted();
    const int rc = cmd.run(r, c, {archives[i]});
    if (c.json && JsonEmitted() == before) {
      EmitJson("{\"archive\": " + JsonString(archives[i]) + ", \"ok\": false, \"exit_code\": " + std::to_string(rc) + "}");
    }
    worst = std::max(worst, rc);
  }
  if (c.json) JsonEnd();
  return worst;
}

void PrintCommandHelp(const Command& cmd) { printf("usage: %s\n\n%s\n%s", cmd.usage, cmd.help, kExitCodes); }

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
      ("k,keep", "keep the input (always: sgz never deletes it)")
      ("c,stdout", "write to standard output")
      ("q,quiet", "no messages but errors")
      ("v,verbose", "more messages")
      ("json", "machine-readable output")
      ("stats", "sizes and read statistics")
      ("range", "OFFSET:LENGTH or OFFSET:", cxxopts::value<std::string>())
      ("against", "original file to compare with", cxxopts::value<std::string>())
      ("V,version", "print the version")
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
      c.threads = r["threads"].as<unsigned>();
      if (c.json && name != "ls" && name != "info" && name != "verify") return Usage("--json is for ls, info and verify");
      if (r.count("keep") && name != "pack" && name != "unpack") return Usage("-k/--keep is for pack and unpack");
      const bool several = name == "ls" || name == "info" || name == "verify";
      if (!several || args.size() < 2) return cmd.run(Args(r), c, args);
      return RunEach(cmd, Args(r), c, args);
    } catch (const cxxopts::exceptions::exception& e) {
      return Usage(e.what());
    }
  }
  return UnknownCommand(name);
}

}  // namespace

size_t Args::count(const std::string& key) const { return r_.count(key); }

template <typename T>
T Args::Value::as() const {
  return r_[key_].as<T>();
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
