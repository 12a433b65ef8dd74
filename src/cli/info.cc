// sgz info: what an archive holds: format, checksum, GGUF header facts and
// metadata, tensors by type, per-stream sizes (text or JSON).
#include <cinttypes>
#include <cstdio>
#include <map>

#include "cli_common.h"
#include "json.h"

namespace sgz::cli {
namespace {

// Array items shown in JSON and in text; strings are cut after kMaxString
// bytes in both.
constexpr size_t kJsonItems = 16;
constexpr size_t kTextItems = 8;
constexpr size_t kMaxString = 256;

std::string InfoJson(Reader& reader, const std::vector<MetadataEntry>& metadata,
                     const std::vector<StreamStat>& streams) {
  const ArchiveInfo a = reader.archive_info();
  const std::string version = std::to_string(a.format.major) + "." + std::to_string(a.format.minor);
  std::string out = "{\"format_version\": \"" + version + "\", \"archive_size\": " + std::to_string(a.archive_size) +
                    ", \"file\": " + JsonString(reader.file_name()) + ", \"original_size\": " +
                    std::to_string(reader.original_size()) + ", \"checksum\": \"xxh3-64:" + Hex64(a.checksum) +
                    "\", \"ratio\": " + Fixed(Ratio(reader.original_size(), a.archive_size), 6) + ", \"chunks\": " +
                    std::to_string(a.chunks) + ", \"kind\": \"" + (reader.is_gguf() ? "gguf" : "opaque") +
                    "\", \"note\": " + JsonString(reader.note());
  if (reader.is_gguf()) {
    const GgufInfo& g = reader.gguf();
    out += ", \"gguf\": {\"version\": " + std::to_string(g.version) + ", \"byte_order\": \"" +
           (g.big_endian ? "big" : "little") + "\", \"alignment\": " + std::to_string(g.alignment) +
           ", \"data_offset\": " + std::to_string(g.data_offset) + ", \"tensor_count\": " +
           std::to_string(g.tensor_count) + ", \"tensors_by_type\": {";
    bool first = true;
    for (const auto& [type, n] : g.tensors_by_type) {
      out += std::string(first ? "" : ", ") + JsonString(type) + ": " + std::to_string(n);
      first = false;
    }
    out += "}, \"metadata\": [";
    for (size_t i = 0; i < metadata.size(); ++i) {
      const MetadataEntry& m = metadata[i];
      out += std::string(i ? ", " : "") + "{\"key\": " + JsonString(m.key) + ", \"type\": \"" +
             MetadataTypeName(m.value.type) + "\", \"value\": " + MetadataValueJson(m.value) + "}";
    }
    out += "]}";
  }
  return out + ", \"streams\": " + StreamsJson(streams) + "}";
}

void PrintInfoText(const std::string& in, Reader& reader, const std::vector<MetadataEntry>& metadata,
                   const std::vector<StreamStat>& streams) {
  const ArchiveInfo a = reader.archive_info();
  printf("archive:         %s (sgz format %u.%u, %s, %s)\n", in.c_str(), a.format.major, a.format.minor,
         Plural(a.archive_size, "byte").c_str(), Plural(a.chunks, "chunk").c_str());
  printf("original:        %s, %" PRIu64 " bytes, xxh3-64 %s, ratio %.4f\n",
         reader.file_name().empty() ? "(no name)" : reader.file_name().c_str(), reader.original_size(),
         Hex64(a.checksum).c_str(), Ratio(reader.original_size(), a.archive_size));
  if (!reader.is_gguf()) {
    printf("kind:            opaque (not GGUF: %s)\n", reader.note().c_str());
  } else {
    const GgufInfo& g = reader.gguf();
    printf("GGUF:            version %u, %s-endian, alignment %" PRIu64 ", data at %" PRIu64 "\n", g.version,
           g.big_endian ? "big" : "little", g.alignment, g.data_offset);
    printf("metadata:        %zu key/value pairs\n", metadata.size());
    for (size_t i = 0; i < metadata.size(); ++i) {
      const MetadataEntry& m = metadata[i];
      printf("  %4zu: %-8s | %-40s = %s\n", i + 1, MetadataTypeName(m.value.type), m.key.c_str(),
             MetadataValueText(m.value, kTextItems).c_str());
    }
    printf("tensors:         %" PRIu64 "\n", g.tensor_count);
    for (const auto& [type, n] : g.tensors_by_type) printf("  %-8s %" PRIu64 "\n", type.c_str(), n);
  }
  PrintStreams(stdout, streams, reader.original_size(), a.archive_size);
}

// info -v: original and stored bytes per tensor type, which shows where
// the archive's bytes go.
void PrintTypeSizes(const std::vector<TensorInfo>& tensors) {
  std::map<std::string, std::pair<uint64_t, uint64_t>> by_type;  // original, stored
  for (const TensorInfo& t : tensors) {
    by_type[t.type].first += t.size;
    by_type[t.type].second += t.stored_size;
  }
  printf("%-22s %14s %14s %8s\n", "tensor type", "original", "stored", "ratio");
  for (const auto& [type, sizes] : by_type) {
    printf("%-22s %14" PRIu64 " %14" PRIu64 " %8.4f\n", type.c_str(), sizes.first, sizes.second,
           Ratio(sizes.first, sizes.second));
  }
}

}  // namespace

int CmdInfo(const Args& r, const Common& c, const std::vector<std::string>& args) {
  (void)r;
  if (args.size() != 1) return Usage("info takes one archive");
  const std::string in = args[0];
  ErrorOr<Reader> reader = Reader::Open(in);
  if (!reader.ok()) return Fail(in, reader.error());
  reader->set_threads(c.threads);
  ErrorOr<std::vector<StreamStat>> streams = reader->StreamStats();
  if (!streams.ok()) return Fail(in, streams.error());
  std::vector<MetadataEntry> metadata;
  if (reader->is_gguf()) {
    MetadataLimits limits;
    limits.max_items = kJsonItems;
    limits.max_string = kMaxString;
    ErrorOr<std::vector<MetadataEntry>> m = reader->Metadata(limits);
    if (!m.ok()) return Fail(in, m.error());
    metadata = std::move(m).value();
  }
  if (c.json) {
    EmitJson(InfoJson(*reader, metadata, *streams));
  } else {
    PrintInfoText(in, *reader, metadata, *streams);
    if (c.verbose && reader->is_gguf()) PrintTypeSizes(reader->tensors());
  }
  return kExitOk;
}

}  // namespace sgz::cli
