// The range-request ByteSource: a cached tail, requests for the rest, and
// read-ahead on several connections for whole-archive reads.
#include "container/http_source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "container/http_client.h"

namespace sgz::internal {
namespace {

// Reads of a reader going through the archive in order, served from blocks
// that `threads` connections fetch ahead of it. A read behind the blocks
// held (a parent chunk read again) fetches its blocks again.
class ReadAhead {
 public:
  ReadAhead(const HttpRemote* remote, unsigned threads, uint64_t block, uint64_t end)
      : block_(std::max<uint64_t>(block, 64 << 10)), end_(end), ahead_(threads) {
    for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this, remote] { Work(remote); });
  }
  ~ReadAhead() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

  // Serves reads that continue the previous one (or fall in blocks held);
  // any other read (a parent chunk far behind, a copied chunk, the header)
  // is left to the caller (*served false) and the blocks stay as they are.
  // REQUIRES: offset + n <= end.
  Status Read(uint64_t offset, uint64_t n, uint8_t* dst, bool* served) {
    const uint64_t first = offset / block_, last = (offset + n - 1) / block_;
    const uint64_t blocks = (end_ + block_ - 1) / block_;
    std::unique_lock<std::mutex> lock(mu_);
    bool held = true;
    for (uint64_t i = first; i <= last && held; ++i) held = blocks_.count(i) > 0;
    // In order: at or a little after where the last read ended (a member
    // record or a chunk read elsewhere may lie between).
    const bool in_order = n >= kSmallRead && offset >= last_end_ && offset - last_end_ <= kSmallRead;
    last_end_ = offset + n;
    *served = held || in_order;
    if (!*served) return Status::Ok();
    // Only a read in order moves the window: blocks behind it go, blocks
    // ahead of it are fetched.
    const uint64_t ahead_to = in_order ? std::min(blocks - 1, last + ahead_) : last;
    if (in_order) {
      for (auto it = blocks_.begin(); it != blocks_.end() && it->first < first;) {
        it->second->cancelled = true;
        it = blocks_.erase(it);
      }
    }
    for (uint64_t i = first; i <= ahead_to; ++i) {
      if (blocks_.count(i)) continue;
      auto b = std::make_shared<Block>();
      b->start = i * block_;
      b->len = std::min(block_, end_ - b->start);
      blocks_[i] = b;
      queue_.push_back(b);
    }
    cv_.notify_all();
    for (uint64_t i = first; i <= last; ++i) {
      std::shared_ptr<Block> b = blocks_[i];
      cv_.wait(lock, [&] { return b->done; });
      if (!b->status.ok()) return b->status;
      const uint64_t from = std::max(offset, b->start), to = std::min(offset + n, b->start + b->len);
      memcpy(dst + (from - offset), b->data.data() + (from - b->start), to - from);
    }
    return Status::Ok();
  }

 private:
  static constexpr uint64_t kSmallRead = 64 << 10;
  struct Block {
    uint64_t start = 0, len = 0;
    std::vector<uint8_t> data;
    bool done = false, cancelled = false;
    Status status;
  };

  void Work(const HttpRemote* remote) {
    HttpClient client(remote);
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      std::shared_ptr<Block> b = queue_.front();
      queue_.pop_front();
      if (b->cancelled) continue;
      lock.unlock();
      std::vector<uint8_t> data(b->len);
      Status s = client.FetchRange(b->start, b->len, data.data());
      lock.lock();
      b->data = std::move(data);
      b->status = s;
      b->done = true;
      cv_.notify_all();
    }
  }

  const uint64_t block_, end_;
  const unsigned ahead_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, std::shared_ptr<Block>> blocks_;
  std::deque<std::shared_ptr<Block>> queue_;
  bool stop_ = false;
  uint64_t last_end_ = 0;  // where the previous read ended
  std::vector<std::thread> threads_;
};

class HttpSource : public ByteSource {
 public:
  explicit HttpSource(HttpRemote remote) : remote_(std::move(remote)), client_(&remote_) {}

  Status Open() {
    SGZ_RETURN_IF_ERROR(client_.FetchTail(remote_.options.tail_bytes, &remote_, &tail_));
    tail_offset_ = remote_.size - tail_.size();
    if (remote_.options.parallel > 0 && tail_offset_ > 0) {
      ahead_ = std::make_unique<ReadAhead>(&remote_, remote_.options.parallel, remote_.options.block_bytes, tail_offset_);
    }
    return Status::Ok();
  }

  uint64_t Size() const override { return remote_.size; }
  // Each read is a request: merge adjacent chunks into reads this large.
  // With read-ahead the blocks already make requests large, and smaller
  // reads keep the reader's buffers small.
  uint64_t PreferredReadSize() const override { return ahead_ ? 0 : 64 << 20; }

 protected:
  Status DoRead(uint64_t offset, uint64_t n, uint8_t* dst) override {
    uint64_t before = n;  // bytes before the tail
    if (offset + n > tail_offset_) {
      const uint64_t from = std::max(offset, tail_offset_);
      before = from - offset;
      memcpy(dst + before, tail_.data() + (from - tail_offset_), offset + n - from);
    }
    if (before == 0) return Status::Ok();
    if (ahead_) {
      bool served = false;
      SGZ_RETURN_IF_ERROR(ahead_->Read(offset, before, dst, &served));
      if (served) return Status::Ok();
      if (before <= kSmallRead) return ReadAround(offset, before, dst);
    }
    return client_.FetchRange(offset, before, dst);
  }

 private:
  // Whole-archive reads also read small pieces out of order: the headers of
  // copy chunks (24 bytes each, side by side), member records. Each such
  // read brings the 64 KiB from it along, and the last few are kept.
  static constexpr uint64_t kSmallRead = 4096, kAround = 64 << 10;
  static constexpr size_t kArounds = 8;
  struct Around {
    uint64_t offset;
    std::vector<uint8_t> bytes;
  };
  Status ReadAround(uint64_t offset, uint64_t n, uint8_t* dst) {
    for (const Around& a : around_) {
      if (offset >= a.offset && offset + n <= a.offset + a.bytes.size()) {
        memcpy(dst, a.bytes.data() + (offset - a.offset), n);
        return Status::Ok();
      }
    }
    Around a;
    a.offset = offset;
    a.bytes.resize(std::max(n, std::min(kAround, tail_offset_ - offset)));
    SGZ_RETURN_IF_ERROR(client_.FetchRange(offset, a.bytes.size(), a.bytes.data()));
    memcpy(dst, a.bytes.data(), n);
    if (around_.size() == kArounds) around_.erase(around_.begin());
    around_.push_back(std::move(a));
    return Status::Ok();
  }

  HttpRemote remote_;
  HttpClient client_;
  std::vector<Around> around_;
  std::vector<uint8_t> tail_;
  uint64_t tail_offset_ = 0;
  std::unique_ptr<ReadAhead> ahead_;
};

// The whole archive downloaded into an unlinked temporary file.
class DownloadedSource : public ByteSource {
 public:
  DownloadedSource(int fd, uint64_t size) : fd_(fd), inner_(NewFdSource(fd, size, "the download")) {}
  ~DownloadedSource() override {
    inner_.reset();
    close(fd_);
  }
  uint64_t Size() const override { return inner_->Size(); }
  bool ConcurrentReads() const override { return true; }

 protected:
  Status DoRead(uint64_t offset, uint64_t n, uint8_t* dst) override { return inner_->Read(offset, n, dst); }

 private:
  int fd_;
  std::unique_ptr<ByteSource> inner_;
};

Result<std::unique_ptr<ByteSource>> Download(const HttpRemote& remote) {
  const char* dir = getenv("TMPDIR");
  std::string path = std::string(dir != nullptr && *dir ? dir : "/tmp") + "/sgz-download-XXXXXX";
  const int fd = mkostemp(&path[0], O_CLOEXEC);
  if (fd < 0) return Status::IOError(path + ": " + strerror(errno));
  unlink(path.c_str());
  HttpClient client(&remote);
  uint64_t size = 0;
  Status s = client.FetchWhole(fd, &size);
  if (!s.ok()) {
    close(fd);
    return s;
  }
  return std::unique_ptr<ByteSource>(new DownloadedSource(fd, size));
}

}  // namespace

Result<std::unique_ptr<ByteSource>> OpenHttpSource(const std::string& url, const HttpOptions& options) {
  HttpRemote remote;
  remote.url = url;
  remote.options = options;
  auto source = std::make_unique<HttpSource>(remote);
  Status s = source->Open();
  if (s.ok()) return std::unique_ptr<ByteSource>(std::move(source));
  if (s.code() == ErrorCode::kNotSupported && s.message() == kIgnoresRanges && options.download_without_ranges) {
    return Download(remote);
  }
  return s;
}

}  // namespace sgz::internal
