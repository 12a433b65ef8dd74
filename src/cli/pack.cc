// sgz pack: a file (or standard input) into an archive.
#include <cinttypes>
#include <cstdio>

#include "cli_common.h"

namespace sgz::cli {

int CmdPack(const Args& r, const Common& c, const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage("pack takes one input file");
  const std::string in = args[0];
  const std::string out = ChooseOutput(r, in, "packing", in + ".sgz");
  if (out.empty()) return kExitUsage;
  if (r.count("fast") + r.count("max") + r.count("level") > 1) return Usage("give one of -l, --fast, --max");
  PackFileOptions options;
  if (r.count("fast")) {
    options = PackFileOptions::Fast();
  } else if (r.count("max")) {
    options = PackFileOptions::Max();
  } else {
    options.level = r["level"].as<int>();
  }
  options.chunk_size = r["chunk-size"].as<uint64_t>() * 1024;
  options.threads = c.threads;
  options.overwrite = c.force;
  Error e = ValidatePackOptions(options);
  if (!e.ok()) return Usage(e.message());
  ProgressLine progress(c, "packing");
  options.progress = progress.Callback();
  const auto start = std::chrono::steady_clock::now();
  PackSummary summary;
  e = PackFile(in, out, options, &summary);
  progress.Done();
  if (!e.ok()) return Fail(e.path().empty() ? in : e.path(), e);
  if (!summary.notice.empty() && !c.quiet) fprintf(stderr, "sgz: %s: notice: %s\n", in.c_str(), summary.notice.c_str());
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!c.quiet) {
    fprintf(stderr, "%s: %s -> %s (ratio %.4f), %" PRIu64 " chunks", OutName(out).c_str(),
            SizePhrase(summary.original_size, r.count("bytes") > 0).c_str(),
            SizePhrase(summary.archive_size, r.count("bytes") > 0).c_str(),
            Ratio(summary.original_size, summary.archive_size), summary.chunks);
    if (c.verbose) {
      fprintf(stderr, ", %.3f s, %.1f MB/s, %s shuffles", secs, summary.original_size / 1e6 / secs,
              ShuffleImplementation());
    }
    fprintf(stderr, "\n");
  }
  // With -c stdout carries the archive: nothing else may go there.
  if (r.count("stats") || c.verbose) {
    PrintStreams(out == "-" ? stderr : stdout, summary.streams, summary.original_size, summary.archive_size,
                 r.count("bytes") > 0);
  }
  return kExitOk;
}

}  // namespace sgz::cli
