// The per-file half of a reader: one file entry of an opened archive, read
// through the chunk store. Any number of views may share one store (and, in
// multi-file archives, chunks).
#ifndef SGZ_CONTAINER_FILE_VIEW_H_
#define SGZ_CONTAINER_FILE_VIEW_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "container/byte_sink.h"
#include "container/chunk_store.h"
#include "container/format.h"

namespace sgz::internal {

class FileView {
 public:
  // A view of file `file_index` of the store's manifest; InvalidArgument when
  // out of range. The store must outlive the view.
  static Result<FileView> Make(ChunkStore* store, uint32_t file_index);

  const FileEntry& file() const { return store_->manifest().files[file_index_]; }
  uint32_t file_index() const { return file_index_; }
  ChunkStore& store() const { return *store_; }
  // Original offset of each of file().chunks (strictly increasing: the
  // manifest guarantees every chunk at least 1 byte).
  const std::vector<uint64_t>& starts() const { return starts_; }
  // Index into file().chunks of the chunk holding original offset `pos`.
  // REQUIRES: pos < file().original_size.
  size_t FindChunk(uint64_t pos) const;

  // Copies original bytes [offset, offset + n) of the file into dst,
  // decoding only the chunks that overlap the range (InvalidArgument for a
  // range outside the file). dst may hold a prefix of the range on error.
  // The range's first and last chunks stay in the store's cache, for the
  // next small read of a sequential reader.
  Status ReadRange(uint64_t offset, uint64_t n, uint8_t* dst) const;
  // The same, written to *sink one chunk's worth at a time.
  Status WriteRange(uint64_t offset, uint64_t n, ByteSink* sink) const;

  // The tensor called `name`, or NotFound whose message suggests close names.
  Result<const TensorEntry*> FindTensor(const std::string& name) const;
  // Copies the payload of tensor `name` (exactly as it stands in the original
  // file) into dst[0, capacity). InvalidArgument if capacity is too small.
  // A tensor is read whole, usually once: its chunks are not cached.
  Status ReadTensor(const std::string& name, uint8_t* dst, uint64_t capacity) const;

  // Writes the whole file to *sink in order, verifying every chunk checksum
  // and, at the end, the whole-file checksum.
  Status Unpack(ByteSink* sink) const;
  // The same, but a chunk that fails its checks is handed to
  // damaged(position in file().chunks, failure) and skipped, and the pass
  // goes on (see ChunkStore::DamageHandler). The whole-file checksum is
  // checked only when no chunk was damaged. *sink may be null.
  Status UnpackPastDamage(ByteSink* sink, const std::function<Status(size_t, const Status&)>& damaged) const;

  // Original and stored bytes per stream kind ("Q4_K.qs", "meta"), read from
  // the header of each of the file's chunks (a small read per chunk; no
  // payload is decoded).
  Status StreamStats(std::map<std::string, StreamTotals>* out) const;

  // Reads and parses the GGUF header (metadata and tensor infos) of a GGUF
  // file: *header receives its bytes, *layout the parsed key/value table.
  Status ReadGgufHeader(std::vector<uint8_t>* header, GgufLayout* layout) const;

  // Stored (compressed) bytes of the chunks that hold the tensor's payload.
  // A chunk that also holds other tensors' payload (small files pack several
  // tensors in one chunk) is shared among them in proportion to their bytes
  // in it; a chunk that holds only this tensor (and padding) counts in full.
  uint64_t TensorStoredBytes(const TensorEntry& tensor) const;
  // Payload bytes of the tensor that lie in copy chunks (stored once, elsewhere).
  uint64_t TensorSharedBytes(const TensorEntry& tensor) const;
  // The chunks TensorStoredBytes counts: *count of them from *first (index
  // in the file's chunk order); 0 for an empty tensor.
  void TensorChunks(const TensorEntry& tensor, uint64_t* first, uint64_t* count) const;

 private:
  FileView(ChunkStore* store, uint32_t file_index);
  Status CopyRange(uint64_t offset, uint64_t n, ByteSink* sink, CacheKeep keep) const;

  ChunkStore* store_;
  uint32_t file_index_;
  std::vector<uint64_t> starts_;
  std::vector<std::pair<uint64_t, uint64_t>> tensor_spans_;  // [offset, end) of each tensor, sorted
};

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_FILE_VIEW_H_
