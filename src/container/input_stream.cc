#include "container/input_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace sgz::internal {
namespace {

std::string Errno(const std::string& path) { return path + ": " + strerror(errno); }

class MemoryInputStream : public InputStream {
 public:
  MemoryInputStream(const uint8_t* data, uint64_t size) : data_(data), size_(size) {}
  Status Peek(uint64_t n, const uint8_t** data, uint64_t* got) override {
    *data = data_ + pos_;
    *got = std::min(n, size_ - pos_);
    return Status::Ok();
  }
  void Consume(uint64_t n) override { pos_ += n; }
  uint64_t position() const override { return pos_; }

 private:
  const uint8_t* data_;
  uint64_t size_;
  uint64_t pos_ = 0;
};

// Reads a descriptor into one buffer that grows to the largest Peek. With
// `expect` set (a regular file with a nonzero st_size), the file must read
// exactly st_size bytes and still have the size and times of `start` at EOF:
// packing a file that changes underneath would archive bytes that never
// existed together, so that is an error rather than a silent archive.
class FdInputStream : public InputStream {
 public:
  FdInputStream(int fd, std::string name, bool owns_fd, const struct stat* start)
      : fd_(fd), name_(std::move(name)), owns_fd_(owns_fd), expect_(start != nullptr) {
    if (expect_) start_ = *start;
  }
  ~FdInputStream() override {
    if (owns_fd_) close(fd_);
  }
  Status Peek(uint64_t n, const uint8_t** data, uint64_t* got) override {
    if (end_ - begin_ < n && !eof_) {
      if (begin_ > 0) {
        memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
      }
      while (end_ < n && !eof_) {
        // Grow only as bytes arrive: a size read from hostile input must not
        // allocate before the data that would fill it exists.
        if (buf_.size() == end_) buf_.resize(std::min<uint64_t>(n, std::max<uint64_t>(2 * end_, 1 << 20)));
        ssize_t r = read(fd_, buf_.data() + end_, std::min<uint64_t>(n, buf_.size()) - end_);
        if (r < 0) {
          if (errno == EINTR) continue;
          return Status::IOError(Errno(name_));
        }
        end_ += static_cast<uint64_t>(r);
        read_ += static_cast<uint64_t>(r);
        if (r == 0) {
          eof_ = true;
          SGZ_RETURN_IF_ERROR(CheckUnchanged());
        } else if (expect_ && read_ > static_cast<uint64_t>(start_.st_size)) {
          return Changed();
        }
      }
    }
    *data = buf_.data() + begin_;
    *got = std::min<uint64_t>(n, end_ - begin_);
    return Status::Ok();
  }
  void Consume(uint64_t n) override {
    begin_ += n;
    pos_ += n;
  }
  uint64_t position() const override { return pos_; }
  FileAttributes attributes() const override { return attributes_; }
  void set_attributes(const FileAttributes& a) { attributes_ = a; }

 private:
  // Without the name: the API puts the path in Error::path() and the CLI
  // prints "sgz: PATH: I/O error: changed while it was being packed".
  Status Changed() const { return Status::IOError("changed while it was being packed"); }
  Status CheckUnchanged() const {
    if (!expect_) return Status::Ok();
    if (read_ != static_cast<uint64_t>(start_.st_size)) return Changed();
    struct stat now;
    if (fstat(fd_, &now) != 0) return Status::IOError(Errno(name_));
    if (now.st_size != start_.st_size || now.st_mtim.tv_sec != start_.st_mtim.tv_sec ||
        now.st_mtim.tv_nsec != start_.st_mtim.tv_nsec || now.st_ctim.tv_sec != start_.st_ctim.tv_sec ||
        now.st_ctim.tv_nsec != start_.st_ctim.tv_nsec) {
      return Changed();
    }
    return Status::Ok();
  }

  int fd_;
  std::string name_;
  bool owns_fd_;
  bool expect_;
  struct stat start_ {};
  FileAttributes attributes_;
  std::vector<uint8_t> buf_;
  uint64_t begin_ = 0, end_ = 0, pos_ = 0, read_ = 0;
  bool eof_ = false;
};

}  // namespace

std::unique_ptr<InputStream> NewMemoryInputStream(const uint8_t* data, uint64_t size) {
  return std::unique_ptr<InputStream>(new MemoryInputStream(data, size));
}

std::unique_ptr<InputStream> NewFdInputStream(int fd, const std::string& name) {
  return std::unique_ptr<InputStream>(new FdInputStream(fd, name, /*owns_fd=*/false, nullptr));
}

Result<std::unique_ptr<InputStream>> OpenInputStream(const std::string& path) {
  if (path == "-") return NewFdInputStream(STDIN_FILENO, "<stdin>");
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(Errno(path));
  struct stat st;
  const bool stated = fstat(fd, &st) == 0;
  if (!stated || S_ISDIR(st.st_mode)) {
    Status s = stated ? Status::InvalidArgument(path + ": is a directory") : Status::IOError(Errno(path));
    close(fd);
    return s;
  }
  // Regular files are read, not mapped: a mapped file that shrinks kills
  // the process with SIGBUS, and /proc or /sys files report size 0 yet have
  // content that only read() returns. Size 0 means "read to EOF", as a pipe.
  const bool sized = S_ISREG(st.st_mode) && st.st_size > 0;
  if (S_ISREG(st.st_mode)) posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  std::unique_ptr<FdInputStream> in(new FdInputStream(fd, path, /*owns_fd=*/true, sized ? &st : nullptr));
  if (S_ISREG(st.st_mode)) {
    FileAttributes a;
    a.has_mode = a.has_mtime = true;
    a.mode = static_cast<uint32_t>(st.st_mode) & FileAttributes::kModeBits;
    a.mtime_sec = static_cast<int64_t>(st.st_mtim.tv_sec);
    a.mtime_nsec = static_cast<uint32_t>(st.st_mtim.tv_nsec);
    in->set_attributes(a);
  }
  return std::unique_ptr<InputStream>(std::move(in));
}

Result<std::unique_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(Errno(path));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    Status s = S_ISREG(st.st_mode) ? Status::IOError(Errno(path)) : Status::InvalidArgument(path + ": not a regular file");
    close(fd);
    return s;
  }
  std::unique_ptr<MappedFile> m(new MappedFile);
  m->size_ = static_cast<uint64_t>(st.st_size);
  if (m->size_ > 0) {
    void* p = mmap(nullptr, m->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      Status s = Status::IOError(Errno(path));
      close(fd);
      return s;
    }
    madvise(p, m->size_, MADV_SEQUENTIAL);
    m->data_ = static_cast<const uint8_t*>(p);
  }
  close(fd);
  return m;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) munmap(const_cast<uint8_t*>(data_), size_);
}

}  // namespace sgz::internal
