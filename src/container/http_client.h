// One libcurl handle making range requests and checking each reply against
// what was asked and what the first reply said (size, ETag, Last-Modified).
// Used by http_source.cc; one per thread.
#ifndef SGZ_CONTAINER_HTTP_CLIENT_H_
#define SGZ_CONTAINER_HTTP_CLIENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "container/http_parse.h"
#include "sgz/http.h"

namespace sgz::internal {

// What every reply must agree with, fixed by the first.
struct HttpRemote {
  std::string url;
  HttpOptions options;
  uint64_t size = 0;
  std::string etag;           // strong or weak, as sent
  std::string last_modified;
};

class HttpClient {
 public:
  explicit HttpClient(const HttpRemote* remote);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // The first request: the last `tail` bytes. Fills *size, the validators
  // (into *remote) and *bytes (min(tail, size) bytes). A 200 reply gives
  // kNotSupported kIgnoresRanges.
  Status FetchTail(uint64_t tail, HttpRemote* remote, std::vector<uint8_t>* bytes);
  // Exactly [offset, offset + n) into dst, with retries.
  Status FetchRange(uint64_t offset, uint64_t n, uint8_t* dst);
  // The whole body (no Range) written to `fd`, with retries; *n its size.
  Status FetchWhole(int fd, uint64_t* n);

  struct Exchange;
  // Whether the reply's status and header are the ones asked for.
  Status CheckReply(Exchange* ex, bool* retry) const;

 private:
  // One attempt; *retry says whether another may succeed.
  Status Attempt(Exchange* ex, bool* retry);
  Status WithRetries(Exchange* ex);

  const HttpRemote* remote_;
  Status loaded_;  // of libcurl (LoadCurl)
  void* curl_ = nullptr;  // CURL*
};

// Sets the options every request shares on a curl handle.
void SetCommonCurlOptions(void* curl, const std::string& url, const HttpOptions& options, char* error_buffer);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_HTTP_CLIENT_H_
