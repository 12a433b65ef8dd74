#include "spec_code.h"

#include "common/checksum.h"
#include "container/member_record.h"
#include "container/predict_chunk.h"

#include "common/coding.h"
#include "container/format.h"
#include "streams/codec.h"
#include "streams/ggml_types.h"
#include "streams/gguf_reader.h"
#include "streams/transform.h"

namespace sgz::internal::spec {
namespace {

using Rows = std::vector<std::vector<std::string>>;

#define SGZ_LIMIT(constant) \
  { "`" #constant "`", constant, "" }

// ---- Id probes: does the decoder accept the id?

bool ChunkDecodes(uint8_t transform, uint32_t type, uint8_t codec, const std::vector<uint32_t>& raw, uint32_t cut) {
  ChunkHeader h;
  h.transform = static_cast<Transform>(transform);
  h.type = type;
  for (uint32_t r : raw) {
    h.original_size += r;
    h.streams.push_back({static_cast<Codec>(codec), r, r > cut ? r - cut : r});
  }
  std::string b;
  h.EncodeTo(&b);
  ChunkHeader out;
  size_t needed = 0;
  return ChunkHeader::DecodeFrom(U8(b), b.size(), FormatVersion(), &out, &needed).ok() && needed <= b.size();
}

bool CodecKnown(uint8_t id) { return ChunkDecodes(0, 0, id, {5}, 0) || ChunkDecodes(0, 0, id, {5}, 1); }

// A chunk header of 8 bytes without streams (a copy of chunk 0).
bool ChunkWithoutStreamsDecodes(uint8_t transform) {
  ChunkHeader h;
  h.transform = static_cast<Transform>(transform);
  h.original_size = 8;
  std::string b;
  h.EncodeTo(&b);
  ChunkHeader out;
  size_t needed = 0;
  return ChunkHeader::DecodeFrom(U8(b), b.size(), FormatVersion(), &out, &needed).ok() && needed <= b.size();
}

// Any layout a known transform may give for 8 bytes: one stream (stored, or
// zstd, which a referencing chunk requires), the F32 split (4 planes of 2
// bytes and an empty tail), or none.
// A header of one Q8_0 block with a 12-byte parameter stream before its
// split streams (transform 4's layout), all stored.
bool PredictedChunkDecodes(uint8_t transform) {
  ChunkHeader h;
  h.transform = static_cast<Transform>(transform);
  h.type = 8;
  h.original_size = 34;
  for (uint64_t r : StreamSizes(Transform::kPredict, FindGgmlType(8), 34)) {
    h.streams.push_back({Codec::kStored, static_cast<uint32_t>(r), static_cast<uint32_t>(r)});
  }
  std::string b;
  h.EncodeTo(&b);
  ChunkHeader out;
  size_t needed = 0;
  return ChunkHeader::DecodeFrom(U8(b), b.size(), FormatVersion(), &out, &needed).ok() && needed <= b.size();
}

bool TransformKnown(uint8_t id) {
  return ChunkDecodes(id, 0, 0, {8}, 0) || ChunkDecodes(id, 0, 1, {8}, 1) || ChunkDecodes(id, 0, 0, {2, 2, 2, 2, 0}, 0) ||
         ChunkWithoutStreamsDecodes(id) || PredictedChunkDecodes(id);
}

bool KindKnown(uint8_t id) {
  Manifest m;
  FileEntry f;
  f.kind = static_cast<EntryKind>(id);
  f.gguf_version = 3;
  f.alignment = 32;
  m.files.push_back(f);
  std::string b;
  m.EncodeTo(&b);
  return Manifest::DecodeFrom(U8(b), b.size(), FileHeader::kEncodedLength, FormatVersion()).ok();
}

// Rows for the ids `known` accepts, named and dated by the code's id table
// (a known id without a row gets "?", which no spec row matches), and ranges
// of the others.
Rows ProbeRows(bool (*known)(uint8_t), const IdRow* table, size_t table_size) {
  Rows rows;
  int gap = -1;
  for (int id = 0; id <= 256; ++id) {
    const bool k = id < 256 && known(static_cast<uint8_t>(id));
    if (!k && id < 256) {
      if (gap < 0) gap = id;
      continue;
    }
    if (gap >= 0) {
      rows.push_back({gap == id - 1 ? std::to_string(gap) : std::to_string(gap) + "-" + std::to_string(id - 1), "—", ""});
      gap = -1;
    }
    if (id == 256) break;
    const IdRow* row = FindIdRow(table, table_size, static_cast<uint32_t>(id));
    rows.push_back({std::to_string(id), row ? row->name : "?",
                    row ? VersionString({row->since_major, row->since_minor}) : "?"});
  }
  return rows;
}

}  // namespace

std::string Le(uint64_t v, int width) {
  std::string out;
  for (int j = 0; j < width; ++j) out += static_cast<char>(v >> (8 * j));
  return out;
}

uint16_t SpecMajor() { return kFormatMajor; }
uint16_t SpecMinor() { return kFormatMinor; }

Sample FileHeaderSample() {
  Sentinels s;
  FileHeader h;
  h.major = static_cast<uint16_t>(s.Next(2));
  h.minor = static_cast<uint16_t>(s.Next(2));
  h.flags = 0;
  Sample out;
  h.EncodeTo(&out.bytes);
  out.length = FileHeader::kEncodedLength;
  out.scope.fields = {{"magic", Bytes(std::string(reinterpret_cast<const char*>(kHeaderMagic), 8))},
                      SGZ_FIELD_STATED(h, major, SpecMajor()),
                      SGZ_FIELD_STATED(h, minor, SpecMinor()),
                      {"flags", Zero()}};
  return out;
}

Sample FooterSample() {
  Sentinels s;
  Footer f;
  f.manifest_offset = s.Next(8);
  f.manifest_size = s.Next(8);
  f.manifest_checksum = s.Next(8);
  f.major = static_cast<uint16_t>(s.Next(2));
  f.minor = static_cast<uint16_t>(s.Next(2));
  f.flags = 0;
  Sample out;
  f.EncodeTo(&out.bytes);
  out.length = Footer::kEncodedLength;
  out.scope.fields = {SGZ_FIELD(f, manifest_offset),
                      SGZ_FIELD(f, manifest_size),
                      SGZ_FIELD(f, manifest_checksum),
                      SGZ_FIELD_STATED(f, major, SpecMajor()),
                      SGZ_FIELD_STATED(f, minor, SpecMinor()),
                      {"flags", Zero()},
                      {"magic", Bytes(std::string(reinterpret_cast<const char*>(kFooterMagic), 8))}};
  return out;
}

Sample PredictParamsSample() {
  Sentinels s;
  PredictParams p;
  p.rounding = static_cast<FpRounding>(s.Next(1));
  p.parent_type = static_cast<uint32_t>(s.Next(1));
  p.flags = kPredictScales | kPredictImportance;  // every field present
  p.parent_chunk = static_cast<uint32_t>(s.Next(4));
  p.parent_offset = static_cast<uint32_t>(s.Next(4));
  p.importance_chunk = static_cast<uint32_t>(s.Next(4));
  p.importance_offset = static_cast<uint32_t>(s.Next(4));
  p.counts_bits = static_cast<uint32_t>(s.Next(4));
  p.row_length = static_cast<uint32_t>(s.Next(4));
  p.first_column = static_cast<uint32_t>(s.Next(4));
  Sample out;
  EncodePredictParams(p, &out.bytes);
  out.length = kPredictParamBytesImportance;
  out.scope.fields = {{"version", Bytes("\x01")},
                      {"rounding", Int(static_cast<uint64_t>(p.rounding))},
                      SGZ_FIELD(p, parent_type),
                      {"flags", Int(p.flags)},
                      SGZ_FIELD(p, parent_chunk),
                      SGZ_FIELD(p, parent_offset),
                      SGZ_FIELD(p, importance_chunk),
                      SGZ_FIELD(p, importance_offset),
                      {"counts", Int(p.counts_bits)},
                      SGZ_FIELD(p, row_length),
                      SGZ_FIELD(p, first_column)};
  return out;
}

Sample MemberRecordSample() {
  MemberRecord r;
  r.first_chunk = 0x01020304;
  r.name = "zoo/x.gguf";
  Sample out;
  r.EncodeTo(&out.bytes);
  out.length = out.bytes.size();
  const std::string content = out.bytes.substr(RecordHeader::kEncodedLength);
  out.scope.fields = {{"tag", Bytes(Le(kRecordTag, 4))},
                      {"kind", Int(RecordHeader::kMember)},
                      {"flags", Zero()},
                      {"size", Int(content.size())},
                      {"checksum", Int(Xxh3(content.data(), content.size()))},
                      {"content", Rest()}};
  return out;
}

static ChunkHeader SentinelChunkHeader(Sentinels* s) {
  ChunkHeader h;
  h.transform = static_cast<Transform>(s->Next(1));
  h.streams.resize(s->Next(1));
  h.type = static_cast<uint32_t>(s->Next(4));
  h.original_size = static_cast<uint32_t>(s->Next(4));
  h.checksum = s->Next(8);
  h.streams[0] = {static_cast<Codec>(s->Next(1)), static_cast<uint32_t>(s->Next(4)), static_cast<uint32_t>(s->Next(4))};
  return h;
}

Sample ChunkHeaderSample() {
  Sentinels s;
  const ChunkHeader h = SentinelChunkHeader(&s);
  Sample out;
  h.EncodeTo(&out.bytes);
  out.length = ChunkHeader::kFixedLength;
  out.scope.fields = {{"tag", Bytes(Le(kChunkTag, 4))},
                      SGZ_FIELD(h, transform),
                      {"stream_count", Int(h.streams.size())},
                      {"flags", Zero()},
                      SGZ_FIELD(h, type),
                      SGZ_FIELD(h, original_size),
                      SGZ_FIELD(h, checksum)};
  return out;
}

Sample StreamDescriptorSample() {
  Sentinels s;
  const ChunkHeader h = SentinelChunkHeader(&s);
  std::string all;
  h.EncodeTo(&all);
  Sample out;
  out.bytes = all.substr(ChunkHeader::kFixedLength, ChunkHeader::kStreamDescLength);
  out.length = ChunkHeader::kStreamDescLength;
  const StreamDesc& d = h.streams[0];
  out.scope.fields = {SGZ_FIELD(d, codec),
                      {"(reserved)", Zero()},
                      SGZ_FIELD(d, raw_size),
                      SGZ_FIELD(d, stored_size)};
  return out;
}

// Probed once: the code does not change while the test runs.
std::vector<std::vector<std::string>> CodecRows() {
  static const Rows rows = ProbeRows(CodecKnown, kCodecTable, kCodecTableSize);
  return rows;
}

std::vector<std::vector<std::string>> TransformRows() {
  static const Rows rows = ProbeRows(TransformKnown, kTransformTable, kTransformTableSize);
  return rows;
}

std::vector<std::vector<std::string>> FileKindRows() {
  static const Rows rows = ProbeRows(KindKnown, kFileKindTable, kFileKindTableSize);
  return rows;
}

std::vector<std::vector<std::string>> GgmlTypeRows() {
  std::vector<std::vector<std::string>> rows;
  for (uint32_t id = 0; id < 1024; ++id) {
    const GgmlType* t = FindGgmlType(id);
    if (t == nullptr) {
      // ggml's removed ids; the former names live only in the spec.
      if (id < kGgmlTypeCount) rows.push_back({std::to_string(id), "—", "", "", "reserved (formerly *)", ""});
      continue;
    }
    std::string fields;
    for (const BlockField& f : t->fields) {
      const char* layout = f.layout == FieldLayout::kPlain ? "P" : f.layout == FieldLayout::kGrouped ? "G" : "B";
      fields += (fields.empty() ? "" : ", ") + std::string(f.name) + " " + std::to_string(f.bytes) + " " + layout;
    }
    rows.push_back({std::to_string(id), t->name, std::to_string(t->block_weights), std::to_string(t->block_bytes),
                    fields, std::to_string(t->StreamCount() + 1)});
  }
  return rows;
}

std::vector<Limit> Limits() {
  const bool stored_at_most_raw = MaxStoredSize(0) == 0 && MaxStoredSize(12345) == 12345;
  return {
      SGZ_LIMIT(kMaxChunkSize),
      SGZ_LIMIT(kMaxStreamsPerChunk),
      SGZ_LIMIT(kMaxManifestSize),
      SGZ_LIMIT(kMaxFiles),
      SGZ_LIMIT(kMaxNameBytes),
      SGZ_LIMIT(kMaxNoteBytes),
      SGZ_LIMIT(kMaxGgufHeaderBytes),
      {"`ZSEC` window", uint64_t{1} << kMaxGrowingWindowLog, ""},
      {"tensor name", kGgufMaxNameLength, ""},
      {"`n_dims`", kGgufMaxDims, ""},
      // One row for both; differing values would need two rows.
      {"tensors, key/value pairs", kGgufMaxTensors == kGgufMaxKvs ? kGgufMaxTensors : 0, ""},
      {"stream sizes", 0, stored_at_most_raw ? "`stored_size <= raw_size`" : "(MaxStoredSize is not the raw size)"},
  };
}

}  // namespace sgz::internal::spec
