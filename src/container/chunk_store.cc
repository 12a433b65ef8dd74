#include "container/chunk_store.h"

#include <algorithm>
#include <mutex>

#include "common/checksum.h"
#include "common/num.h"
#include "common/thread_pool.h"
#include "container/predict_chunk.h"
#include "streams/ggml_types.h"
#include "streams/transform.h"

namespace sgz::internal {

// The parent of predicted chunks, read on the caller's thread and decoded on
// the pool by the first worker that needs it (the others wait for it), so
// that parents decode in parallel with each other and with their children.
struct PendingParent {
  uint32_t index = 0;
  bool keep = false;  // put in the parent cache once decoded
  bool read_by_worker = false;  // `stored` still to be read (ByteSource::ConcurrentReads)
  bool planes = false;  // decoded as its byte planes (PredictParentPlanes; never kept)
  const uint8_t* stored_at = nullptr;  // its stored bytes: in `stored`, or in place
  std::shared_ptr<std::vector<uint8_t>> stored;
  std::once_flag once;
  Status status;
  std::shared_ptr<std::vector<uint8_t>> bytes;
};

namespace {

constexpr uint64_t kDecodeWindowBytes = 8 << 20, kCallerDecodesUpTo = 1 << 20;


// One source read holding chunks adjacent in the archive. `bytes` only grows,
// so a reused buffer is not zeroed again.
struct Run {
  std::vector<uint8_t> bytes;  // when not read in place
  const uint8_t* data = nullptr;  // the bytes of archive offset `base` on
  uint64_t base = 0;
};

// A buffer no item holds any more, or a new one.
std::shared_ptr<Run> FreeRun(std::vector<std::shared_ptr<Run>>* runs) {
  for (const std::shared_ptr<Run>& r : *runs) {
    if (r.use_count() == 1) return r;
  }
  runs->push_back(std::make_shared<Run>());
  return runs->back();
}

struct BatchItem {
  size_t k = 0;  // position in the batch
  uint32_t index = 0;
  bool keep = false;
  DecodedChunk cached;       // a cache hit: nothing to read or decode
  std::shared_ptr<Run> run;  // holds the stored bytes otherwise
  const uint8_t* stored = nullptr;
  size_t stored_size = 0;
  std::vector<uint8_t> decoded;
  DecodedChunk reference;  // of a referencing chunk (transform 3), or the parent of a predicted one once decoded
  DecodedChunk importance;  // of a predicted chunk with IMPORTANCE
  std::shared_ptr<PendingParent> parent;  // of a predicted chunk, when not cached
  PredictSources sources;  // of a predicted chunk: its parent's and importance chunk's indices
  Status failure;  // with a damage handler: why the chunk failed its checks
  const std::vector<uint8_t>& result() const { return cached ? *cached : decoded; }
};

}  // namespace

std::string ChunkStore::DescribeChunk(uint32_t index) const {
  std::string s = "chunk " + Num(index);
  for (const FileEntry& f : manifest_.files) {
    uint64_t start = 0;
    for (uint32_t c : f.chunks) {
      if (c == index) {
        std::string where = manifest_.files.size() > 1 ? "file '" + f.name + "'" : "";
        const uint64_t end = start + manifest_.chunks[c].original_size;
        std::string what = f.kind == EntryKind::kGguf && start < f.data_offset ? "metadata" : "";
        // Every tensor with payload in the chunk (small files group several
        // in one), the first three by name.
        std::vector<const std::string*> names;
        for (const TensorEntry& t : f.tensors) {
          if (t.size > 0 && t.offset < end && start < t.offset + t.size) names.push_back(&t.name);
        }
        for (size_t i = 0; i < names.size() && i < 3; ++i) {
          what += i > 0 ? ", '" : std::string(what.empty() ? "" : ", ") + (names.size() == 1 ? "tensor '" : "tensors '");
          what += *names[i] + "'";
        }
        if (names.size() > 3) what += " and " + Num(names.size() - 3) + " more";
        if (!where.empty() && !what.empty()) where += ", ";
        where += what;
        return where.empty() ? s : s + " (" + where + ")";
      }
      start += manifest_.chunks[c].original_size;
    }
  }
  return s;
}

// A member record is at most 20 + 2^16 bytes; this covers every one sgz writes.
constexpr uint64_t kHeaderReadAlong = 4096 + 64;

Status ChunkStore::ReadArchive(uint32_t index, uint64_t offset, uint64_t n, std::vector<uint8_t>* buf,
                               const uint8_t** data) {
  // Chunk 0 follows the header, or (2.2, several members) the first member
  // record after it: a few more bytes bring the header along.
  const bool with_header = !header_checked_ && index == 0 && offset >= FileHeader::kEncodedLength &&
                           offset <= FileHeader::kEncodedLength + kHeaderReadAlong;
  const uint64_t base = with_header ? 0 : offset;
  const uint64_t len = offset + n - base;
  const uint8_t* at = source_->View(base, len);
  if (at == nullptr) {
    if (buf->size() < len) buf->resize(len);
    Status s = source_->Read(base, len, buf->data());
    if (!s.ok()) return s.WithContext(DescribeChunk(index));
    at = buf->data();
  }
  *data = at + (offset - base);
  return with_header ? CheckHeader(at) : Status::Ok();
}

Status ChunkStore::DecodeStored(uint32_t index, const uint8_t* stored, size_t n, std::vector<uint8_t>* out,
                                const std::vector<uint8_t>* reference, const std::vector<uint8_t>* importance,
                                const DecodeMode& mode) const {
  Status s = DecodeStoredUnnamed(index, stored, n, out, reference, importance, mode);
  return s.ok() ? s : s.WithContext(DescribeChunk(index));
}

Status ChunkStore::DecodeStoredUnnamed(uint32_t index, const uint8_t* stored, size_t n, std::vector<uint8_t>* out,
                                       const std::vector<uint8_t>* reference,
                                       const std::vector<uint8_t>* importance, const DecodeMode& mode) const {
  const ChunkEntry& e = manifest_.chunks[index];
  ChunkHeader h;
  size_t needed;
  Status s = ChunkHeader::DecodeFrom(stored, n, header_.version(), &h, &needed);
  if (s.ok() && needed > n) s = Status::Corruption("header longer than the chunk");
  if (s.ok() && (h.transform != e.transform || h.type != e.type || h.original_size != e.original_size ||
                 h.checksum != e.checksum || h.streams.size() != e.stream_count)) {
    s = Status::Corruption("header disagrees with the manifest");
  }
  if (s.ok() && needed + h.PayloadSize() != e.stored_size) {
    s = Status::Corruption("stream sizes add up to " + Num(needed + h.PayloadSize()) + " bytes, chunk has " +
                           Num(e.stored_size));
  }
  if (s.ok()) s = DecodeChunkPayload(h, stored + needed, n - needed, out, reference, importance, mode);
  if (!s.ok()) return s;
  ++chunks_decoded_;
  return Status::Ok();
}

Status ChunkStore::CheckSource(uint32_t index, const std::vector<uint8_t>& bytes, bool planes) const {
  const ChunkEntry& e = manifest_.chunks[index];
  std::vector<uint8_t> joined;
  if (planes) {
    joined.resize(bytes.size());
    JoinStreams(e.transform, FindGgmlType(e.type), bytes.data(), bytes.size(), joined.data());
  }
  const std::vector<uint8_t>& b = planes ? joined : bytes;
  if (ChecksumMatches(Xxh3(b.data(), b.size()), e.checksum)) return Status::Ok();
  return Status::ChecksumMismatch("decoded bytes do not match the chunk checksum").WithContext(DescribeChunk(index));
}

Status ChunkStore::ReadChunks(const uint32_t* indices, size_t count, CacheKeep keep, const Consumer& consume,
                              const DamageHandler& damaged) {
  const std::vector<ChunkEntry>& chunks = manifest_.chunks;
  // A copy chunk (transform 2) is read as the chunk it copies: the manifest
  // checked that this one precedes it, is no copy and has its size and
  // checksum, so the copy's own header need not be read.
  std::vector<uint32_t> resolved(indices, indices + count);
  for (size_t k = 0; k < count; ++k) {
    if (indices[k] >= chunks.size()) {
      return Status::InvalidArgument("chunk index " + Num(indices[k]) + " outside the chunk table (" +
                                     Num(chunks.size()) + " chunks)");
    }
    if (chunks[indices[k]].transform == Transform::kCopy) resolved[k] = chunks[indices[k]].type;
  }
  indices = resolved.data();
  if (read_before_.size() != chunks.size()) read_before_.assign(chunks.size(), false);
  const unsigned threads = ResolveThreads(threads_);
  // As many chunks ahead as kDecodeWindowBytes (8 MiB) of the largest hold, up to 8
  // a thread: small chunks of uneven cost (a predicted one also decodes its
  // parent) keep both cores busy behind a slow one (the zoo's Q4_K_M member
  // unpacked 4% faster than with 2 a thread); 4 MiB chunks stay at 2. Small
  // chunks are also decoded by this thread while it waits for the oldest,
  // as one of the `threads` (one worker fewer: no third thread to share two
  // cores with, 6% faster again); large ones are left to the workers, whose
  // scratch buffers (a chunk's size each) would otherwise come a third time.
  uint64_t largest = 1;
  for (size_t k = 0; k < count; ++k) largest = std::max<uint64_t>(largest, chunks[indices[k]].original_size);
  const size_t window = static_cast<size_t>(std::min<uint64_t>(kDecodeWindowBytes / largest, 8 * uint64_t{threads}));
  const bool caller_works = largest <= kCallerDecodesUpTo;
  OrderedPipeline<BatchItem> pipeline(
      threads > 1 && count > 1 ? SharedThreadPool() : nullptr, threads,
      [this, &damaged](BatchItem& item) {
        if (item.cached || !item.failure.ok()) return Status::Ok();
        if (item.parent) {
          PendingParent& p = *item.parent;
          std::call_once(p.once, [this, &p] {
            const ChunkEntry& e = manifest_.chunks[p.index];
            // Buffers taken here, not when the parent was met: only the
            // parents being decoded hold one, not those waiting in the window.
            p.bytes = buffers_->Take(e.original_size);
            if (p.read_by_worker) {
              p.stored_at = source_->View(e.file_offset, e.stored_size);
              if (p.stored_at == nullptr) {
                p.stored = buffers_->Take(e.stored_size);
                p.stored->resize(e.stored_size);
                p.status = source_->Read(e.file_offset, e.stored_size, p.stored->data());
                if (!p.status.ok()) p.status = p.status.WithContext(DescribeChunk(p.index));
                p.stored_at = p.stored->data();
              }
            }
            if (p.status.ok()) {
              // Unchecked: its children's checksums cover what it gives
              // them, and a child that fails has it checked (below).
              DecodeMode mode;
              mode.verify = false;
              mode.planes = p.planes;
              p.status = DecodeStored(p.index, p.stored_at, e.stored_size, p.bytes.get(), nullptr, nullptr, mode);
            }
            // Back to the pool now rather than with the last child: the next
            // parent's read reuses it.
            p.stored.reset();
          });
          if (!p.status.ok()) {
            const Status s = p.status.WithContext("its parent chunk " + Num(p.index));
            if (!damaged || (s.code() != ErrorCode::kCorrupt && s.code() != ErrorCode::kChecksumMismatch)) {
              return s.WithContext(DescribeChunk(item.index));
            }
            item.failure = s;
            return Status::Ok();
          }
          item.reference = p.bytes;
        }
        const std::vector<uint8_t>* ref = item.reference.get();
        const std::vector<uint8_t>* imp = item.importance.get();
        DecodeMode mode;
        const bool planes = item.parent && item.parent->planes;
        if (planes) {
          mode.reference_planes = manifest_.chunks[item.parent->index].transform;
        }
        Status s;
        if (!damaged) {
          s = DecodeStored(item.index, item.stored, item.stored_size, &item.decoded, ref, imp, mode);
        } else {
          // Reported in the chunk's turn, by the consumer, so that damage and
          // good bytes reach the caller in file order.
          item.failure = DecodeStoredUnnamed(item.index, item.stored, item.stored_size, &item.decoded, ref, imp, mode);
        }
        if ((!s.ok() || !item.failure.ok()) && item.sources.count > 0) {
          // A parent is decoded unchecked: a damaged one is what failed this
          // chunk when it does not match its checksum.
          const char* roles[2] = {"its parent chunk ", "its importance chunk "};
          const std::vector<uint8_t>* used[2] = {ref, imp};
          for (int j = 0; j < item.sources.count; ++j) {
            const uint32_t c = item.sources.chunks[j];
            const Status bad = used[j] ? CheckSource(c, *used[j], j == 0 && planes) : Status::Ok();
            if (bad.ok()) continue;
            const Status named = bad.WithContext(roles[j] + Num(c));
            if (damaged) {
              item.failure = named;
            } else {
              s = named.WithContext(DescribeChunk(item.index));
            }
            break;
          }
        }
        // A parent not kept goes back to the pool once its last child is
        // decoded, not a window of chunks later when that one is consumed.
        item.reference.reset();
        item.importance.reset();
        if (item.parent && !item.parent->keep) item.parent.reset();
        return s;
      },
      [&](BatchItem& item) {
        if (item.parent) {
          if (item.parent->status.ok() && item.parent->keep) parents_.Put(item.parent->index, item.parent->bytes);
          item.parent.reset();
        }
        if (!item.failure.ok()) {
          const Status failure = std::move(item.failure);
          item.failure = Status::Ok();
          item.run.reset();
          // Only damage is worth going on past; running out of memory is not.
          if (failure.code() != ErrorCode::kCorrupt && failure.code() != ErrorCode::kChecksumMismatch) {
            return failure.WithContext(DescribeChunk(item.index));
          }
          return damaged(item.k, failure);
        }
        SGZ_RETURN_IF_ERROR(consume(item.k, item.result()));
        if (item.keep && !item.cached) {
          cache_.Put(item.index, std::make_shared<const std::vector<uint8_t>>(std::move(item.decoded)));
        }
        item.cached.reset();
        item.run.reset();
        item.reference.reset();
        item.importance.reset();
        return Status::Ok();
      },
      window, caller_works);
  std::vector<std::shared_ptr<Run>> runs;
  std::shared_ptr<Run> run;
  size_t run_end = 0;  // batch positions [.., run_end) are in `run`
  std::shared_ptr<PendingParent> last_parent;  // the children of a parent follow each other
  for (size_t k = 0; k < count; ++k) {
    SGZ_ASSIGN_OR_RETURN(std::unique_ptr<BatchItem> item, pipeline.NewItem());
    item->k = k;
    item->index = indices[k];
    item->keep = keep == CacheKeep::kAll || (keep == CacheKeep::kEnds && (k == 0 || k + 1 == count));
    item->sources = PredictSources();  // items are reused
    read_before_[item->index] = true;
    const ChunkEntry& e = chunks[item->index];
    if (k >= run_end) {
      item->cached = cache_.Get(item->index);
      if (item->cached) {
        SGZ_RETURN_IF_ERROR(pipeline.Push(std::move(item)));
        continue;
      }
      // A new run: this chunk and the uncached ones that follow it directly
      // in the archive, up to the read bound.
      const uint64_t begin = e.file_offset;
      uint64_t end = begin + e.stored_size;
      for (run_end = k + 1; run_end < count; ++run_end) {
        const ChunkEntry& next = chunks[indices[run_end]];
        if (next.file_offset != end || end + next.stored_size - begin > options_.max_merged_read ||
            cache_.Contains(indices[run_end])) {
          break;
        }
        end += next.stored_size;
      }
      run.reset();
      run = FreeRun(&runs);
      run->base = begin;
      SGZ_RETURN_IF_ERROR(ReadArchive(item->index, begin, end - begin, &run->bytes, &run->data));
    }
    item->run = run;
    item->stored = run->data + (e.file_offset - run->base);
    item->stored_size = e.stored_size;
    if (e.transform == Transform::kReference || e.transform == Transform::kPredict) {
      // Read and decoded here, on the caller's thread, one level deep (the
      // manifest checked that the reference decodes alone; a predicted
      // chunk's parent and importance chunk are checked here, their indices
      // being in its payload).
      PredictSources sources;
      sources.chunks[0] = e.type;
      Status s = e.transform == Transform::kPredict
                     ? PredictSourcesFor(item->index, item->stored, item->stored_size, &sources)
                     : Status::Ok();
      uint32_t other = sources.chunks[0];
      const char* role = e.transform == Transform::kPredict ? "its parent chunk " : "its reference chunk ";
      if (s.ok()) {
        s = e.transform == Transform::kPredict ? PendingParentOf(other, &item->reference, &last_parent)
                                               : Reference(other, &item->reference);
        if (s.ok() && e.transform == Transform::kPredict && !item->reference) item->parent = last_parent;
      }
      if (s.ok() && e.transform == Transform::kPredict) item->sources = sources;
      if (s.ok() && sources.count > 1) {
        other = sources.chunks[1];
        role = "its importance chunk ";
        s = Parent(other, &item->importance);
      }
      if (!s.ok()) {
        s = s.WithContext(role + Num(other));
        // The reference's damage is this chunk's too (it cannot be decoded).
        if (!damaged || (s.code() != ErrorCode::kCorrupt && s.code() != ErrorCode::kChecksumMismatch)) {
          return s.WithContext(DescribeChunk(item->index));
        }
        item->failure = s;
      }
    }
    SGZ_RETURN_IF_ERROR(pipeline.Push(std::move(item)));
  }
  return pipeline.Finish();
}

Status ChunkStore::PredictSourcesFor(uint32_t index, const uint8_t* stored, size_t n, PredictSources* out) const {
  ChunkHeader h;
  size_t needed;
  SGZ_RETURN_IF_ERROR(ChunkHeader::DecodeFrom(stored, n, header_.version(), &h, &needed));
  if (needed > n) return Status::Corruption("header longer than the chunk");
  SGZ_RETURN_IF_ERROR(PredictSourcesOf(h, stored + needed, n - needed, out));
  const std::vector<ChunkEntry>& chunks = manifest_.chunks;
  for (int k = 0; k < out->count; ++k) {
    const uint32_t c = out->chunks[k];
    const char* what = k == 0 ? "parent chunk " : "importance chunk ";
    // As a reference: backwards, and to a chunk that decodes alone.
    if (c >= index) return Status::Corruption(what + Num(c) + " does not precede it");
    const Transform t = chunks[c].transform;
    if (!DecodesAlone(t)) {
      return Status::Corruption(what + Num(c) + " has transform " + Num(static_cast<uint8_t>(t)) + " (0, 1 or 5 only)");
    }
  }
  return Status::Ok();
}

Status ChunkStore::Reference(uint32_t index, DecodedChunk* out) {
  *out = cache_.Get(index);
  if (*out) return Status::Ok();
  // Kept in the cache whatever the batch keeps: every later member's
  // metadata is coded against the same few chunks.
  std::shared_ptr<std::vector<uint8_t>> bytes;
  SGZ_RETURN_IF_ERROR(ReadChunks(&index, 1, CacheKeep::kNone, [&bytes](size_t, const std::vector<uint8_t>& d) {
    bytes = std::make_shared<std::vector<uint8_t>>(d);
    return Status::Ok();
  }));
  *out = bytes;
  cache_.Put(index, *out);
  return Status::Ok();
}

Status ChunkStore::Parent(uint32_t index, DecodedChunk* out) {
  *out = parents_.Get(index);
  if (*out) return Status::Ok();
  SGZ_RETURN_IF_ERROR(Reference(index, out));
  parents_.Put(index, *out);
  return Status::Ok();
}

Status ChunkStore::PendingParentOf(uint32_t index, DecodedChunk* out, std::shared_ptr<PendingParent>* pending) {
  *out = parents_.Get(index);
  if (!*out) *out = cache_.Get(index);
  if (*out || (*pending && (*pending)->index == index)) return Status::Ok();
  auto p = std::make_shared<PendingParent>();
  p->index = index;
  p->keep = read_before_[index];
  read_before_[index] = true;
  const ChunkEntry& e = manifest_.chunks[index];
  // One not kept is only predicted from: its planes need not be joined.
  p->planes = !p->keep && PredictParentPlanes(e.transform, e.type);
  // The read of chunk 0 may check the header, which only this thread does.
  p->read_by_worker = source_->ConcurrentReads() && (header_checked_ || index != 0);
  if (p->read_by_worker) {
    *pending = std::move(p);
    return Status::Ok();
  }
  // A buffer only where the bytes are not read in place (a failed view
  // fails the read: nothing then points into `unused`).
  std::vector<uint8_t> unused;
  if (source_->Mapped() == nullptr) {
    p->stored = buffers_->Take(e.stored_size + (index == 0 ? kHeaderReadAlong + FileHeader::kEncodedLength : 0));
  }
  SGZ_RETURN_IF_ERROR(
      ReadArchive(index, e.file_offset, e.stored_size, p->stored ? p->stored.get() : &unused, &p->stored_at));
  *pending = std::move(p);
  return Status::Ok();
}

Status ChunkStore::DecodeChunk(uint32_t index, std::vector<uint8_t>* out) {
  return ReadChunks(&index, 1, CacheKeep::kAll, [out](size_t, const std::vector<uint8_t>& decoded) {
    out->assign(decoded.begin(), decoded.end());
    return Status::Ok();
  });
}

Status ChunkStore::ReadChunkHeader(uint32_t index, ChunkHeader* out) {
  if (index >= manifest_.chunks.size()) {
    return Status::InvalidArgument("chunk index " + Num(index) + " outside the chunk table");
  }
  const ChunkEntry& e = manifest_.chunks[index];
  const size_t len = ChunkHeader::kFixedLength + ChunkHeader::kStreamDescLength * e.stream_count;
  std::vector<uint8_t> buf;
  const uint8_t* at;
  SGZ_RETURN_IF_ERROR(ReadArchive(index, e.file_offset, len, &buf, &at));
  size_t needed;
  Status s = ChunkHeader::DecodeFrom(at, len, header_.version(), out, &needed);
  return s.ok() ? s : s.WithContext(DescribeChunk(index));
}

Status ChunkStore::CheckCopyHeader(uint32_t index) {
  const ChunkEntry& e = manifest_.chunks[index];
  std::vector<uint8_t> buf;
  const uint8_t* at;
  SGZ_RETURN_IF_ERROR(ReadArchive(index, e.file_offset, ChunkHeader::kFixedLength, &buf, &at));
  ChunkHeader h;
  size_t needed;
  Status s = ChunkHeader::DecodeFrom(at, ChunkHeader::kFixedLength, header_.version(), &h, &needed);
  if (s.ok() && needed > ChunkHeader::kFixedLength) s = Status::Corruption("header longer than the chunk");
  if (s.ok() && (h.transform != e.transform || h.type != e.type || h.original_size != e.original_size ||
                 h.checksum != e.checksum || !h.streams.empty())) {
    s = Status::Corruption("header disagrees with the manifest");
  }
  return s;
}

}  // namespace sgz::internal
