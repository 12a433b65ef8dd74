// What a Reader tells about the archived file beyond its tensors: GGUF
// metadata (decoded from the header chunks), per-stream statistics, and the
// text rendering of metadata values.
#include <cinttypes>
#include <cstdio>
#include <map>

#include "api/api_internal.h"
#include "container/format.h"
#include "streams/gguf_values.h"

namespace sgz {

using namespace internal;       // NOLINT: this file translates the internal library
using namespace internal::api;  // NOLINT

namespace {

MetadataValue ToPublic(GgufValue&& v) {
  MetadataValue out;
  out.type = static_cast<MetadataType>(v.type);
  out.u = v.u;
  out.i = v.i;
  out.f = v.f;
  out.str = std::move(v.str);
  out.string_size = v.string_size;
  out.element_type = static_cast<MetadataType>(v.element_type);
  out.count = v.count;
  out.items.reserve(v.items.size());
  for (GgufValue& item : v.items) out.items.push_back(ToPublic(std::move(item)));
  return out;
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (unsigned char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20) {
      char b[8];
      snprintf(b, sizeof b, "\\x%02x", c);
      out += b;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "'";
}

}  // namespace

namespace internal::api {

std::vector<MetadataEntry> DecodeMetadata(const uint8_t* header, const GgufLayout& layout, bool big_endian,
                                          const MetadataLimits& limits) {
  std::vector<MetadataEntry> out;
  out.reserve(layout.kvs.size());
  for (const GgufKv& kv : layout.kvs) {
    MetadataEntry e;
    e.key = kv.key;
    e.value = ToPublic(DecodeGgufValue(header, kv, big_endian, limits.max_items, limits.max_string));
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace internal::api

const char* MetadataTypeName(MetadataType type) { return GgufValueTypeName(static_cast<uint32_t>(type)); }

std::string MetadataValueText(const MetadataValue& v, size_t max_items) {
  char buf[64];
  switch (v.type) {
    case MetadataType::kU8: case MetadataType::kU16: case MetadataType::kU32: case MetadataType::kU64:
      snprintf(buf, sizeof buf, "%" PRIu64, v.u);
      return buf;
    case MetadataType::kI8: case MetadataType::kI16: case MetadataType::kI32: case MetadataType::kI64:
      snprintf(buf, sizeof buf, "%" PRId64, v.i);
      return buf;
    case MetadataType::kBool:
      return v.u != 0 ? "true" : "false";
    case MetadataType::kF32: case MetadataType::kF64:
      snprintf(buf, sizeof buf, "%.9g", v.f);
      return buf;
    case MetadataType::kString:
      return Quote(v.string_size > v.str.size() ? v.str + "..." : v.str);
    case MetadataType::kArray: {
      const size_t shown = std::min(max_items, v.items.size());
      std::string items;
      for (size_t i = 0; i < shown; ++i) items += (i ? ", " : "") + MetadataValueText(v.items[i], max_items);
      return "[" + items + (v.count > shown ? ", ..." : "") + "] (" + std::to_string(v.count) + " " +
             MetadataTypeName(v.element_type) + ")";
    }
  }
  return "?";
}

ErrorOr<std::vector<MetadataEntry>> Reader::Metadata(const MetadataLimits& limits) {
  return Guarded([&]() -> ErrorOr<std::vector<MetadataEntry>> {
    Impl& impl = *impl_;
    if (!impl.layout) {
      auto layout = std::make_unique<GgufLayout>();
      Status s = impl.view->ReadGgufHeader(&impl.header, layout.get());
      if (!s.ok()) return ToError(s);
      impl.layout = std::move(layout);
    }
    return DecodeMetadata(impl.header.data(), *impl.layout, impl.file().big_endian, limits);
  });
}

ErrorOr<std::vector<StreamStat>> Reader::StreamStats() {
  return Guarded([&]() -> ErrorOr<std::vector<StreamStat>> {
    std::map<std::string, StreamTotals> totals;
    Status s = impl_->view->StreamStats(&totals);
    if (!s.ok()) return ToError(s);
    std::vector<StreamStat> out;
    for (const auto& [name, t] : totals) out.push_back({name, t.raw, t.stored});
    return out;
  });
}

namespace internal::api {

std::vector<MemberInfo> ListMembers(const internal::Manifest& manifest) {
  std::vector<MemberInfo> out;
  out.reserve(manifest.files.size());
  for (const internal::FileEntry& f : manifest.files) {
    MemberInfo m;
    m.name = f.name;
    m.original_size = f.original_size;
    for (uint32_t c : f.chunks) {
      const internal::ChunkEntry& e = manifest.chunks[c];
      m.stored_size += e.stored_size;
      if (e.transform == internal::Transform::kCopy) m.shared_size += e.original_size;
    }
    m.chunks = f.chunks.size();
    m.gguf = f.kind == internal::EntryKind::kGguf;
    m.note = f.note;
    m.checksum = f.checksum;
    m.attributes = PublicAttributes(f.attributes);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace internal::api

}  // namespace sgz
