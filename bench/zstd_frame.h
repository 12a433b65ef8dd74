// One zstd frame in and out, as the zstd CLI does it; used by the whole-file
// and per-stream methods.
#ifndef SGZ_BENCH_ZSTD_FRAME_H_
#define SGZ_BENCH_ZSTD_FRAME_H_

#include <zstd.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "bench.h"

namespace sgz_bench {

struct CCtxDeleter { void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); } };
struct DCtxDeleter { void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); } };
using CCtxPtr = std::unique_ptr<ZSTD_CCtx, CCtxDeleter>;
using DCtxPtr = std::unique_ptr<ZSTD_DCtx, DCtxDeleter>;

// One frame, as the zstd CLI writes it (content size and checksum present),
// with ZSTD_c_nbWorkers = threads.
Buffer ZstdCompress(const uint8_t* src, size_t n, int level, int threads);

// Streams the decompression of one frame, handing each piece of output to
// fn(offset, data, n), which returns false to stop early. Single-threaded,
// with the buffer sizes libzstd recommends (as `zstd -d` uses). Returns the
// bytes produced.
template <typename Fn>
uint64_t ZstdDecompressStream(const uint8_t* src, size_t n, Fn fn) {
  DCtxPtr d(ZSTD_createDCtx());
  if (!d) ChildFail(kExitError, "ZSTD_createDCtx failed");
  std::vector<uint8_t> buf(ZSTD_DStreamOutSize());
  ZSTD_inBuffer in = {src, n, 0};
  uint64_t produced = 0;
  size_t ret = 1;
  while (in.pos < in.size || ret != 0) {
    ZSTD_outBuffer out = {buf.data(), buf.size(), 0};
    ret = CheckZstd(ZSTD_decompressStream(d.get(), &out, &in), "ZSTD_decompressStream");
    if (out.pos > 0) {
      if (!fn(produced, buf.data(), out.pos)) return produced + out.pos;
      produced += out.pos;
    } else if (in.pos == in.size && ret != 0) {
      ChildFail(kExitError, "zstd frame truncated");
    }
  }
  return produced;
}

}  // namespace sgz_bench

#endif  // SGZ_BENCH_ZSTD_FRAME_H_
