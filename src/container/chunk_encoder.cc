#include "container/chunk_encoder.h"

#include <algorithm>
#include <map>
#include <utility>

#include "common/checksum.h"
#include "streams/codec.h"
#include "streams/context_split.h"
#include "streams/ggml_types.h"

namespace sgz::internal {

void AppendStreams(const uint8_t* split, uint64_t size, Transform transform, const GgmlType* gt,
                   const Coding& coding, EncodedChunk* out) {
  thread_local std::vector<uint8_t> ctx;
  uint64_t pos = 0;
  const std::vector<uint64_t> sizes = StreamSizes(transform, gt, size);
  for (size_t i = 0; i < sizes.size(); ++i) {
    const uint64_t n = sizes[i];
    StreamCoding rans;
    rans.allowed = coding.context;
    rans.min_gain = coding.min_gain;
    rans.contexts = transform == Transform::kContextSplit && coding.context ? StreamContexts(gt, i) : 0;
    if (rans.contexts > 0) {
      if (ctx.size() < n) ctx.resize(n);
      ComputeContexts(gt, split, size, i, ctx.data());
      rans.ctx = ctx.data();
    }
    const size_t before = out->payload.size();
    const Codec codec = EncodeStream(split + pos, n, coding.level, &out->payload, rans);
    out->header.streams.push_back(
        {codec, static_cast<uint32_t>(n), static_cast<uint32_t>(out->payload.size() - before)});
    pos += n;
  }
}

void EncodeChunkAs(const uint8_t* data, uint64_t size, Transform transform, uint32_t type, const Coding& coding,
                   EncodedChunk* out) {
  if (transform == Transform::kSplit && coding.context && HasContextSplit(type)) transform = Transform::kContextSplit;
  const bool typed = TypedTransform(transform);
  const GgmlType* gt = typed ? FindGgmlType(type) : nullptr;
  thread_local std::vector<uint8_t> split;
  if (split.size() < size) split.resize(size);
  SplitStreams(transform, gt, data, size, split.data());
  ChunkHeader& header = out->header;
  header.transform = transform;
  header.type = typed ? type : 0;
  header.original_size = static_cast<uint32_t>(size);
  header.checksum = Xxh3(data, size);
  header.streams.clear();
  out->payload.clear();
  AppendStreams(split.data(), size, transform, gt, coding, out);
  out->head.clear();
  header.EncodeTo(&out->head);
}

namespace {

// Above this level the search compares encodings made at kSearchLevel and
// only the chunks it keeps are encoded at the real level: levels 10 and up
// cost many times level 3 per byte, and rank the candidates alike.
constexpr int kMaxSearchLevel = 9;
constexpr int kSearchLevel = 3;

struct Choice {
  std::vector<EncodedChunk> chunks;
  std::vector<uint64_t> starts;  // of each chunk, from the group's start
  uint64_t cost = 0;
};

class GroupSearch {
 public:
  GroupSearch(const uint8_t* data, std::vector<GroupPiece> pieces, const Coding& coding)
      : data_(data), pieces_(std::move(pieces)), coding_(coding) {}

  Choice Best(size_t lo, size_t hi) {
    Choice best = OneChunk(lo, hi);
    if (hi - lo > 1) {
      const size_t mid = lo + (hi - lo) / 2;
      Choice left = Best(lo, mid);
      Choice right = Best(mid, hi);
      // Strictly smaller: on a tie, fewer chunks (fewer reads per tensor).
      if (left.cost + right.cost < best.cost) {
        for (EncodedChunk& c : right.chunks) left.chunks.push_back(std::move(c));
        left.starts.insert(left.starts.end(), right.starts.begin(), right.starts.end());
        left.cost += right.cost;
        return left;
      }
    }
    return best;
  }

 private:
  // pieces [lo, hi) as one chunk: transform 0, or the split of the type with
  // the most bytes among them when all its pieces start on a block boundary
  // of the chunk (else its fields would be read out of step).
  Choice OneChunk(size_t lo, size_t hi) {
    const uint64_t start = pieces_[lo].offset;
    const uint64_t size = pieces_[hi - 1].offset + pieces_[hi - 1].size - start;
    std::map<uint32_t, uint64_t> bytes_by_type;
    for (size_t i = lo; i < hi; ++i) {
      if (pieces_[i].transform == Transform::kSplit) bytes_by_type[pieces_[i].type] += pieces_[i].size;
    }
    uint32_t main_type = 0;
    uint64_t main_bytes = 0;
    for (const auto& [type, bytes] : bytes_by_type) {
      if (bytes > main_bytes) {
        main_type = type;
        main_bytes = bytes;
      }
    }
    bool split = main_bytes > 0;
    if (split) {
      const uint64_t block = FindGgmlType(main_type)->block_bytes;
      for (size_t i = lo; i < hi && split; ++i) {
        if (pieces_[i].transform == Transform::kSplit && pieces_[i].type == main_type) {
          split = (pieces_[i].offset - start) % block == 0;
        }
      }
    }
    Choice c;
    c.starts.push_back(start);
    c.chunks.resize(1);
    EncodeChunkAs(data_ + start, size, Transform::kNone, 0, coding_, &c.chunks[0]);
    c.cost = c.chunks[0].stored_size() + kChunkManifestCost;
    if (split) {
      EncodedChunk other;
      EncodeChunkAs(data_ + start, size, Transform::kSplit, main_type, coding_, &other);
      if (other.stored_size() + kChunkManifestCost < c.cost) {
        c.cost = other.stored_size() + kChunkManifestCost;
        c.chunks[0] = std::move(other);
      }
    }
    return c;
  }

  const uint8_t* data_;
  std::vector<GroupPiece> pieces_;
  Coding coding_;
};

}  // namespace

void EncodeGroup(const uint8_t* data, uint64_t size, const std::vector<GroupPiece>& pieces, const Coding& coding,
                 std::vector<EncodedChunk>* out) {
  const int level = coding.level;
  std::vector<GroupPiece> cut;
  for (const GroupPiece& p : pieces) {
    if (p.offset >= size) break;
    cut.push_back(p);
    cut.back().size = std::min(p.size, size - p.offset);
  }
  const size_t n = cut.size();
  const int search_level = level > kMaxSearchLevel ? kSearchLevel : level;
  // The search tries every node of the tree, each a few times: it ranks them
  // by zstd alone (rans's table search costs more than these small chunks
  // gain), and the chunks it keeps are encoded as `coding` says.
  Choice best =
      GroupSearch(data, std::move(cut), {search_level, /*context=*/false, coding.estimate, coding.min_gain}).Best(0, n);
  if (search_level != level || coding.context) {
    for (size_t i = 0; i < best.chunks.size(); ++i) {
      const ChunkHeader h = best.chunks[i].header;
      // Transform 5 chunks are encoded as the split they re-express.
      const Transform t = h.transform == Transform::kContextSplit ? Transform::kSplit : h.transform;
      EncodeChunkAs(data + best.starts[i], h.original_size, t, h.type, coding, &best.chunks[i]);
    }
  }
  *out = std::move(best.chunks);
}

}  // namespace sgz::internal
