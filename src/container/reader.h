// Reading archives: open from any ByteSource, list, decode chunks, read byte
// ranges of the original, unpack and verify.
#ifndef SGZ_CONTAINER_READER_H_
#define SGZ_CONTAINER_READER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "container/format.h"
#include "container/io.h"

namespace sgz::internal {

class Archive {
 public:
  // Reads and validates the header, footer and manifest (manifest checksum
  // first, then every structural rule). Reads no chunk.
  static Result<std::unique_ptr<Archive>> Open(std::unique_ptr<ByteSource> source);

  const Manifest& manifest() const { return manifest_; }
  const FileEntry& file() const { return manifest_.files[0]; }
  const FileHeader& header() const { return header_; }
  ByteSource& source() { return *source_; }
  uint64_t chunks_decoded() const { return chunks_decoded_; }
  // Worker threads for decoding (0 = all cores; 1 = the caller's thread only).
  void set_threads(unsigned threads) { threads_ = threads; }

  // Decodes chunk `index` (of the manifest's chunk table) into *out and checks
  // its checksum. Errors name the chunk.
  Status DecodeChunk(uint32_t index, std::vector<uint8_t>* out);

  // Copies original bytes [offset, offset + n) of file 0 into dst, decoding
  // only the chunks that overlap the range.
  Status ReadRange(uint64_t offset, uint64_t n, uint8_t* dst);
  // The same, written to *sink one chunk's worth at a time.
  Status WriteRange(uint64_t offset, uint64_t n, ByteSink* sink);

  // The tensor called `name`, or NotFound whose message suggests close names.
  Result<const TensorEntry*> FindTensor(const std::string& name) const;

  // Copies the payload of tensor `name` (exactly as it stands in the original
  // file) into dst[0, capacity). InvalidArgument if capacity is too small.
  Status ReadTensor(const std::string& name, uint8_t* dst, uint64_t capacity);

  // Writes the whole original file 0 to *sink in order, verifying every
  // chunk checksum and, at the end, the whole-file checksum.
  Status Unpack(ByteSink* sink);

  // Original and stored bytes per stream kind ("Q4_K.qs", "meta"), read from
  // every chunk header (a small read per chunk; no payload is decoded).
  Status StreamStats(std::map<std::string, StreamTotals>* out);

  // Reads and parses the GGUF header (metadata and tensor infos) of a GGUF
  // file: *header receives its bytes, *layout the parsed key/value table.
  Status ReadGgufHeader(std::vector<uint8_t>* header, GgufLayout* layout);

  // Stored (compressed) bytes of the chunks that hold a tensor's payload.
  uint64_t TensorStoredBytes(const TensorEntry& tensor) const;

  // Describes chunk `index` for error messages: "chunk 17 (tensor 'x')".
  std::string DescribeChunk(uint32_t index) const;

 private:
  Archive() = default;
  // Checks a chunk's stored bytes against the manifest and decodes them.
  // Thread-safe.
  Status DecodeStoredChunk(uint32_t index, const std::vector<uint8_t>& stored, std::vector<uint8_t>* out) const;
  // Reads file().chunks[first, first + count) in order, decodes them on the
  // worker threads, and hands each to consume(decoded, i) in order.
  Status DecodeChunksInOrder(size_t first, size_t count,
                             const std::function<Status(const std::vector<uint8_t>&, size_t)>& consume);
  // Index into file().chunks of the chunk holding original offset `pos`.
  size_t FindChunk(uint64_t pos) const;

  std::unique_ptr<ByteSource> source_;
  FileHeader header_;
  Manifest manifest_;
  std::vector<uint64_t> starts_;  // original offset of each of file().chunks
  unsigned threads_ = 0;
  mutable std::atomic<uint64_t> chunks_decoded_{0};
};

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_READER_H_
