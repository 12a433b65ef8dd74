// The C ABI, what a reader tells about the archive: its summary, read
// statistics, metadata and streams (sgz_c.cc has the shared rules).
#include <string>
#include <utility>
#include <vector>

#include "api/sgz_c_internal.h"
#include "sgz/sgz.h"
#include "sgz/sgz_c.h"

using namespace sgz::internal::capi;  // NOLINT: the C ABI's shared helpers

namespace {

int LoadMetadata(sgz_reader* r) {
  if (r->metadata_loaded) return SGZ_OK;
  // As `sgz info` shows it: 8 array items, strings cut after 256 bytes.
  sgz::MetadataLimits limits;
  limits.max_items = 8;
  limits.max_string = 256;
  sgz::ErrorOr<std::vector<sgz::MetadataEntry>> m = r->reader.Metadata(limits);
  if (!m.ok()) return Report(m.error());
  r->metadata = std::move(m).value();
  r->metadata_text.clear();
  for (const sgz::MetadataEntry& e : r->metadata) r->metadata_text.push_back(sgz::MetadataValueText(e.value, 8));
  r->metadata_loaded = true;
  return SGZ_OK;
}

}  // namespace

extern "C" {

int sgz_reader_info(const sgz_reader* reader, sgz_archive_info* out) {
  if (reader == nullptr || out == nullptr) return InvalidArgument("sgz_reader_info: null argument");
  const sgz::ArchiveInfo a = reader->reader.archive_info();
  const sgz::GgufInfo& g = reader->reader.gguf();
  *out = sgz_archive_info();
  out->format_major = a.format.major;
  out->format_minor = a.format.minor;
  out->archive_size = a.archive_size;
  out->chunks = a.chunks;
  out->checksum = a.checksum;
  out->original_size = reader->reader.original_size();
  out->is_gguf = reader->reader.is_gguf() ? 1 : 0;
  out->gguf_version = g.version;
  out->big_endian = g.big_endian ? 1 : 0;
  out->alignment = g.alignment;
  out->data_offset = g.data_offset;
  out->kv_count = g.kv_count;
  out->tensor_count = g.tensor_count;
  out->ignored_bytes = a.ignored_bytes;
  return SGZ_OK;
}

int sgz_reader_file_attributes(const sgz_reader* reader, sgz_file_attributes* out) {
  if (reader == nullptr || out == nullptr) return InvalidArgument("sgz_reader_file_attributes: null argument");
  const sgz::FileAttributes& a = reader->reader.file_attributes();
  *out = sgz_file_attributes();
  out->has_mode = a.has_mode ? 1 : 0;
  out->mode = a.mode;
  out->has_mtime = a.has_mtime ? 1 : 0;
  out->mtime_sec = a.mtime_sec;
  out->mtime_nsec = a.mtime_nsec;
  return SGZ_OK;
}

int sgz_reader_stats(const sgz_reader* reader, sgz_read_stats* out) {
  if (reader == nullptr || out == nullptr) return InvalidArgument("sgz_reader_stats: null argument");
  const sgz::ReadStats s = reader->reader.stats();
  out->archive_size = s.archive_size;
  out->bytes_read = s.bytes_read;
  out->read_calls = s.read_calls;
  out->chunks_decoded = s.chunks_decoded;
  out->chunks_total = s.chunks_total;
  return SGZ_OK;
}

int sgz_reader_metadata_count(sgz_reader* reader, size_t* count) {
  if (reader == nullptr || count == nullptr) return InvalidArgument("sgz_reader_metadata_count: null argument");
  return Guarded([&]() -> int {
    const int rc = LoadMetadata(reader);
    if (rc == SGZ_OK) *count = reader->metadata.size();
    return rc;
  });
}

const char* sgz_reader_metadata_key(const sgz_reader* reader, size_t i) {
  if (reader == nullptr || !reader->metadata_loaded || i >= reader->metadata.size()) return nullptr;
  return reader->metadata[i].key.c_str();
}

const char* sgz_reader_metadata_type(const sgz_reader* reader, size_t i) {
  if (reader == nullptr || !reader->metadata_loaded || i >= reader->metadata.size()) return nullptr;
  return sgz::MetadataTypeName(reader->metadata[i].value.type);
}

const char* sgz_reader_metadata_text(const sgz_reader* reader, size_t i) {
  if (reader == nullptr || !reader->metadata_loaded || i >= reader->metadata_text.size()) return nullptr;
  return reader->metadata_text[i].c_str();
}

int sgz_reader_metadata_find(sgz_reader* reader, const char* key, size_t* index) {
  if (reader == nullptr || key == nullptr || index == nullptr) {
    return InvalidArgument("sgz_reader_metadata_find: null argument");
  }
  return Guarded([&]() -> int {
    const int rc = LoadMetadata(reader);
    if (rc != SGZ_OK) return rc;
    for (size_t i = 0; i < reader->metadata.size(); ++i) {
      if (reader->metadata[i].key == key) {
        *index = i;
        return SGZ_OK;
      }
    }
    return Fail(SGZ_NOT_FOUND, ("no metadata key '" + std::string(key) + "'").c_str());
  });
}

int sgz_reader_stream_count(sgz_reader* reader, size_t* count) {
  if (reader == nullptr || count == nullptr) return InvalidArgument("sgz_reader_stream_count: null argument");
  return Guarded([&]() -> int {
    if (!reader->streams_loaded) {
      sgz::ErrorOr<std::vector<sgz::StreamStat>> s = reader->reader.StreamStats();
      if (!s.ok()) return Report(s.error());
      reader->streams = std::move(s).value();
      reader->streams_loaded = true;
    }
    *count = reader->streams.size();
    return SGZ_OK;
  });
}

const char* sgz_reader_stream_name(const sgz_reader* reader, size_t i) {
  if (reader == nullptr || !reader->streams_loaded || i >= reader->streams.size()) return nullptr;
  return reader->streams[i].name.c_str();
}

int sgz_reader_stream_sizes(const sgz_reader* reader, size_t i, uint64_t* original, uint64_t* stored) {
  if (reader == nullptr || original == nullptr || stored == nullptr) {
    return InvalidArgument("sgz_reader_stream_sizes: null argument");
  }
  if (!reader->streams_loaded || i >= reader->streams.size()) {
    return InvalidArgument("sgz_reader_stream_sizes: index out of range (call sgz_reader_stream_count first)");
  }
  *original = reader->streams[i].original;
  *stored = reader->streams[i].stored;
  return SGZ_OK;
}

}  // extern "C"
