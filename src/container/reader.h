// Reading archives: open from any ByteSource, list, decode chunks, read byte
// ranges of the original, unpack and verify.
//
// Archive is a facade over the two halves of a reader: a ChunkStore (the
// archive's chunks, file-independent: chunk_store.h) and one FileView per
// file entry (file_view.h). Its file methods act on file 0, as every
// archive written so far holds one file.
#ifndef SGZ_CONTAINER_READER_H_
#define SGZ_CONTAINER_READER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "container/byte_sink.h"
#include "container/byte_source.h"
#include "container/chunk_store.h"
#include "container/file_view.h"
#include "container/format.h"

namespace sgz::internal {

class Archive {
 public:
  // Opens the chunk store (ChunkStore::Open: at most two source reads; reads
  // no chunk) and makes the view of file 0.
  static Result<std::unique_ptr<Archive>> Open(std::unique_ptr<ByteSource> source,
                                               const ChunkStoreOptions& options = ChunkStoreOptions());

  ChunkStore& store() { return *store_; }
  // The view of file `index`, made on first use; it lives as long as the
  // archive. InvalidArgument when out of range.
  Result<FileView*> view(uint32_t index);
  // The view of file 0.
  const FileView& view() const { return *views_[0]; }

  const Manifest& manifest() const { return store_->manifest(); }
  const FileEntry& file() const { return view().file(); }
  // See ChunkStore::header(): checked at open for archives within the open
  // suffix, otherwise with the first read of chunk bytes at offset 16.
  const FileHeader& header() const { return store_->header(); }
  ByteSource& source() { return store_->source(); }
  uint64_t chunks_decoded() const { return store_->chunks_decoded(); }
  // Worker threads for decoding (0 = all cores; 1 = the caller's thread
  // only); as many chunks are outstanding at once.
  void set_threads(unsigned threads) { store_->set_threads(threads); }

  // Decodes chunk `index` (of the manifest's chunk table) into *out and checks
  // its checksum. Errors name the chunk.
  Status DecodeChunk(uint32_t index, std::vector<uint8_t>* out) { return store_->DecodeChunk(index, out); }
  // Describes chunk `index` for error messages: "chunk 17 (tensor 'x')".
  std::string DescribeChunk(uint32_t index) const { return store_->DescribeChunk(index); }

  // File 0: see FileView for the contracts.
  Status ReadRange(uint64_t offset, uint64_t n, uint8_t* dst) { return view().ReadRange(offset, n, dst); }
  Status WriteRange(uint64_t offset, uint64_t n, ByteSink* sink) { return view().WriteRange(offset, n, sink); }
  Result<const TensorEntry*> FindTensor(const std::string& name) const { return view().FindTensor(name); }
  Status ReadTensor(const std::string& name, uint8_t* dst, uint64_t capacity) {
    return view().ReadTensor(name, dst, capacity);
  }
  Status Unpack(ByteSink* sink) { return view().Unpack(sink); }
  Status UnpackPastDamage(ByteSink* sink, const std::function<Status(size_t, const Status&)>& damaged) {
    return view().UnpackPastDamage(sink, damaged);
  }
  Status StreamStats(std::map<std::string, StreamTotals>* out) { return view().StreamStats(out); }
  Status ReadGgufHeader(std::vector<uint8_t>* header, GgufLayout* layout) {
    return view().ReadGgufHeader(header, layout);
  }
  uint64_t TensorStoredBytes(const TensorEntry& tensor) const { return view().TensorStoredBytes(tensor); }

 private:
  Archive() = default;
  std::unique_ptr<ChunkStore> store_;
  std::vector<std::unique_ptr<FileView>> views_;  // by file index; null until made
};

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_READER_H_
