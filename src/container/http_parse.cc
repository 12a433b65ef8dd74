#include "container/http_parse.h"

#include <string.h>
#include <strings.h>

#include <algorithm>

namespace sgz::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Parses the decimal digits at s[*pos..], at least one, without overflow.
bool ParseU64(const std::string& s, size_t* pos, uint64_t* out) {
  size_t i = *pos;
  uint64_t v = 0;
  while (i < s.size() && IsDigit(s[i])) {
    const uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
    ++i;
  }
  if (i == *pos) return false;
  *pos = i;
  *out = v;
  return true;
}

std::string Trim(const char* p, size_t n) {
  size_t a = 0, b = n;
  while (a < b && (p[a] == ' ' || p[a] == '\t')) ++a;
  while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t' || p[b - 1] == '\r' || p[b - 1] == '\n')) --b;
  return std::string(p + a, b - a);
}

bool NameIs(const char* p, size_t n, const char* name) {
  const size_t len = strlen(name);
  return n == len && strncasecmp(p, name, len) == 0;
}

// A quoted line for messages: printable ASCII only, at most 80 bytes.
std::string Shown(const char* p, size_t n) {
  std::string s;
  for (size_t i = 0; i < n && s.size() < 80; ++i) {
    const char c = p[i];
    if (c == '\r' || c == '\n') break;
    s += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return "'" + s + "'";
}

}  // namespace

Status ParseStatusLine(const char* line, size_t n, int* status, std::string* reason) {
  const std::string s = Trim(line, n);
  // "HTTP/" then a version without spaces, one space, three digits.
  if (s.size() < 10 || s.compare(0, 5, "HTTP/") != 0) {
    return Status::Corruption("not an HTTP status line: " + Shown(line, n));
  }
  const size_t sp = s.find(' ');
  if (sp == std::string::npos || sp + 4 > s.size() || !IsDigit(s[sp + 1]) || !IsDigit(s[sp + 2]) ||
      !IsDigit(s[sp + 3]) || (sp + 4 < s.size() && s[sp + 4] != ' ')) {
    return Status::Corruption("not an HTTP status line: " + Shown(line, n));
  }
  *status = (s[sp + 1] - '0') * 100 + (s[sp + 2] - '0') * 10 + (s[sp + 3] - '0');
  if (*status < 100) return Status::Corruption("HTTP status out of range: " + Shown(line, n));
  *reason = sp + 5 <= s.size() ? s.substr(sp + 5) : std::string();
  return Status::Ok();
}

Status ParseContentRange(const std::string& value, ContentRange* out) {
  const std::string why = "bad Content-Range " + Shown(value.data(), value.size());
  size_t i = 0;
  if (value.size() < 6 || strncasecmp(value.c_str(), "bytes ", 6) != 0) return Status::Corruption(why);
  i = 6;
  while (i < value.size() && value[i] == ' ') ++i;
  ContentRange r;
  if (!ParseU64(value, &i, &r.first) || i >= value.size() || value[i] != '-') return Status::Corruption(why);
  ++i;
  if (!ParseU64(value, &i, &r.last) || i >= value.size() || value[i] != '/') return Status::Corruption(why);
  ++i;
  if (i < value.size() && value[i] == '*') {
    ++i;
  } else {
    if (!ParseU64(value, &i, &r.total)) return Status::Corruption(why);
    r.total_known = true;
  }
  if (i != value.size() || r.first > r.last || (r.total_known && r.last >= r.total)) return Status::Corruption(why);
  *out = r;
  return Status::Ok();
}

Status FeedHeaderLine(const char* line, size_t n, HttpReplyHead* head) {
  if (n > kMaxHttpHeaderLine) return Status::Corruption("HTTP header line of " + std::to_string(n) + " bytes");
  if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
    HttpReplyHead fresh;
    SGZ_RETURN_IF_ERROR(ParseStatusLine(line, n, &fresh.status, &fresh.reason));
    *head = std::move(fresh);
    return Status::Ok();
  }
  const std::string trimmed = Trim(line, n);
  if (trimmed.empty()) return Status::Ok();  // the blank line ending a header
  if (head->status == 0) return Status::Corruption("HTTP header before the status line: " + Shown(line, n));
  const char* colon = static_cast<const char*>(memchr(line, ':', n));
  if (colon == nullptr) return Status::Corruption("not an HTTP header line: " + Shown(line, n));
  const size_t name_len = static_cast<size_t>(colon - line);
  const std::string value = Trim(colon + 1, n - name_len - 1);
  if (NameIs(line, name_len, "content-range")) {
    head->has_content_range = true;
    head->content_range_ok = ParseContentRange(value, &head->content_range).ok();
  } else if (NameIs(line, name_len, "content-length")) {
    size_t i = 0;
    uint64_t v = 0;
    if (!ParseU64(value, &i, &v) || i != value.size()) {
      return Status::Corruption("bad Content-Length " + Shown(value.data(), value.size()));
    }
    head->has_content_length = true;
    head->content_length = v;
  } else if (NameIs(line, name_len, "etag")) {
    head->etag = value.substr(0, 256);
  } else if (NameIs(line, name_len, "last-modified")) {
    head->last_modified = value.substr(0, 256);
  } else if (NameIs(line, name_len, "accept-ranges")) {
    head->accept_ranges_none = strcasecmp(value.c_str(), "none") == 0;
  }
  return Status::Ok();
}

const char kIgnoresRanges[] = "the server ignores range requests (it replied 200 with the whole file)";

namespace {

std::string Num(uint64_t v) { return std::to_string(v); }

std::string Changed(const std::string& what, const std::string& was, const std::string& now) {
  return "the archive changed on the server since it was opened (" + what + " " + was + " -> " +
         (now.empty() ? "none" : now) + ")";
}

Status CheckValidators(const HttpReplyHead& h, const HttpSeen& seen) {
  if (!seen.etag.empty() && h.etag != seen.etag) return Status::IOError(Changed("ETag", seen.etag, h.etag));
  if (seen.etag.empty() && !seen.last_modified.empty() && h.last_modified != seen.last_modified) {
    return Status::IOError(Changed("Last-Modified", seen.last_modified, h.last_modified));
  }
  return Status::Ok();
}

}  // namespace

Status CheckReply(const HttpReplyHead& h, const HttpAsk& ask, const HttpSeen& seen, uint64_t* total,
                  uint64_t* expect, bool* retry) {
  *retry = false;
  if (h.status == 0) {
    *retry = true;
    return Status::IOError("no HTTP reply");
  }
  if (ask.kind == HttpAsk::kWhole && h.status == 200) return Status::Ok();
  if (ask.kind != HttpAsk::kWhole && h.status == 200) {
    // If-Range was sent with the validators: a changed archive comes back whole.
    if (ask.kind == HttpAsk::kRange) SGZ_RETURN_IF_ERROR(CheckValidators(h, seen));
    return Status::NotSupported(kIgnoresRanges);
  }
  if (ask.kind != HttpAsk::kWhole && h.status == 206) {
    if (!h.has_content_range) return Status::IOError("HTTP 206 reply without Content-Range");
    if (!h.content_range_ok) return Status::IOError("HTTP 206 reply with a bad Content-Range");
    const ContentRange& r = h.content_range;
    const std::string got = "bytes " + Num(r.first) + "-" + Num(r.last) + "/" + (r.total_known ? Num(r.total) : "*");
    if (ask.kind == HttpAsk::kTail) {
      if (!r.total_known) return Status::IOError("Content-Range '" + got + "' does not give the size");
      const uint64_t want = std::min(ask.n, r.total);
      if (r.last + 1 != r.total || r.last - r.first + 1 != want) {
        return Status::IOError("Content-Range '" + got + "' is not the last " + Num(want) + " bytes asked for");
      }
      *total = r.total;
      *expect = want;
    } else {
      if (ask.n == 0 || r.first != ask.offset || r.last != ask.offset + ask.n - 1) {
        return Status::IOError("Content-Range '" + got + "' is not the range asked for (bytes " + Num(ask.offset) +
                               "-" + Num(ask.offset + ask.n - 1) + ")");
      }
      if (r.total_known && r.total != seen.size) return Status::IOError(Changed("size", Num(seen.size), Num(r.total)));
      SGZ_RETURN_IF_ERROR(CheckValidators(h, seen));
      *expect = ask.n;
    }
    if (h.has_content_length && h.content_length != *expect) {
      return Status::IOError("Content-Length " + Num(h.content_length) + " disagrees with Content-Range '" + got + "'");
    }
    return Status::Ok();
  }
  if (h.status == 416 && ask.kind == HttpAsk::kTail) {
    return Status::Corruption("the archive is empty (HTTP 416 to a request for its end)");
  }
  *retry = h.status >= 500 || h.status == 429 || h.status == 408;
  return Status::IOError("HTTP " + Num(static_cast<uint64_t>(h.status)) + (h.reason.empty() ? "" : " " + h.reason));
}

bool IsHttpUrl(const std::string& s) {
  return strncasecmp(s.c_str(), "http://", 7) == 0 || strncasecmp(s.c_str(), "https://", 8) == 0;
}

std::string RedactUrl(const std::string& url) {
  if (!IsHttpUrl(url)) return url;
  const size_t start = url.find("://") + 3;
  // The authority ends at the first '/', '?' or '#'; credentials end at its
  // last '@'.
  size_t end = url.find_first_of("/?#", start);
  if (end == std::string::npos) end = url.size();
  const size_t at = url.rfind('@', end - 1);
  if (at == std::string::npos || at < start || end == start) return url;
  return url.substr(0, start) + "***" + url.substr(at);
}

}  // namespace sgz::internal
