// A plain main() for the fuzz targets: runs every input named on the command
// line through LLVMFuzzerTestOneInput, so corpora and regressions replay under
// ctest without libFuzzer (c-blosc2 tests/fuzz/standalone.c does the same).
//
// usage: <target>_replay PATH... [--optional PATH...]
// A PATH is a file or a directory (its regular files, recursively, in sorted
// order). Paths after --optional may be missing (regression directories that
// exist only once a fuzzer has found something). Fails when a required path
// is missing, unreadable or holds no input (an empty corpus would make the
// replay pass without testing anything); a crash or trap in the target fails
// the process.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

bool ReadFile(const fs::path& path, std::vector<uint8_t>* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  out->assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return !f.bad();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> inputs;
  bool optional = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--optional") {
      optional = true;
      continue;
    }
    std::error_code ec;
    const fs::path path(arg);
    if (fs::is_directory(path, ec)) {
      std::vector<fs::path> found;
      for (const auto& e : fs::recursive_directory_iterator(path, ec)) {
        if (e.is_regular_file()) found.push_back(e.path());
      }
      if (ec) {
        fprintf(stderr, "%s: %s\n", arg.c_str(), ec.message().c_str());
        return 1;
      }
      if (found.empty() && !optional) {
        fprintf(stderr, "%s: no inputs in this corpus directory\n", arg.c_str());
        return 1;
      }
      std::sort(found.begin(), found.end());
      fprintf(stderr, "%s: %zu inputs\n", arg.c_str(), found.size());
      inputs.insert(inputs.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(path, ec)) {
      inputs.push_back(path);
    } else if (!optional) {
      fprintf(stderr, "%s: no such file or directory\n", arg.c_str());
      return 1;
    }
  }
  if (inputs.empty()) {
    fprintf(stderr, "no inputs to replay\n");
    return 1;
  }
  std::vector<uint8_t> data;
  for (const fs::path& path : inputs) {
    if (!ReadFile(path, &data)) {
      fprintf(stderr, "%s: cannot read\n", path.c_str());
      return 1;
    }
    // Named before running, so a crash points at its input.
    fprintf(stderr, "replay %s (%zu bytes)\n", path.c_str(), data.size());
    // libFuzzer never passes a null pointer, even for an empty input.
    static const uint8_t kEmpty = 0;
    LLVMFuzzerTestOneInput(data.empty() ? &kEmpty : data.data(), data.size());
  }
  fprintf(stderr, "replayed %zu inputs\n", inputs.size());
  return 0;
}
