#include "streams/codec.h"

#include <zstd.h>

#include <cstring>
#include <memory>

#include "common/coding.h"

namespace sgz::internal {

const IdRow kCodecTable[] = {
    {static_cast<uint8_t>(Codec::kStored), "stored", 1, 0},
    {static_cast<uint8_t>(Codec::kZstd), "zstd", 1, 0},
};
const size_t kCodecTableSize = sizeof(kCodecTable) / sizeof(kCodecTable[0]);

namespace {

struct CCtxDeleter { void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); } };
struct DCtxDeleter { void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); } };

ZSTD_CCtx* ThreadCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> ctx(ZSTD_createCCtx());
  return ctx.get();
}
ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> ctx(ZSTD_createDCtx());
  return ctx.get();
}

}  // namespace

uint64_t MaxStoredSize(uint64_t raw_size) { return raw_size; }

namespace {

thread_local uint64_t compressor_input_bytes = 0;

// Bytes of the three samples (start, middle, end) that decide whether a
// large stream is worth compressing at all.
constexpr uint64_t kProbeBytes = 32 * 1024;

// True when zstd shrinks none of three samples of src: quantized weights
// (Q4_K nibbles, Q6_K low bits) carry close to 8 bits a byte, and zstd would
// spend most of a pack's time confirming it. Depends on the data only, so the
// archive does not depend on thread count or timing.
bool LooksIncompressible(const uint8_t* src, uint64_t n, int level) {
  if (n < 8 * kProbeBytes) return false;
  thread_local std::unique_ptr<char[]> out(new char[ZSTD_compressBound(kProbeBytes)]);
  const size_t bound = ZSTD_compressBound(kProbeBytes);
  for (uint64_t at : {uint64_t{0}, (n - kProbeBytes) / 2, n - kProbeBytes}) {
    compressor_input_bytes += kProbeBytes;
    size_t r = ZSTD_compressCCtx(ThreadCCtx(), out.get(), bound, src + at, kProbeBytes, level);
    if (ZSTD_isError(r) || r < kProbeBytes) return false;
  }
  return true;
}

}  // namespace

uint64_t CompressorInputBytesForTesting() { return compressor_input_bytes; }

Codec EncodeStream(const uint8_t* src, uint64_t n, int level, std::string* dst) {
  if (n > 0 && !LooksIncompressible(src, n, level)) {
    // Compress into a reused scratch buffer (never zero-filled), then append.
    thread_local std::unique_ptr<char[]> scratch;
    thread_local size_t scratch_size = 0;
    const size_t bound = ZSTD_compressBound(n);
    if (scratch_size < bound) {
      scratch.reset(new char[bound]);
      scratch_size = bound;
    }
    ZSTD_CCtx* cctx = ThreadCCtx();
    ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
    compressor_input_bytes += n;
    size_t r = ZSTD_compress2(cctx, scratch.get(), bound, src, n);
    if (!ZSTD_isError(r) && r < n) {
      dst->append(scratch.get(), r);
      return Codec::kZstd;
    }
  }
  dst->append(reinterpret_cast<const char*>(src), n);
  return Codec::kStored;
}

Status DecodeStream(Codec codec, const uint8_t* src, uint64_t stored_size, uint8_t* dst, uint64_t raw_size) {
  switch (codec) {
    case Codec::kStored:
      if (stored_size != raw_size) {
        return Status::Corruption("stored stream size " + std::to_string(stored_size) +
                                  " differs from its raw size " + std::to_string(raw_size));
      }
      if (raw_size > 0) memcpy(dst, src, raw_size);
      return Status::Ok();
    case Codec::kZstd: {
      if (stored_size >= raw_size) {
        return Status::Corruption("zstd stream of " + std::to_string(stored_size) +
                                  " bytes is not smaller than its raw size " + std::to_string(raw_size));
      }
      // One frame, nothing else: ZSTD_decompressDCtx would also decode
      // concatenated frames and skip skippable ones, which the format forbids.
      if (stored_size >= 4 && (LoadU32LE(src) & 0xFFFFFFF0u) == 0x184D2A50u) {
        return Status::Corruption("zstd stream is a skippable frame");
      }
      const size_t frame = ZSTD_findFrameCompressedSize(src, stored_size);
      if (ZSTD_isError(frame)) {
        return Status::Corruption(std::string("zstd stream does not decode: ") + ZSTD_getErrorName(frame));
      }
      if (frame != stored_size) {
        return Status::Corruption("zstd stream of " + std::to_string(stored_size) + " bytes: its first frame ends at byte " +
                                  std::to_string(frame) + " (a stream is exactly one frame)");
      }
      size_t r = ZSTD_decompressDCtx(ThreadDCtx(), dst, raw_size, src, stored_size);
      if (ZSTD_isError(r)) {
        return Status::Corruption(std::string("zstd stream does not decode: ") + ZSTD_getErrorName(r));
      }
      if (r != raw_size) {
        return Status::Corruption("zstd stream decodes to " + std::to_string(r) + " bytes, expected " +
                                  std::to_string(raw_size));
      }
      return Status::Ok();
    }
  }
  return Status::Corruption("unknown codec " + std::to_string(static_cast<int>(codec)));
}

}  // namespace sgz::internal
