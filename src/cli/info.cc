// sgz info: what an archive holds: format, checksum, GGUF header facts and
// metadata, tensors by type, per-stream sizes (text or JSON).
#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <map>

#include "cli_common.h"
#include "json.h"
#include "listing.h"

namespace sgz::cli {
namespace {

// Array items and string bytes shown in text; --json and --full show all.
constexpr size_t kTextItems = 8;
constexpr size_t kMaxString = 256;

// The recorded mode as octal ("0640"), the mtime in UTC as RFC 3339 with
// nanoseconds ("2021-03-04T05:06:07.123456789Z"); empty when not recorded.
std::string ModeText(const FileAttributes& a) {
  if (!a.has_mode) return "";
  char buf[16];
  snprintf(buf, sizeof buf, "%04o", a.mode);
  return buf;
}

std::string MtimeText(const FileAttributes& a) {
  if (!a.has_mtime) return "";
  const time_t t = static_cast<time_t>(a.mtime_sec);
  struct tm tm;
  char buf[64];
  if (gmtime_r(&t, &tm) == nullptr || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
    snprintf(buf, sizeof buf, "@%" PRId64 ".%09u", a.mtime_sec, a.mtime_nsec);  // beyond RFC 3339's years
    return buf;
  }
  const size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, sizeof buf - n, ".%09uZ", a.mtime_nsec);
  return buf;
}

std::string JsonOrNull(const std::string& s) { return s.empty() ? "null" : JsonString(s); }

std::string GgufJson(const GgufInfo& g, const std::vector<MetadataEntry>& metadata) {
  std::string out = "{\"version\": " + std::to_string(g.version) + ", \"byte_order\": \"" +
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
  return out + "]}";
}

void PrintGgufText(const GgufInfo& g, const std::vector<MetadataEntry>& metadata, size_t items) {
  printf("GGUF:            version %u, %s-endian, alignment %" PRIu64 ", data at %" PRIu64 "\n", g.version,
         g.big_endian ? "big" : "little", g.alignment, g.data_offset);
  printf("metadata:        %zu key/value pairs\n", metadata.size());
  for (size_t i = 0; i < metadata.size(); ++i) {
    const MetadataEntry& m = metadata[i];
    printf("  %4zu: %-8s | %-40s = %s\n", i + 1, MetadataTypeName(m.value.type), m.key.c_str(),
           MetadataValueText(m.value, items).c_str());
  }
  printf("tensors:         %" PRIu64 "\n", g.tensor_count);
  for (const auto& [type, n] : g.tensors_by_type) printf("  %-8s %" PRIu64 "\n", type.c_str(), n);
}

std::string InfoJson(Reader& reader, const std::vector<MetadataEntry>& metadata,
                     const std::vector<StreamStat>& streams) {
  const ArchiveInfo a = reader.archive_info();
  const std::string version = std::to_string(a.format.major) + "." + std::to_string(a.format.minor);
  std::string out = "{\"format_version\": \"" + version + "\", \"archive_size\": " + std::to_string(a.archive_size) +
                    ", \"ignored_bytes\": " + std::to_string(a.ignored_bytes) +
                    ", \"file\": " + JsonString(reader.file_name()) + ", \"original_size\": " +
                    std::to_string(reader.original_size()) + ", \"checksum\": \"xxh3-64:" + Hex64(a.checksum) +
                    "\", \"ratio\": " + Fixed(Ratio(reader.original_size(), a.archive_size), 6) + ", \"chunks\": " +
                    std::to_string(a.chunks) + ", \"archive\": true, \"kind\": \"" +
                    (reader.is_gguf() ? "gguf" : "opaque") +
                    "\", \"note\": " + JsonString(reader.note()) +
                    ", \"mode\": " + JsonOrNull(ModeText(reader.file_attributes())) +
                    ", \"mtime\": " + JsonOrNull(MtimeText(reader.file_attributes()));
  if (reader.is_gguf()) out += ", \"gguf\": " + GgufJson(reader.gguf(), metadata);
  return out + ", \"streams\": " + StreamsJson(streams) + "}";
}

void PrintInfoText(const std::string& in, Reader& reader, const std::vector<MetadataEntry>& metadata,
                   const std::vector<StreamStat>& streams, size_t items, bool exact) {
  const ArchiveInfo a = reader.archive_info();
  printf("archive:         %s (sgz format %u.%u, %s, %s)\n", InName(in).c_str(), a.format.major, a.format.minor,
         SizePhrase(a.archive_size, exact).c_str(), Plural(a.chunks, "chunk").c_str());
  printf("original:        %s, %s, xxh3-64 %s, ratio %.4f\n",
         reader.file_name().empty() ? "(no name)" : reader.file_name().c_str(),
         SizePhrase(reader.original_size(), exact).c_str(), Hex64(a.checksum).c_str(),
         Ratio(reader.original_size(), a.archive_size));
  const std::string mode = ModeText(reader.file_attributes()), mtime = MtimeText(reader.file_attributes());
  printf("attributes:      %s\n", mode.empty() && mtime.empty() ? "none recorded"
                                   : ("mode " + (mode.empty() ? "-" : mode) + ", modified " +
                                      (mtime.empty() ? "-" : mtime)).c_str());
  if (!reader.is_gguf()) {
    printf("kind:            opaque (not GGUF: %s)\n", reader.note().c_str());
  } else {
    PrintGgufText(reader.gguf(), metadata, items);
  }
  PrintStreams(stdout, streams, reader.original_size(), a.archive_size, exact);
}

// A plain GGUF file: its header, as for an archive, without archive facts.
// info -v: original and stored bytes per tensor type, which shows where
// the archive's bytes go.
void PrintTypeSizes(const std::vector<TensorInfo>& tensors, bool exact) {
  std::map<std::string, std::pair<uint64_t, uint64_t>> by_type;  // original, stored
  for (const TensorInfo& t : tensors) {
    by_type[t.type].first += t.size;
    by_type[t.type].second += t.stored_size;
  }
  printf("%-22s %14s %14s %8s\n", "tensor type", "original", "stored", "ratio");
  for (const auto& [type, sizes] : by_type) {
    printf("%-22s %14s %14s %8.4f\n", type.c_str(), SizeText(sizes.first, exact).c_str(),
           SizeText(sizes.second, exact).c_str(), Ratio(sizes.first, sizes.second));
  }
}

int InfoGguf(const std::string& in, const Common& c, const GgufFileInfo& f, size_t items, bool exact) {
  if (c.json) {
    EmitJson("{\"file\": " + JsonString(RedactUrl(in)) + ", \"archive\": false, \"kind\": \"gguf\", \"original_size\": " +
             std::to_string(f.size) + ", \"gguf\": " + GgufJson(f.gguf, f.metadata) + "}");
    return kExitOk;
  }
  printf("file:            %s (a GGUF file, not an sgz archive), %s\n", in.c_str(), SizePhrase(f.size, exact).c_str());
  PrintGgufText(f.gguf, f.metadata, items);
  return kExitOk;
}

// An archive of several members: the archive's facts and one line (JSON:
// one object) per member; `sgz ls IN MEMBER` lists a member's tensors.
int InfoMembers(const std::string& in, const Common& c, Reader& reader, bool exact) {
  const ArchiveInfo a = reader.archive_info();
  const std::vector<MemberInfo>& members = reader.members();
  uint64_t original = 0;
  for (const MemberInfo& m : members) original += m.original_size;
  if (c.json) {
    std::string out = "{\"format_version\": \"" + std::to_string(a.format.major) + "." + std::to_string(a.format.minor) +
                      "\", \"archive_size\": " + std::to_string(a.archive_size) +
                      ", \"ignored_bytes\": " + std::to_string(a.ignored_bytes) + ", \"original_size\": " +
                      std::to_string(original) + ", \"ratio\": " + Fixed(Ratio(original, a.archive_size), 6) +
                      ", \"chunks\": " + std::to_string(a.chunks) + ", \"archive\": true, \"members\": [";
    for (size_t i = 0; i < members.size(); ++i) {
      const MemberInfo& m = members[i];
      out += std::string(i ? ", " : "") + "{\"name\": " + JsonString(m.name) + ", \"kind\": \"" +
             (m.gguf ? "gguf" : "opaque") + "\", \"note\": " + JsonString(m.note) + ", \"original_size\": " +
             std::to_string(m.original_size) + ", \"stored\": " + std::to_string(m.stored_size) +
             ", \"chunks\": " + std::to_string(m.chunks) + ", \"checksum\": \"xxh3-64:" + Hex64(m.checksum) +
             "\", \"mode\": " + JsonOrNull(ModeText(m.attributes)) + ", \"mtime\": " +
             JsonOrNull(MtimeText(m.attributes)) + "}";
    }
    EmitJson(out + "]}");
    return kExitOk;
  }
  printf("archive:         %s (sgz format %u.%u, %s, %s)\n", InName(in).c_str(), a.format.major, a.format.minor,
         SizePhrase(a.archive_size, exact).c_str(), Plural(a.chunks, "chunk").c_str());
  printf("members:         %zu, %s, ratio %.4f\n", members.size(), SizePhrase(original, exact).c_str(),
         Ratio(original, a.archive_size));
  for (const MemberInfo& m : members) {
    const std::string mode = ModeText(m.attributes), mtime = MtimeText(m.attributes);
    printf("  %-46s %-6s %10s  xxh3-64 %s  %s %s\n", m.name.c_str(), m.gguf ? "gguf" : "opaque",
           SizeText(m.original_size, exact).c_str(), Hex64(m.checksum).c_str(), mode.empty() ? "-" : mode.c_str(),
           mtime.empty() ? "-" : mtime.c_str());
  }
  return kExitOk;
}

}  // namespace

int CmdInfo(const Args& r, const Common& c, const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage("info takes one archive");
  const std::string in = args[0];
  const bool full = c.json || r.count("full") > 0;
  const bool exact = r.count("bytes") > 0;
  const size_t items = full ? SIZE_MAX : kTextItems;
  MetadataLimits limits;
  limits.max_items = items;
  limits.max_string = full ? SIZE_MAX : kMaxString;
  Listed listed;
  if (const int rc = OpenListed(in, c, limits, &listed); rc != kExitOk) return rc;
  if (listed.gguf) return InfoGguf(in, c, *listed.gguf, items, exact);
  Reader& reader = *listed.reader;
  if (reader.members().size() > 1) return InfoMembers(in, c, reader, exact);
  ErrorOr<std::vector<StreamStat>> streams = reader.StreamStats();
  if (!streams.ok()) return Fail(in, streams.error());
  std::vector<MetadataEntry> metadata;
  if (reader.is_gguf()) {
    ErrorOr<std::vector<MetadataEntry>> m = reader.Metadata(limits);
    if (!m.ok()) return Fail(in, m.error());
    metadata = std::move(m).value();
  }
  if (c.json) {
    EmitJson(InfoJson(reader, metadata, *streams));
  } else {
    PrintInfoText(in, reader, metadata, *streams, items, exact);
    if (c.verbose && reader.is_gguf()) PrintTypeSizes(reader.tensors(), exact);
  }
  return kExitOk;
}

}  // namespace sgz::cli
