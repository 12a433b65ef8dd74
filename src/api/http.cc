// Archives at http:// and https:// URLs: opening a Reader over range
// requests, and unpacking with a one-pass fallback for servers that ignore
// ranges.
#include "sgz/http.h"

#include <mutex>

#include "api/api_internal.h"
#include "container/http_parse.h"
#include "container/http_source.h"
#include "container/output_file.h"
#include "container/stream_reader.h"
#include "sgz/sgz.h"

namespace sgz {

using namespace internal::api;  // NOLINT
using internal::ByteSource;
using internal::Result;
using internal::Status;

namespace {
std::mutex defaults_mu;
HttpOptions& Defaults() {
  static HttpOptions* options = new HttpOptions;  // never destroyed: used until exit
  return *options;
}
}  // namespace

void SetHttpDefaults(const HttpOptions& options) {
  std::lock_guard<std::mutex> lock(defaults_mu);
  Defaults() = options;
}

HttpOptions HttpDefaults() {
  std::lock_guard<std::mutex> lock(defaults_mu);
  return Defaults();
}

bool IsUrl(const std::string& s) { return internal::IsHttpUrl(s); }

std::string RedactUrl(const std::string& url) { return internal::RedactUrl(url); }

ErrorOr<Reader> Reader::OpenUrl(const std::string& url, const HttpOptions& options) {
  return Guarded([&]() -> ErrorOr<Reader> {
    const std::string shown = internal::RedactUrl(url);
    if (!internal::IsHttpUrl(url)) return Error(ErrorCode::kInvalidArgument, "not an http:// or https:// URL").set_path(shown);
    Result<std::unique_ptr<ByteSource>> source = internal::OpenHttpSource(url, options);
    if (!source.ok()) return ToError(source.status()).set_path(shown);
    ErrorOr<Reader> reader = Impl::Make(std::move(source).value());
    if (!reader.ok()) return reader.error().set_path(shown);
    return reader;
  });
}

Error UnpackUrl(const std::string& url, const std::string& out, const UnpackOptions& options, const HttpOptions& http,
                UnpackSummary* summary) {
  return Guarded([&]() -> Error {
    const std::string shown = internal::RedactUrl(url);
    ErrorOr<Reader> reader = Reader::OpenUrl(url, http);
    if (reader.ok()) return internal::api::UnpackReaderTo(&*reader, shown, out, options, summary);
    const Error& opened = reader.error();
    if (opened.code() != ErrorCode::kNotSupported || opened.message() != internal::kIgnoresRanges) return opened;
    // The server ignores ranges: the body, read once, in order.
    Result<std::unique_ptr<internal::InputStream>> input = internal::OpenHttpStream(url, http);
    if (!input.ok()) return ToError(input.status()).set_path(shown);
    return internal::api::UnpackInputTo(input->get(), shown, out, options, summary);
  });
}

}  // namespace sgz
