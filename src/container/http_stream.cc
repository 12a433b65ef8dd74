// The body of a plain GET as an InputStream: a thread runs the transfer
// and writes the body into a socket pair whose other end the stream reads,
// so the one-pass reader consumes it as it would standard input.
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "container/curl_api.h"
#include "container/http_client.h"
#include "container/http_source.h"

namespace sgz::internal {
namespace {

struct Transfer {
  std::string url;
  HttpOptions options;
  int fd = -1;  // the writing end
  HttpReplyHead head;
  Status status;
  bool checked = false;
};

size_t OnStreamHeader(char* p, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  Status s = FeedHeaderLine(p, size * count, &t->head);
  if (!s.ok()) {
    t->status = Status::IOError(s.message());
    return 0;
  }
  return size * count;
}

size_t OnStreamBody(char* p, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (!t->checked) {
    t->checked = true;
    if (t->head.status != 200) {
      t->status = Status::IOError("HTTP " + std::to_string(t->head.status) + " " + t->head.reason);
      return 0;
    }
  }
  for (size_t done = 0; done < n;) {
    const ssize_t w = send(t->fd, p + done, n - done, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return 0;  // the reader is gone: it has its own error
    done += static_cast<size_t>(w);
  }
  if (HttpStats* st = t->options.stats.get()) st->bytes += n;
  return n;
}

void Run(Transfer* t) {
  CURL* c = curl_easy_init();
  if (c == nullptr) {
    t->status = Status::ResourceExhausted("curl_easy_init failed");
    close(t->fd);
    t->fd = -1;
    return;
  }
  char errbuf[CURL_ERROR_SIZE];
  errbuf[0] = 0;
  SetCommonCurlOptions(c, t->url, t->options, errbuf);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnStreamHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnStreamBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
  const CURLcode res = curl_easy_perform(c);
  if (HttpStats* st = t->options.stats.get()) ++st->requests;
  if (t->status.ok() && res != CURLE_OK) {
    t->status = Status::IOError(std::string(curl_easy_strerror(res)) + (errbuf[0] ? std::string(": ") + errbuf : ""));
  }
  if (t->status.ok() && t->head.status != 200) {
    t->status = Status::IOError("HTTP " + std::to_string(t->head.status) + " " + t->head.reason);
  }
  curl_easy_cleanup(c);
  close(t->fd);  // end of input for the reader
  t->fd = -1;
}

class HttpStream : public InputStream {
 public:
  HttpStream(std::unique_ptr<Transfer> t, int read_fd)
      : transfer_(std::move(t)), read_fd_(read_fd), inner_(NewFdInputStream(read_fd, "the download")) {
    thread_ = std::thread(Run, transfer_.get());
  }
  ~HttpStream() override {
    shutdown(read_fd_, SHUT_RDWR);  // a transfer still running stops at its next write
    if (thread_.joinable()) thread_.join();
    inner_.reset();
    close(read_fd_);
  }
  Status Peek(uint64_t n, const uint8_t** data, uint64_t* got) override {
    Status s = inner_->Peek(n, data, got);
    if (s.ok() && *got < n) {
      // The end of the body: whether the transfer completed says whether
      // it is the end of the archive.
      if (thread_.joinable()) thread_.join();
      if (!transfer_->status.ok()) return transfer_->status;
    }
    return s;
  }
  void Consume(uint64_t n) override { inner_->Consume(n); }
  uint64_t position() const override { return inner_->position(); }

 private:
  std::unique_ptr<Transfer> transfer_;
  int read_fd_;
  std::unique_ptr<InputStream> inner_;
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<InputStream>> OpenHttpStream(const std::string& url, const HttpOptions& options) {
  SGZ_RETURN_IF_ERROR(LoadCurl());
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return Status::IOError(std::string("socketpair: ") + strerror(errno));
  }
  auto t = std::make_unique<Transfer>();
  t->url = url;
  t->options = options;
  t->fd = fds[1];
  return std::unique_ptr<InputStream>(new HttpStream(std::move(t), fds[0]));
}

}  // namespace sgz::internal
