// The parsing of HTTP replies the range reader relies on (no network).
#include "container/http_parse.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace sgz::internal {
namespace {

Status Feed(const std::string& line, HttpReplyHead* h) { return FeedHeaderLine(line.data(), line.size(), h); }

TEST(HttpParse, StatusLine) {
  int status = 0;
  std::string reason;
  const std::string l = "HTTP/1.1 206 Partial Content\r\n";
  ASSERT_TRUE(ParseStatusLine(l.data(), l.size(), &status, &reason).ok());
  EXPECT_EQ(status, 206);
  EXPECT_EQ(reason, "Partial Content");
  const std::string h2 = "HTTP/2 200\r\n";
  ASSERT_TRUE(ParseStatusLine(h2.data(), h2.size(), &status, &reason).ok());
  EXPECT_EQ(status, 200);
  EXPECT_EQ(reason, "");
  for (const std::string bad : {"HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/1.1 abc", "ICY 200 OK", "HTTP/1.1 099 x",
                                "HTTP/1.1"}) {
    EXPECT_FALSE(ParseStatusLine(bad.data(), bad.size(), &status, &reason).ok()) << bad;
  }
}

TEST(HttpParse, ContentRange) {
  ContentRange r;
  ASSERT_TRUE(ParseContentRange("bytes 0-99/1000", &r).ok());
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 99u);
  EXPECT_TRUE(r.total_known);
  EXPECT_EQ(r.total, 1000u);
  ASSERT_TRUE(ParseContentRange("bytes 5-5/*", &r).ok());
  EXPECT_FALSE(r.total_known);
  ASSERT_TRUE(ParseContentRange("bytes 18446744073709551614-18446744073709551614/18446744073709551615", &r).ok());
  for (const std::string bad : {"bytes 10-9/100", "bytes 0-100/100", "bytes */100", "bytes 0-99", "items 0-9/10",
                                "bytes 0-99/1000 ", "bytes -1-5/10", "bytes 0-18446744073709551616/1", "bytes 0-99/1x",
                                ""}) {
    EXPECT_FALSE(ParseContentRange(bad, &r).ok()) << bad;
  }
}

TEST(HttpParse, HeaderLines) {
  HttpReplyHead h;
  EXPECT_FALSE(Feed("Content-Length: 5\r\n", &h).ok());  // before a status line
  ASSERT_TRUE(Feed("HTTP/1.1 302 Found\r\n", &h).ok());
  ASSERT_TRUE(Feed("ETag: \"old\"\r\n", &h).ok());
  // A redirect's reply is followed by another: only the last one counts.
  ASSERT_TRUE(Feed("HTTP/1.1 206 Partial Content\r\n", &h).ok());
  EXPECT_EQ(h.etag, "");
  ASSERT_TRUE(Feed("content-range:  bytes 10-19/20 \r\n", &h).ok());
  ASSERT_TRUE(Feed("CONTENT-LENGTH: 10\r\n", &h).ok());
  ASSERT_TRUE(Feed("ETag: W/\"x\"\r\n", &h).ok());
  ASSERT_TRUE(Feed("Last-Modified: Wed, 02 Dec 2026 16:41:47 GMT\r\n", &h).ok());
  ASSERT_TRUE(Feed("X-Other: whatever: with colons\r\n", &h).ok());
  ASSERT_TRUE(Feed("\r\n", &h).ok());
  EXPECT_EQ(h.status, 206);
  EXPECT_TRUE(h.has_content_range && h.content_range_ok);
  EXPECT_EQ(h.content_range.first, 10u);
  EXPECT_EQ(h.content_range.last, 19u);
  EXPECT_EQ(h.content_length, 10u);
  EXPECT_EQ(h.etag, "W/\"x\"");
  EXPECT_EQ(h.last_modified, "Wed, 02 Dec 2026 16:41:47 GMT");
  // A bad Content-Range is noted (the reply is refused), not fatal to parsing.
  ASSERT_TRUE(Feed("Content-Range: bytes 9-1/20\r\n", &h).ok());
  EXPECT_TRUE(h.has_content_range);
  EXPECT_FALSE(h.content_range_ok);
  EXPECT_FALSE(Feed("Content-Length: -1\r\n", &h).ok());
  EXPECT_FALSE(Feed("no colon here\r\n", &h).ok());
  EXPECT_FALSE(Feed(std::string(kMaxHttpHeaderLine + 1, 'a'), &h).ok());
}

TEST(HttpParse, Urls) {
  EXPECT_TRUE(IsHttpUrl("http://h/x"));
  EXPECT_TRUE(IsHttpUrl("HTTPS://h/x"));
  EXPECT_FALSE(IsHttpUrl("ftp://h/x"));
  EXPECT_FALSE(IsHttpUrl("x.sgz"));
  EXPECT_EQ(RedactUrl("https://user:pw@host:8080/a/b.sgz?x=1"), "https://***@host:8080/a/b.sgz?x=1");
  EXPECT_EQ(RedactUrl("http://a@b:c@host/x"), "http://***@host/x");
  EXPECT_EQ(RedactUrl("http://host/x@y"), "http://host/x@y");
  EXPECT_EQ(RedactUrl("http://user:pw@host"), "http://***@host");
  EXPECT_EQ(RedactUrl("x.sgz"), "x.sgz");
}

}  // namespace
}  // namespace sgz::internal
