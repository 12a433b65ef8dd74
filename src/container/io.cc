#include "container/io.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace sgz::internal {
namespace {

std::string Errno(const std::string& path) { return path + ": " + strerror(errno); }

class FileSource : public ByteSource {
 public:
  FileSource(int fd, uint64_t size, std::string path) : fd_(fd), size_(size), path_(std::move(path)) {}
  ~FileSource() override { close(fd_); }
  uint64_t Size() const override { return size_; }

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
};

class MemorySource : public ByteSource {
 public:
  MemorySource(const uint8_t* data, uint64_t size) : data_(data), size_(size) {}
  uint64_t Size() const override { return size_; }

 protected:
  Status DoRead(uint64_t offset, uint64_t n, uint8_t* dst) override {
    memcpy(dst, data_ + offset, n);
    return Status::Ok();
  }

 private:
  const uint8_t* data_;
  uint64_t size_;
};

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

// Temporary files the signal handler must remove. Slots are claimed and
// released by the main thread; the handler only reads them.
constexpr int kMaxTemps = 16;
char g_temp_paths[kMaxTemps][4096];
volatile sig_atomic_t g_temp_used[kMaxTemps];

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

void CleanupAndDie(int sig) {
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
    return Status::InvalidArgument(path + ": already exists (use -f to overwrite)");
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
  if (fd_ < 0) return Status::IOError(path_ + ": write after close");
  return WriteAll(fd_, data, n, is_stdout_ ? "<stdout>" : path_);
}

Status OutputFile::Commit() {
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
  if (fsync(fd_) != 0 || close(fd_) != 0) {
    fd_ = -1;
    return Status::IOError(Errno(path_));
  }
  fd_ = -1;
  if (overwrite_) {
    if (rename(temp_path_.c_str(), path_.c_str()) != 0) return Status::IOError(Errno(path_));
  } else {
    // link() fails if the target appeared meanwhile: never replace it.
    if (link(temp_path_.c_str(), path_.c_str()) != 0) {
      if (errno == EEXIST) return Status::InvalidArgument(path_ + ": already exists (use -f to overwrite)");
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
