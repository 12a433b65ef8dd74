#include "container/byte_source.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sgz::internal {
namespace {

std::string Errno(const std::string& path) { return path + ": " + strerror(errno); }

class FileSource : public ByteSource {
 public:
  FileSource(int fd, uint64_t size, std::string path, bool owns = true)
      : fd_(fd), size_(size), path_(std::move(path)), owns_(owns) {}
  ~FileSource() override {
    if (owns_) close(fd_);
  }
  uint64_t Size() const override { return size_; }
  bool ConcurrentReads() const override { return true; }

 protected:
  Status DoRead(uint64_t offset, uint64_t n, uint8_t* dst) override {
    while (n > 0) {
      ssize_t r = pread(fd_, dst, n, static_cast<off_t>(offset));
      if (r < 0) {
        if (errno == EINTR) continue;
        return Status::IOError(Errno(path_));
      }
      if (r == 0) return Status::IOError(path_ + ": unexpected end of file at offset " + std::to_string(offset));
      dst += r;
      offset += r;
      n -= r;
    }
    return Status::Ok();
  }

 private:
  int fd_;
  uint64_t size_;
  std::string path_;
  bool owns_;
};

class MemorySource : public ByteSource {
 public:
  MemorySource(const uint8_t* data, uint64_t size) : data_(data), size_(size) {}
  uint64_t Size() const override { return size_; }
  bool ConcurrentReads() const override { return true; }

 protected:
  Status DoRead(uint64_t offset, uint64_t n, uint8_t* dst) override {
    memcpy(dst, data_ + offset, n);
    return Status::Ok();
  }

 private:
  const uint8_t* data_;
  uint64_t size_;
};

class PrefixSource : public ByteSource {
 public:
  PrefixSource(std::unique_ptr<ByteSource> inner, uint64_t size) : inner_(std::move(inner)), size_(size) {}
  uint64_t Size() const override { return size_; }
  bool ConcurrentReads() const override { return inner_->ConcurrentReads(); }

 protected:
  Status DoRead(uint64_t offset, uint64_t n, uint8_t* dst) override { return inner_->Read(offset, n, dst); }

 private:
  std::unique_ptr<ByteSource> inner_;
  uint64_t size_;
};

}  // namespace

Status ByteSource::Read(uint64_t offset, uint64_t n, uint8_t* dst) {
  if (offset > Size() || n > Size() - offset) {
    return Status::Corruption("read [" + std::to_string(offset) + ", +" + std::to_string(n) +
                              ") past the end of the input (" + std::to_string(Size()) + " bytes)");
  }
  if (n == 0) return Status::Ok();  // dst may be null (an empty vector's data())
  bytes_read_ += n;
  ++read_calls_;
  return DoRead(offset, n, dst);
}

Result<std::unique_ptr<ByteSource>> OpenFileSource(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(Errno(path));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    Status s = Status::IOError(Errno(path));
    close(fd);
    return s;
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return Status::InvalidArgument(path + ": not a regular file");
  }
  return std::unique_ptr<ByteSource>(new FileSource(fd, static_cast<uint64_t>(st.st_size), path));
}

std::unique_ptr<ByteSource> NewMemorySource(const uint8_t* data, uint64_t size) {
  return std::unique_ptr<ByteSource>(new MemorySource(data, size));
}

std::unique_ptr<ByteSource> NewFdSource(int fd, uint64_t size, const std::string& path) {
  return std::unique_ptr<ByteSource>(new FileSource(fd, size, path, /*owns=*/false));
}

std::unique_ptr<ByteSource> NewPrefixSource(std::unique_ptr<ByteSource> inner, uint64_t size) {
  return std::unique_ptr<ByteSource>(new PrefixSource(std::move(inner), size));
}

}  // namespace sgz::internal
