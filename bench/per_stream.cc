// Method b: the published per-stream method, re-implemented. The GGUF is
// split into 5 streams for the whole file (Q4_K nibbles, Q4_K scale headers
// byte-grouped, other quantized payloads, float payloads, metadata), each one
// zstd frame at kStreamsLevel; unpacking decodes them and re-interleaves the
// whole file in memory.
#include <cinttypes>
#include <cstring>
#include <utility>

#include "bench.h"
#include "zstd_frame.h"

namespace sgz_bench {
namespace {

enum StreamId { kNibbles = 0, kScales, kOtherQuant, kFloat, kMeta, kStreamCount };
const char* const kStreamNames[kStreamCount] = {
    "Q4_K nibbles (qs)", "Q4_K scale headers (byte-grouped)", "other quantized payloads",
    "float payloads (F32/F16/BF16)", "metadata (header, KVs, infos, padding, tail)"};

constexpr uint32_t kTypeF32 = 0, kTypeF16 = 1, kTypeQ4K = 12, kTypeBF16 = 30;
constexpr uint64_t kQ4KBlock = 144, kQ4KHeader = 16, kQ4KQs = 128;

StreamId StreamOfTensor(uint32_t type) {
  if (type == kTypeQ4K) return kNibbles;
  if (type == kTypeF32 || type == kTypeF16 || type == kTypeBF16) return kFloat;
  return kOtherQuant;
}

struct StreamSet {
  Buffer s[kStreamCount];
};

// Bytes of each stream for a layout.
void StreamSizes(const sgz::internal::GgufLayout& layout, uint64_t sizes[kStreamCount]) {
  for (int i = 0; i < kStreamCount; ++i) sizes[i] = 0;
  for (const sgz::internal::Region& g : layout.regions) {
    if (g.kind != sgz::internal::RegionKind::kTensor) {
      sizes[kMeta] += g.size;
      continue;
    }
    const uint32_t type = layout.tensors[g.tensor].type;
    if (type == kTypeQ4K) {
      const uint64_t blocks = g.size / kQ4KBlock;
      sizes[kScales] += blocks * kQ4KHeader;
      sizes[kNibbles] += blocks * kQ4KQs;
      sizes[kOtherQuant] += g.size % kQ4KBlock;  // never, for a valid file
    } else {
      sizes[StreamOfTensor(type)] += g.size;
    }
  }
}

// Walks the layout, calling copy(stream, stream_offset, file_offset, n) for
// every run of bytes; Q4_K header bytes go one at a time to their grouped place.
template <typename Copy>
void WalkStreams(const sgz::internal::GgufLayout& layout, const uint64_t sizes[kStreamCount], Copy copy) {
  uint64_t pos[kStreamCount] = {0, 0, 0, 0, 0};
  const uint64_t q4k_blocks = sizes[kScales] / kQ4KHeader;
  uint64_t block = 0;  // global Q4_K block index
  for (const sgz::internal::Region& g : layout.regions) {
    if (g.kind != sgz::internal::RegionKind::kTensor) {
      copy(kMeta, pos[kMeta], g.offset, g.size);
      pos[kMeta] += g.size;
      continue;
    }
    const uint32_t type = layout.tensors[g.tensor].type;
    if (type != kTypeQ4K) {
      const StreamId s = StreamOfTensor(type);
      copy(s, pos[s], g.offset, g.size);
      pos[s] += g.size;
      continue;
    }
    const uint64_t blocks = g.size / kQ4KBlock;
    for (uint64_t b = 0; b < blocks; ++b, ++block) {
      const uint64_t at = g.offset + b * kQ4KBlock;
      for (uint64_t j = 0; j < kQ4KHeader; ++j) copy(kScales, j * q4k_blocks + block, at + j, 1);
      copy(kNibbles, pos[kNibbles], at + kQ4KHeader, kQ4KQs);
      pos[kNibbles] += kQ4KQs;
    }
    const uint64_t rest = g.size % kQ4KBlock;
    if (rest > 0) {
      copy(kOtherQuant, pos[kOtherQuant], g.offset + blocks * kQ4KBlock, rest);
      pos[kOtherQuant] += rest;
    }
  }
}

StreamSet Split(const uint8_t* data, const sgz::internal::GgufLayout& layout) {
  uint64_t sizes[kStreamCount];
  StreamSizes(layout, sizes);
  StreamSet set;
  for (int i = 0; i < kStreamCount; ++i) set.s[i] = Buffer(sizes[i]);
  WalkStreams(layout, sizes, [&](int s, uint64_t at, uint64_t file_off, uint64_t n) {
    if (n == 1) {
      set.s[s].data()[at] = data[file_off];
    } else {
      memcpy(set.s[s].data() + at, data + file_off, n);
    }
  });
  return set;
}

// Decodes the 5 frames and rebuilds the file. The layout comes from the
// decoded metadata stream (it starts with the GGUF header), as a real decoder
// would have it; the file size is the sum of the stream sizes.
Buffer Join(const StreamSet& frames) {
  DCtxPtr d(ZSTD_createDCtx());
  if (!d) ChildFail(kExitError, "ZSTD_createDCtx failed");
  StreamSet dec;
  uint64_t sizes[kStreamCount];
  uint64_t total = 0;
  for (int i = 0; i < kStreamCount; ++i) {
    const unsigned long long n = ZSTD_getFrameContentSize(frames.s[i].data(), frames.s[i].size());
    if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN) ChildFail(kExitError, "stream %d: no content size", i);
    dec.s[i] = Buffer(n);
    CheckZstd(ZSTD_decompressDCtx(d.get(), dec.s[i].data(), n, frames.s[i].data(), frames.s[i].size()),
              "ZSTD_decompressDCtx");
    sizes[i] = n;
    total += n;
  }
  auto header = sgz::internal::ParseGgufHeader(dec.s[kMeta].data(), dec.s[kMeta].size(), /*at_eof=*/true, nullptr);
  CheckStatus(header.status(), "per-stream join: metadata stream");
  sgz::internal::GgufLayout layout = std::move(header).value();
  CheckStatus(sgz::internal::FinishGgufLayout(&layout, total), "per-stream join: layout");
  uint64_t expect[kStreamCount];
  StreamSizes(layout, expect);
  for (int i = 0; i < kStreamCount; ++i) {
    if (expect[i] != sizes[i]) ChildFail(kExitMismatch, "per-stream join: stream %d has %" PRIu64 " bytes, layout says %" PRIu64, i, sizes[i], expect[i]);
  }
  Buffer out(total);
  WalkStreams(layout, sizes, [&](int s, uint64_t at, uint64_t file_off, uint64_t n) {
    if (n == 1) {
      out.data()[file_off] = dec.s[s].data()[at];
    } else {
      memcpy(out.data() + file_off, dec.s[s].data() + at, n);
    }
  });
  return out;
}

}  // namespace

void RunStreams(const Input& in, const Config& cfg, Report* r) {
  if (!in.gguf) {
    r->note = "not a GGUF (" + in.parse_error + ")";
    return;
  }
  const uint8_t* data = in.bytes.data();
  const size_t size = in.bytes.size();
  StreamSet frames;
  uint64_t raw[kStreamCount];
  StreamSizes(in.layout, raw);
  for (int i = 0; i < cfg.reps; ++i) {
    frames = StreamSet();
    auto t0 = Clock::now();
    StreamSet f;
    {
      StreamSet split = Split(data, in.layout);
      for (int s = 0; s < kStreamCount; ++s) {
        f.s[s] = ZstdCompress(split.s[s].data(), split.s[s].size(), kStreamsLevel, cfg.threads);
      }
    }  // the split streams are freed inside the timing, as a packer would
    r->pack.push_back(Since(t0));
    frames = std::move(f);
  }
  r->compressed = 0;
  for (int s = 0; s < kStreamCount; ++s) {
    r->compressed += frames.s[s].size();
    r->streams.push_back({kStreamNames[s], raw[s], frames.s[s].size()});
  }
  for (int i = 0; i < cfg.reps; ++i) {
    auto t0 = Clock::now();
    Buffer out = Join(frames);
    r->unpack.push_back(Since(t0));
    // Verification (not timed).
    if (out.size() != size) ChildFail(kExitMismatch, "per-stream: output is %zu bytes, input %zu", out.size(), size);
    size_t d = FirstDifference(out.data(), data, size);
    if (d != size) ChildFail(kExitMismatch, "per-stream: output differs at byte %zu", d);
  }
  r->extract_supported = false;  // streams span the whole file
}

}  // namespace sgz_bench
