// sgz add: files and directories appended to an existing archive as new
// members (AppendFiles), without rewriting its chunks.
#include <cstdio>

#include "cli_common.h"
#include "cli_options.h"

namespace sgz::cli {

int CmdAdd(const Args& r, const Common& c, const std::vector<std::string>& args) {
  if (args.size() < 2) return Usage("add takes an archive and the files or directories to add to it");
  const std::string archive = args[0];
  const std::vector<std::string> inputs(args.begin() + 1, args.end());
  if (r.count("fast") + r.count("max") + r.count("level") > 1) return Usage("give one of -l, --fast, --max");
  AppendOptions options;
  if (r.count("fast")) {
    options.pack = PackFileOptions::Fast();
  } else if (r.count("max")) {
    options.pack = PackFileOptions::Max();
  } else {
    options.pack.level = r["level"].as<int>();
  }
  options.pack.chunk_size = r["chunk-size"].as<uint64_t>() * 1024;
  options.pack.threads = c.threads;
  options.replace = r.count("replace") > 0;
  options.pack.predict = r.count("no-predict") == 0;
  if (r.count("format")) options.pack.format_minor = ParseFormatOption(r["format"].as<std::string>());
  Error e = ValidatePackOptions(options.pack);
  if (!e.ok()) return Usage(e.message());
  ProgressLine progress(c, "adding");
  options.pack.progress = progress.Callback();
  AppendSummary summary;
  e = AppendFiles(archive, inputs, options, &summary);
  progress.Done();
  if (!e.ok()) return Fail(e.path().empty() ? archive : e.path(), e);
  const bool exact = r.count("bytes") > 0;
  if (!c.quiet && summary.dropped_bytes > 0) {
    fprintf(stderr, "sgz: %s: removed %s after the last complete manifest (an interrupted add)\n", archive.c_str(),
            Plural(summary.dropped_bytes, "byte").c_str());
  }
  if (c.verbose) {
    for (const PackedMember& m : summary.members) {
      if (!m.notice.empty()) fprintf(stderr, "sgz: %s: notice: %s\n", m.name.c_str(), m.notice.c_str());
    }
  }
  if (!c.quiet) {
    fprintf(stderr, "%s: added %s (%s), %s -> %s", archive.c_str(), Plural(summary.members.size(), "member").c_str(),
            SizePhrase(summary.original_size, exact).c_str(), SizePhrase(summary.old_size, exact).c_str(),
            SizePhrase(summary.archive_size, exact).c_str());
    if (summary.shared_size > 0) fprintf(stderr, ", %s shared", SizePhrase(summary.shared_size, exact).c_str());
    if (!summary.replaced.empty()) fprintf(stderr, ", %s replaced", Plural(summary.replaced.size(), "member").c_str());
    fprintf(stderr, "\n");
  }
  if (r.count("stats") || c.verbose) {
    PrintStreams(stdout, summary.streams, summary.original_size, summary.archive_size - summary.old_size, exact);
  }
  return kExitOk;
}

}  // namespace sgz::cli
