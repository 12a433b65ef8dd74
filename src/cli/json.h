// JSON text for the --json output of ls, info and verify. The library hands
// out structured data; how it looks as JSON is the CLI's contract
// (README: "JSON output"; fields are only ever added).
#ifndef SGZ_CLI_JSON_H_
#define SGZ_CLI_JSON_H_

#include <string>
#include <vector>

#include "sgz/sgz.h"

namespace sgz::cli {

// A JSON string literal for arbitrary bytes (invalid UTF-8 bytes become
// \u00XX escapes of the byte, so the output is always valid JSON).
std::string JsonString(const std::string& s);

// A metadata value: numbers, true/false, strings (cut strings end in
// "..."), NaN and infinities as null, arrays as {"type", "count", "items":
// [the elements the value holds]}.
std::string MetadataValueJson(const MetadataValue& v);

// [{"name", "original", "stored", "ratio"}] of the streams with original
// bytes.
std::string StreamsJson(const std::vector<StreamStat>& streams);

}  // namespace sgz::cli

#endif  // SGZ_CLI_JSON_H_
