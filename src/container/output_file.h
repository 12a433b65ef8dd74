// The atomic output file: an output that appears only when complete.
#ifndef SGZ_CONTAINER_OUTPUT_FILE_H_
#define SGZ_CONTAINER_OUTPUT_FILE_H_

#include <memory>
#include <string>

#include "common/status.h"
#include "container/byte_sink.h"
#include "container/format.h"

namespace sgz::internal {

// Bytes go to a temporary file beside the target, which Commit() renames
// into place. Without `overwrite` an existing target is never replaced
// (checked at Create and again, atomically, at Commit). Destroying an
// uncommitted OutputFile removes the temporary, and so does a fatal signal
// once InstallOutputCleanup() (output_cleanup.h) has run. The path "-" writes
// to standard output instead; an existing device or FIFO (e.g. /dev/null) is
// written directly.
class OutputFile : public ByteSink {
 public:
  static Result<std::unique_ptr<OutputFile>> Create(const std::string& path, bool overwrite);
  ~OutputFile() override;
  Status Write(const void* data, size_t n) override;
  // Flushes, gives the file the `attributes` (when not null and any()) and
  // renames it into place. Of the mode, the rwx bits (0777) are applied,
  // exactly (the umask does not apply); setuid, setgid and sticky are not, as
  // the owner is not restored either. The mtime is set after the last write.
  // Standard output and devices get no attributes.
  Status Commit(const FileAttributes* attributes = nullptr);
  // Whether the bytes written can be read back (a temporary file, not
  // standard output or a device), and reading them: what a streaming reader
  // serves copies of earlier chunks from.
  bool readable() const { return !temp_path_.empty() && !committed_; }
  Status ReadAt(uint64_t offset, void* buf, size_t n);
  // Closes the temporary file's descriptor until the next Write, ReadAt or
  // Commit reopens it, so that many outputs can wait for their Commit
  // without holding a descriptor each (a stream of thousands of members).
  void Park();
  // Makes `path` the target (an output named only after its bytes were
  // written), checked as Create checks it, with `overwrite`. The temporary
  // stays where it is: `path` must be on its file system.
  Status Retarget(const std::string& path, bool overwrite);
  const std::string& path() const { return path_; }

 private:
  OutputFile() = default;
  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  bool overwrite_ = false;
  bool committed_ = false;
  bool is_stdout_ = false;
  bool is_device_ = false;
  int slot_ = -1;  // in the signal handler's list of temporaries
  uint64_t size_ = 0;  // bytes written
  Status Reopen();
};

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_OUTPUT_FILE_H_
