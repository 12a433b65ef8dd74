// On-disk structures of the .sgz container. The writer writes format 2.1
// (2.0 when no file records a mode or time and the manifest is not
// compressed);
// the readers read formats 1.x and 2.x. The byte-level contract is
// format-spec/sgz-format.md; each struct here has its encoder and decoder side
// by side, and decoders enforce exactly the limits the writer respects.
// Header, footer and chunks: format.cc; the manifest: manifest_sections.cc
// (2.x frame and sections), manifest.cc (2.x tables) and manifest_v1.cc (1.x).
#ifndef SGZ_CONTAINER_FORMAT_H_
#define SGZ_CONTAINER_FORMAT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/id_table.h"
#include "common/status.h"
#include "streams/codec.h"
#include "streams/gguf_reader.h"
#include "streams/transform.h"

namespace sgz::internal {

// The newest version this code writes, and the newest it reads in full.
constexpr uint16_t kFormatMajor = 2;
constexpr uint16_t kFormatMinor = 5;
// The oldest major version read (1: the archives of sgz 0.1).
constexpr uint16_t kOldestReadMajor = 1;

// The version an archive declares (its header's; in format 2 the footer's
// must be the same). Decoders of the manifest and of chunk headers take it:
// it selects the 1.0 or 2.0 manifest and how unknown ids are reported.
struct FormatVersion {
  uint16_t major = kFormatMajor;
  uint16_t minor = kFormatMinor;
};

// "2.1".
std::string VersionString(FormatVersion v);

// The spec's rule for unknown ids: `what` ("codec", "transform", "file kind",
// "type") `id` has no row in this reader's table. NotSupported naming the id
// and the archive's version when the archive is format 2 with a minor above
// kFormatMinor (the id may come from that later version), else Corruption.
Status UnknownId(const std::string& what, uint64_t id, FormatVersion archive);

// Hard limits, shared by writer and reader.
constexpr uint64_t kMaxChunkSize = 64ull << 20;       // original bytes per chunk
constexpr uint32_t kMaxStreamsPerChunk = 64;
constexpr uint64_t kMaxManifestSize = 1ull << 30;
constexpr uint32_t kMaxFiles = 1u << 16;
constexpr uint32_t kMaxNameBytes = 4096;
constexpr uint32_t kMaxNoteBytes = 4096;
// Largest GGUF header (magic through tensor infos) the writer parses; a larger
// one is packed as opaque bytes, so a reader never needs more of a file's
// [0, data_offset) than this to parse its header.
constexpr uint64_t kMaxGgufHeaderBytes = 64ull << 20;

constexpr uint64_t kMinChunkSize = 4096;
constexpr uint64_t kDefaultChunkSize = 4ull << 20;

// Original and stored bytes of the streams of one kind ("Q4_K.qs").
struct StreamTotals {
  uint64_t raw = 0;
  uint64_t stored = 0;
};

// ---- File header: 16 bytes at offset 0.
struct FileHeader {
  static constexpr size_t kEncodedLength = 16;
  uint16_t major = kFormatMajor;
  uint16_t minor = 0;  // the writer sets MinorVersionNeeded()
  uint32_t flags = 0;  // all bits reserved: must be zero
  FormatVersion version() const { return {major, minor}; }
  void EncodeTo(std::string* dst) const;
  // Rejects a bad magic, a major other than 1 or 2 (NotSupported) and
  // reserved flags.
  static Result<FileHeader> DecodeFrom(const uint8_t* p, size_t n);
};

// ---- Footer: 40 bytes at file_size - 40.
struct Footer {
  static constexpr size_t kEncodedLength = 40;
  uint64_t manifest_offset = 0;
  uint64_t manifest_size = 0;
  uint64_t manifest_checksum = 0;  // XXH3-64 of the manifest bytes
  uint16_t major = kFormatMajor;
  uint16_t minor = 0;  // the writer sets MinorVersionNeeded()
  uint32_t flags = 0;  // all bits reserved: must be zero
  void EncodeTo(std::string* dst) const;
  // Rejects a bad magic, a major other than 1 or 2 (NotSupported) and
  // reserved flags; the manifest's position is the caller's to check.
  static Result<Footer> DecodeFrom(const uint8_t* p, size_t n);
};

// In format 2 (either side saying major 2) header and footer must declare
// the same major and minor (Corruption otherwise). Format 1 never required it.
Status CheckVersionsAgree(const FileHeader& header, const Footer& footer);

// ---- Chunk: a 24-byte fixed header, stream descriptors, stream payloads.
struct StreamDesc {
  Codec codec = Codec::kStored;
  uint32_t raw_size = 0;
  uint32_t stored_size = 0;
};

struct ChunkHeader {
  static constexpr size_t kFixedLength = 24;
  static constexpr size_t kStreamDescLength = 12;
  Transform transform = Transform::kNone;
  uint32_t type = 0;           // ggml type id for kSplit, 0 for kNone
  uint32_t original_size = 0;  // decoded bytes
  uint64_t checksum = 0;       // XXH3-64 of the decoded bytes
  std::vector<StreamDesc> streams;

  size_t EncodedLength() const { return kFixedLength + kStreamDescLength * streams.size(); }
  uint64_t PayloadSize() const;
  void EncodeTo(std::string* dst) const;
  // Decodes and validates against the transform: stream count at most
  // kMaxStreamsPerChunk (checked first) and equal, with the raw sizes, to
  // what StreamSizes() gives; stored sizes within their limits; transform,
  // type and codec ids known (else the rule for unknown ids, with `version`
  // the archive's). *needed is set to the full header length; when n is too
  // short for it, Ok is returned with *needed > n and *out is incomplete.
  static Status DecodeFrom(const uint8_t* p, size_t n, FormatVersion version, ChunkHeader* out, size_t* needed);
};

// Validates a chunk's (transform, type, original_size) by the rules chunk
// headers and chunk entries share, and sets *sizes to the stream sizes the
// transform gives. Messages name no chunk; callers add it.
Status ExpectedStreams(uint8_t transform, uint32_t type, uint64_t original_size, FormatVersion version,
                       std::vector<uint64_t>* sizes);

// Decodes the streams of a chunk whose header is `h` from payload[0, n)
// (n == h.PayloadSize()), joins them into *out and checks the checksum.
// A referencing chunk (transform 3) is decoded against `reference`, the
// decoded bytes of chunk h.type (Corruption without them); other chunks
// ignore it. A predicted chunk (transform 4) is decoded from `reference`,
// its parent chunk's decoded bytes, and `importance`, its importance chunk's
// (with IMPORTANCE; Corruption without them). Thread-safe. Errors carry no
// chunk name; callers add it.
struct DecodeMode {
  // False: the checksum is not checked (a parent decoded only to predict
  // from: its children's checksums cover what it gives them; the caller
  // checks it when a child fails).
  bool verify = true;
  // A chunk of transform 1 or 5 left as its streams' concatenation, not
  // joined (REQUIRES !verify; a parent read through PredictParentPlanes).
  bool planes = false;
  // `reference` (a predicted chunk's parent) is such a concatenation of a
  // chunk of this transform (kSplit, kContextSplit); kNone: joined bytes.
  Transform reference_planes = Transform::kNone;
};
Status DecodeChunkPayload(const ChunkHeader& h, const uint8_t* payload, uint64_t n, std::vector<uint8_t>* out,
                          const std::vector<uint8_t>* reference = nullptr,
                          const std::vector<uint8_t>* importance = nullptr, const DecodeMode& mode = DecodeMode());

// ---- Manifest.
struct ChunkEntry {
  static constexpr size_t kEncodedLength = 32;
  uint64_t file_offset = 0;  // of the chunk header in the archive
  uint32_t stored_size = 0;  // header + payloads
  uint32_t original_size = 0;
  Transform transform = Transform::kNone;
  uint8_t stream_count = 0;
  uint32_t type = 0;
  uint64_t checksum = 0;
};

enum class EntryKind : uint8_t { kOpaque = 0, kGguf = 1 };

// The file-kind table of the spec ("File kinds").
extern const IdRow kFileKindTable[];
extern const size_t kFileKindTableSize;

struct TensorEntry {
  std::string name;
  uint32_t type = 0;
  uint32_t n_dims = 0;
  int64_t ne[kGgufMaxDims] = {1, 1, 1, 1};
  uint64_t offset = 0;  // absolute offset in the original file
  uint64_t size = 0;
};

// The file's permission bits and modification time at pack time: the
// fields format 2.1 appends to a file entry ("File attributes" in the spec).
// Absent in entries of earlier versions and for input without them (a pipe).
struct FileAttributes {
  static constexpr uint16_t kSinceMinor = 1;
  static constexpr size_t kEncodedLength = 16;
  static constexpr uint16_t kHasMode = 1;   // attr_flags bit 0
  static constexpr uint16_t kHasMtime = 2;  // attr_flags bit 1
  static constexpr uint32_t kModeBits = 07777;
  bool has_mode = false;
  uint32_t mode = 0;  // permission bits (kModeBits at most)
  bool has_mtime = false;
  int64_t mtime_sec = 0;    // seconds since 1970-01-01T00:00:00Z, may be negative
  uint32_t mtime_nsec = 0;  // 0..999999999
  bool any() const { return has_mode || has_mtime; }
};

struct FileEntry {
  std::string name;
  uint64_t original_size = 0;
  uint64_t checksum = 0;  // XXH3-64 of the whole original file
  EntryKind kind = EntryKind::kOpaque;
  std::string note;  // why the file is opaque (the GGUF reader's error), or empty
  std::vector<uint32_t> chunks;  // chunk indices, in original order
  // kGguf only:
  uint32_t gguf_version = 0;
  bool big_endian = false;
  uint64_t alignment = 0;
  uint64_t data_offset = 0;
  uint64_t kv_count = 0;
  std::vector<TensorEntry> tensors;
  // Format 2.1: written after the fields above when any() (the archive is
  // then 2.1); read from archives of 2.1 and later.
  FileAttributes attributes;
};

struct Manifest {
  std::vector<ChunkEntry> chunks;
  std::vector<FileEntry> files;
  // Section ESTM: predicted chunks may carry flag ESTIMATE (format 2.5).
  bool estimated_scales = false;
  // The whole manifest frame (tag, flags, body size, body) of format 2.x:
  // sections CHNK and FILE, and MEMB when there are several files (the
  // archive must then declare minor 1 or more); file entries with
  // attributes get the 2.1 fields.
  void EncodeTo(std::string* dst) const;
  // The same frame with those sections inside one section ZSEC, compressed
  // at zstd `level` (format 2.1: the archive must declare minor 1 or more).
  // Returns false and appends nothing when zstd does not make the two
  // sections smaller, or they exceed 2^kMaxGrowingWindowLog bytes.
  bool EncodeCompressedTo(int level, std::string* dst) const;
  // Decodes and validates a manifest frame of exactly n bytes of an archive
  // of `version` (major 1: the 1.0 manifest; major 2: sections); chunk
  // entries must lie in [FileHeader::kEncodedLength, limit_offset).
  static Result<Manifest> DecodeFrom(const uint8_t* p, size_t n, uint64_t limit_offset, FormatVersion version);
};

constexpr size_t kManifestFrameHeader = 16;
constexpr size_t kSectionHeaderLength = 16;
constexpr uint16_t kSectionRequired = 1;  // section flag bit 0
constexpr uint32_t kChunkTableTag = 0x4B4E4843;  // "CHNK"
constexpr uint32_t kFileTableTag = 0x454C4946;   // "FILE"
constexpr uint32_t kCompressedSectionsTag = 0x4345535A;  // "ZSEC": CHNK and FILE compressed
constexpr uint16_t kCompressedSectionsSinceMinor = 1;
// "MEMB": in every archive of several file entries, so that a reader that
// does not know members refuses it instead of showing the first one.
constexpr uint32_t kMembersTag = 0x424D454D;
constexpr uint16_t kMembersSinceMinor = 1;
// Transform 3 (reference): a chunk coded against an earlier chunk.
constexpr uint16_t kReferenceSinceMinor = 2;
// Transform 4 "predict".
constexpr uint16_t kPredictSinceMinor = 3;
// Transform 5 "context split" and codec 2 "rans".
constexpr uint16_t kContextSinceMinor = 4;
// Transform 4's flag ESTIMATE (scale fields stored against an estimate,
// container/predict_estimate.h): the archive declares 2.5 and carries the
// required section "ESTM" (empty), so that a 2.4 reader refuses it, naming
// 2.5, before it meets the flag.
constexpr uint16_t kEstimateSinceMinor = 5;
constexpr uint32_t kEstimateTag = 0x4D545345;  // "ESTM"
// Copy chunks (transform 2) need an archive of 2.1 or later.
constexpr uint16_t kCopySinceMinor = 1;

// The minor version of format 2 an archive must declare for a file with
// these attributes and a manifest in that form (compressed: section ZSEC):
// the lowest that holds them, so that archives that need nothing of 2.1 stay
// 2.0, readable by 2.0 readers.
inline uint16_t MinorVersionNeeded(const FileAttributes& a, bool compressed_manifest = false) {
  return compressed_manifest ? kCompressedSectionsSinceMinor : a.any() ? FileAttributes::kSinceMinor : 0;
}

// ---- Section header (format 2): 16 bytes before each section's content.
struct SectionHeader {
  static constexpr size_t kEncodedLength = kSectionHeaderLength;
  uint32_t tag = 0;
  uint16_t flags = 0;        // kSectionRequired; the other bits reserved
  uint16_t since_minor = 0;  // the minor version of format 2 that defined the section
  uint64_t size = 0;         // bytes of content that follow
  void EncodeTo(std::string* dst) const;
  // The fields of p[0, kEncodedLength); the caller checks them.
  static SectionHeader DecodeFrom(const uint8_t* p);
};

// Magics.
extern const uint8_t kHeaderMagic[8];
extern const uint8_t kFooterMagic[8];
constexpr uint32_t kChunkTag = 0x435A4753;     // "SGZC"
constexpr uint32_t kManifestTag = 0x4D5A4753;  // "SGZM"

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_FORMAT_H_
