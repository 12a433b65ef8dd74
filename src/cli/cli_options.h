// The rules of sgz's command line that hold before any command runs: which
// options each command takes, which options conflict, numbers given to
// options, and no binary data to or from a terminal without -f. A command
// refused here has opened and written nothing.
#ifndef SGZ_CLI_CLI_OPTIONS_H_
#define SGZ_CLI_CLI_OPTIONS_H_

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli_common.h"

namespace sgz::cli {

// One option of the table main.cc hands to cxxopts.
struct OptionInfo {
  const char* key;     // cxxopts' long name: "output"
  char letter;         // short name, or 0
  const char* value;   // what its value is ("FILE"), or nullptr for a flag
};
const std::vector<OptionInfo>& Options();
// The option as people type it: "-o" when it has a letter, else "--range".
std::string OptionName(const std::string& key);
// Both spellings: "-o/--output", or "--range".
std::string OptionSpellings(const std::string& key);
// The key for a name cxxopts reports ("o", "output"); empty if unknown.
std::string OptionKey(const std::string& name);

// A refused command line; main() prints what() as a usage error.
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& message) : std::runtime_error(message) {}
};

// "-o/--output, -c/--stdout, ...": the options `command` takes.
std::string AcceptedOptionsText(const std::string& command);

// The number given to option `key`: decimal digits only (a sign only for
// signed T), within T. Throws UsageError "-l: 'abc' is not a number".
int64_t ParseSignedOption(const std::string& key, const std::string& text, int64_t min, int64_t max);
uint64_t ParseUnsignedOption(const std::string& key, const std::string& text, uint64_t max);
// The minor version of "--format 2.N": 3 or 4 (a UsageError otherwise).
int ParseFormatOption(const std::string& text);

// cxxopts' message for a bad command line, in sgz's words (no curly quotes,
// the option as it is typed, lower case).
std::string RewordParseError(const std::string& what);
// A flag given a value ("--json=3"), which cxxopts reports without naming
// it; empty when there is none.
std::string FlagWithValue(int argc, char** argv);

// Options that `command` does not take, options that conflict, an option
// with a value given twice, "-" where the command cannot read a stream, and
// binary data to or from a terminal without -f. Prints one line and returns
// false when the command line is refused.
bool CheckCommandLine(const std::string& command, const Args& r, const Common& c,
                      const std::vector<std::string>& args);

}  // namespace sgz::cli

#endif  // SGZ_CLI_CLI_OPTIONS_H_
