#include "container/byte_source.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <cstdint>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sgz::internal {
namespace {

std::string Errno(const std::string& path) { return path + ": " + strerror(errno); }

// Files up to this size are mapped (chunks then decode from the page cache
// in place, not from a copy in a buffer of ours: the zoo's Q4_K_M member
// unpacked 3% faster); a larger one, or one that cannot be mapped, is read
// with pread, so that the pages a reader has touched, which count in its
// resident size, stay bounded whatever the archive's size. (A file
// truncated by another process while it is mapped ends the process with
// SIGBUS, as it does LevelDB's mapped tables; pread reports an I/O error.)
constexpr uint64_t kMapUpTo = uint64_t{32} << 20;

class FileSource : public ByteSource {
 public:
  FileSource(int fd, uint64_t size, std::string path, bool owns = true)
      : fd_(fd), size_(size), path_(std::move(path)), owns_(owns) {
    if (size_ > 0 && size_ <= kMapUpTo && size_ <= SIZE_MAX) {
      void* m = mmap(nullptr, static_cast<size_t>(size_), PROT_READ, MAP_PRIVATE, fd_, 0);
      if (m != MAP_FAILED) map_ = static_cast<const uint8_t*>(m);
    }
  }
  ~FileSource() override {
    if (map_ != nullptr) munmap(const_cast<uint8_t*>(map_), static_cast<size_t>(size_));
    if (owns_) close(fd_);
  }
  uint64_t Size() const override { return size_; }
  bool ConcurrentReads() const override { return true; }
  const uint8_t* Mapped() const override { return map_; }

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
  const uint8_t* map_ = nullptr;
};

class MemorySource : public ByteSource {
 public:
  MemorySource(const uint8_t* data, uint64_t size) : data_(data), size_(size) {}
  uint64_t Size() const override { return size_; }
  bool ConcurrentReads() const override { return true; }
  const uint8_t* Mapped() const override { return data_; }

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
  const uint8_t* Mapped() const override { return inner_->Mapped(); }

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

const uint8_t* ByteSource::View(uint64_t offset, uint64_t n) {
  const uint8_t* m = Mapped();
  if (m == nullptr || offset > Size() || n > Size() - offset) return nullptr;
  bytes_read_ += n;
  ++read_calls_;
  return m + offset;
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
