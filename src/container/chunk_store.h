// The file-independent half of a reader: an opened archive's source, header,
// footer and manifest, and chunks read and decoded by chunk-table index.
// Files (FileView, file_view.h) are views onto a store: several files may
// reference the same chunks.
#ifndef SGZ_CONTAINER_CHUNK_STORE_H_
#define SGZ_CONTAINER_CHUNK_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "container/byte_source.h"
#include "container/chunk_cache.h"
#include "container/chunk_store_buffers.h"
#include "container/format.h"

namespace sgz::internal {

struct PredictSources;
struct PendingParent;  // chunk_store.cc

struct ChunkStoreOptions {
  // Bytes read from the end of the archive at open (the whole archive when
  // smaller): the footer and, when it fits, the manifest in one read.
  uint64_t open_suffix = 64 << 10;
  // Largest source read that merges chunks adjacent in the archive; a chunk
  // larger than this is read alone.
  uint64_t max_merged_read = 1 << 20;
  // Bounds of the cache of decoded chunks (0 disables it).
  size_t cache_chunks = 4;
  uint64_t cache_bytes = 32 << 20;
  // Bounds of the cache of parent chunks of predicted chunks (transform 4):
  // every predicted member of a family reads the same parents, so they are
  // kept apart from the chunks read in order, which would evict them. A
  // parent is kept from its second read on (a chunk this store read before,
  // as a parent or not): a whole family's unpack reads the parent member
  // first, while unpacking one predicted member alone needs each parent once
  // and then reuses its buffer instead. The same bound holds the free
  // buffers of parents not kept.
  size_t parent_cache_chunks = 256;
  uint64_t parent_cache_bytes = 16 << 20;
  // When the end of the archive is not a valid footer and manifest, open it
  // as it was at the last valid one before (an add that was interrupted:
  // spec "Appending"), ignoring the bytes after it. It also reads the
  // header at open (a 16-byte read when the suffix does not hold it), to find
  // a complete add whose header was not yet rewritten. Off by default: the
  // library's readers of files turn it on; opening stays one or two reads.
  bool recover = false;
};

// Which chunks of a batch the cache keeps once decoded. Lookups happen in
// every mode.
enum class CacheKeep {
  kNone,  // a whole-file pass: caching would only evict useful chunks
  kEnds,  // a range: its first and last chunks, which the next small read of
          // a sequential reader (a FUSE mount) shares with this one
  kAll,
};

// Not safe for concurrent use (like the ByteSource below it); decoding runs
// on the shared worker pool inside each call.
class ChunkStore {
 public:
  // Opens with at most two source reads: one suffix of options.open_suffix
  // bytes (the footer and usually the manifest), then the manifest when it
  // did not fit. Checks the footer (its version: NotSupported), the
  // manifest's position, size limit and checksum, then every manifest rule.
  // The header is checked here when the suffix holds the whole archive;
  // otherwise by the first read that reaches archive offset 16, where every
  // writer puts chunk 0 (that read starts at offset 0 instead: no extra
  // read). Unpacking a file that starts with chunk 0 therefore always checks
  // it; reading one tensor of a large archive may not, as the footer already
  // carries the version and every chunk its checksum.
  // With options.recover, an archive whose end fails those checks (Corruption,
  // ChecksumMismatch, ResourceExhausted) is searched backwards for the last
  // footer that passes them all, its versions equal to the header's; the
  // store then reads the archive as it ends there (source().Size() is that
  // end) and ignored_bytes() counts the bytes after it. Without one, the
  // error of the end is returned. The search reads the bytes after the
  // footer it finds, in blocks of 4 MiB, once.
  static Result<std::unique_ptr<ChunkStore>> Open(std::unique_ptr<ByteSource> source,
                                                  const ChunkStoreOptions& options = ChunkStoreOptions());

  const Manifest& manifest() const { return manifest_; }
  const Footer& footer() const { return footer_; }
  // The file header once checked; before, its version fields are the
  // footer's (equal in every valid archive) and its flags zero.
  const FileHeader& header() const { return header_; }
  bool header_checked() const { return header_checked_; }
  // Bytes after the footer the archive was opened at (see Open): not 0 only
  // when the end of the file was not a valid footer and manifest.
  uint64_t ignored_bytes() const { return ignored_bytes_; }
  ByteSource& source() { return *source_; }
  const ChunkStoreOptions& options() const { return options_; }
  // Chunks decoded (cache hits are not decodes).
  uint64_t chunks_decoded() const { return chunks_decoded_; }
  uint64_t cache_hits() const { return cache_.hits(); }
  void ClearCache() {
    cache_.Clear();
    parents_.Clear();
  }
  // Worker threads, i.e. chunks outstanding at once (0 = all cores; 1 = the
  // caller's thread only).
  void set_threads(unsigned threads) { threads_ = threads; }

  using Consumer = std::function<Status(size_t k, const std::vector<uint8_t>& decoded)>;
  // Told about chunk indices[k] that failed its checks (Corruption or
  // ChecksumMismatch, the message without the chunk's name): an ok return
  // goes on with the next chunk, an error stops the batch with that error.
  using DamageHandler = std::function<Status(size_t k, const Status& failure)>;

  // Decodes chunks indices[0, count) and hands chunk indices[k] to
  // consume(k, bytes) for k = 0, 1, ... in order, on the caller's thread (the
  // bytes are valid during the call). Chunks not in the cache are read with
  // as few source reads as possible: each read covers a run of chunks that
  // follow each other in the archive (and in `indices`), up to
  // max_merged_read bytes. Decoding runs on up to `threads` workers, with
  // that many chunks outstanding. Each chunk is checked against its manifest
  // entry and its checksum before it is consumed; on the first error
  // (named "chunk N (tensor 'x'): ...") nothing after it is consumed.
  // InvalidArgument for an index outside the chunk table. A copy is read as
  // its target; a referencing chunk (transform 3) also reads its reference,
  // through the cache, which keeps it whatever `keep` says.
  // With `damaged`, a chunk whose stored bytes fail their checks is handed to
  // it instead (in its turn, in order) and is not consumed; errors of the
  // source still stop the batch.
  Status ReadChunks(const uint32_t* indices, size_t count, CacheKeep keep, const Consumer& consume,
                    const DamageHandler& damaged = nullptr);

  // Decodes chunk `index` into *out (through the cache: kAll).
  Status DecodeChunk(uint32_t index, std::vector<uint8_t>* out);

  // Reads and decodes the header of chunk `index` only (one small read).
  Status ReadChunkHeader(uint32_t index, ChunkHeader* out);

  // Reads the header of copy chunk `index` (which ReadChunks skips: it reads
  // the target) and checks it against its manifest entry: Corruption,
  // without the chunk's name, when it is damaged or disagrees. REQUIRES: a
  // copy chunk's index.
  Status CheckCopyHeader(uint32_t index);

  // Names chunk `index` for error messages: "chunk 17 (tensor 'x')", by the
  // first file that references it (with the file's name when the archive
  // holds several files).
  std::string DescribeChunk(uint32_t index) const;

 private:
  explicit ChunkStore(const ChunkStoreOptions& options)
      : options_(options),
        cache_(options.cache_chunks, options.cache_bytes),
        parents_(options.parent_cache_chunks, options.parent_cache_bytes),
        buffers_(BufferPool::Make(options.parent_cache_bytes)) {}
  // Applies the header rules to the 16 bytes at p (the footer is known).
  Status CheckHeader(const uint8_t* p);
  // Open's checks with the archive taken to end at `end` (<= source.Size()):
  // fills header_, footer_ and manifest_, not source_.
  Status OpenAt(ByteSource& source, uint64_t end);
  // The end of the last archive before `end` that OpenAt accepts, or 0.
  Result<uint64_t> FindValidEnd(ByteSource& source, uint64_t end, const FileHeader& header);
  // Archive bytes [offset, offset + n) at *data: in place where the source
  // holds them in memory (ByteSource::View), else read into buf (grown, never
  // shrunk). Reads from 0 instead, and checks the header, when the header is
  // unchecked and offset is 16. Source errors are named after chunk `index`.
  Status ReadArchive(uint32_t index, uint64_t offset, uint64_t n, std::vector<uint8_t>* buf, const uint8_t** data);
  // Checks stored chunk bytes against the manifest and decodes them
  // (`reference`: the decoded reference of a referencing chunk, or the
  // parent of a predicted one; `importance`: a predicted chunk's importance
  // chunk). Thread-safe.
  // `mode` (format.h): a parent decoded only for its children is neither
  // checksummed (CheckSource checks it when one fails) nor, when it can be
  // predicted from as planes, joined.
  Status DecodeStored(uint32_t index, const uint8_t* stored, size_t n, std::vector<uint8_t>* out,
                      const std::vector<uint8_t>* reference, const std::vector<uint8_t>* importance = nullptr,
                      const DecodeMode& mode = DecodeMode()) const;
  // The same, with errors not yet named after the chunk.
  Status DecodeStoredUnnamed(uint32_t index, const uint8_t* stored, size_t n, std::vector<uint8_t>* out,
                             const std::vector<uint8_t>* reference, const std::vector<uint8_t>* importance = nullptr,
                             const DecodeMode& mode = DecodeMode()) const;
  // Checks `bytes`, the decoded chunk `index` a predicted chunk read as its
  // parent or importance chunk (its planes when `planes`), against the
  // chunk's checksum: the error the chunk's own decode gives when it does not
  // match, named after it.
  Status CheckSource(uint32_t index, const std::vector<uint8_t>& bytes, bool planes) const;
  // The decoded bytes of chunk `index`, the reference of a referencing chunk
  // (transform 3): from the cache, else read, decoded and put in the cache.
  // REQUIRES: chunk `index` is neither a copy nor referencing.
  Status Reference(uint32_t index, DecodedChunk* out);
  // Reference() for the parent (or importance chunk) of a predicted chunk,
  // kept in parents_.
  Status Parent(uint32_t index, DecodedChunk* out);
  // The parent chunk and importance chunk of predicted chunk `index`
  // (transform 4) from its stored bytes stored[0, n): its parameter stream,
  // checked against the chunk table (earlier, transform 0 or 1).
  Status PredictSourcesFor(uint32_t index, const uint8_t* stored, size_t n, PredictSources* out) const;
  // ReadChunks' way to the parent chunk `index`: *out from a cache, else
  // *pending is its read and decode (kept when it is that parent already),
  // done by the first worker that needs it; its stored bytes are read here
  // when the source takes reads from one thread only.
  Status PendingParentOf(uint32_t index, DecodedChunk* out, std::shared_ptr<PendingParent>* pending);

  ChunkStoreOptions options_;
  std::unique_ptr<ByteSource> source_;
  FileHeader header_;
  bool header_checked_ = false;
  uint64_t ignored_bytes_ = 0;
  Footer footer_;
  Manifest manifest_;
  ChunkCache cache_;
  ChunkCache parents_;  // of predicted chunks
  std::shared_ptr<BufferPool> buffers_;  // of parents, stored and decoded
  std::vector<bool> read_before_;  // by chunk index: read by an earlier batch or parent fetch
  unsigned threads_ = 0;
  mutable std::atomic<uint64_t> chunks_decoded_{0};
};

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_CHUNK_STORE_H_
