// Removing the temporaries of unfinished output files when the process is
// killed by a signal.
#ifndef SGZ_CONTAINER_OUTPUT_CLEANUP_H_
#define SGZ_CONTAINER_OUTPUT_CLEANUP_H_

#include <string>

namespace sgz::internal {

// Makes SIGINT, SIGTERM and SIGHUP truncate every registered archive back
// and remove every registered temporary before
// the process dies (with the signal's default action), and ignores SIGXFSZ so
// that a file-size limit shows up as a write error (EFBIG). Programs call it
// once at start; the library never installs handlers by itself.
void InstallOutputCleanup();

// Registers a temporary file for removal by the handler; returns its slot, or
// -1 when the table is full or the path too long (the file is then simply
// not removed on a signal). Main thread only; the handler only reads.
int RegisterTemp(const std::string& path);
// Forgets slot `slot` (-1: nothing).
void UnregisterTemp(int slot);

// Registers an archive being appended to: the handler truncates the file
// open as `fd` back to `size` bytes (ftruncate is async-signal-safe), so
// that a signal leaves the archive as it was. Returns the slot, or -1 when
// the table is full (the archive then keeps the partial append, which
// readers skip). Main thread only.
int RegisterTruncate(int fd, uint64_t size);
void UnregisterTruncate(int slot);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_OUTPUT_CLEANUP_H_
