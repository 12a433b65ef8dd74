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
  MemoryInputStream(const uint8_t* data, uint64_t size, std::unique_ptr<MappedFile> owner)
      : data_(data), size_(size), owner_(std::move(owner)) {}
  Status Peek(uint64_t n, const uint8_t** data, uint64_t* got) override {
    *data = data_ + pos_;
    *got = std::min(n, size_ - pos_);
    return Status::Ok();
  }
  void Consume(uint64_t n) override {
    pos_ += n;
    if (owner_ == nullptr) return;
    // Drop mapped pages behind us so a huge input does not stay resident.
    const uint64_t kPage = 4096, kBatch = 16ull << 20;
    const uint64_t upto = pos_ / kPage * kPage;
    if (upto >= released_ + kBatch) {
      madvise(const_cast<uint8_t*>(data_) + released_, upto - released_, MADV_DONTNEED);
      released_ = upto;
    }
  }
  uint64_t position() const override { return pos_; }

 private:
  const uint8_t* data_;
  uint64_t size_;
  std::unique_ptr<MappedFile> owner_;
  uint64_t pos_ = 0;
  uint64_t released_ = 0;
};

class FdInputStream : public InputStream {
 public:
  FdInputStream(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
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
        if (r == 0) eof_ = true;
        end_ += static_cast<uint64_t>(r);
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

 private:
  int fd_;
  std::string name_;
  std::vector<uint8_t> buf_;
  uint64_t begin_ = 0, end_ = 0, pos_ = 0;
  bool eof_ = false;
};

}  // namespace

std::unique_ptr<InputStream> NewMemoryInputStream(const uint8_t* data, uint64_t size) {
  return std::unique_ptr<InputStream>(new MemoryInputStream(data, size, nullptr));
}

std::unique_ptr<InputStream> NewFdInputStream(int fd, const std::string& name) {
  return std::unique_ptr<InputStream>(new FdInputStream(fd, name));
}

Result<std::unique_ptr<InputStream>> OpenInputStream(const std::string& path) {
  if (path == "-") return NewFdInputStream(STDIN_FILENO, "<stdin>");
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return Status::IOError(Errno(path));
  if (S_ISDIR(st.st_mode)) return Status::InvalidArgument(path + ": is a directory");
  if (!S_ISREG(st.st_mode)) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::IOError(Errno(path));
    return NewFdInputStream(fd, path);  // the descriptor lives as long as the process
  }
  SGZ_ASSIGN_OR_RETURN(std::unique_ptr<MappedFile> map, MappedFile::Open(path));
  const uint8_t* data = map->data();
  const uint64_t size = map->size();
  return std::unique_ptr<InputStream>(new MemoryInputStream(data, size, std::move(map)));
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
