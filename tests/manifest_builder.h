// A second manifest encoder for the tests, written from the spec and
// independent of src/container/manifest.cc: it writes the 1.0 manifest and
// 2.x manifests with the knobs a later minor version may turn (longer
// entries, more sections, sections in any order), so that tests can build
// archives the writer never writes and check how the reader takes them.
// File entries carry the 2.1 fields (file attributes) when the entry has
// attributes or the layout asks for them; sections can be wrapped in a 2.1
// compressed section (ZSEC), honestly or not. Manifests of several files get
// the 2.1 section MEMB, as the spec requires.
#ifndef SGZ_TESTS_MANIFEST_BUILDER_H_
#define SGZ_TESTS_MANIFEST_BUILDER_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <zstd.h>

#include "common/checksum.h"
#include "common/coding.h"
#include "container/format.h"

namespace sgz::internal {
namespace testing {

struct Section {
  uint32_t tag;
  uint16_t flags;
  uint16_t since_minor;
  std::string content;
};

// Entry sizes and padding of a 2.x manifest; the defaults are what 2.0 writes.
struct EntryLayout {
  uint16_t chunk_entry_size = 32;  // bytes after the first 32 are 0xEE
  bool attribute_block = false;    // the 2.1 fields even without attributes (flags 0)
  uint32_t file_extra = 0;         // bytes appended to each file entry (after the 2.1 fields)
  uint16_t tensor_extra = 0;       // bytes appended to each tensor entry
  // Added to the entry_size written for each file and for the first tensor,
  // without changing the bytes: a negative value cuts an entry's fields.
  int file_size_delta = 0;
  int first_tensor_size_delta = 0;
};

inline uint32_t Tag(const char (&s)[5]) { return LoadU32LE(reinterpret_cast<const uint8_t*>(s)); }

inline void AppendChunkEntry(const ChunkEntry& c, std::string* out) {
  PutU64(out, c.file_offset);
  PutU32(out, c.stored_size);
  PutU32(out, c.original_size);
  PutU8(out, static_cast<uint8_t>(c.transform));
  PutU8(out, c.stream_count);
  PutU16(out, 0);
  PutU32(out, c.type);
  PutU64(out, c.checksum);
}

// A file entry without its length; tensors prefixed by a u16 length in 2.x.
inline std::string FileEntryBytes(const FileEntry& f, bool v2, const EntryLayout& l) {
  std::string e;
  PutU16(&e, static_cast<uint16_t>(f.name.size()));
  e += f.name;
  PutU64(&e, f.original_size);
  PutU64(&e, f.checksum);
  PutU8(&e, static_cast<uint8_t>(f.kind));
  PutU8(&e, 0);
  PutU16(&e, static_cast<uint16_t>(f.note.size()));
  e += f.note;
  PutU32(&e, static_cast<uint32_t>(f.chunks.size()));
  for (uint32_t c : f.chunks) PutU32(&e, c);
  if (f.kind == EntryKind::kGguf) {
    PutU32(&e, f.gguf_version);
    PutU8(&e, f.big_endian ? 1 : 0);
    PutU8(&e, 0);
    PutU16(&e, 0);
    PutU64(&e, f.alignment);
    PutU64(&e, f.data_offset);
    PutU64(&e, f.kv_count);
    PutU32(&e, static_cast<uint32_t>(f.tensors.size()));
    for (const TensorEntry& t : f.tensors) {
      std::string te;
      PutU16(&te, static_cast<uint16_t>(t.name.size()));
      te += t.name;
      PutU32(&te, t.type);
      PutU32(&te, t.n_dims);
      for (uint32_t d = 0; d < t.n_dims; ++d) PutU64(&te, static_cast<uint64_t>(t.ne[d]));
      PutU64(&te, t.offset);
      PutU64(&te, t.size);
      if (v2) {
        te.append(l.tensor_extra, '\xEE');
        const int delta = &t == &f.tensors[0] ? l.first_tensor_size_delta : 0;
        PutU16(&e, static_cast<uint16_t>(static_cast<int>(te.size()) + delta));
      }
      e += te;
    }
  }
  if (v2 && (l.attribute_block || f.attributes.any())) {
    const FileAttributes& a = f.attributes;
    PutU16(&e, static_cast<uint16_t>((a.has_mode ? 1 : 0) | (a.has_mtime ? 2 : 0)));  // attr_flags
    PutU16(&e, static_cast<uint16_t>(a.mode));
    PutU64(&e, static_cast<uint64_t>(a.mtime_sec));
    PutU32(&e, a.mtime_nsec);
  }
  if (v2) e.append(l.file_extra, '\xEE');
  return e;
}

inline Section ChunkSection(const Manifest& m, const EntryLayout& l = EntryLayout()) {
  Section s{Tag("CHNK"), kSectionRequired, 0, ""};
  PutU32(&s.content, static_cast<uint32_t>(m.chunks.size()));
  PutU16(&s.content, l.chunk_entry_size);
  PutU16(&s.content, 0);
  for (const ChunkEntry& c : m.chunks) {
    const size_t at = s.content.size();
    AppendChunkEntry(c, &s.content);
    s.content.resize(at + l.chunk_entry_size, '\xEE');
  }
  return s;
}

inline Section FileSection(const Manifest& m, const EntryLayout& l = EntryLayout()) {
  Section s{Tag("FILE"), kSectionRequired, 0, ""};
  PutU32(&s.content, static_cast<uint32_t>(m.files.size()));
  for (const FileEntry& f : m.files) {
    const std::string e = FileEntryBytes(f, /*v2=*/true, l);
    PutU32(&s.content, static_cast<uint32_t>(static_cast<int64_t>(e.size()) + l.file_size_delta));
    s.content += e;
  }
  return s;
}

// Section MEMB (2.1): member_count file_count + count_delta, then as many
// member entries, each a u32 entry_size and entry_extra bytes of 0xEE (2.1
// writes none).
inline Section MembersSection(const Manifest& m, uint32_t entry_extra = 0, int count_delta = 0) {
  Section s{Tag("MEMB"), kSectionRequired, 1, ""};
  const uint32_t count = static_cast<uint32_t>(static_cast<int64_t>(m.files.size()) + count_delta);
  PutU32(&s.content, count);
  for (uint32_t i = 0; i < count; ++i) {
    PutU32(&s.content, entry_extra);
    s.content.append(entry_extra, '\xEE');
  }
  return s;
}

// The sections of m as a 2.1 writer writes them: CHNK, FILE, and MEMB when
// there are several files.
inline std::vector<Section> TableSections(const Manifest& m, const EntryLayout& l = EntryLayout()) {
  std::vector<Section> out{ChunkSection(m, l), FileSection(m, l)};
  if (m.files.size() > 1) out.push_back(MembersSection(m));
  return out;
}

inline std::string Frame(const std::string& body) {
  std::string out;
  PutU32(&out, kManifestTag);
  PutU32(&out, 0);
  PutU64(&out, body.size());
  return out + body;
}

// `sections` back to back, each after its 16-byte header.
inline std::string SectionBytes(const std::vector<Section>& sections) {
  std::string body;
  for (const Section& s : sections) {
    PutU32(&body, s.tag);
    PutU16(&body, s.flags);
    PutU16(&body, s.since_minor);
    PutU64(&body, s.content.size());
    body += s.content;
  }
  return body;
}

// A 2.x manifest frame holding `sections` in order.
inline std::string ManifestV2(const std::vector<Section>& sections) { return Frame(SectionBytes(sections)); }

// Section ZSEC (2.1): decoded_size, then `bytes` as one zstd frame at
// `level` (content size recorded, no checksum: zstd's one-shot defaults).
// decoded_size is the true size plus `size_lie`.
inline Section CompressedBytes(const std::string& bytes, int level = 9, int64_t size_lie = 0) {
  std::string frame(ZSTD_compressBound(bytes.size()), '\0');
  frame.resize(ZSTD_compress(&frame[0], frame.size(), bytes.data(), bytes.size(), level));
  Section s{Tag("ZSEC"), kSectionRequired, 1, ""};
  PutU64(&s.content, static_cast<uint64_t>(static_cast<int64_t>(bytes.size()) + size_lie));
  s.content += frame;
  return s;
}

// A zstd frame of `bytes` at level 3, with or without its content size; with
// window_log > 0, streamed with that window (not shrunk to the input), so
// that tests can make frames the writer never makes.
inline std::string RawFrame(const std::string& bytes, bool content_size, int window_log = 0) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 3);
  ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, content_size ? 1 : 0);
  if (window_log > 0) ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, window_log);
  std::string out(ZSTD_compressBound(bytes.size()) + 64, '\0');
  ZSTD_outBuffer ob{&out[0], out.size(), 0};
  ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
  // Two calls: on a first call with ZSTD_e_end zstd would learn the size
  // and shrink the window.
  ZSTD_compressStream2(c, &ob, &in, ZSTD_e_continue);
  while (ZSTD_compressStream2(c, &ob, &in, ZSTD_e_end) != 0) {
  }
  ZSTD_freeCCtx(c);
  out.resize(ob.pos);
  return out;
}

// Section ZSEC with any decoded_size and frame bytes.
inline Section Zsec(uint64_t decoded_size, const std::string& frame) {
  Section s{Tag("ZSEC"), kSectionRequired, 1, ""};
  PutU64(&s.content, decoded_size);
  s.content += frame;
  return s;
}

// `inner` sections compressed into one section ZSEC.
inline Section CompressedSection(const std::vector<Section>& inner, int level = 9) {
  return CompressedBytes(SectionBytes(inner), level);
}

inline std::string ManifestV2(const Manifest& m, const EntryLayout& l = EntryLayout()) {
  return ManifestV2(TableSections(m, l));
}

// The frame the 2.1 writer writes when compressing pays: its sections inside
// ZSEC, at the writer's metadata level.
inline std::string ManifestV2Compressed(const Manifest& m, int level = 9) {
  return ManifestV2({CompressedSection(TableSections(m), level)});
}

// A 1.0 manifest frame (spec appendix).
inline std::string ManifestV1(const Manifest& m) {
  std::string body;
  PutU32(&body, static_cast<uint32_t>(m.chunks.size()));
  PutU32(&body, static_cast<uint32_t>(m.files.size()));
  for (const ChunkEntry& c : m.chunks) AppendChunkEntry(c, &body);
  for (const FileEntry& f : m.files) body += FileEntryBytes(f, /*v2=*/false, EntryLayout());
  return Frame(body);
}

// `bytes` (an archive's header and chunks, and maybe more) followed by
// `manifest` and a footer of version major.minor locating it, with its
// checksum: the end of an archive, as the writer or `sgz add` writes it.
inline std::string AppendManifest(std::string bytes, const std::string& manifest, uint16_t major, uint16_t minor) {
  Footer f;
  f.manifest_offset = bytes.size();
  f.manifest_size = manifest.size();
  f.manifest_checksum = Xxh3(manifest.data(), manifest.size());
  f.major = major;
  f.minor = minor;
  bytes += manifest;
  f.EncodeTo(&bytes);
  return bytes;
}

// `archive` with its manifest replaced by `manifest` and the version in
// header and footer set to major.minor (footer_minor, when not negative, for
// the footer only); the manifest checksum is recomputed.
inline std::string Rebuild(const std::string& archive, const std::string& manifest, uint16_t major, uint16_t minor,
                           int footer_minor = -1) {
  const uint8_t* a = reinterpret_cast<const uint8_t*>(archive.data());
  const uint64_t offset = LoadU64LE(a + archive.size() - Footer::kEncodedLength);
  std::string out = archive.substr(0, offset);
  out[8] = static_cast<char>(major);
  out[9] = static_cast<char>(major >> 8);
  out[10] = static_cast<char>(minor);
  out[11] = static_cast<char>(minor >> 8);
  return AppendManifest(std::move(out), manifest, major,
                        footer_minor < 0 ? minor : static_cast<uint16_t>(footer_minor));
}

}  // namespace testing
}  // namespace sgz::internal

#endif  // SGZ_TESTS_MANIFEST_BUILDER_H_
