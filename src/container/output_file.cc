#include "container/output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "container/output_cleanup.h"

namespace sgz::internal {
namespace {

std::string Errno(const std::string& path) { return path + ": " + strerror(errno); }

Status WriteAll(int fd, const void* data, size_t n, const std::string& path) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(Errno(path));
    }
    p += w;
    n -= w;
  }
  return Status::Ok();
}

// Reads back n bytes at `offset` of a file this process wrote.
Status PreadAll(int fd, uint64_t offset, void* buf, size_t n, const std::string& path) {
  uint8_t* p = static_cast<uint8_t*>(buf);
  while (n > 0) {
    ssize_t r = pread(fd, p, n, static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return Status::IOError(r < 0 ? Errno(path) : path + ": shorter than what was written");
    p += r;
    n -= static_cast<size_t>(r);
    offset += static_cast<uint64_t>(r);
  }
  return Status::Ok();
}

// On the temporary, before the rename: the file appears with its attributes.
Status Apply(int fd, const FileAttributes& a, const std::string& path) {
  if (a.has_mode && fchmod(fd, static_cast<mode_t>(a.mode & 0777)) != 0) {
    return Status::IOError(path + ": setting the mode: " + strerror(errno));
  }
  if (a.has_mtime) {
    struct timespec times[2];
    times[0].tv_sec = 0;
    times[0].tv_nsec = UTIME_OMIT;  // no access time is stored
    times[1].tv_sec = static_cast<time_t>(a.mtime_sec);
    times[1].tv_nsec = static_cast<long>(a.mtime_nsec);
    if (futimens(fd, times) != 0) return Status::IOError(path + ": setting the modification time: " + strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<OutputFile>> OutputFile::Create(const std::string& path, bool overwrite) {
  std::unique_ptr<OutputFile> f(new OutputFile);
  f->path_ = path;
  f->overwrite_ = overwrite;
  if (path == "-") {
    f->is_stdout_ = true;
    f->fd_ = STDOUT_FILENO;
    return f;
  }
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) return Status::InvalidArgument(path + ": is a directory");
    // A device or FIFO (/dev/null, a named pipe): write to it directly; there
    // is no file to replace, so no temporary and no rename.
    int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return Status::IOError(Errno(path));
    f->fd_ = fd;
    f->is_device_ = true;
    return f;
  }
  if (!overwrite && lstat(path.c_str(), &st) == 0) {
    return Status::InvalidArgument(path + ": already exists");
  }
  std::vector<char> tmpl(path.begin(), path.end());
  const char kSuffix[] = ".sgz-tmp-XXXXXX";
  tmpl.insert(tmpl.end(), kSuffix, kSuffix + sizeof kSuffix);
  int fd = mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return Status::IOError(Errno(path));
  fchmod(fd, 0644 & ~[] { mode_t m = umask(0); umask(m); return m; }());
  f->fd_ = fd;
  f->temp_path_ = tmpl.data();
  f->slot_ = RegisterTemp(f->temp_path_);
  return f;
}

OutputFile::~OutputFile() {
  if (is_stdout_) return;
  if (fd_ >= 0) close(fd_);
  if (!committed_ && !temp_path_.empty()) unlink(temp_path_.c_str());
  UnregisterTemp(slot_);
}

Status OutputFile::Write(const void* data, size_t n) {
  if (fd_ < 0) SGZ_RETURN_IF_ERROR(Reopen());
  size_ += n;
  return WriteAll(fd_, data, n, is_stdout_ ? "<stdout>" : path_);
}

void OutputFile::Park() {
  if (temp_path_.empty() || committed_ || fd_ < 0) return;
  close(fd_);
  fd_ = -1;
}

Status OutputFile::Reopen() {
  if (fd_ >= 0) return Status::Ok();
  if (temp_path_.empty() || committed_) return Status::IOError(path_ + ": write after close");
  // The temporary it made (O_EXCL, a random name); still its size, or
  // something else replaced it.
  int fd = open(temp_path_.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  struct stat st;
  if (fd < 0) return Status::IOError(Errno(temp_path_));
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) != size_) {
    close(fd);
    return Status::IOError(temp_path_ + ": changed while it waited to be renamed");
  }
  lseek(fd, 0, SEEK_END);
  fd_ = fd;
  return Status::Ok();
}

Status OutputFile::Retarget(const std::string& path, bool overwrite) {
  if (temp_path_.empty() || committed_) return Status::IOError(path + ": cannot rename an output that is no temporary file");
  struct stat st;
  if (lstat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::InvalidArgument(path + ": is a directory");
    if (!overwrite) return Status::InvalidArgument(path + ": already exists");
  }
  path_ = path;
  overwrite_ = overwrite;
  return Status::Ok();
}

Status OutputFile::ReadAt(uint64_t offset, void* buf, size_t n) {
  if (!readable()) return Status::IOError(path_ + ": cannot read back");
  const bool parked = fd_ < 0;
  SGZ_RETURN_IF_ERROR(Reopen());
  Status s = PreadAll(fd_, offset, buf, n, temp_path_);
  if (parked) Park();
  return s;
}


namespace {

// Puts `temp` in the place of `path`, which may exist. An existing regular
// file is swapped with it (RENAME_EXCHANGE) and then removed under the
// temporary name, rather than renamed over: on ext4, a rename over a file
// starts the new file's writeback at once (auto_da_alloc, for programs that
// replace files without fsync; 1.1 ms of the 6.6 of unpacking a 2.3 MB
// member), where sgz, which makes its outputs again from the archive (see
// the note on fsync below), leaves that to the kernel's writeback as for a
// new file. The name switches in one step either way. Elsewhere (no such
// file; a kernel or file system without the flag) a plain rename.
Status Replace(const std::string& temp, const std::string& path) {
#ifdef RENAME_EXCHANGE
  struct stat st;
  if (lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
      renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) == 0) {
    if (unlink(temp.c_str()) == 0) return Status::Ok();
    // What was swapped out cannot be removed (it became a directory
    // meanwhile?): swapped back, and the plain rename's answer given.
    const int err = errno;
    if (renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) != 0) {
      return Status::IOError(path + ": " + strerror(err));
    }
  }
#endif
  if (rename(temp.c_str(), path.c_str()) != 0) return Status::IOError(Errno(path));
  return Status::Ok();
}

}  // namespace

Status OutputFile::Commit(const FileAttributes* attributes) {
  if (is_stdout_) {
    committed_ = true;
    return Status::Ok();
  }
  if (is_device_) {
    committed_ = true;
    Status s = close(fd_) == 0 ? Status::Ok() : Status::IOError(Errno(path_));
    fd_ = -1;
    return s;
  }
  SGZ_RETURN_IF_ERROR(Reopen());
  if (attributes != nullptr) SGZ_RETURN_IF_ERROR(Apply(fd_, *attributes, path_));
  // No fsync, as gzip and zstd by default: sgz never deletes its input, so
  // a crash before the kernel writes the output back loses nothing that
  // cannot be made again, and a sync per output made unpacking a family of
  // small files wait on the disk (1.47x the wall time of zstd -d | tar x on
  // the zoo). sgz add, which changes an existing archive, syncs.
  if (close(fd_) != 0) {
    fd_ = -1;
    return Status::IOError(Errno(path_));
  }
  fd_ = -1;
  if (overwrite_) {
    SGZ_RETURN_IF_ERROR(Replace(temp_path_, path_));
  } else {
    // link() fails if the target appeared meanwhile: never replace it.
    if (link(temp_path_.c_str(), path_.c_str()) != 0) {
      if (errno == EEXIST) return Status::InvalidArgument(path_ + ": already exists");
      return Status::IOError(Errno(path_));
    }
    unlink(temp_path_.c_str());
  }
  committed_ = true;
  UnregisterTemp(slot_);
  slot_ = -1;
  return Status::Ok();
}

}  // namespace sgz::internal
