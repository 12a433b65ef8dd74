// Archives read over HTTP(S) with libcurl: a ByteSource of range requests
// and, for servers that ignore ranges, a one-pass InputStream of the body.
// The reply checks (status, Content-Range, validators) are in http_parse.h.
#ifndef SGZ_CONTAINER_HTTP_SOURCE_H_
#define SGZ_CONTAINER_HTTP_SOURCE_H_

#include <memory>
#include <string>

#include "common/status.h"
#include "container/byte_source.h"
#include "container/http_parse.h"
#include "container/input_stream.h"
#include "sgz/http.h"

namespace sgz::internal {

// Opens `url` with one request for its last options.tail_bytes. Reads
// inside that tail are served from it; every other read is one range
// request (or, with options.parallel, served by read-ahead). Every reply
// must be 206 with the Content-Range asked for, the size first seen and the
// same ETag/Last-Modified (sent as If-Range): otherwise an IOError that
// says what the server did. Messages do not name the URL (callers do,
// redacted).
Result<std::unique_ptr<ByteSource>> OpenHttpSource(const std::string& url, const HttpOptions& options);

// The whole body of `url` (a plain GET), read once, in order, as it
// arrives: for a server that ignores ranges. A failure of the transfer
// (a reset, a non-200 reply, a timeout) is reported by Peek. No retries.
Result<std::unique_ptr<InputStream>> OpenHttpStream(const std::string& url, const HttpOptions& options);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_HTTP_SOURCE_H_
