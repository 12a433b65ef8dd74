// What `sgz ls` and `sgz info` show: an sgz archive, or a plain GGUF file
// listed the same way (sgz standing in for gguf-dump).
#ifndef SGZ_CLI_LISTING_H_
#define SGZ_CLI_LISTING_H_

#include <optional>
#include <string>
#include <vector>

#include "cli_common.h"

namespace sgz::cli {

struct Listed {
  std::optional<Reader> reader;      // an archive
  std::optional<GgufFileInfo> gguf;  // or else a plain GGUF file
};

// Opens `in` as an archive or, when it is none and starts with GGUF's magic,
// as a GGUF file (metadata decoded within `limits`; with -v a note on
// stderr says so). Prints the error and returns its exit code on failure:
// "not an sgz archive or a GGUF file" for a file that is neither.
int OpenListed(const std::string& in, const Common& c, const MetadataLimits& limits, Listed* out);

// ls: the first argument is an archive; each later one is another archive
// when it is "-" or ends in ".sgz" or ".gguf", else a tensor pattern.
// Moves the patterns out of *args, leaving the archives.
std::vector<std::string> TakeLsPatterns(std::vector<std::string>* args);

}  // namespace sgz::cli

#endif  // SGZ_CLI_LISTING_H_
