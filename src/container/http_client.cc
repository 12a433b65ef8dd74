#include "container/http_client.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <chrono>
#include <cmath>
#include <thread>

#include "container/curl_api.h"
#include "container/http_source.h"

namespace sgz::internal {

struct HttpClient::Exchange {
  enum Kind { kTail, kRange, kWhole } kind = kRange;
  uint64_t offset = 0;
  uint64_t n = 0;  // kTail: the tail asked for; kRange: the range's length
  uint8_t* dst = nullptr;
  std::vector<uint8_t>* tail = nullptr;
  int fd = -1;
  const HttpClient* client = nullptr;
  // What the reply said and brought.
  HttpReplyHead head;
  Status error;  // set by the callbacks; the transfer is aborted
  bool error_retry = false;
  bool checked = false;
  uint64_t total = 0;   // kTail: the archive's size
  uint64_t expect = 0;  // body bytes the reply must bring (not kWhole)
  uint64_t got = 0;
};

namespace {

std::string Num(uint64_t v) { return std::to_string(v); }

std::string Fixed1(double v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

bool RetryableCurl(CURLcode c) {
  switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

size_t OnHeader(char* p, size_t size, size_t count, void* user) {
  auto* ex = static_cast<HttpClient::Exchange*>(user);
  const size_t n = size * count;
  Status s = FeedHeaderLine(p, n, &ex->head);
  if (!s.ok()) {
    ex->error = Status::IOError(s.message());
    return 0;
  }
  return n;
}

}  // namespace

void SetCommonCurlOptions(void* handle, const std::string& url, const HttpOptions& o, char* error_buffer) {
  CURL* c = static_cast<CURL*>(handle);
  const long timeout = std::max(1L, static_cast<long>(std::ceil(o.timeout_seconds)));
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, static_cast<long>(std::max(0, o.max_redirects)));
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.timeout_seconds * 1000));
  // No byte for `timeout` seconds, while waiting for the reply or its body.
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, timeout);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "sgz");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
}

HttpClient::HttpClient(const HttpRemote* remote) : remote_(remote), loaded_(LoadCurl()) {
  if (loaded_.ok()) curl_ = curl_easy_init();
  if (loaded_.ok() && curl_ == nullptr) loaded_ = Status::ResourceExhausted("curl_easy_init failed");
}

HttpClient::~HttpClient() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

static size_t OnBody(char* p, size_t size, size_t count, void* user) {
  auto* ex = static_cast<HttpClient::Exchange*>(user);
  const size_t n = size * count;
  if (!ex->checked) {
    ex->checked = true;
    ex->error = ex->client->CheckReply(ex, &ex->error_retry);
    if (!ex->error.ok()) return 0;
  }
  if (ex->kind == HttpClient::Exchange::kWhole) {
    for (size_t done = 0; done < n;) {
      const ssize_t w = write(ex->fd, p + done, n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        ex->error = Status::IOError(std::string("writing the download: ") + strerror(errno));
        return 0;
      }
      done += static_cast<size_t>(w);
    }
    ex->got += n;
    return n;
  }
  if (n > ex->expect - ex->got) {
    ex->error = Status::IOError("the reply is longer than the " + Num(ex->expect) + " bytes of its Content-Range");
    return 0;
  }
  memcpy(ex->dst + ex->got, p, n);
  ex->got += n;
  return n;
}

Status HttpClient::CheckReply(Exchange* ex, bool* retry) const {
  HttpAsk ask;
  ask.kind = ex->kind == Exchange::kTail ? HttpAsk::kTail : ex->kind == Exchange::kWhole ? HttpAsk::kWhole : HttpAsk::kRange;
  ask.offset = ex->offset;
  ask.n = ex->n;
  HttpSeen seen;
  seen.size = remote_->size;
  seen.etag = remote_->etag;
  seen.last_modified = remote_->last_modified;
  SGZ_RETURN_IF_ERROR(internal::CheckReply(ex->head, ask, seen, &ex->total, &ex->expect, retry));
  if (ex->kind == Exchange::kTail) {
    ex->tail->resize(ex->expect);
    ex->dst = ex->tail->data();
  }
  return Status::Ok();
}

Status HttpClient::Attempt(Exchange* ex, bool* retry) {
  CURL* c = static_cast<CURL*>(curl_);
  curl_easy_reset(c);
  char errbuf[CURL_ERROR_SIZE];
  errbuf[0] = 0;
  SetCommonCurlOptions(c, remote_->url, remote_->options, errbuf);
  ex->head = HttpReplyHead();
  ex->error = Status::Ok();
  ex->error_retry = false;
  ex->checked = false;
  ex->got = 0;
  ex->client = this;
  curl_slist* headers = nullptr;
  if (ex->kind == Exchange::kTail) {
    headers = curl_slist_append(headers, ("Range: bytes=-" + Num(ex->n)).c_str());
  } else if (ex->kind == Exchange::kRange) {
    headers = curl_slist_append(headers, ("Range: bytes=" + Num(ex->offset) + "-" + Num(ex->offset + ex->n - 1)).c_str());
    // A strong ETag, else the date: a changed archive then comes back 200.
    if (!remote_->etag.empty() && remote_->etag.compare(0, 2, "W/") != 0) {
      headers = curl_slist_append(headers, ("If-Range: " + remote_->etag).c_str());
    } else if (!remote_->last_modified.empty()) {
      headers = curl_slist_append(headers, ("If-Range: " + remote_->last_modified).c_str());
    }
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, ex);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, ex);
  const CURLcode res = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (HttpStats* st = remote_->options.stats.get()) {
    long redirects = 0;
    curl_easy_getinfo(c, CURLINFO_REDIRECT_COUNT, &redirects);
    st->requests += 1 + static_cast<uint64_t>(std::max(0L, redirects));
    st->bytes += ex->got;
  }
  *retry = false;
  if (!ex->error.ok()) {
    *retry = ex->error_retry;
    return ex->error;
  }
  if (res == CURLE_TOO_MANY_REDIRECTS) {
    return Status::IOError("more than " + Num(static_cast<uint64_t>(remote_->options.max_redirects)) + " redirects");
  }
  if (res == CURLE_OPERATION_TIMEDOUT) {
    *retry = true;
    return Status::IOError("timed out: no reply for " + Fixed1(remote_->options.timeout_seconds) + " s");
  }
  if (res != CURLE_OK && !(res == CURLE_PARTIAL_FILE && ex->checked && ex->kind != Exchange::kWhole)) {
    *retry = RetryableCurl(res);
    return Status::IOError(std::string(curl_easy_strerror(res)) + (errbuf[0] ? std::string(": ") + errbuf : ""));
  }
  if (!ex->checked) {  // no body at all
    ex->checked = true;
    Status s = CheckReply(ex, retry);
    if (!s.ok()) return s;
  }
  if (ex->kind != Exchange::kWhole && ex->got != ex->expect) {
    *retry = true;
    return Status::IOError("the reply ended after " + Num(ex->got) + " of " + Num(ex->expect) + " bytes");
  }
  return Status::Ok();
}

Status HttpClient::WithRetries(Exchange* ex) {
  SGZ_RETURN_IF_ERROR(loaded_);
  const int retries = std::max(0, remote_->options.retries);
  for (int attempt = 0;; ++attempt) {
    bool retry = false;
    Status s = Attempt(ex, &retry);
    if (s.ok()) return s;
    if (!retry || attempt >= retries) {
      if (attempt == 0) return s;
      return Status(s.code(), s.message() + " (after " + Num(static_cast<uint64_t>(attempt + 1)) + " attempts)");
    }
    if (HttpStats* st = remote_->options.stats.get()) ++st->retries;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(3000, 200 << std::min(attempt, 4))));
    if (ex->kind == Exchange::kWhole && (ftruncate(ex->fd, 0) != 0 || lseek(ex->fd, 0, SEEK_SET) != 0)) {
      return Status::IOError(std::string("rewinding the download: ") + strerror(errno));
    }
  }
}

Status HttpClient::FetchTail(uint64_t tail, HttpRemote* remote, std::vector<uint8_t>* bytes) {
  Exchange ex;
  ex.kind = Exchange::kTail;
  ex.n = std::max<uint64_t>(tail, 1);
  ex.tail = bytes;
  SGZ_RETURN_IF_ERROR(WithRetries(&ex));
  remote->size = ex.total;
  remote->etag = ex.head.etag;
  remote->last_modified = ex.head.last_modified;
  return Status::Ok();
}

Status HttpClient::FetchRange(uint64_t offset, uint64_t n, uint8_t* dst) {
  Exchange ex;
  ex.kind = Exchange::kRange;
  ex.offset = offset;
  ex.n = n;
  ex.dst = dst;
  return WithRetries(&ex);
}

Status HttpClient::FetchWhole(int fd, uint64_t* n) {
  Exchange ex;
  ex.kind = Exchange::kWhole;
  ex.fd = fd;
  SGZ_RETURN_IF_ERROR(WithRetries(&ex));
  *n = ex.got;
  return Status::Ok();
}

}  // namespace sgz::internal
