// Unpacking to an output file, from an opened archive or from one read in
// order: what UnpackFile and UnpackUrl share (api_internal.h).
#include "api/api_internal.h"
#include "container/stream_reader.h"

namespace sgz {

using internal::InputStream;
using internal::Status;
using internal::StreamUnpackStats;

Error internal::api::OnPath(const Status& s, const std::string& path) { return ToError(s).set_path(path); }

std::string internal::api::OutName(const std::string& out) { return out == "-" ? "<stdout>" : out; }

void internal::api::FillStreamed(const StreamUnpackStats& stats, UnpackSummary* summary) {
  FillStreamedSummary(stats, summary);
  summary->attributes = PublicAttributes(stats.attributes);
}

Error internal::api::UnpackReaderTo(Reader* reader, const std::string& in_name, const std::string& out,
                                    const UnpackOptions& options, UnpackSummary* summary) {
  reader->set_threads(options.threads);
  Result<std::unique_ptr<internal::OutputFile>> file = internal::OutputFile::Create(out, options.overwrite);
  if (!file.ok()) return OnPath(file.status(), OutName(out));
  bool out_failed = false;
  Error e = reader->Unpack(
      [&](const void* data, size_t n) -> Error {
        Status s = (*file)->Write(data, n);
        out_failed = !s.ok();
        return ToError(s);
      },
      options.progress);
  if (!e.ok()) return e.set_path(out_failed ? OutName(out) : in_name);
  const internal::FileAttributes recorded = InternalAttributes(reader->file_attributes());
  Status s = (*file)->Commit(options.restore_attributes ? &recorded : nullptr);
  if (!s.ok()) return OnPath(s, OutName(out));
  if (summary != nullptr) {
    summary->streamed = false;
    summary->ignored_bytes = reader->archive_info().ignored_bytes;
    summary->reads = reader->stats();
    summary->original_size = reader->original_size();
    summary->attributes = reader->file_attributes();
  }
  return Error();
}

Error internal::api::UnpackInputTo(InputStream* input, const std::string& in_name, const std::string& out,
                                   const UnpackOptions& options, UnpackSummary* summary) {
  Result<std::unique_ptr<internal::OutputFile>> file = internal::OutputFile::Create(out, options.overwrite);
  if (!file.ok()) return OnPath(file.status(), OutName(out));
  CountingSink sink(file->get(), &options.progress, 0);
  StreamUnpackStats stats;
  Status s = internal::UnpackStream(input, &sink, &stats, options.threads, options.member);
  if (!s.ok()) return OnPath(s, sink.failed() ? OutName(out) : in_name);
  s = (*file)->Commit(options.restore_attributes ? &stats.attributes : nullptr);
  if (!s.ok()) return OnPath(s, OutName(out));
  if (summary != nullptr) FillStreamed(stats, summary);
  return Error();
}

}  // namespace sgz
