#include "spec_code.h"

#include "common/coding.h"
#include "container/format.h"
#include "streams/codec.h"
#include "streams/ggml_types.h"
#include "streams/gguf_reader.h"
#include "streams/transform.h"

namespace sgz::internal::spec {
namespace {

std::string Le(uint64_t v, int width) {
  std::string out;
  for (int j = 0; j < width; ++j) out += static_cast<char>(v >> (8 * j));
  return out;
}

using Rows = std::vector<std::vector<std::string>>;

// A field named by the code's member, so that the name the spec must use is
// the member's (a renamed member renames the expectation).
#define SGZ_FIELD(obj, member) \
  { #member, Int(static_cast<uint64_t>((obj).member)) }
#define SGZ_FIELD_BYTES(obj, member) \
  { #member, Bytes((obj).member) }
#define SGZ_FIELD_STATED(obj, member, stated) \
  { #member, Stated(static_cast<uint64_t>((obj).member), stated) }
#define SGZ_LIMIT(constant) \
  { "`" #constant "`", constant, "" }

const uint8_t* U8(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

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

// Either layout a known transform may give for 8 bytes: one stream, or the
// F32 split (4 planes of 2 bytes and an empty tail).
bool TransformKnown(uint8_t id) { return ChunkDecodes(id, 0, 0, {8}, 0) || ChunkDecodes(id, 0, 0, {2, 2, 2, 2, 0}, 0); }

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

// Rows for the ids `known` accepts, named by `names` (a known id the test
// cannot name gets "?", which no spec row matches), and ranges of the others.
std::vector<std::vector<std::string>> ProbeRows(bool (*known)(uint8_t),
                                                const std::vector<std::pair<int, std::string>>& names) {
  std::vector<std::vector<std::string>> rows;
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
    std::string name = "?";
    for (const auto& [i, n] : names) {
      if (i == id) name = n;
    }
    // TODO(lead, after merging format2): take the name and Since from the
    // codec/transform/kind tables format2 adds, instead of these literals.
    rows.push_back({std::to_string(id), name, "1.0"});
  }
  return rows;
}

// The sample manifest: two chunks; file 0 GGUF with two tensors, file 1 opaque.
struct ManifestSample {
  Manifest m;
  std::vector<Scope> chunks, files;
};

ManifestSample BuildManifest() {
  Sentinels s;
  ManifestSample out;
  for (int i = 0; i < 2; ++i) {
    ChunkEntry c;
    c.file_offset = s.Next(8);
    c.stored_size = static_cast<uint32_t>(s.Next(4));
    c.original_size = static_cast<uint32_t>(s.Next(4));
    c.transform = static_cast<Transform>(s.Next(1));
    c.stream_count = static_cast<uint8_t>(s.Next(1));
    c.type = static_cast<uint32_t>(s.Next(4));
    c.checksum = s.Next(8);
    out.m.chunks.push_back(c);
    Scope e;
    e.fields = {SGZ_FIELD(c, file_offset), SGZ_FIELD(c, stored_size),  SGZ_FIELD(c, original_size),
                SGZ_FIELD(c, transform),   SGZ_FIELD(c, stream_count), {"flags", Zero()},
                SGZ_FIELD(c, type),        SGZ_FIELD(c, checksum)};
    out.chunks.push_back(e);
  }
  const std::string appendix = "Appendix: the format 1.0 manifest > ";
  for (int i = 0; i < 2; ++i) {
    FileEntry f;
    f.name = std::string(0x0102 + i, static_cast<char>('a' + i));
    f.original_size = s.Next(8);
    f.checksum = s.Next(8);
    f.kind = i == 0 ? EntryKind::kGguf : EntryKind::kOpaque;
    if (i == 1) f.note = std::string(0x0203, 'n');
    for (int k = 0; k < 3 - i; ++k) f.chunks.push_back(static_cast<uint32_t>(s.Next(4)));
    Scope summary;
    if (i == 0) {
      f.gguf_version = static_cast<uint32_t>(s.Next(4));
      f.big_endian = true;
      f.alignment = s.Next(8);
      f.data_offset = s.Next(8);
      f.kv_count = s.Next(8);
      std::vector<Scope> tensors;
      for (int t = 0; t < 2; ++t) {
        TensorEntry te;
        te.name = std::string(0x0104 + t, static_cast<char>('A' + t));
        te.type = static_cast<uint32_t>(s.Next(4));
        te.n_dims = 3;
        std::vector<uint64_t> ne;
        for (uint32_t d = 0; d < te.n_dims; ++d) {
          ne.push_back(s.Next(8));
          te.ne[d] = static_cast<int64_t>(ne.back());
        }
        te.offset = s.Next(8);
        te.size = s.Next(8);
        f.tensors.push_back(te);
        Scope ts;
        ts.fields = {{"name_len", Int(te.name.size())}, SGZ_FIELD_BYTES(te, name), SGZ_FIELD(te, type),
                     SGZ_FIELD(te, n_dims), {"ne", Ints(ne)}, SGZ_FIELD(te, offset), SGZ_FIELD(te, size)};
        tensors.push_back(ts);
      }
      summary.fields = {SGZ_FIELD(f, gguf_version),
                        SGZ_FIELD(f, big_endian),
                        {"(reserved)", Zero()},
                        SGZ_FIELD(f, alignment),
                        SGZ_FIELD(f, data_offset),
                        SGZ_FIELD(f, kv_count),
                        {"tensor_count", Int(f.tensors.size())},
                        {"tensors", Sub(appendix + "1.0 Tensor entry", 0, false, tensors)}};
    }
    out.m.files.push_back(f);
    std::vector<uint64_t> refs(f.chunks.begin(), f.chunks.end());
    Scope fs;
    fs.fields = {{"name_len", Int(f.name.size())},
                 SGZ_FIELD_BYTES(f, name),
                 SGZ_FIELD(f, original_size),
                 SGZ_FIELD(f, checksum),
                 SGZ_FIELD(f, kind),
                 {"flags", Zero()},
                 {"note_len", Int(f.note.size())},
                 SGZ_FIELD_BYTES(f, note),
                 {"chunk_ref_count", Int(f.chunks.size())},
                 {"chunk_refs", Ints(refs)},
                 {"GGUF summary", Sub(appendix + "1.0 GGUF summary", 0, false,
                                      i == 0 ? std::vector<Scope>{summary} : std::vector<Scope>{})}};
    out.files.push_back(fs);
  }
  return out;
}

std::string EncodeManifest(const Manifest& m) {
  // TODO(lead, after merging format2): Manifest::EncodeTo writes 2.0. Encode
  // the 1.0 appendix samples with the 1.0 encoder if format2 keeps one, else
  // check the appendix tables against a fixture (fixtures/, sgz 0.1.0 output).
  std::string b;
  m.EncodeTo(&b);
  return b;
}

}  // namespace

uint16_t SpecMajor() { return kFormatMajor >= 2 ? kFormatMajor : 2; }
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

Sample ManifestFrameSample() {
  Sample out;
  out.bytes = EncodeManifest(BuildManifest().m);
  out.length = out.bytes.size();
  out.scope.fields = {{"tag", Bytes(Le(kManifestTag, 4))},
                      {"flags", Zero()},
                      {"body_size", Int(out.bytes.size() - kManifestFrameHeader)},
                      {"body", Rest()}};
  return out;
}

Sample ChunkEntrySample() {
  const ManifestSample m = BuildManifest();
  std::string frame;
  m.m.EncodeTo(&frame);
  // Located by its first field's sentinel, so that this holds for the 1.0
  // body and for format2's CHNK section alike; a misplaced field still shows,
  // as every other row is read relative to it.
  const size_t at = frame.find(Le(m.m.chunks[0].file_offset, 8));
  Sample out;
  out.bytes = at == std::string::npos ? "" : frame.substr(at, ChunkEntry::kEncodedLength);
  out.length = ChunkEntry::kEncodedLength;
  out.scope = m.chunks[0];
  return out;
}

Sample ManifestBody10Sample() {
  const ManifestSample m = BuildManifest();
  const std::string appendix = "Appendix: the format 1.0 manifest > ";
  Sample out;
  out.bytes = EncodeManifest(m.m).substr(kManifestFrameHeader);
  out.length = out.bytes.size();
  out.scope.fields = {{"chunk_count", Int(m.m.chunks.size())},
                      {"file_count", Int(m.m.files.size())},
                      {"chunk table", Sub(appendix + "1.0 Chunk entry", 0, true, m.chunks)},
                      {"file table", Sub(appendix + "1.0 File entry", 0, false, m.files)}};
  return out;
}

// Probed once: the code does not change while the test runs.
std::vector<std::vector<std::string>> CodecRows() {
  static const Rows rows =
      ProbeRows(CodecKnown, {{static_cast<int>(Codec::kStored), "stored"}, {static_cast<int>(Codec::kZstd), "zstd"}});
  return rows;
}

std::vector<std::vector<std::string>> TransformRows() {
  static const Rows rows = ProbeRows(
      TransformKnown, {{static_cast<int>(Transform::kNone), "none"}, {static_cast<int>(Transform::kSplit), "ggml split"}});
  return rows;
}

std::vector<std::vector<std::string>> FileKindRows() {
  static const Rows rows = ProbeRows(
      KindKnown, {{static_cast<int>(EntryKind::kOpaque), "opaque"}, {static_cast<int>(EntryKind::kGguf), "gguf"}});
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
      {"tensor name", kGgufMaxNameLength, ""},
      {"`n_dims`", kGgufMaxDims, ""},
      // One row for both; differing values would need two rows.
      {"tensors, key/value pairs", kGgufMaxTensors == kGgufMaxKvs ? kGgufMaxTensors : 0, ""},
      {"stream sizes", 0, stored_at_most_raw ? "`stored_size <= raw_size`" : "(MaxStoredSize is not the raw size)"},
  };
}

}  // namespace sgz::internal::spec
