// Whole-file reads and writes for the tests, on the standard library alone, so
// that both the internal tests (test_util.h) and the public API tests
// (api_test_util.h, installed headers only) can use them.
#ifndef SGZ_TESTS_FILE_UTIL_H_
#define SGZ_TESTS_FILE_UTIL_H_

#include <fstream>
#include <sstream>
#include <string>

namespace sgz_test {

// The bytes of `path`; "" when it cannot be read.
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Replaces the contents of `path` with `bytes`.
inline void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace sgz_test

#endif  // SGZ_TESTS_FILE_UTIL_H_
