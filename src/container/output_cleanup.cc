#include "container/output_cleanup.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

namespace sgz::internal {
namespace {

// Temporary files the signal handler must remove. Slots are claimed and
// released by the main thread; the handler only reads them.
constexpr int kMaxTemps = 16;
char g_temp_paths[kMaxTemps][4096];
volatile sig_atomic_t g_temp_used[kMaxTemps];

// Archives being appended to: file descriptor and size to truncate back to.
constexpr int kMaxTruncates = 4;
int g_truncate_fd[kMaxTruncates];
off_t g_truncate_size[kMaxTruncates];
volatile sig_atomic_t g_truncate_used[kMaxTruncates];

void CleanupAndDie(int sig) {
  for (int i = 0; i < kMaxTruncates; ++i) {
    if (g_truncate_used[i]) (void)ftruncate(g_truncate_fd[i], g_truncate_size[i]);  // async-signal-safe
  }
  for (int i = 0; i < kMaxTemps; ++i) {
    if (g_temp_used[i]) unlink(g_temp_paths[i]);  // async-signal-safe
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

}  // namespace

void InstallOutputCleanup() {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = CleanupAndDie;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
  signal(SIGXFSZ, SIG_IGN);
}

int RegisterTemp(const std::string& path) {
  if (path.size() >= sizeof g_temp_paths[0]) return -1;
  for (int i = 0; i < kMaxTemps; ++i) {
    if (!g_temp_used[i]) {
      memcpy(g_temp_paths[i], path.c_str(), path.size() + 1);
      g_temp_used[i] = 1;
      return i;
    }
  }
  return -1;
}

void UnregisterTemp(int slot) {
  if (slot >= 0) g_temp_used[slot] = 0;
}

int RegisterTruncate(int fd, uint64_t size) {
  for (int i = 0; i < kMaxTruncates; ++i) {
    if (!g_truncate_used[i]) {
      g_truncate_fd[i] = fd;
      g_truncate_size[i] = static_cast<off_t>(size);
      g_truncate_used[i] = 1;
      return i;
    }
  }
  return -1;
}

void UnregisterTruncate(int slot) {
  if (slot >= 0) g_truncate_used[slot] = 0;
}

}  // namespace sgz::internal
