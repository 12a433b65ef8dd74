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
    const std::string out_name = out == "-" ? "<stdout>" : out;
    ErrorOr<Reader> reader = Reader::OpenUrl(url, http);
    if (reader.ok()) {
      reader->set_threads(options.threads);
      Result<std::unique_ptr<internal::OutputFile>> file = internal::OutputFile::Create(out, options.overwrite);
      if (!file.ok()) return ToError(file.status()).set_path(out_name);
      bool out_failed = false;
      Error e = reader->Unpack(
          [&](const void* data, size_t n) -> Error {
            Status s = (*file)->Write(data, n);
            out_failed = !s.ok();
            return ToError(s);
          },
          options.progress);
      if (!e.ok()) return e.set_path(out_failed ? out_name : shown);
      const internal::FileAttributes recorded = InternalAttributes(reader->file_attributes());
      Status s = (*file)->Commit(options.restore_attributes ? &recorded : nullptr);
      if (!s.ok()) return ToError(s).set_path(out_name);
      if (summary != nullptr) {
        summary->streamed = false;
        summary->ignored_bytes = reader->archive_info().ignored_bytes;
        summary->reads = reader->stats();
        summary->original_size = reader->original_size();
        summary->attributes = reader->file_attributes();
      }
      return Error();
    }
    const Error& opened = reader.error();
    if (opened.code() != ErrorCode::kNotSupported || opened.message() != internal::kIgnoresRanges) return opened;
    // The server ignores ranges: the body, read once, in order.
    Result<std::unique_ptr<internal::InputStream>> input = internal::OpenHttpStream(url, http);
    if (!input.ok()) return ToError(input.status()).set_path(shown);
    Result<std::unique_ptr<internal::OutputFile>> file = internal::OutputFile::Create(out, options.overwrite);
    if (!file.ok()) return ToError(file.status()).set_path(out_name);
    CountingSink sink(file->get(), &options.progress, 0);
    internal::StreamUnpackStats stats;
    Status s = internal::UnpackStream(input->get(), &sink, &stats, options.threads, options.member);
    if (!s.ok()) return ToError(s).set_path(sink.failed() ? out_name : shown);
    s = (*file)->Commit(options.restore_attributes ? &stats.attributes : nullptr);
    if (!s.ok()) return ToError(s).set_path(out_name);
    if (summary != nullptr) {
      FillStreamedSummary(stats, summary);
      summary->attributes = PublicAttributes(stats.attributes);
    }
    return Error();
  });
}

}  // namespace sgz
