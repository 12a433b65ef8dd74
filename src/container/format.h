// On-disk structures of the .sgz container, version 1. The byte-level
// contract is format-spec/sgz-format.md; each struct here has its encoder and
// decoder side by side, and decoders enforce exactly the limits the writer
// respects.
#ifndef SGZ_CONTAINER_FORMAT_H_
#define SGZ_CONTAINER_FORMAT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "streams/codec.h"
#include "streams/gguf_reader.h"
#include "streams/transform.h"

namespace sgz::internal {

constexpr uint16_t kFormatMajor = 1;
constexpr uint16_t kFormatMinor = 0;

// Hard limits, shared by writer and reader.
constexpr uint64_t kMaxChunkSize = 64ull << 20;       // original bytes per chunk
constexpr uint32_t kMaxStreamsPerChunk = 64;
constexpr uint64_t kMaxManifestSize = 1ull << 30;
constexpr uint32_t kMaxFiles = 1u << 16;
constexpr uint32_t kMaxNameBytes = 4096;
constexpr uint32_t kMaxNoteBytes = 4096;

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
  uint16_t minor = kFormatMinor;
  uint32_t flags = 0;  // all bits reserved: must be zero
  void EncodeTo(std::string* dst) const;
  static Result<FileHeader> DecodeFrom(const uint8_t* p, size_t n);
};

// ---- Footer: 40 bytes at file_size - 40.
struct Footer {
  static constexpr size_t kEncodedLength = 40;
  uint64_t manifest_offset = 0;
  uint64_t manifest_size = 0;
  uint64_t manifest_checksum = 0;  // XXH3-64 of the manifest bytes
  uint16_t major = kFormatMajor;
  uint16_t minor = kFormatMinor;
  uint32_t flags = 0;  // all bits reserved: must be zero
  void EncodeTo(std::string* dst) const;
  static Result<Footer> DecodeFrom(const uint8_t* p, size_t n);
};

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
  // Decodes and validates against the transform: stream count and raw sizes
  // must be those StreamSizes() gives, stored sizes within their limits.
  // `p[0, n)` must hold at least the fixed part; *needed is set to the full
  // header length when n is too short (and Ok is returned with needed > n).
  static Status DecodeFrom(const uint8_t* p, size_t n, ChunkHeader* out, size_t* needed);
};

// Decodes the streams of a chunk whose header is `h` from payload[0, n)
// (n == h.PayloadSize()), joins them into *out and checks the checksum.
// Thread-safe. Errors carry no chunk name; callers add it.
Status DecodeChunkPayload(const ChunkHeader& h, const uint8_t* payload, uint64_t n, std::vector<uint8_t>* out);

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

struct TensorEntry {
  std::string name;
  uint32_t type = 0;
  uint32_t n_dims = 0;
  int64_t ne[kGgufMaxDims] = {1, 1, 1, 1};
  uint64_t offset = 0;  // absolute offset in the original file
  uint64_t size = 0;
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
};

struct Manifest {
  std::vector<ChunkEntry> chunks;
  std::vector<FileEntry> files;
  // The whole manifest frame (tag, flags, body size, body).
  void EncodeTo(std::string* dst) const;
  // Decodes and validates a manifest frame of exactly n bytes; chunk entries
  // must lie in [FileHeader::kEncodedLength, limit_offset).
  static Result<Manifest> DecodeFrom(const uint8_t* p, size_t n, uint64_t limit_offset);
};

constexpr size_t kManifestFrameHeader = 16;

// Magics.
extern const uint8_t kHeaderMagic[8];
extern const uint8_t kFooterMagic[8];
constexpr uint32_t kChunkTag = 0x435A4753;     // "SGZC"
constexpr uint32_t kManifestTag = 0x4D5A4753;  // "SGZM"

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_FORMAT_H_
