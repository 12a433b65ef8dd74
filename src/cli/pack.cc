// sgz pack: files and directories (or standard input) into an archive.
#include <cinttypes>
#include <cstdio>

#include "cli_common.h"
#include "cli_options.h"

namespace sgz::cli {

int CmdPack(const Args& r, const Common& c, const std::vector<std::string>& args) {
  if (args.empty()) return Usage("pack takes input files or directories");
  const std::string in = args[0];
  std::string out;
  if (args.size() == 1) {
    // A directory "zoo/" packs into zoo.sgz.
    std::string base = in;
    while (base.size() > 1 && base.back() == '/') base.pop_back();
    out = ChooseOutput(r, in, "packing", base + ".sgz");
  } else if (!r.count("output") && !r.count("stdout")) {
    return Usage("packing several inputs needs -o OUT (or -c)");
  } else if (r.count("stdout")) {
    out = "-";
  } else {
    out = r["output"].as<std::string>();
    if (NamesDirectory(out)) return Usage("packing several inputs into a directory needs a file name: -o DIR/NAME.sgz");
  }
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
  options.predict = r.count("no-predict") == 0;
  if (r.count("format")) options.format_minor = ParseFormatOption(r["format"].as<std::string>());
  if (r.count("parent")) options.parent = r["parent"].as<std::string>();
  if (r.count("imatrix")) options.imatrix = r["imatrix"].as<std::string>();
  if (!options.predict && (!options.parent.empty() || !options.imatrix.empty())) {
    return Usage("--parent and --imatrix choose what prediction reads: not with --no-predict");
  }
  Error e = ValidatePackOptions(options);
  if (!e.ok()) return Usage(e.message());
  ProgressLine progress(c, "packing");
  options.progress = progress.Callback();
  const auto start = std::chrono::steady_clock::now();
  PackSummary summary;
  e = PackFiles(args, out, options, &summary);
  progress.Done();
  if (!e.ok()) return Fail(e.path().empty() ? in : e.path(), e);
  const bool several = summary.members.size() > 1;
  if (!summary.notice.empty() && !c.quiet) fprintf(stderr, "sgz: %s: notice: %s\n", in.c_str(), summary.notice.c_str());
  // Text files beside the models are expected: their notices only with -v.
  for (const PackedMember& m : summary.members) {
    if (several && c.verbose && !m.notice.empty()) fprintf(stderr, "sgz: %s: notice: %s\n", m.name.c_str(), m.notice.c_str());
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!c.quiet) {
    fprintf(stderr, "%s: %s -> %s (ratio %.4f), %s", OutName(out).c_str(),
            SizePhrase(summary.original_size, r.count("bytes") > 0).c_str(),
            SizePhrase(summary.archive_size, r.count("bytes") > 0).c_str(),
            Ratio(summary.original_size, summary.archive_size), Plural(summary.chunks, "chunk").c_str());
    if (several) fprintf(stderr, ", %s", Plural(summary.members.size(), "member").c_str());
    if (summary.shared_size > 0) {
      fprintf(stderr, ", %s shared", SizePhrase(summary.shared_size, r.count("bytes") > 0).c_str());
    }
    if (c.verbose) {
      fprintf(stderr, ", %.3f s, %.1f MB/s, %s shuffles", secs, summary.original_size / 1e6 / secs,
              ShuffleImplementation());
    }
    fprintf(stderr, "\n");
  }
  // With -c stdout carries the archive: nothing else may go there.
  if (r.count("stats") || c.verbose) {
    FILE* to = out == "-" ? stderr : stdout;
    PrintStreams(to, summary.streams, summary.original_size, summary.archive_size, r.count("bytes") > 0);
    // What the prediction (format 2.3) hit, per member that has any.
    bool heading = false;
    for (const PackedMember& m : summary.members) {
      if (m.predicted_blocks == 0) continue;
      if (!heading) {
        fprintf(to, "%-40s %10s %10s %8s %8s %10s\n", "predicted member", "stored", "blocks", "scales", "quants",
                "scales by");
        heading = true;
      }
      const double b = static_cast<double>(m.predicted_blocks);
      fprintf(to, "%-40s %10" PRIu64 " %10" PRIu64 " %7.2f%% %7.2f%% %10s\n", m.name.c_str(), m.stored_size,
              m.predicted_blocks, m.scale_blocks == 0 ? 0.0 : 100.0 * m.scales_hit / m.scale_blocks,
              100.0 * m.quants_hit / b, m.scale_blocks == m.predicted_blocks ? "search" : m.scale_blocks == 0 ? "stored" : "both");
    }
  }
  return kExitOk;
}

}  // namespace sgz::cli
