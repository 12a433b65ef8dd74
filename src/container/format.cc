#include "container/format.h"

#include <cstring>

#include "common/checksum.h"
#include "common/coding.h"
#include "common/num.h"
#include "container/predict_chunk.h"
#include "streams/context_split.h"
#include "streams/ggml_types.h"

namespace sgz::internal {

// "\x89SGZ\r\n\x1a\n": the non-ASCII first byte and CR LF / ^Z catch text-mode
// and 7-bit transfers, as PNG's signature does.
const uint8_t kHeaderMagic[8] = {0x89, 'S', 'G', 'Z', '\r', '\n', 0x1A, '\n'};
const uint8_t kFooterMagic[8] = {0x89, 'S', 'G', 'Z', 'E', 'N', 'D', '\n'};

namespace {

Status CheckVersion(const char* where, uint16_t major, uint16_t minor) {
  if (major < kOldestReadMajor || major > kFormatMajor) {
    std::string reads;
    for (uint16_t m = kOldestReadMajor; m <= kFormatMajor; ++m) {
      reads += (m == kOldestReadMajor ? "" : " and ") + Num(m) + ".x";
    }
    return Status::NotSupported(std::string(where) + ": format version " + Num(major) + "." + Num(minor) +
                                " is not supported (this sgz reads " + reads + ")");
  }
  return Status::Ok();
}

}  // namespace

std::string VersionString(FormatVersion v) { return Num(v.major) + "." + Num(v.minor); }

Status UnknownId(const std::string& what, uint64_t id, FormatVersion archive) {
  if (archive.major == kFormatMajor && archive.minor > kFormatMinor) {
    return Status::NotSupported(what + " " + Num(id) + " is not known to this reader (format " +
                                VersionString({kFormatMajor, kFormatMinor}) + "); the archive is format " +
                                VersionString(archive) + ": it needs a newer sgz");
  }
  return Status::Corruption("unknown " + what + " " + Num(id));
}

Status CheckVersionsAgree(const FileHeader& header, const Footer& footer) {
  // Format 1 wrote both but never required them to agree.
  if (header.major < 2 && footer.major < 2) return Status::Ok();
  if (header.major != footer.major || header.minor != footer.minor) {
    return Status::Corruption("footer: format version " + Num(footer.major) + "." + Num(footer.minor) +
                              " differs from the header's " + Num(header.major) + "." + Num(header.minor));
  }
  return Status::Ok();
}

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

Status ExpectedStreams(uint8_t transform, uint32_t type, uint64_t original_size, FormatVersion version,
                       std::vector<uint64_t>* sizes) {
  if (original_size == 0 || original_size > kMaxChunkSize) {
    return Status::Corruption("original size " + Num(original_size) + " outside 1.." + Num(kMaxChunkSize));
  }
  const IdRow* row = FindTransform(transform);
  if (row == nullptr) return UnknownId("transform", transform, version);
  // An id of a later version than the archive declares: its writer broke the
  // rule that an archive declares what it uses (an older reader would call it
  // corrupt too).
  if (version.major < row->since_major || (version.major == row->since_major && version.minor < row->since_minor)) {
    return Status::Corruption("transform " + Num(transform) + " (" + row->name + ") is defined since format " +
                              VersionString({row->since_major, row->since_minor}) + "; the archive is format " +
                              VersionString(version));
  }
  if (transform == static_cast<uint8_t>(Transform::kCopy)) {
    // `type` is the index of the chunk copied: checked against the chunk
    // table by the caller, which knows this chunk's index.
    sizes->clear();
    return Status::Ok();
  }
  if (transform == static_cast<uint8_t>(Transform::kReference)) {
    // `type` is the index of the reference: checked against the chunk table
    // by the caller, as a copy's target is.
    *sizes = StreamSizes(Transform::kReference, nullptr, original_size);
    return Status::Ok();
  }
  if (transform == static_cast<uint8_t>(Transform::kNone)) {
    if (type != 0) return Status::Corruption("type " + Num(type) + " set on an untransformed chunk");
    *sizes = StreamSizes(Transform::kNone, nullptr, original_size);
    return Status::Ok();
  }
  // Ids below kGgmlTypeCount are all in the type table, as a row or as
  // "reserved"; only a later id may be a type of a newer version.
  if (type >= kGgmlTypeCount) return UnknownId("type", type, version);
  const GgmlType* t = FindGgmlType(type);
  if (t == nullptr || t->fields.empty()) return Status::Corruption("split transform of unsplittable type " + Num(type));
  if (transform == static_cast<uint8_t>(Transform::kPredict) && !PredictsType(type)) {
    return Status::NotSupported("predicted chunk of type " + GgmlTypeName(type) + ", which this reader cannot predict");
  }
  *sizes = StreamSizes(static_cast<Transform>(transform), t, original_size);
  return Status::Ok();
}

Status ChunkHeader::DecodeFrom(const uint8_t* p, size_t n, FormatVersion version, ChunkHeader* out, size_t* needed) {
  *needed = kFixedLength;
  if (n < kFixedLength) return Status::Ok();
  if (LoadU32LE(p) != kChunkTag) return Status::Corruption("bad chunk tag");
  const uint8_t transform = p[4];
  const uint8_t count = p[5];
  if (LoadU16LE(p + 6) != 0) return Status::Corruption("reserved chunk flags are set");
  // Before the count sizes anything (the descriptors to read).
  if (count > kMaxStreamsPerChunk) {
    return Status::Corruption("stream count " + Num(count) + " exceeds the limit " + Num(kMaxStreamsPerChunk));
  }
  *needed = kFixedLength + kStreamDescLength * count;
  if (n < *needed) return Status::Ok();
  out->type = LoadU32LE(p + 8);
  out->original_size = LoadU32LE(p + 12);
  out->checksum = LoadU64LE(p + 16);
  std::vector<uint64_t> sizes;
  SGZ_RETURN_IF_ERROR(ExpectedStreams(transform, out->type, out->original_size, version, &sizes));
  out->transform = static_cast<Transform>(transform);
  if (count != sizes.size()) {
    return Status::Corruption("stream count " + Num(count) + ", expected " + Num(sizes.size()));
  }
  out->streams.resize(count);
  const uint8_t* d = p + kFixedLength;
  for (uint32_t i = 0; i < count; ++i, d += kStreamDescLength) {
    StreamDesc& s = out->streams[i];
    const IdRow* codec = FindCodec(d[0]);
    if (codec == nullptr) return UnknownId("codec", d[0], version).WithContext("stream " + Num(i));
    if (version.major < codec->since_major ||
        (version.major == codec->since_major && version.minor < codec->since_minor)) {
      return Status::Corruption("stream " + Num(i) + ": codec " + Num(d[0]) + " (" + codec->name +
                                ") is defined since format " + VersionString({codec->since_major, codec->since_minor}) +
                                "; the archive is format " + VersionString(version));
    }
    if (d[1] != 0 || LoadU16LE(d + 2) != 0) return Status::Corruption("stream " + Num(i) + ": reserved bytes set");
    s.codec = static_cast<Codec>(d[0]);
    // Coded against its reference, or the chunk would have been transform 0.
    if (out->transform == Transform::kReference && s.codec != Codec::kZstd) {
      return Status::Corruption("stream " + Num(i) + ": codec " + Num(d[0]) + " in a referencing chunk (zstd only)");
    }
    // Read before the chunk is decoded, for its parent's index.
    if (out->transform == Transform::kPredict && i == 0 && s.codec != Codec::kStored) {
      return Status::Corruption("stream 0: codec " + Num(d[0]) + " for prediction parameters (stored only)");
    }
    s.raw_size = LoadU32LE(d + 4);
    s.stored_size = LoadU32LE(d + 8);
    // The parameter stream is 12 bytes, or 32 with importance (its flags,
    // checked when it is read, say which).
    const bool params_with_importance =
        out->transform == Transform::kPredict && i == 0 && s.raw_size == kPredictParamBytesImportance;
    if (s.raw_size != sizes[i] && !params_with_importance) {
      return Status::Corruption("stream " + Num(i) + ": raw size " + Num(s.raw_size) + ", expected " + Num(sizes[i]));
    }
    if (s.stored_size > MaxStoredSize(s.raw_size)) {
      return Status::Corruption("stream " + Num(i) + ": stored size " + Num(s.stored_size) + " exceeds raw size " +
                                Num(s.raw_size));
    }
  }
  return Status::Ok();
}

Status DecodeChunkPayload(const ChunkHeader& h, const uint8_t* payload, uint64_t n, std::vector<uint8_t>* out,
                          const std::vector<uint8_t>* reference, const std::vector<uint8_t>* importance,
                          const DecodeMode& mode) {
  if (n != h.PayloadSize()) {
    return Status::Corruption("payload of " + Num(n) + " bytes, streams need " + Num(h.PayloadSize()));
  }
  if (h.transform == Transform::kReference) {
    if (reference == nullptr) return Status::Corruption("decoded without its reference chunk " + Num(h.type));
    // One zstd stream, the bytes as they are: decoded straight into *out.
    out->resize(h.original_size);
    const Prefix prefix{reference->data(), reference->size()};
    Status s = DecodeStreamAgainst(payload, n, out->data(), h.original_size, prefix);
    if (!s.ok()) return s.WithContext("stream 0");
    if (!ChecksumMatches(Xxh3(out->data(), out->size()), h.checksum)) {
      return Status::ChecksumMismatch("decoded bytes do not match the chunk checksum");
    }
    return Status::Ok();
  }
  // Planes: the streams straight into *out (the raw sizes of transforms 1
  // and 5 add up to the chunk's), not joined.
  const bool planes = mode.planes && (h.transform == Transform::kSplit || h.transform == Transform::kContextSplit);
  thread_local std::vector<uint8_t> scratch;
  const uint64_t split_size = h.original_size + (h.transform == Transform::kPredict ? h.streams[0].raw_size : 0);
  if (planes) {
    out->resize(h.original_size);
  } else if (scratch.size() < split_size) {
    std::vector<uint8_t>(split_size).swap(scratch);  // grown without copying what it held
  }
  uint8_t* split = planes ? out->data() : scratch.data();
  const GgmlType* gt = TypedTransform(h.transform) ? FindGgmlType(h.type) : nullptr;
  thread_local std::vector<uint8_t> ctx;
  uint64_t dst = 0;
  for (size_t i = 0; i < h.streams.size(); ++i) {
    const StreamDesc& sd = h.streams[i];
    // A context rule (transform 5): the stream's contexts come from the
    // streams before it, decoded by now; only a rans stream reads them.
    const unsigned contexts = h.transform == Transform::kContextSplit && sd.codec == Codec::kRans
                                  ? StreamContexts(gt, i)
                                  : 0;
    if (contexts > 0) {
      if (ctx.size() < sd.raw_size) std::vector<uint8_t>(sd.raw_size).swap(ctx);
      ComputeContexts(gt, split, h.original_size, i, ctx.data());
    }
    Status s = DecodeStream(sd.codec, payload, sd.stored_size, split + dst, sd.raw_size,
                            contexts > 0 ? ctx.data() : nullptr, contexts);
    if (!s.ok()) return s.WithContext("stream " + Num(i));
    payload += sd.stored_size;
    dst += sd.raw_size;
  }
  if (planes) return Status::Ok();
  out->resize(h.original_size);
  if (h.transform == Transform::kPredict) {
    if (reference == nullptr) return Status::Corruption("decoded without its parent chunk");
    SGZ_RETURN_IF_ERROR(JoinPredicted(h, split, *reference, importance, out->data(), mode.reference_planes));
    if (!ChecksumMatches(Xxh3(out->data(), out->size()), h.checksum)) {
      return Status::ChecksumMismatch("decoded bytes do not match the chunk checksum");
    }
    return Status::Ok();
  }
  JoinStreams(h.transform, gt, split, h.original_size, out->data());
  if (mode.verify && !ChecksumMatches(Xxh3(out->data(), out->size()), h.checksum)) {
    return Status::ChecksumMismatch("decoded bytes do not match the chunk checksum");
  }
  return Status::Ok();
}

}  // namespace sgz::internal
