// sgz unpack: an archive (or standard input, in one pass) back into the
// original file.
#include <cinttypes>
#include <cstdio>

#include "cli_common.h"

namespace sgz::cli {
namespace {

std::string DefaultUnpackName(const std::string& in) {
  const std::string ext = ".sgz";
  if (in.size() > ext.size() && in.compare(in.size() - ext.size(), ext.size(), ext) == 0) {
    return in.substr(0, in.size() - ext.size());
  }
  return "";
}

}  // namespace

int CmdUnpack(const Args& r, const Common& c, const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage("unpack takes one archive");
  const std::string in = args[0];
  const std::string out = ChooseOutput(r, in, "unpacking", DefaultUnpackName(in));
  if (out.empty()) return kExitUsage;
  ProgressLine progress(c, "unpacking");
  UnpackOptions options;
  options.overwrite = c.force;
  options.threads = c.threads;
  options.progress = progress.Callback();
  UnpackSummary summary;
  const auto start = std::chrono::steady_clock::now();
  const Error e = UnpackFile(in, out, options, &summary);
  progress.Done();
  if (!e.ok()) return Fail(e.path().empty() ? in : e.path(), e);
  if (c.verbose) {
    PrintVerboseLine(in, summary.streamed ? summary.reads.bytes_read : summary.reads.archive_size, OutName(out),
                     summary.original_size, summary.reads.chunks_decoded,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  if (r.count("stats")) {
    if (summary.streamed) {
      fprintf(stderr, "read %s sequentially, decoded %s, wrote %s\n", Plural(summary.reads.bytes_read, "archive byte").c_str(),
              Plural(summary.reads.chunks_decoded, "chunk").c_str(), Plural(summary.original_size, "byte").c_str());
    } else {
      PrintReadStats(summary.reads);
    }
  }
  return kExitOk;
}

}  // namespace sgz::cli
