// The parts of an HTTP reply the range reader depends on, parsed by pure
// functions (no network, no curl) so that a fuzzer reaches them: the status
// line, the header lines that matter (Content-Range, Content-Length, ETag,
// Last-Modified), and URLs made safe to print.
#ifndef SGZ_CONTAINER_HTTP_PARSE_H_
#define SGZ_CONTAINER_HTTP_PARSE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace sgz::internal {

// "bytes FIRST-LAST/TOTAL" (TOTAL may be "*": unknown).
struct ContentRange {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
  bool total_known = false;
  uint64_t total = 0;
};

// What one reply (the last of a chain of redirects) said about itself.
struct HttpReplyHead {
  int status = 0;  // 0: no status line seen yet
  std::string reason;
  bool has_content_range = false;
  bool content_range_ok = false;  // it parsed (else the reply is refused)
  ContentRange content_range;
  bool has_content_length = false;
  uint64_t content_length = 0;
  std::string etag;           // as sent, quotes and W/ included
  std::string last_modified;  // as sent
  bool accept_ranges_none = false;
};

// Longest header line kept; longer ones are refused (a server gone wrong).
constexpr size_t kMaxHttpHeaderLine = 8192;

// Parses "HTTP/1.1 206 Partial Content" (also HTTP/2 "HTTP/2 206"):
// the three-digit status and the reason. Corruption when it is not one.
Status ParseStatusLine(const char* line, size_t n, int* status, std::string* reason);
// Parses "bytes 0-99/1000" or "bytes 0-99/*". Corruption unless first <=
// last and, when known, last < total.
Status ParseContentRange(const std::string& value, ContentRange* out);
// Feeds one line of a reply's header (CRLF or LF at the end allowed). A
// status line starts a new reply (after a redirect or a 100 Continue) and
// resets *head. Header names are matched without regard to case; other
// headers are ignored. Corruption for a line that cannot be part of a reply.
Status FeedHeaderLine(const char* line, size_t n, HttpReplyHead* head);

// The message (kNotSupported) for a server that replies 200 to a range
// request; callers that can read the body in one pass look for it.
extern const char kIgnoresRanges[];

// What one request asked for.
struct HttpAsk {
  enum Kind { kTail, kRange, kWhole } kind = kRange;
  uint64_t offset = 0;  // kRange
  uint64_t n = 0;       // kTail: bytes at the end; kRange: the range's length
};

// What the first reply said; later replies must agree (empty: unknown).
struct HttpSeen {
  uint64_t size = 0;
  std::string etag;
  std::string last_modified;
};

// Whether `head` (the whole header of the last reply) answers `ask`:
// kWhole wants 200; kTail and kRange want 206 with the Content-Range asked
// for (a tail: the last min(n, total) bytes) and a Content-Length, if any,
// that agrees; kRange also the size and validators of `seen`. On success
// *expect is the body length to receive and, for kTail, *total the size.
// A 200 to a range request is kNotSupported kIgnoresRanges, unless its
// validators say the archive changed (If-Range sent: IOError "changed").
// Other statuses are IOErrors; *retry says whether another attempt may
// succeed (5xx, 408, 429, no reply).
Status CheckReply(const HttpReplyHead& head, const HttpAsk& ask, const HttpSeen& seen, uint64_t* total,
                  uint64_t* expect, bool* retry);

// True for "http://..." and "https://..." (scheme case-insensitive).
bool IsHttpUrl(const std::string& s);
// The URL with any user name and password replaced by "***"
// ("https://***@host/x"); anything else is returned unchanged.
std::string RedactUrl(const std::string& url);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_HTTP_PARSE_H_
