// Archives read over HTTP(S) with range requests (part of sgz/sgz.h).
// Opening costs one request for the archive's tail (footer and, usually,
// the manifest) and one for its header; each read after that is one range
// request, adjacent chunks merged. A server that ignores ranges, changes the
// archive between requests, or misbehaves otherwise gives a clear Error.
#ifndef SGZ_PUBLIC_HTTP_H_
#define SGZ_PUBLIC_HTTP_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace sgz {

// Requests made and body bytes received, counted as they happen (shared
// between the threads fetching ranges).
struct HttpStats {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> retries{0};  // requests that were attempts again
};

struct HttpOptions {
  // Connecting, and any wait for the next byte of a reply, longer than
  // this fails the attempt (a timeout is retried like a reset).
  double timeout_seconds = 30;
  // Attempts again after a connection error, a timeout, a short body or a
  // 5xx/429 reply, waiting 0.2 s, 0.4 s, ... (at most 3 s) between them.
  int retries = 3;
  // Redirects followed per request (http and https only).
  int max_redirects = 5;
  // The first request asks for this many bytes at the end of the archive;
  // later reads inside them cost nothing.
  uint64_t tail_bytes = 256 << 10;
  // 0: each read is one request. N > 0 (whole-archive reads: unpack,
  // verify): the archive is fetched ahead in blocks of block_bytes by N
  // range requests at a time.
  unsigned parallel = 0;
  uint64_t block_bytes = 8 << 20;
  // A server that ignores range requests (replies 200 with the whole body):
  // false: kNotSupported, "the server ignores range requests"; true: the
  // whole archive is downloaded once into an unlinked temporary file (in
  // TMPDIR, else /tmp) and read from there.
  bool download_without_ranges = false;
  // Counted into when not null.
  std::shared_ptr<HttpStats> stats;
};

// The options Reader::Open(path), UnpackFile, UnpackTo and VerifyFile use
// for a path that is an http:// or https:// URL (a program's command line
// sets them once; thread-safe).
void SetHttpDefaults(const HttpOptions& options);
HttpOptions HttpDefaults();

// True for "http://..." and "https://...".
bool IsUrl(const std::string& s);
// The URL with any "user:password@" replaced by "***@", for messages.
std::string RedactUrl(const std::string& url);

}  // namespace sgz

#endif  // SGZ_PUBLIC_HTTP_H_
