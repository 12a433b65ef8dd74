#include "streams/codec.h"

#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>

#include "common/coding.h"
#include "streams/rans.h"

namespace sgz::internal {

const IdRow kCodecTable[] = {
    {static_cast<uint8_t>(Codec::kStored), "stored", 1, 0},
    {static_cast<uint8_t>(Codec::kZstd), "zstd", 1, 0},
    {static_cast<uint8_t>(Codec::kRans), "rans", 2, 4},
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

namespace {

// Compresses src[0, n) at `level` into out[0, bound); returns the frame size,
// or 0 on failure.
size_t CompressAt(const uint8_t* src, uint64_t n, int level, char* out, size_t bound, Prefix prefix = {}) {
  ZSTD_CCtx* cctx = ThreadCCtx();
  ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
  // A prefix rather than a dictionary (CDict): it is always raw content, even
  // when its first bytes are a dictionary's magic, and it is the stable API.
  // It is indexed anew for each frame; on the corpus it gives the sizes of a
  // raw-content CDict within 2%.
  if (prefix.size > 0) ZSTD_CCtx_refPrefix(cctx, prefix.data, prefix.size);
  compressor_input_bytes += n;
  const size_t r = ZSTD_compress2(cctx, out, bound, src, n);
  return ZSTD_isError(r) ? 0 : r;
}

// Scratch buffers (never zero-filled) of at least `size` bytes.
char* Scratch(std::unique_ptr<char[]>* buf, size_t* have, size_t size) {
  if (*have < size) {
    buf->reset(new char[size]);
    *have = size;
  }
  return buf->get();
}

}  // namespace

// Streams shorter than this are not tried with rans: their tables rarely
// pay (measured: llm-mix's Q4_K_M archive 226 bytes larger, its BF16, Q3_K_M
// and the zoo's not at all), and building them for the thousands of small
// streams of norms, biases and scales was a third of the CPU time of packing
// a 1.1 GB Q4_K_M file (7.0 -> 4.5 s).
constexpr uint64_t kRansFrom = 4096;

constexpr uint64_t kMinGainShare = 128;

uint64_t MinGain(uint64_t n) { return n / kMinGainShare; }

Codec EncodeStream(const uint8_t* src, uint64_t n, int level, std::string* dst, const StreamCoding& rans) {
  const size_t before = dst->size();
  const uint64_t min_gain = rans.min_gain ? MinGain(n) : 0;
  Codec codec = Codec::kStored;
  if (n > 0 && !LooksIncompressible(src, n, level)) {
    thread_local std::unique_ptr<char[]> scratch, other;
    thread_local size_t scratch_size = 0, other_size = 0;
    const size_t bound = ZSTD_compressBound(n);
    char* out = Scratch(&scratch, &scratch_size, bound);
    size_t r = CompressAt(src, n, level, out, bound);
    // High levels are sometimes larger than level 1 on near-random bytes
    // (fp16 mantissas); level 1 costs about 1% of them, so try it too.
    if (level >= kAlsoTryLevel1From) {
      char* alt = Scratch(&other, &other_size, bound);
      const size_t r1 = CompressAt(src, n, 1, alt, bound);
      if (r1 != 0 && (r == 0 || r1 < r)) {
        out = alt;
        r = r1;
      }
    }
    if (r != 0 && r + min_gain < n) {
      dst->append(out, r);
      codec = Codec::kZstd;
    }
  }
  if (rans.allowed && n >= kRansFrom) {
    // Codec 2 wherever it is smaller than what zstd (or storing) gives: on
    // the streams zstd cannot shrink (quants, mantissas: an order-0 coder
    // gets their 0.5-2%, below zstd's minimum gain for a Huffman table) and
    // on those with contexts; zstd keeps the streams with matches (metadata,
    // repeated bytes).
    thread_local std::string coded;
    coded.clear();
    const uint64_t have = codec == Codec::kZstd ? dst->size() - before : n;
    // zstd's size as the limit: where the tables' estimate is well above it,
    // only the counting is paid.
    const uint64_t need = codec == Codec::kZstd ? have : n - min_gain;
    if (RansEncode(src, n, rans.ctx, rans.ctx == nullptr ? 1 : rans.contexts, &coded, have) && coded.size() < need) {
      dst->resize(before);
      dst->append(coded);
      return Codec::kRans;
    }
  }
  if (codec == Codec::kZstd) return codec;
  dst->append(reinterpret_cast<const char*>(src), n);
  return Codec::kStored;
}

bool EncodeStreamAgainst(const uint8_t* src, uint64_t n, int level, Prefix prefix, std::string* dst) {
  if (n == 0) return false;
  thread_local std::unique_ptr<char[]> scratch, other;
  thread_local size_t scratch_size = 0, other_size = 0;
  const size_t bound = ZSTD_compressBound(n);
  char* out = Scratch(&scratch, &scratch_size, bound);
  size_t r = CompressAt(src, n, level, out, bound, prefix);
  if (level >= kAlsoTryLevel1From) {
    char* alt = Scratch(&other, &other_size, bound);
    const size_t r1 = CompressAt(src, n, 1, alt, bound, prefix);
    if (r1 != 0 && (r == 0 || r1 < r)) {
      out = alt;
      r = r1;
    }
  }
  if (r == 0 || r >= n) return false;
  dst->append(out, r);
  return true;
}

namespace {

// The rules every zstd frame of an archive follows: strictly smaller than what
// it decodes to, and exactly one frame, not skippable.
Status CheckOneFrame(const uint8_t* src, uint64_t stored_size, uint64_t raw_size) {
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
    return Status::Corruption("zstd stream of " + std::to_string(stored_size) +
                              " bytes: its first frame ends at byte " + std::to_string(frame) +
                              " (a stream is exactly one frame)");
  }
  return Status::Ok();
}

thread_local uint64_t growing_decode_peak = 0;

}  // namespace

uint64_t GrowingDecodePeakBytesForTesting() { return std::exchange(growing_decode_peak, 0); }

Status DecodeFrameGrowing(const uint8_t* src, uint64_t n, uint64_t size, std::string* out) {
  out->clear();
  SGZ_RETURN_IF_ERROR(CheckOneFrame(src, n, size));
  const unsigned long long declared = ZSTD_getFrameContentSize(src, n);
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != size) {
    return Status::Corruption("zstd frame declares " + std::to_string(declared) + " bytes, expected " +
                              std::to_string(size));
  }
  ZSTD_DCtx* dctx = ThreadDCtx();
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_and_parameters);
  ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, kMaxGrowingWindowLog);
  ZSTD_inBuffer in{src, static_cast<size_t>(n), 0};
  size_t produced = 0;
  for (;;) {
    if (produced == out->size()) {
      // Room for one byte more than `size`, to see a frame that decodes to more.
      if (out->size() > size) break;
      const uint64_t grown = std::min<uint64_t>(size + 1, std::max<uint64_t>(64 << 10, 2 * out->size()));
      out->resize(grown);
      growing_decode_peak = std::max<uint64_t>(growing_decode_peak, grown);
    }
    ZSTD_outBuffer ob{&(*out)[0], out->size(), produced};
    const size_t r = ZSTD_decompressStream(dctx, &ob, &in);
    if (ZSTD_isError(r)) {
      const bool window = ZSTD_getErrorCode(r) == ZSTD_error_frameParameter_windowTooLarge;
      ZSTD_DCtx_reset(dctx, ZSTD_reset_session_and_parameters);
      return Status::Corruption(window ? "zstd frame needs a window above " +
                                             std::to_string(1u << kMaxGrowingWindowLog) + " bytes"
                                       : std::string("zstd frame does not decode: ") + ZSTD_getErrorName(r));
    }
    produced = ob.pos;
    if (r == 0 || produced > size) break;  // the frame is done, or too long
    if (in.pos == in.size && produced < out->size()) {
      ZSTD_DCtx_reset(dctx, ZSTD_reset_session_and_parameters);
      return Status::Corruption("zstd frame is truncated");
    }
  }
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_and_parameters);
  if (produced != size) {
    out->clear();
    return Status::Corruption(produced > size ? "zstd frame decodes to more than " + std::to_string(size) + " bytes"
                                              : "zstd frame decodes to " + std::to_string(produced) +
                                                    " bytes, expected " + std::to_string(size));
  }
  out->resize(size);
  return Status::Ok();
}

namespace {

// The result `r` of a one-shot zstd decompression of a stream of raw_size
// bytes: an error (reported after `failure`) or another size is Corruption.
Status CheckDecoded(size_t r, uint64_t raw_size, const char* failure) {
  if (ZSTD_isError(r)) return Status::Corruption(std::string(failure) + ": " + ZSTD_getErrorName(r));
  if (r != raw_size) {
    return Status::Corruption("zstd stream decodes to " + std::to_string(r) + " bytes, expected " +
                              std::to_string(raw_size));
  }
  return Status::Ok();
}

}  // namespace

Status DecodeStreamAgainst(const uint8_t* src, uint64_t stored_size, uint8_t* dst, uint64_t raw_size, Prefix prefix) {
  SGZ_RETURN_IF_ERROR(CheckOneFrame(src, stored_size, raw_size));
  ZSTD_DCtx* dctx = ThreadDCtx();
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_and_parameters);
  // Referenced for this frame only: zstd drops a prefix after one frame.
  const size_t set = ZSTD_DCtx_refPrefix(dctx, prefix.data, prefix.size);
  const size_t r = ZSTD_isError(set) ? set : ZSTD_decompressDCtx(dctx, dst, raw_size, src, stored_size);
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_and_parameters);
  return CheckDecoded(r, raw_size, "zstd stream does not decode against its reference");
}

Status DecodeStream(Codec codec, const uint8_t* src, uint64_t stored_size, uint8_t* dst, uint64_t raw_size,
                    const uint8_t* ctx, unsigned contexts) {
  switch (codec) {
    case Codec::kStored:
      if (stored_size != raw_size) {
        return Status::Corruption("stored stream size " + std::to_string(stored_size) +
                                  " differs from its raw size " + std::to_string(raw_size));
      }
      if (raw_size > 0) memcpy(dst, src, raw_size);
      return Status::Ok();
    case Codec::kZstd: {
      SGZ_RETURN_IF_ERROR(CheckOneFrame(src, stored_size, raw_size));
      const size_t r = ZSTD_decompressDCtx(ThreadDCtx(), dst, raw_size, src, stored_size);
      return CheckDecoded(r, raw_size, "zstd stream does not decode");
    }
    case Codec::kRans:
      // As zstd: a writer keeps a rans stream only when it is smaller.
      if (stored_size >= raw_size) {
        return Status::Corruption("rans stream of " + std::to_string(stored_size) +
                                  " bytes is not smaller than its raw size " + std::to_string(raw_size));
      }
      return RansDecode(src, stored_size, ctx, ctx == nullptr ? 1 : contexts, dst, raw_size);
  }
  return Status::Corruption("unknown codec " + std::to_string(static_cast<int>(codec)));
}

}  // namespace sgz::internal
