// sgz verify: decode everything, check every checksum, optionally compare
// with the original file (text or JSON).
#include <cinttypes>
#include <cstdio>

#include "cli_common.h"
#include "json.h"

namespace sgz::cli {

int CmdVerify(const Args& r, const Common& c, const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage("verify takes one archive");
  const std::string in = args[0];
  const std::string against = r.count("against") ? r["against"].as<std::string>() : "";
  ProgressLine progress(c, "verifying");
  VerifyOptions options;
  options.against = against;
  options.threads = c.threads;
  options.progress = progress.Callback();
  VerifyResult result;
  const auto start = std::chrono::steady_clock::now();
  const Error e = VerifyFile(in, options, &result);
  progress.Done();
  // A file to compare with that cannot be opened is a plain error, even
  // with --json: there is no archive result to report yet.
  if (!against.empty() && !result.against_opened) return Fail(against, e);
  const bool matches = result.matches;
  if (c.json) {
    EmitJson("{\"archive\": " + JsonString(in) + ", \"ok\": " + (e.ok() && matches ? "true" : "false") +
             ", \"error\": " + (e.ok() ? "null" : JsonString(ErrorText(e))) + ", \"original_size\": " +
             std::to_string(result.original_size) + ", \"chunks_checked\": " + std::to_string(result.chunks_checked) +
             ", \"against\": " + (against.empty() ? "null" : JsonString(against)) + ", \"matches\": " +
             (against.empty() || !e.ok() ? "null" : (matches ? "true" : "false")) + "}");
  }
  if (!e.ok()) return c.json ? ExitFor(e) : Fail(in, e);
  if (!matches) {
    if (!c.json) {
      fprintf(stderr, "sgz: %s: differs from %s at byte %" PRIu64 "\n", InName(in).c_str(), InName(against).c_str(),
              result.first_difference);
    }
    return kExitCorrupt;
  }
  if (!c.json && !c.quiet) {
    printf("%s: OK (%s, %s, every checksum verified%s)\n", InName(in).c_str(), Plural(result.original_size, "byte").c_str(),
           Plural(result.chunks_checked, "chunk").c_str(), against.empty() ? "" : (", identical to " + against).c_str());
  }
  if (c.verbose) {
    PrintVerboseLine(in, result.archive_bytes, "", result.original_size, result.chunks_checked,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return kExitOk;
}

}  // namespace sgz::cli
