// Method a: the whole file as one zstd frame (zstd -3, zstd -19).
#include <cinttypes>
#include <cstring>

#include "bench.h"
#include "zstd_frame.h"

namespace sgz_bench {

Buffer ZstdCompress(const uint8_t* src, size_t n, int level, int threads) {
  CCtxPtr c(ZSTD_createCCtx());
  if (!c) ChildFail(kExitError, "ZSTD_createCCtx failed");
  CheckZstd(ZSTD_CCtx_setParameter(c.get(), ZSTD_c_compressionLevel, level), "zstd level");
  CheckZstd(ZSTD_CCtx_setParameter(c.get(), ZSTD_c_checksumFlag, 1), "zstd checksum flag");
  CheckZstd(ZSTD_CCtx_setParameter(c.get(), ZSTD_c_nbWorkers, threads), "zstd nbWorkers");
  Buffer out(ZSTD_compressBound(n));
  out.n = CheckZstd(ZSTD_compress2(c.get(), out.data(), out.size(), src, n), "ZSTD_compress2");
  return out;
}

void RunZstdWhole(const Input& in, const Config& cfg, int level, Report* r) {
  const uint8_t* data = in.bytes.data();
  const size_t size = in.bytes.size();
  Buffer frame;
  for (int i = 0; i < cfg.reps; ++i) {
    frame = Buffer();  // never hold two results at once
    auto t0 = Clock::now();
    Buffer f = ZstdCompress(data, size, level, cfg.threads);
    r->pack.push_back(Since(t0));
    frame = std::move(f);
  }
  r->compressed = frame.size();

  // Verification (not timed): decode and compare every byte.
  uint64_t got = ZstdDecompressStream(frame.data(), frame.size(), [&](uint64_t off, const uint8_t* p, size_t n) {
    if (off + n > size) ChildFail(kExitMismatch, "zstd -%d: output longer than the input", level);
    size_t d = FirstDifference(p, data + off, n);
    if (d != n) ChildFail(kExitMismatch, "zstd -%d: output differs at byte %" PRIu64, level, off + d);
    return true;
  });
  if (got != size) ChildFail(kExitMismatch, "zstd -%d: output is %" PRIu64 " bytes, input %zu", level, got, size);

  for (int i = 0; i < cfg.reps; ++i) {
    auto t0 = Clock::now();
    uint64_t n = ZstdDecompressStream(frame.data(), frame.size(), [](uint64_t, const uint8_t*, size_t) { return true; });
    r->unpack.push_back(Since(t0));
    if (n != size) ChildFail(kExitMismatch, "zstd -%d: output size changed", level);
  }

  ExtractFromZstd(in, cfg, level, frame, r);
}

}  // namespace sgz_bench
