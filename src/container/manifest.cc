// The manifest's tables: the contents of the format 2 sections CHNK and FILE
// and their entries, with the entry decoders shared with the 1.0 manifest
// (manifest_v1.cc). The frame and the sections around them:
// manifest_sections.cc.
#include <unordered_set>

#include "common/checked_math.h"
#include "common/num.h"
#include "container/manifest_internal.h"
#include "streams/ggml_types.h"

namespace sgz::internal {

const IdRow kFileKindTable[] = {
    {static_cast<uint8_t>(EntryKind::kOpaque), "opaque", 1, 0},
    {static_cast<uint8_t>(EntryKind::kGguf), "gguf", 1, 0},
};
const size_t kFileKindTableSize = sizeof(kFileKindTable) / sizeof(kFileKindTable[0]);

namespace {

// Entry sizes the 2.0 writer writes and the smallest a reader accepts.
constexpr uint16_t kChunkEntrySize = ChunkEntry::kEncodedLength;
// Smallest file entry with its u32 entry_size, and tensor entry with its u16.
constexpr uint64_t kMinFileEntry = 4 + 2 + 8 + 8 + 1 + 1 + 2 + 4;
constexpr uint64_t kMinTensorEntryV1 = 2 + 4 + 4 + 8 + 8;
constexpr uint64_t kMinTensorEntry = 2 + kMinTensorEntryV1;

bool IsV2(FormatVersion v) { return v.major >= 2; }

Status Short(const std::string& what) { return ManifestError("truncated reading " + what); }

Status ReadString(ByteReader* r, uint32_t max, const std::string& what, std::string* out) {
  uint16_t len;
  const uint8_t* b;
  if (!r->ReadU16(&len)) return Short(what + " length");
  if (len > max) return ManifestError(what + " length " + Num(len) + " exceeds " + Num(max));
  if (!r->ReadBytes(len, &b)) return Short(what);
  out->assign(reinterpret_cast<const char*>(b), len);
  return Status::Ok();
}

void EncodeTensorEntry(const TensorEntry& t, std::string* dst) {
  PutU16(dst, static_cast<uint16_t>(t.name.size()));
  *dst += t.name;
  PutU32(dst, t.type);
  PutU32(dst, t.n_dims);
  for (uint32_t d = 0; d < t.n_dims; ++d) PutU64(dst, static_cast<uint64_t>(t.ne[d]));
  PutU64(dst, t.offset);
  PutU64(dst, t.size);
}

// The 2.1 fields, after the entry's 2.0 fields.
void EncodeAttributes(const FileAttributes& a, std::string* dst) {
  PutU16(dst, static_cast<uint16_t>((a.has_mode ? FileAttributes::kHasMode : 0) |
                                    (a.has_mtime ? FileAttributes::kHasMtime : 0)));
  PutU16(dst, static_cast<uint16_t>(a.has_mode ? a.mode : 0));
  PutU64(dst, a.has_mtime ? static_cast<uint64_t>(a.mtime_sec) : 0);
  PutU32(dst, a.has_mtime ? a.mtime_nsec : 0);
}

Status DecodeAttributes(ByteReader* r, const std::string& fw, FileAttributes* a) {
  uint16_t flags, mode;
  uint64_t sec;
  uint32_t nsec;
  if (!r->ReadU16(&flags) || !r->ReadU16(&mode) || !r->ReadU64(&sec) || !r->ReadU32(&nsec)) {
    return Short(fw + " attributes");
  }
  const std::string aw = fw + " attributes: ";
  if ((flags & ~(FileAttributes::kHasMode | FileAttributes::kHasMtime)) != 0) {
    return ManifestError(aw + "reserved flags are set");
  }
  a->has_mode = (flags & FileAttributes::kHasMode) != 0;
  a->has_mtime = (flags & FileAttributes::kHasMtime) != 0;
  if ((mode & ~FileAttributes::kModeBits) != 0 || (!a->has_mode && mode != 0)) {
    return ManifestError(aw + "mode " + Num(mode) + " is not permission bits");
  }
  if (nsec > 999999999 || (!a->has_mtime && (sec != 0 || nsec != 0))) {
    return ManifestError(aw + "mtime " + std::to_string(static_cast<int64_t>(sec)) + "." + Num(nsec) + " is invalid");
  }
  a->mode = mode;
  a->mtime_sec = static_cast<int64_t>(sec);
  a->mtime_nsec = nsec;
  return Status::Ok();
}

void EncodeGgufSummary(const FileEntry& f, std::string* dst) {
  PutU32(dst, f.gguf_version);
  PutU8(dst, f.big_endian ? 1 : 0);
  PutU8(dst, 0);
  PutU16(dst, 0);
  PutU64(dst, f.alignment);
  PutU64(dst, f.data_offset);
  PutU64(dst, f.kv_count);
  PutU32(dst, static_cast<uint32_t>(f.tensors.size()));
  std::string entry;
  for (const TensorEntry& t : f.tensors) {
    entry.clear();
    EncodeTensorEntry(t, &entry);
    PutU16(dst, static_cast<uint16_t>(entry.size()));  // at most 121 bytes
    *dst += entry;
  }
}

void EncodeFileEntry(const FileEntry& f, std::string* dst) {
  PutU16(dst, static_cast<uint16_t>(f.name.size()));
  *dst += f.name;
  PutU64(dst, f.original_size);
  PutU64(dst, f.checksum);
  PutU8(dst, static_cast<uint8_t>(f.kind));
  PutU8(dst, 0);
  PutU16(dst, static_cast<uint16_t>(f.note.size()));
  *dst += f.note;
  PutU32(dst, static_cast<uint32_t>(f.chunks.size()));
  for (uint32_t c : f.chunks) PutU32(dst, c);
  if (f.kind == EntryKind::kGguf) EncodeGgufSummary(f, dst);
  if (f.attributes.any()) EncodeAttributes(f.attributes, dst);
}

// Tensor entry `index` of file `fw` from *r (format 1: the rest of the body;
// format 2: exactly the entry's bytes).
Status DecodeTensorEntry(ByteReader* r, const std::string& tw, FormatVersion version, const FileEntry& f,
                         TensorEntry* te) {
  SGZ_RETURN_IF_ERROR(ReadString(r, kGgufMaxNameLength, tw + " name", &te->name));
  if (!r->ReadU32(&te->type) || !r->ReadU32(&te->n_dims)) return Short(tw);
  if (te->n_dims > kGgufMaxDims) return ManifestError(tw + ": n_dims " + Num(te->n_dims) + " exceeds 4");
  for (uint32_t k = 0; k < te->n_dims; ++k) {
    uint64_t v;
    if (!r->ReadU64(&v)) return Short(tw + " dims");
    te->ne[k] = static_cast<int64_t>(v);
  }
  if (!r->ReadU64(&te->offset) || !r->ReadU64(&te->size)) return Short(tw);
  // Format 2 stores tensors of types it does not know with transform 0, so
  // the type is descriptive; format 1 only wrote types of its table.
  if (!IsV2(version) && FindGgmlType(te->type) == nullptr) {
    return ManifestError(tw + ": unknown ggml type " + Num(te->type));
  }
  if (te->offset < f.data_offset || !RangeWithin(te->offset, te->size, f.original_size)) {
    return ManifestError(tw + ": range [" + Num(te->offset) + ", +" + Num(te->size) + ") outside the file");
  }
  return Status::Ok();
}

Status DecodeGgufSummary(ByteReader* r, const std::string& fw, FormatVersion version, FileEntry* f) {
  uint8_t be, r8;
  uint16_t r16;
  uint32_t n_tensors;
  if (!r->ReadU32(&f->gguf_version) || !r->ReadU8(&be) || !r->ReadU8(&r8) || !r->ReadU16(&r16) ||
      !r->ReadU64(&f->alignment) || !r->ReadU64(&f->data_offset) || !r->ReadU64(&f->kv_count) ||
      !r->ReadU32(&n_tensors)) {
    return Short(fw + " GGUF summary");
  }
  if (be > 1 || r8 != 0 || r16 != 0) return ManifestError(fw + ": reserved GGUF summary bytes are set");
  if (!f->note.empty()) return ManifestError(fw + ": a GGUF entry has a note");
  if (f->gguf_version != 2 && f->gguf_version != 3) return ManifestError(fw + ": GGUF version " + Num(f->gguf_version));
  if (f->alignment == 0 || (f->alignment & (f->alignment - 1)) != 0 || f->alignment > 0xFFFFFFFFull) {
    return ManifestError(fw + ": alignment " + Num(f->alignment) + " is not a 32-bit power of two");
  }
  if (f->kv_count > kGgufMaxKvs) return ManifestError(fw + ": metadata count " + Num(f->kv_count) + " exceeds the limit");
  f->big_endian = be == 1;
  if (f->data_offset > f->original_size) {
    return ManifestError(fw + ": data_offset " + Num(f->data_offset) + " exceeds original_size " + Num(f->original_size));
  }
  const uint64_t min_entry = IsV2(version) ? kMinTensorEntry : kMinTensorEntryV1;
  if (n_tensors > kGgufMaxTensors || n_tensors > r->remaining() / min_entry) {
    return ManifestError(fw + ": tensor count " + Num(n_tensors) + " exceeds the bytes remaining");
  }
  f->tensors.resize(n_tensors);
  std::unordered_set<std::string> names;
  for (uint32_t t = 0; t < n_tensors; ++t) {
    TensorEntry& te = f->tensors[t];
    const std::string tw = fw + " tensor " + Num(t);
    if (IsV2(version)) {
      uint16_t entry_size;
      const uint8_t* e = nullptr;
      if (!r->ReadU16(&entry_size)) return Short(tw + " entry size");
      if (!r->ReadBytes(entry_size, &e)) return ManifestError(tw + ": entry size " + Num(entry_size) + " runs past the file entry");
      ByteReader er(e, entry_size);  // bytes after the known fields are skipped
      SGZ_RETURN_IF_ERROR(DecodeTensorEntry(&er, tw, version, *f, &te));
    } else {
      SGZ_RETURN_IF_ERROR(DecodeTensorEntry(r, tw, version, *f, &te));
    }
    if (!names.insert(te.name).second) return ManifestError(tw + ": duplicate tensor name '" + te.name + "'");
  }
  return Status::Ok();
}

}  // namespace

Status ManifestError(const std::string& what) { return Status::Corruption("manifest: " + what); }

Status DecodeChunkEntry(const uint8_t* p, uint32_t index, FormatVersion version, uint64_t limit_offset,
                        const ChunkEntry* prev, ChunkEntry* c) {
  c->file_offset = LoadU64LE(p);
  c->stored_size = LoadU32LE(p + 8);
  c->original_size = LoadU32LE(p + 12);
  const uint8_t transform = p[16];
  c->stream_count = p[17];
  const uint16_t flags = LoadU16LE(p + 18);
  c->type = LoadU32LE(p + 20);
  c->checksum = LoadU64LE(p + 24);
  const std::string cw = "chunk " + Num(index);
  if (flags != 0) return ManifestError(cw + ": reserved flags are set");
  if (c->stream_count > kMaxStreamsPerChunk) {
    return ManifestError(cw + ": stream count " + Num(c->stream_count) + " exceeds the limit " + Num(kMaxStreamsPerChunk));
  }
  std::vector<uint64_t> sizes;
  Status s = ExpectedStreams(transform, c->type, c->original_size, version, &sizes);
  if (!s.ok()) return s.WithContext("manifest: " + cw);  // keeps NotSupported for a later version's id
  c->transform = static_cast<Transform>(transform);
  if (c->stream_count != sizes.size()) {
    return ManifestError(cw + ": stream count " + Num(c->stream_count) + ", expected " + Num(sizes.size()));
  }
  if (c->file_offset < FileHeader::kEncodedLength || !RangeWithin(c->file_offset, c->stored_size, limit_offset)) {
    return ManifestError(cw + ": range [" + Num(c->file_offset) + ", +" + Num(c->stored_size) +
                         ") outside the chunk area [16, " + Num(limit_offset) + ")");
  }
  const uint64_t header = ChunkHeader::kFixedLength + ChunkHeader::kStreamDescLength * c->stream_count;
  if (c->stored_size < header) {
    return ManifestError(cw + ": stored size " + Num(c->stored_size) + " smaller than its header (" + Num(header) + ")");
  }
  // No stream is stored larger than its raw size (1.0 did not check it here;
  // its chunks were still rejected when decoded).
  // A predicted chunk's parameter stream (at most 32 bytes) is not part of
  // original_size.
  const uint64_t params = c->transform == Transform::kPredict ? 32 : 0;
  if (IsV2(version) && c->stored_size > header + c->original_size + params) {
    return ManifestError(cw + ": stored size " + Num(c->stored_size) + " exceeds its header and original size (" +
                         Num(header + c->original_size + params) + ")");
  }
  // A copy chunk is its header alone (no streams).
  if (c->transform == Transform::kCopy && c->stored_size != header) {
    return ManifestError(cw + ": copy chunk of " + Num(c->stored_size) + " bytes, expected " + Num(header));
  }
  // Chunks lie in the archive in table order, without overlap.
  if (prev != nullptr && c->file_offset < prev->file_offset + prev->stored_size) {
    return ManifestError(cw + ": offset " + Num(c->file_offset) + " overlaps or precedes chunk " + Num(index - 1));
  }
  return Status::Ok();
}

namespace {

// The rules of a copy chunk (transform 2) that need the chunk table.
Status CheckCopyChunk(const std::vector<ChunkEntry>& chunks, uint32_t index) {
  const ChunkEntry& c = chunks[index];
  if (c.transform != Transform::kCopy) return Status::Ok();
  const std::string cw = "chunk " + Num(index) + ": copy of chunk " + Num(c.type);
  // Backwards only, so that a stream reader has met the target, and one
  // level only, so that resolving a copy costs one lookup.
  if (c.type >= index) return ManifestError(cw + ", which does not precede it");
  const ChunkEntry& t = chunks[c.type];
  if (t.transform == Transform::kCopy) return ManifestError(cw + ", itself a copy");
  if (t.original_size != c.original_size || t.checksum != c.checksum) {
    return ManifestError(cw + ", whose original size or checksum differs");
  }
  return Status::Ok();
}

// The rules of a referencing chunk (transform 3) that need the chunk table.
Status CheckReferenceChunk(const std::vector<ChunkEntry>& chunks, uint32_t index) {
  const ChunkEntry& c = chunks[index];
  if (c.transform != Transform::kReference) return Status::Ok();
  const std::string cw = "chunk " + Num(index) + ": coded against chunk " + Num(c.type);
  // Backwards, as copies; and to a chunk that decodes alone, so that
  // decoding any chunk needs at most one other (a copy of a referencing
  // chunk: its target, then the target's reference).
  if (c.type >= index) return ManifestError(cw + ", which does not precede it");
  const Transform t = chunks[c.type].transform;
  if (t == Transform::kCopy || t == Transform::kReference) {
    return ManifestError(cw + ", itself " + (t == Transform::kCopy ? "a copy" : "coded against another chunk"));
  }
  return Status::Ok();
}

}  // namespace

Status DecodeFileEntry(ByteReader* r, uint32_t index, FormatVersion version, const std::vector<ChunkEntry>& chunks,
                       FileEntry* f) {
  const std::string fw = "file " + Num(index);
  SGZ_RETURN_IF_ERROR(ReadString(r, kMaxNameBytes, fw + " name", &f->name));
  uint8_t kind, flags;
  uint32_t n_refs;
  if (!r->ReadU64(&f->original_size) || !r->ReadU64(&f->checksum) || !r->ReadU8(&kind) || !r->ReadU8(&flags)) {
    return Short(fw);
  }
  if (FindIdRow(kFileKindTable, kFileKindTableSize, kind) == nullptr) {
    return UnknownId("file kind", kind, version).WithContext("manifest: " + fw);
  }
  if (flags != 0) return ManifestError(fw + ": reserved flags are set");
  f->kind = static_cast<EntryKind>(kind);
  SGZ_RETURN_IF_ERROR(ReadString(r, kMaxNoteBytes, fw + " note", &f->note));
  if (!r->ReadU32(&n_refs)) return Short(fw + " chunk count");
  if (n_refs > r->remaining() / 4) return ManifestError(fw + ": chunk count " + Num(n_refs) + " exceeds the bytes remaining");
  f->chunks.resize(n_refs);
  uint64_t total = 0;
  for (size_t k = 0; k < f->chunks.size(); ++k) {
    uint32_t& c = f->chunks[k];
    r->ReadU32(&c);
    if (c >= chunks.size()) {
      return ManifestError(fw + ": chunk reference " + Num(c) + " out of range (" + Num(chunks.size()) + " chunks)");
    }
    // A file references its chunks once each, in archive order.
    if (k > 0 && c <= f->chunks[k - 1]) {
      return ManifestError(fw + ": chunk reference " + Num(c) + " does not follow " + Num(f->chunks[k - 1]));
    }
    total += chunks[c].original_size;  // < 2^32 refs of < 2^27 bytes: no overflow
  }
  if (total != f->original_size) {
    return ManifestError(fw + ": chunks cover " + Num(total) + " bytes, original size is " + Num(f->original_size));
  }
  if (f->kind == EntryKind::kGguf) SGZ_RETURN_IF_ERROR(DecodeGgufSummary(r, fw, version, f));
  // The 2.1 fields: present in archives of 2.1 and later when the entry has
  // bytes left (a 2.0 reader skips them; an entry without them has none).
  if (IsV2(version) && version.minor >= FileAttributes::kSinceMinor && r->remaining() > 0) {
    SGZ_RETURN_IF_ERROR(DecodeAttributes(r, fw, &f->attributes));
  }
  return Status::Ok();
}

// Content of section CHNK.
Status DecodeChunkTable(const uint8_t* p, uint64_t n, uint64_t limit_offset, FormatVersion version, Manifest* m) {
  ByteReader r(p, n);
  uint32_t count;
  uint16_t entry_size, reserved;
  if (!r.ReadU32(&count) || !r.ReadU16(&entry_size) || !r.ReadU16(&reserved)) return Short("section 'CHNK'");
  if (reserved != 0) return ManifestError("section 'CHNK': reserved bytes are set");
  if (entry_size < ChunkEntry::kEncodedLength) {
    return ManifestError("section 'CHNK': entry size " + Num(entry_size) + " is below " + Num(ChunkEntry::kEncodedLength));
  }
  // entry_size < 2^16 and count < 2^32: the product fits in 64 bits.
  if (uint64_t{count} * entry_size != r.remaining()) {
    return ManifestError("section 'CHNK': " + Num(count) + " entries of " + Num(entry_size) + " bytes, " +
                         Num(r.remaining()) + " bytes follow");
  }
  m->chunks.resize(count);
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t* e = nullptr;
    r.ReadBytes(entry_size, &e);  // within the size check above; bytes after 32 are ignored
    SGZ_RETURN_IF_ERROR(
        DecodeChunkEntry(e, i, version, limit_offset, i > 0 ? &m->chunks[i - 1] : nullptr, &m->chunks[i]));
    SGZ_RETURN_IF_ERROR(CheckCopyChunk(m->chunks, i));
    SGZ_RETURN_IF_ERROR(CheckReferenceChunk(m->chunks, i));
  }
  return Status::Ok();
}

// Content of section FILE.
Status DecodeFileTable(const uint8_t* p, uint64_t n, FormatVersion version, Manifest* m) {
  ByteReader r(p, n);
  uint32_t count;
  if (!r.ReadU32(&count)) return Short("section 'FILE'");
  if (count == 0 || count > kMaxFiles) return ManifestError("file count " + Num(count) + " outside 1.." + Num(kMaxFiles));
  if (count > n / kMinFileEntry) return ManifestError("file count " + Num(count) + " exceeds the bytes remaining");
  m->files.resize(count);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t entry_size;
    const uint8_t* e = nullptr;
    if (!r.ReadU32(&entry_size)) return Short("file " + Num(i) + " entry size");
    if (!r.ReadBytes(entry_size, &e)) {
      return ManifestError("file " + Num(i) + ": entry size " + Num(entry_size) + " runs past the section");
    }
    ByteReader er(e, entry_size);  // bytes after the known fields are skipped
    SGZ_RETURN_IF_ERROR(DecodeFileEntry(&er, i, version, m->chunks, &m->files[i]));
  }
  if (r.remaining() != 0) return ManifestError("section 'FILE': " + Num(r.remaining()) + " trailing bytes");
  return Status::Ok();
}

void EncodeChunkTable(const Manifest& m, std::string* dst) {
  PutU32(dst, static_cast<uint32_t>(m.chunks.size()));
  PutU16(dst, kChunkEntrySize);
  PutU16(dst, 0);
  for (const ChunkEntry& c : m.chunks) {
    PutU64(dst, c.file_offset);
    PutU32(dst, c.stored_size);
    PutU32(dst, c.original_size);
    PutU8(dst, static_cast<uint8_t>(c.transform));
    PutU8(dst, c.stream_count);
    PutU16(dst, 0);
    PutU32(dst, c.type);
    PutU64(dst, c.checksum);
  }
}

void EncodeFileTable(const Manifest& m, std::string* dst) {
  PutU32(dst, static_cast<uint32_t>(m.files.size()));
  std::string entry;
  for (const FileEntry& f : m.files) {
    entry.clear();
    EncodeFileEntry(f, &entry);
    PutU32(dst, static_cast<uint32_t>(entry.size()));  // the caller caps the manifest at 1 GiB
    *dst += entry;
  }
}

}  // namespace sgz::internal
