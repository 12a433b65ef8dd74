#include "container/format.h"

#include <cstring>
#include <unordered_set>

#include "common/checked_math.h"
#include "common/checksum.h"
#include "common/coding.h"
#include "streams/ggml_types.h"

namespace sgz::internal {

// "\x89SGZ\r\n\x1a\n": the non-ASCII first byte and CR LF / ^Z catch text-mode
// and 7-bit transfers, as PNG's signature does.
const uint8_t kHeaderMagic[8] = {0x89, 'S', 'G', 'Z', '\r', '\n', 0x1A, '\n'};
const uint8_t kFooterMagic[8] = {0x89, 'S', 'G', 'Z', 'E', 'N', 'D', '\n'};

namespace {

std::string Num(uint64_t v) { return std::to_string(v); }

Status CheckVersion(const char* where, uint16_t major, uint16_t minor) {
  if (major != kFormatMajor) {
    return Status::NotSupported(std::string(where) + ": format version " + Num(major) + "." + Num(minor) +
                                " is not supported (this sgz reads " + Num(kFormatMajor) + ".x)");
  }
  return Status::Ok();
}

}  // namespace

void FileHeader::EncodeTo(std::string* dst) const {
  dst->append(reinterpret_cast<const char*>(kHeaderMagic), 8);
  PutU16(dst, major);
  PutU16(dst, minor);
  PutU32(dst, flags);
}

Result<FileHeader> FileHeader::DecodeFrom(const uint8_t* p, size_t n) {
  if (n < kEncodedLength) {
    return Status::Corruption("header: archive is " + Num(n) + " bytes, shorter than the header");
  }
  if (memcmp(p, kHeaderMagic, 8) != 0) return Status::Corruption("header: bad magic, not an sgz archive");
  FileHeader h;
  h.major = LoadU16LE(p + 8);
  h.minor = LoadU16LE(p + 10);
  h.flags = LoadU32LE(p + 12);
  SGZ_RETURN_IF_ERROR(CheckVersion("header", h.major, h.minor));
  if (h.flags != 0) return Status::Corruption("header: reserved flags 0x" + Num(h.flags) + " are set");
  return h;
}

void Footer::EncodeTo(std::string* dst) const {
  PutU64(dst, manifest_offset);
  PutU64(dst, manifest_size);
  PutU64(dst, manifest_checksum);
  PutU16(dst, major);
  PutU16(dst, minor);
  PutU32(dst, flags);
  dst->append(reinterpret_cast<const char*>(kFooterMagic), 8);
}

Result<Footer> Footer::DecodeFrom(const uint8_t* p, size_t n) {
  if (n != kEncodedLength) return Status::Corruption("footer: truncated");
  if (memcmp(p + 32, kFooterMagic, 8) != 0) {
    return Status::Corruption("footer: bad magic (archive truncated or not an sgz archive)");
  }
  Footer f;
  f.manifest_offset = LoadU64LE(p);
  f.manifest_size = LoadU64LE(p + 8);
  f.manifest_checksum = LoadU64LE(p + 16);
  f.major = LoadU16LE(p + 24);
  f.minor = LoadU16LE(p + 26);
  f.flags = LoadU32LE(p + 28);
  SGZ_RETURN_IF_ERROR(CheckVersion("footer", f.major, f.minor));
  if (f.flags != 0) return Status::Corruption("footer: reserved flags are set");
  return f;
}

uint64_t ChunkHeader::PayloadSize() const {
  uint64_t total = 0;
  for (const StreamDesc& s : streams) total += s.stored_size;
  return total;
}

void ChunkHeader::EncodeTo(std::string* dst) const {
  PutU32(dst, kChunkTag);
  PutU8(dst, static_cast<uint8_t>(transform));
  PutU8(dst, static_cast<uint8_t>(streams.size()));
  PutU16(dst, 0);
  PutU32(dst, type);
  PutU32(dst, original_size);
  PutU64(dst, checksum);
  for (const StreamDesc& s : streams) {
    PutU8(dst, static_cast<uint8_t>(s.codec));
    PutU8(dst, 0);
    PutU16(dst, 0);
    PutU32(dst, s.raw_size);
    PutU32(dst, s.stored_size);
  }
}

// Validates (transform, type, original_size) and returns the expected sizes.
static Status ExpectedStreams(uint8_t transform, uint32_t type, uint64_t original_size,
                              std::vector<uint64_t>* sizes) {
  if (original_size == 0 || original_size > kMaxChunkSize) {
    return Status::Corruption("original size " + Num(original_size) + " outside 1.." + Num(kMaxChunkSize));
  }
  if (transform == static_cast<uint8_t>(Transform::kNone)) {
    if (type != 0) return Status::Corruption("type " + Num(type) + " set on an untransformed chunk");
    *sizes = StreamSizes(Transform::kNone, nullptr, original_size);
    return Status::Ok();
  }
  if (transform != static_cast<uint8_t>(Transform::kSplit)) {
    return Status::Corruption("unknown transform " + Num(transform));
  }
  const GgmlType* t = FindGgmlType(type);
  if (t == nullptr || t->fields.empty()) return Status::Corruption("split transform of unsplittable type " + Num(type));
  *sizes = StreamSizes(Transform::kSplit, t, original_size);
  return Status::Ok();
}

Status ChunkHeader::DecodeFrom(const uint8_t* p, size_t n, ChunkHeader* out, size_t* needed) {
  *needed = kFixedLength;
  if (n < kFixedLength) return Status::Ok();
  if (LoadU32LE(p) != kChunkTag) return Status::Corruption("bad chunk tag");
  const uint8_t transform = p[4];
  const uint8_t count = p[5];
  if (LoadU16LE(p + 6) != 0) return Status::Corruption("reserved chunk flags are set");
  *needed = kFixedLength + kStreamDescLength * count;
  if (n < *needed) return Status::Ok();
  out->type = LoadU32LE(p + 8);
  out->original_size = LoadU32LE(p + 12);
  out->checksum = LoadU64LE(p + 16);
  std::vector<uint64_t> sizes;
  SGZ_RETURN_IF_ERROR(ExpectedStreams(transform, out->type, out->original_size, &sizes));
  out->transform = static_cast<Transform>(transform);
  if (count != sizes.size()) {
    return Status::Corruption("stream count " + Num(count) + ", expected " + Num(sizes.size()));
  }
  out->streams.resize(count);
  const uint8_t* d = p + kFixedLength;
  for (uint32_t i = 0; i < count; ++i, d += kStreamDescLength) {
    StreamDesc& s = out->streams[i];
    if (d[0] > static_cast<uint8_t>(Codec::kZstd)) {
      return Status::Corruption("stream " + Num(i) + ": unknown codec " + Num(d[0]));
    }
    if (d[1] != 0 || LoadU16LE(d + 2) != 0) return Status::Corruption("stream " + Num(i) + ": reserved bytes set");
    s.codec = static_cast<Codec>(d[0]);
    s.raw_size = LoadU32LE(d + 4);
    s.stored_size = LoadU32LE(d + 8);
    if (s.raw_size != sizes[i]) {
      return Status::Corruption("stream " + Num(i) + ": raw size " + Num(s.raw_size) + ", expected " + Num(sizes[i]));
    }
    if (s.stored_size > MaxStoredSize(s.raw_size)) {
      return Status::Corruption("stream " + Num(i) + ": stored size " + Num(s.stored_size) + " exceeds raw size " +
                                Num(s.raw_size));
    }
  }
  return Status::Ok();
}

Status DecodeChunkPayload(const ChunkHeader& h, const uint8_t* payload, uint64_t n, std::vector<uint8_t>* out) {
  if (n != h.PayloadSize()) {
    return Status::Corruption("payload of " + Num(n) + " bytes, streams need " + Num(h.PayloadSize()));
  }
  thread_local std::vector<uint8_t> split;
  if (split.size() < h.original_size) split.resize(h.original_size);
  uint64_t dst = 0;
  for (size_t i = 0; i < h.streams.size(); ++i) {
    const StreamDesc& sd = h.streams[i];
    Status s = DecodeStream(sd.codec, payload, sd.stored_size, split.data() + dst, sd.raw_size);
    if (!s.ok()) return s.WithContext("stream " + Num(i));
    payload += sd.stored_size;
    dst += sd.raw_size;
  }
  out->resize(h.original_size);
  JoinStreams(h.transform, h.transform == Transform::kSplit ? FindGgmlType(h.type) : nullptr, split.data(),
              h.original_size, out->data());
  if (Xxh3(out->data(), out->size()) != h.checksum) {
    return Status::ChecksumMismatch("checksum mismatch of decoded bytes");
  }
  return Status::Ok();
}

void Manifest::EncodeTo(std::string* dst) const {
  std::string body;
  PutU32(&body, static_cast<uint32_t>(chunks.size()));
  PutU32(&body, static_cast<uint32_t>(files.size()));
  for (const ChunkEntry& c : chunks) {
    PutU64(&body, c.file_offset);
    PutU32(&body, c.stored_size);
    PutU32(&body, c.original_size);
    PutU8(&body, static_cast<uint8_t>(c.transform));
    PutU8(&body, c.stream_count);
    PutU16(&body, 0);
    PutU32(&body, c.type);
    PutU64(&body, c.checksum);
  }
  for (const FileEntry& f : files) {
    PutU16(&body, static_cast<uint16_t>(f.name.size()));
    body += f.name;
    PutU64(&body, f.original_size);
    PutU64(&body, f.checksum);
    PutU8(&body, static_cast<uint8_t>(f.kind));
    PutU8(&body, 0);
    PutU16(&body, static_cast<uint16_t>(f.note.size()));
    body += f.note;
    PutU32(&body, static_cast<uint32_t>(f.chunks.size()));
    for (uint32_t c : f.chunks) PutU32(&body, c);
    if (f.kind != EntryKind::kGguf) continue;
    PutU32(&body, f.gguf_version);
    PutU8(&body, f.big_endian ? 1 : 0);
    PutU8(&body, 0);
    PutU16(&body, 0);
    PutU64(&body, f.alignment);
    PutU64(&body, f.data_offset);
    PutU64(&body, f.kv_count);
    PutU32(&body, static_cast<uint32_t>(f.tensors.size()));
    for (const TensorEntry& t : f.tensors) {
      PutU16(&body, static_cast<uint16_t>(t.name.size()));
      body += t.name;
      PutU32(&body, t.type);
      PutU32(&body, t.n_dims);
      for (uint32_t d = 0; d < t.n_dims; ++d) PutU64(&body, static_cast<uint64_t>(t.ne[d]));
      PutU64(&body, t.offset);
      PutU64(&body, t.size);
    }
  }
  PutU32(dst, kManifestTag);
  PutU32(dst, 0);
  PutU64(dst, body.size());
  *dst += body;
}

namespace {

class ManifestDecoder {
 public:
  ManifestDecoder(const uint8_t* p, size_t n) : r_(p, n) {}

  Status Fail(const std::string& what) const { return Status::Corruption("manifest: " + what); }
  Status Short(const std::string& what) const { return Fail("truncated reading " + what); }

  Status String(uint32_t max, const std::string& what, std::string* out) {
    uint16_t len;
    const uint8_t* b;
    if (!r_.ReadU16(&len)) return Short(what + " length");
    if (len > max) return Fail(what + " length " + Num(len) + " exceeds " + Num(max));
    if (!r_.ReadBytes(len, &b)) return Short(what);
    out->assign(reinterpret_cast<const char*>(b), len);
    return Status::Ok();
  }

  ByteReader r_;
};

}  // namespace

Result<Manifest> Manifest::DecodeFrom(const uint8_t* p, size_t n, uint64_t limit_offset) {
  if (n < kManifestFrameHeader) return Status::Corruption("manifest: truncated frame header");
  if (LoadU32LE(p) != kManifestTag) return Status::Corruption("manifest: bad tag");
  if (LoadU32LE(p + 4) != 0) return Status::Corruption("manifest: reserved flags are set");
  if (LoadU64LE(p + 8) != n - kManifestFrameHeader) {
    return Status::Corruption("manifest: body size " + Num(LoadU64LE(p + 8)) + " disagrees with the footer (" +
                              Num(n - kManifestFrameHeader) + ")");
  }
  ManifestDecoder d(p + kManifestFrameHeader, n - kManifestFrameHeader);
  ByteReader& r = d.r_;
  Manifest m;
  uint32_t n_chunks, n_files;
  if (!r.ReadU32(&n_chunks) || !r.ReadU32(&n_files)) return d.Short("counts");
  if (n_chunks > r.remaining() / ChunkEntry::kEncodedLength) {
    return d.Fail("chunk count " + Num(n_chunks) + " exceeds the bytes remaining");
  }
  if (n_files == 0 || n_files > kMaxFiles) return d.Fail("file count " + Num(n_files) + " outside 1.." + Num(kMaxFiles));
  // A file entry takes at least 26 bytes after the chunk table.
  if (n_files > (r.remaining() - uint64_t{n_chunks} * ChunkEntry::kEncodedLength) / 26) {
    return d.Fail("file count " + Num(n_files) + " exceeds the bytes remaining");
  }
  m.chunks.resize(n_chunks);
  for (uint32_t i = 0; i < n_chunks; ++i) {
    ChunkEntry& c = m.chunks[i];
    uint8_t transform = 0;
    uint16_t flags = 0;
    r.ReadU64(&c.file_offset);
    r.ReadU32(&c.stored_size);
    r.ReadU32(&c.original_size);
    r.ReadU8(&transform);
    r.ReadU8(&c.stream_count);
    r.ReadU16(&flags);
    r.ReadU32(&c.type);
    r.ReadU64(&c.checksum);
    const std::string cw = "chunk " + Num(i);
    if (flags != 0) return d.Fail(cw + ": reserved flags are set");
    std::vector<uint64_t> sizes;
    Status s = ExpectedStreams(transform, c.type, c.original_size, &sizes);
    if (!s.ok()) return d.Fail(cw + ": " + s.message());
    c.transform = static_cast<Transform>(transform);
    if (c.stream_count != sizes.size()) return d.Fail(cw + ": stream count " + Num(c.stream_count) + ", expected " + Num(sizes.size()));
    if (c.file_offset < FileHeader::kEncodedLength || !RangeWithin(c.file_offset, c.stored_size, limit_offset)) {
      return d.Fail(cw + ": range [" + Num(c.file_offset) + ", +" + Num(c.stored_size) +
                    ") outside the chunk area [16, " + Num(limit_offset) + ")");
    }
    if (c.stored_size < ChunkHeader::kFixedLength + ChunkHeader::kStreamDescLength * c.stream_count) {
      return d.Fail(cw + ": stored size " + Num(c.stored_size) + " smaller than its header");
    }
    // Chunks lie in the archive in table order, without overlap.
    if (i > 0 && c.file_offset < m.chunks[i - 1].file_offset + m.chunks[i - 1].stored_size) {
      return d.Fail(cw + ": offset " + Num(c.file_offset) + " overlaps or precedes chunk " + Num(i - 1));
    }
  }
  m.files.resize(n_files);
  for (uint32_t i = 0; i < n_files; ++i) {
    FileEntry& f = m.files[i];
    const std::string fw = "file " + Num(i);
    SGZ_RETURN_IF_ERROR(d.String(kMaxNameBytes, fw + " name", &f.name));
    uint8_t kind, flags;
    uint32_t n_refs;
    if (!r.ReadU64(&f.original_size) || !r.ReadU64(&f.checksum) || !r.ReadU8(&kind) || !r.ReadU8(&flags)) {
      return d.Short(fw);
    }
    if (kind > static_cast<uint8_t>(EntryKind::kGguf)) return d.Fail(fw + ": unknown kind " + Num(kind));
    if (flags != 0) return d.Fail(fw + ": reserved flags are set");
    f.kind = static_cast<EntryKind>(kind);
    SGZ_RETURN_IF_ERROR(d.String(kMaxNoteBytes, fw + " note", &f.note));
    if (!r.ReadU32(&n_refs)) return d.Short(fw + " chunk count");
    if (n_refs > r.remaining() / 4) return d.Fail(fw + ": chunk count " + Num(n_refs) + " exceeds the bytes remaining");
    f.chunks.resize(n_refs);
    uint64_t total = 0;
    for (size_t k = 0; k < f.chunks.size(); ++k) {
      uint32_t& c = f.chunks[k];
      r.ReadU32(&c);
      if (c >= n_chunks) return d.Fail(fw + ": chunk reference " + Num(c) + " out of range (" + Num(n_chunks) + " chunks)");
      // Version 1 files reference their chunks once each, in archive order.
      if (k > 0 && c <= f.chunks[k - 1]) {
        return d.Fail(fw + ": chunk reference " + Num(c) + " does not follow " + Num(f.chunks[k - 1]));
      }
      total += m.chunks[c].original_size;  // < 2^32 refs of < 2^27 bytes: no overflow
    }
    if (total != f.original_size) {
      return d.Fail(fw + ": chunks cover " + Num(total) + " bytes, original size is " + Num(f.original_size));
    }
    if (f.kind != EntryKind::kGguf) continue;
    uint8_t be, r8;
    uint16_t r16;
    uint32_t n_tensors;
    if (!r.ReadU32(&f.gguf_version) || !r.ReadU8(&be) || !r.ReadU8(&r8) || !r.ReadU16(&r16) ||
        !r.ReadU64(&f.alignment) || !r.ReadU64(&f.data_offset) || !r.ReadU64(&f.kv_count) || !r.ReadU32(&n_tensors)) {
      return d.Short(fw + " GGUF summary");
    }
    if (be > 1 || r8 != 0 || r16 != 0) return d.Fail(fw + ": reserved GGUF summary bytes are set");
    if (!f.note.empty()) return d.Fail(fw + ": a GGUF entry has a note");
    if (f.gguf_version != 2 && f.gguf_version != 3) return d.Fail(fw + ": GGUF version " + Num(f.gguf_version));
    if (f.alignment == 0 || (f.alignment & (f.alignment - 1)) != 0 || f.alignment > 0xFFFFFFFFull) {
      return d.Fail(fw + ": alignment " + Num(f.alignment) + " is not a 32-bit power of two");
    }
    if (f.kv_count > kGgufMaxKvs) return d.Fail(fw + ": metadata count " + Num(f.kv_count) + " exceeds the limit");
    f.big_endian = be == 1;
    if (f.data_offset > f.original_size) return d.Fail(fw + ": data offset beyond the file");
    // A tensor entry takes at least 2 + 4 + 4 + 8 + 8 bytes.
    if (n_tensors > kGgufMaxTensors || n_tensors > r.remaining() / 26) return d.Fail(fw + ": tensor count " + Num(n_tensors) + " exceeds the bytes remaining");
    f.tensors.resize(n_tensors);
    std::unordered_set<std::string> names;
    for (uint32_t t = 0; t < n_tensors; ++t) {
      TensorEntry& te = f.tensors[t];
      const std::string tw = fw + " tensor " + Num(t);
      SGZ_RETURN_IF_ERROR(d.String(kGgufMaxNameLength, tw + " name", &te.name));
      if (!names.insert(te.name).second) return d.Fail(tw + ": duplicate tensor name '" + te.name + "'");
      if (!r.ReadU32(&te.type) || !r.ReadU32(&te.n_dims)) return d.Short(tw);
      if (te.n_dims > kGgufMaxDims) return d.Fail(tw + ": n_dims " + Num(te.n_dims) + " exceeds 4");
      for (uint32_t k = 0; k < te.n_dims; ++k) {
        uint64_t v;
        if (!r.ReadU64(&v)) return d.Short(tw + " dims");
        te.ne[k] = static_cast<int64_t>(v);
      }
      if (!r.ReadU64(&te.offset) || !r.ReadU64(&te.size)) return d.Short(tw);
      if (FindGgmlType(te.type) == nullptr) return d.Fail(tw + ": unknown ggml type " + Num(te.type));
      if (te.offset < f.data_offset || !RangeWithin(te.offset, te.size, f.original_size)) {
        return d.Fail(tw + ": range [" + Num(te.offset) + ", +" + Num(te.size) + ") outside the file");
      }
    }
  }
  if (r.remaining() != 0) return d.Fail(Num(r.remaining()) + " trailing bytes");
  return m;
}

}  // namespace sgz::internal
