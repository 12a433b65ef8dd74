// Child processes: every method runs in its own forked child, which reads the
// input into memory itself; its peak memory is the child's ru_maxrss (from
// wait4), so the figure includes the input and covers pack, unpack and
// extraction. The child sends its Report back over a pipe.
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "bench.h"
#include "streams/ggml_types.h"

namespace sgz_bench {
namespace {

void RunInChild(const Method& m, const std::string& path, const Config& cfg, int fd) {
  Input in = LoadInput(path);
  Report r;
  if (m.kind == "probe") {
    r.size = in.bytes.size();
    r.gguf = in.gguf;
    r.tensor_count = in.layout.tensors.size();
    if (!in.gguf) r.note = in.parse_error;
    if (in.largest >= 0) {
      const sgz::internal::GgufTensor& t = in.layout.tensors[in.largest];
      r.largest_name = t.name;
      r.largest_type = sgz::internal::GgmlTypeName(t.type);
      r.largest_size = t.size;
      r.largest_offset = t.offset;
    }
  } else if (m.kind == "zstd") {
    RunZstdWhole(in, cfg, m.level, &r);
  } else if (m.kind == "streams") {
    RunStreams(in, cfg, &r);
  } else if (m.kind == "sgz") {
    RunSgz(in, cfg, m.level, &r);
  }
  const std::string text = Serialize(r);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t w = write(fd, text.data() + done, text.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) ChildFail(kExitError, "write to parent: %s", strerror(errno));
    done += static_cast<size_t>(w);
  }
}

}  // namespace

Report RunMethod(const Method& m, const std::string& path, const Config& cfg) {
  int p[2];
  if (pipe(p) != 0) {
    perror("pipe");
    exit(1);
  }
  fflush(stdout);
  fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    exit(1);
  }
  if (pid == 0) {
    close(p[0]);
    RunInChild(m, path, cfg, p[1]);
    close(p[1]);
    _exit(0);
  }
  close(p[1]);
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = read(p[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(p[0]);
  int status = 0;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  while (wait4(pid, &status, 0, &ru) < 0) {
    if (errno != EINTR) {
      perror("wait4");
      exit(1);
    }
  }
  if (WIFSIGNALED(status)) {
    fprintf(stderr, "sgz_bench: %s on %s: killed by signal %d; run aborted\n", m.label.c_str(), path.c_str(),
            WTERMSIG(status));
    exit(1);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    fprintf(stderr, "sgz_bench: %s on %s: %s (exit %d); run aborted\n", m.label.c_str(), path.c_str(),
            code == kExitMismatch ? "DECODED OUTPUT DIFFERS FROM THE INPUT" : "failed", code);
    exit(1);
  }
  Report r = Deserialize(text);
  r.maxrss_kib = ru.ru_maxrss;  // Linux: KiB
  return r;
}

}  // namespace sgz_bench
