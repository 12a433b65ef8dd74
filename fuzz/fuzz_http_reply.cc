// HTTP reply handling of the range reader (container/http_parse.h), without
// a network. Input layout:
//   byte 0       bits 0-1: what was asked (tail, range, whole body)
//   bytes 1..8   offset asked for, little-endian
//   bytes 9..16  bytes asked for, little-endian
//   rest         the reply's header, one line per '\n', fed to FeedHeaderLine
//                (parsing stops at the first line it refuses), then judged
//                by CheckReply against validators of size 1000, ETag "e"
// Checks: no crash or undefined behaviour on any header; an accepted reply
// is what was asked: its Content-Range covers exactly the range (a tail: the
// last min(n, total) bytes), the body length it expects is that range's.
// RedactUrl of the header text keeps no text between "://" and an '@' of
// the authority.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "container/http_parse.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

uint64_t Le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sgz::internal;  // NOLINT
  if (size < 17) return 0;
  HttpAsk ask;
  const int kind = data[0] & 3;
  ask.kind = kind == 0 ? HttpAsk::kTail : kind == 1 ? HttpAsk::kRange : HttpAsk::kWhole;
  ask.offset = Le64(data + 1);
  ask.n = Le64(data + 9);
  const char* text = reinterpret_cast<const char*>(data + 17);
  const size_t n = size - 17;
  HttpReplyHead head;
  bool refused = false;
  for (size_t at = 0; at < n && !refused;) {
    const char* nl = static_cast<const char*>(memchr(text + at, '\n', n - at));
    const size_t end = nl ? static_cast<size_t>(nl - text) + 1 : n;
    refused = !FeedHeaderLine(text + at, end - at, &head).ok();
    at = end;
  }
  HttpSeen seen;
  seen.size = 1000;
  seen.etag = "\"e\"";
  uint64_t total = 0, expect = 0;
  bool retry = false;
  const Status s = CheckReply(head, ask, seen, &total, &expect, &retry);
  if (s.ok()) {
    if (ask.kind == HttpAsk::kWhole) {
      Check(head.status == 200);
    } else {
      Check(head.status == 206 && head.has_content_range && head.content_range_ok);
      const ContentRange& r = head.content_range;
      Check(r.last - r.first + 1 == expect);
      if (ask.kind == HttpAsk::kRange) {
        Check(expect == ask.n && r.first == ask.offset && head.etag == seen.etag);
      } else {
        Check(r.total_known && total == r.total && r.last + 1 == total && expect <= ask.n && expect <= total);
      }
      Check(!head.has_content_length || head.content_length == expect);
    }
  } else {
    Check(!s.message().empty());
  }
  const std::string url(text, n);
  const std::string redacted = RedactUrl(url);
  if (IsHttpUrl(url) && redacted != url) Check(redacted.find("://***@") != std::string::npos);
  return 0;
}
