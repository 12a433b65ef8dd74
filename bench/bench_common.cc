// Timing, failing inside a child, and loading the input (bench.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <utility>

#include "bench.h"

namespace sgz_bench {

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void ChildFail(int code, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "sgz_bench: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  _exit(code);
}

void CheckStatus(const sgz::internal::Status& s, const char* what) {
  if (!s.ok()) ChildFail(kExitError, "%s: %s", what, s.ToString().c_str());
}

size_t CheckZstd(size_t r, const char* what) {
  if (ZSTD_isError(r)) ChildFail(kExitError, "%s: %s", what, ZSTD_getErrorName(r));
  return r;
}

size_t FirstDifference(const uint8_t* a, const uint8_t* b, size_t n) {
  if (memcmp(a, b, n) == 0) return n;
  size_t i = 0;
  while (a[i] == b[i]) ++i;
  return i;
}

Input LoadInput(const std::string& path) {
  Input in;
  in.path = path;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) ChildFail(kExitError, "%s: %s", path.c_str(), strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) ChildFail(kExitError, "%s: %s", path.c_str(), strerror(errno));
  in.bytes = Buffer(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < in.bytes.size()) {
    ssize_t r = read(fd, in.bytes.data() + got, in.bytes.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) ChildFail(kExitError, "%s: short read", path.c_str());
    got += static_cast<size_t>(r);
  }
  close(fd);
  auto layout = sgz::internal::ParseGguf(in.bytes.data(), in.bytes.size());
  if (layout.ok()) {
    in.gguf = true;
    in.layout = std::move(layout).value();
    uint64_t best = 0;
    for (size_t i = 0; i < in.layout.tensors.size(); ++i) {
      if (in.largest < 0 || in.layout.tensors[i].size > best) {
        in.largest = static_cast<int>(i);
        best = in.layout.tensors[i].size;
      }
    }
  } else {
    in.parse_error = layout.status().ToString();
  }
  return in;
}

}  // namespace sgz_bench
