#include "streams/context_split.h"

#include <algorithm>
#include <cstring>

#include "common/coding.h"
#include "streams/shuffle.h"
#include "streams/transform.h"

namespace sgz::internal {

using context_split_internal::SubBlockZeros;
using context_split_internal::ZeroHalfSteps;

namespace {

constexpr uint32_t kQ3K = 11, kQ4K = 12, kQ5K = 13, kBF16 = 30;
// K-quant block layout: d, dmin (fp16), scales[12], then the quants.
constexpr uint32_t kHeaderBytes = 16;
constexpr uint32_t kQ4KBlock = 144, kQ5KBlock = 176;
// Blocks whose zero points are computed together.
constexpr uint32_t kZeroBatch = 32;
// Stream indices (transform 1's order): 16 header planes, then the quants.
constexpr size_t kQ3KQsStream = 1, kQ4KQsStream = 16, kQ5KQhStream = 16, kQ5KQsStream = 17, kBF16SignMantStream = 1;

// 8 bytes as one host-order word, and back. Used only where every byte is
// handled alike (a fill, or shifts of bytes holding 0/1 that never cross a
// byte), so the result does not depend on the host's byte order.
uint64_t Get8(const uint8_t* p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}
void Put8(uint64_t v, uint8_t* p) { memcpy(p, &v, 8); }

// An fp16 bit pattern's magnitude as mant * 2^exp; false for inf/NaN.
bool HalfMagnitude(uint16_t h, uint32_t* mant, int* exp) {
  const uint32_t e = (h >> 10) & 31, f = h & 0x3ff;
  if (e == 31) return false;
  *mant = e == 0 ? f : (f | 0x400);
  *exp = e == 0 ? -24 : static_cast<int>(e) - 25;
  return true;
}

// The shift that puts round(z) at 8: stored = (q + Lift(z)) mod 2^bits.
uint32_t Lift(uint32_t z) { return 8u - ((z + 1) >> 1); }

// Zero points (half steps) of the 8 sub-blocks of blocks b0 .. b0+count-1,
// from the 16 header planes of an n-block chunk (plane j = byte j of every
// block): the spec's Z_s = min(255, floor(2 |dmin| m_s / (|d| sc_s))), into
// z[s][i]. One double division per sub-block, exact for this: numerator
// Mm * m * 2^k and denominator Md * sc are integers below 2^17 times powers of
// two (exact in a double); the quotient q is correctly rounded, and when q is
// not an integer its distance to the next integer (at least 1 / (Md * sc *
// 2^-k)) exceeds the rounding error (q * 2^-53 with q < 2^17 / (Md * sc *
// 2^-k)), so floor is unchanged (context_split_test checks it against
// integer arithmetic). Loops run across blocks, branch-free, so that the
// compiler vectorizes them.
void PlaneZeros(const uint8_t* planes, uint64_t n, uint64_t b0, uint32_t count, uint8_t z[8][kZeroBatch]) {
  const uint8_t* p[kHeaderBytes];
  for (uint32_t j = 0; j < kHeaderBytes; ++j) p[j] = planes + j * n + b0;
  int32_t md[kZeroBatch], mm[kZeroBatch];
  double scale[kZeroBatch];
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t hd = p[0][i] | (p[1][i] << 8), hm = p[2][i] | (p[3][i] << 8);
    const uint32_t ed = (hd >> 10) & 31, em = (hm >> 10) & 31;
    const uint32_t fd = (hd & 1023) | ((ed != 0) << 10), fm = (hm & 1023) | ((em != 0) << 10);
    // inf/NaN in d or dmin, or d == 0: Z = 0 for every sub-block (0 / 1).
    const uint32_t undefined = (ed == 31) | (em == 31) | (fd == 0);
    md[i] = static_cast<int32_t>(undefined ? 1 : fd);
    mm[i] = static_cast<int32_t>(undefined ? 0 : fm);
    // 2^(Em - Ed + 1), with E = e - 25 (e > 0) or -24 (e == 0).
    const int32_t k = static_cast<int32_t>(em + (em == 0)) - static_cast<int32_t>(ed + (ed == 0)) + 1;
    const uint64_t bits = static_cast<uint64_t>(1023 + k) << 52;
    memcpy(&scale[i], &bits, sizeof(double));
  }
  for (int s = 0; s < 8; ++s) {
    for (uint32_t i = 0; i < count; ++i) {
      // get_scale_min_k4 on the planes (scales[j] is plane 4 + j).
      const uint32_t sc = s < 4 ? p[4 + s][i] & 63 : (p[8 + s][i] & 15) | ((p[s][i] >> 6) << 4);
      const uint32_t m = s < 4 ? p[8 + s][i] & 63 : (p[8 + s][i] >> 4) | ((p[4 + s][i] >> 6) << 4);
      const int32_t zero = sc == 0;  // 0 / 1, the spec's 0 for |d| * sc == 0
      const double num = static_cast<double>(mm[i] * static_cast<int32_t>(m) * (1 - zero)) * scale[i];
      const double den = static_cast<double>(md[i] * static_cast<int32_t>(sc | zero));
      z[s][i] = static_cast<uint8_t>(static_cast<int32_t>(std::min(num / den, 255.0)));
    }
  }
}

// ---- Q4_K ------------------------------------------------------------------

// qs (ggml order: byte 32j+l holds weight l of sub-block 2j low, of 2j+1 high)
// -> stored (byte 16s+k holds weights k, k+16 of sub-block s). `add[s]` is
// added to every quant of sub-block s, mod 16.
void Q4Permute(const uint8_t* src, const uint32_t add[8], uint8_t* dst) {
  for (int j = 0; j < 4; ++j) {
    const uint8_t e0 = static_cast<uint8_t>(add[2 * j] & 15), e1 = static_cast<uint8_t>(add[2 * j + 1] & 15);
    const uint8_t* a = src + 32 * j;
    const uint8_t* b = a + 16;
    uint8_t* lo = dst + 32 * j;
    uint8_t* hi = lo + 16;
    for (int l = 0; l < 16; ++l) {
      lo[l] = static_cast<uint8_t>(((a[l] + e0) & 15) | (((b[l] + e0) & 15) << 4));
      hi[l] = static_cast<uint8_t>((((a[l] >> 4) + e1) & 15) | ((((b[l] >> 4) + e1) & 15) << 4));
    }
  }
}

// The inverse of Q4Permute with the same add[] (subtracts it).
void Q4Unpermute(const uint8_t* src, const uint32_t add[8], uint8_t* dst) {
  for (int j = 0; j < 4; ++j) {
    const uint8_t f0 = static_cast<uint8_t>((16 - (add[2 * j] & 15)) & 15);
    const uint8_t f1 = static_cast<uint8_t>((16 - (add[2 * j + 1] & 15)) & 15);
    const uint8_t* a = src + 32 * j;  // sub-block 2j
    const uint8_t* b = a + 16;        // sub-block 2j+1
    uint8_t* lo = dst + 32 * j;
    uint8_t* hi = lo + 16;
    for (int l = 0; l < 16; ++l) {
      lo[l] = static_cast<uint8_t>(((a[l] + f0) & 15) | (((b[l] + f1) & 15) << 4));
      hi[l] = static_cast<uint8_t>((((a[l] >> 4) + f0) & 15) | ((((b[l] >> 4) + f1) & 15) << 4));
    }
  }
}

// Calls f(b, add) for every block b of an n-block chunk whose header planes
// are `planes`, add[s] the lift of its sub-block s.
template <typename F>
void ForEachBlockLifts(const uint8_t* planes, uint64_t n, F f) {
  uint8_t z[8][kZeroBatch];
  for (uint64_t b0 = 0; b0 < n; b0 += kZeroBatch) {
    const uint32_t count = static_cast<uint32_t>(std::min<uint64_t>(kZeroBatch, n - b0));
    PlaneZeros(planes, n, b0, count, z);
    for (uint32_t i = 0; i < count; ++i) {
      uint32_t add[8];
      for (int s = 0; s < 8; ++s) add[s] = Lift(z[s][i]);
      f(b0 + i, add);
    }
  }
}

void Q4kSplit(const uint8_t* in, uint64_t n, uint8_t* out) {
  GatherColumns(in, kQ4KBlock, kHeaderBytes, n, out);  // the header planes first
  uint8_t* qs = out + kHeaderBytes * n;
  ForEachBlockLifts(out, n, [&](uint64_t b, const uint32_t add[8]) {
    Q4Permute(in + b * kQ4KBlock + kHeaderBytes, add, qs + 128 * b);
  });
}

void Q4kJoin(const uint8_t* in, uint64_t n, uint8_t* out) {
  ScatterColumns(in, kQ4KBlock, kHeaderBytes, n, out);
  const uint8_t* qs = in + kHeaderBytes * n;
  ForEachBlockLifts(in, n, [&](uint64_t b, const uint32_t add[8]) {
    Q4Unpermute(qs + 128 * b, add, out + b * kQ4KBlock + kHeaderBytes);
  });
}

// Context of a Q4_K sub-block: how far its zero point lies from the middle
// of the scale (7.5), in whole steps, at most 3.
uint8_t Q4Context(uint32_t z) {
  const uint32_t dist = (z > 15 ? z - 15 : 15 - z) >> 1;
  return static_cast<uint8_t>(dist > 3 ? 3 : dist);
}

void Q4kContexts(const uint8_t* split, uint64_t n, uint8_t* ctx) {
  uint8_t z[8][kZeroBatch];
  for (uint64_t b0 = 0; b0 < n; b0 += kZeroBatch) {
    const uint32_t count = static_cast<uint32_t>(std::min<uint64_t>(kZeroBatch, n - b0));
    PlaneZeros(split, n, b0, count, z);
    for (uint32_t i = 0; i < count; ++i) {
      for (int s = 0; s < 8; ++s) {
        const uint64_t fill = Q4Context(z[s][i]) * 0x0101010101010101ull;
        Put8(fill, ctx + 128 * (b0 + i) + 16 * s);
        Put8(fill, ctx + 128 * (b0 + i) + 16 * s + 8);
      }
    }
  }
}

// ---- Q5_K ------------------------------------------------------------------

// Byte i of kBitBytes().b[x] is bit i of x (0 or 1): spreads a byte of packed
// high bits over the 8 weights it belongs to.
struct BitBytes {
  uint8_t b[256][8];
  uint64_t operator[](uint32_t x) const { return Get8(b[x]); }
};
const BitBytes& kBitBytes() {
  static const BitBytes t = [] {
    BitBytes t{};
    for (uint32_t x = 0; x < 256; ++x) {
      for (int i = 0; i < 8; ++i) t.b[x][i] = static_cast<uint8_t>((x >> i) & 1);
    }
    return t;
  }();
  return t;
}

// Q5Forward and Q5Inverse work on 8 weights at a time in a 64-bit word (byte
// i of a word is weight i, little-endian whatever the host): no per-bit
// loops, and no byte stores read back as wider loads.
constexpr uint64_t kEvery = 0x0101010101010101ull;

void StoreU64LE(uint64_t v, uint8_t* p) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// Byte i of the result is 0x10 when bit i of `bits` is set, else 0.
uint64_t SpreadBitsTo4(uint32_t bits) {
  const uint64_t picked = (bits * kEvery) & 0x8040201008040201ull;  // byte i keeps bit i
  return ((picked + 0x7f * kEvery) & (0x80 * kEvery)) >> 3;          // nonzero -> 0x10
}

// Bit i of the result is bit 0 of byte i of x, whose bytes are 0 or 1.
uint32_t PackBytesToBits(uint64_t x) { return static_cast<uint32_t>((x * 0x0102040810204080ull) >> 56); }

// One block's qh[32], qs[128] (ggml order) -> stored qh[32], qs[128]; add[s]
// is added to the 5-bit quants of sub-block s, mod 32. Word k holds weights
// 8k..8k+7 of a sub-block, as in Q5Inverse.
void Q5Forward(const uint8_t* qh, const uint8_t* qs, const uint32_t add[8], uint8_t* out_qh, uint8_t* out_qs) {
  uint64_t high[4];
  for (int k = 0; k < 4; ++k) high[k] = LoadU64LE(qh + 8 * k);
  for (int s = 0; s < 8; ++s) {
    const uint8_t* src = qs + 32 * (s >> 1);
    const int nib = 4 * (s & 1);
    const uint64_t e = (add[s] & 31) * kEvery;
    uint64_t v[4];
    for (int k = 0; k < 4; ++k) {
      const uint64_t q = ((LoadU64LE(src + 8 * k) >> nib) & (15 * kEvery)) | (((high[k] >> s) & kEvery) << 4);
      v[k] = (q + e) & (31 * kEvery);  // bytes below 64: no carry between them
      out_qh[4 * s + k] = static_cast<uint8_t>(PackBytesToBits((v[k] >> 4) & kEvery));
    }
    StoreU64LE((v[0] & (15 * kEvery)) | ((v[2] & (15 * kEvery)) << 4), out_qs + 16 * s);
    StoreU64LE((v[1] & (15 * kEvery)) | ((v[3] & (15 * kEvery)) << 4), out_qs + 16 * s + 8);
  }
}

void Q5Inverse(const uint8_t* in_qh, const uint8_t* in_qs, const uint32_t add[8], uint8_t* qh, uint8_t* qs) {
  uint64_t high[4] = {0, 0, 0, 0};  // qh, weights 8k..8k+7 in word k
  for (int s = 0; s < 8; ++s) {
    const uint64_t sub = ((32 - (add[s] & 31)) & 31) * kEvery;
    const uint64_t lo = LoadU64LE(in_qs + 16 * s), hi = LoadU64LE(in_qs + 16 * s + 8);
    // Stored quants of weights 0-7, 8-15 (low nibbles), 16-23, 24-31 (high).
    const uint64_t v[4] = {lo & (15 * kEvery), hi & (15 * kEvery), (lo >> 4) & (15 * kEvery),
                           (hi >> 4) & (15 * kEvery)};
    uint8_t* dst = qs + 32 * (s >> 1);
    for (int k = 0; k < 4; ++k) {
      // Bytes stay below 64: the add never carries into the next byte.
      const uint64_t q = ((v[k] | SpreadBitsTo4(in_qh[4 * s + k])) + sub) & (31 * kEvery);
      const uint64_t nib = q & (15 * kEvery);
      if ((s & 1) == 0) {
        StoreU64LE(nib, dst + 8 * k);
      } else {
        StoreU64LE(LoadU64LE(dst + 8 * k) | (nib << 4), dst + 8 * k);
      }
      high[k] |= ((q >> 4) & kEvery) << s;
    }
  }
  for (int k = 0; k < 4; ++k) StoreU64LE(high[k], qh + 8 * k);
}

void Q5kSplit(const uint8_t* in, uint64_t n, uint8_t* out) {
  GatherColumns(in, kQ5KBlock, kHeaderBytes, n, out);
  uint8_t* qh = out + kHeaderBytes * n;
  uint8_t* qs = qh + 32 * n;
  ForEachBlockLifts(out, n, [&](uint64_t b, const uint32_t add[8]) {
    const uint8_t* blk = in + b * kQ5KBlock;
    Q5Forward(blk + kHeaderBytes, blk + kHeaderBytes + 32, add, qh + 32 * b, qs + 128 * b);
  });
}

void Q5kJoin(const uint8_t* in, uint64_t n, uint8_t* out) {
  ScatterColumns(in, kQ5KBlock, kHeaderBytes, n, out);
  const uint8_t* qh = in + kHeaderBytes * n;
  const uint8_t* qs = qh + 32 * n;
  ForEachBlockLifts(in, n, [&](uint64_t b, const uint32_t add[8]) {
    uint8_t* blk = out + b * kQ5KBlock;
    Q5Inverse(qh + 32 * b, qs + 128 * b, add, blk + kHeaderBytes, blk + kHeaderBytes + 32);
  });
}

// Context of stored qs byte 16s+k: the stored high bits of its two weights
// (k and k+16 of sub-block s), from the stored qh.
void Q5kContexts(const uint8_t* split, uint64_t n, uint8_t* ctx) {
  const BitBytes& bits = kBitBytes();
  const uint8_t* qh = split + kHeaderBytes * n;
  for (uint64_t b = 0; b < n; ++b) {
    const uint8_t* h = qh + 32 * b;
    uint8_t* c = ctx + 128 * b;
    for (int s = 0; s < 8; ++s) {
      // Weights k (bytes 4s, 4s+1) and k+16 (bytes 4s+2, 4s+3) of sub-block s.
      Put8(bits[h[4 * s]] | (bits[h[4 * s + 2]] << 1), c + 16 * s);
      Put8(bits[h[4 * s + 1]] | (bits[h[4 * s + 3]] << 1), c + 16 * s + 8);
    }
  }
}

// ---- Q3_K ------------------------------------------------------------------

// Q3_K keeps transform 1's layout (hmask, then qs); a qs byte's context is the
// high bits of its 4 weights. In ggml's layout qs byte 32h+l (h = 0, 1) holds
// bits 0-1 of weights 128h + 32j + l (j = 0..3, two bits each), whose bit 2 is
// bit 4h+j of hmask[l]: hmask[l] >> 4h, 4 bits.
void Q3kContexts(const uint8_t* split, uint64_t n, uint8_t* ctx) {
  const uint8_t* hmask = split;  // stream 0
  for (uint64_t b = 0; b < n; ++b) {
    const uint8_t* h = hmask + 32 * b;
    uint8_t* c = ctx + 64 * b;
    for (int l = 0; l < 32; ++l) {
      c[l] = static_cast<uint8_t>(h[l] & 15);
      c[32 + l] = static_cast<uint8_t>(h[l] >> 4);
    }
  }
}

// ---- BF16 --------------------------------------------------------------------

void Bf16Split(const uint8_t* in, uint64_t n, uint8_t* out) {
  uint8_t* exp = out;
  uint8_t* sm = out + n;
  for (uint64_t i = 0; i < n; ++i) {
    const uint8_t lo = in[2 * i], hi = in[2 * i + 1];
    exp[i] = static_cast<uint8_t>((hi << 1) | (lo >> 7));
    sm[i] = static_cast<uint8_t>((hi & 0x80) | (lo & 0x7f));
  }
}

void Bf16Join(const uint8_t* in, uint64_t n, uint8_t* out) {
  const uint8_t* exp = in;
  const uint8_t* sm = in + n;
  for (uint64_t i = 0; i < n; ++i) {
    out[2 * i] = Bf16JoinedByte(exp[i], sm[i], 0);
    out[2 * i + 1] = Bf16JoinedByte(exp[i], sm[i], 1);
  }
}

// Context of a sign+mantissa byte: its exponent e, <= 112 -> 0,
// 113..126 -> e - 112, >= 127 (|x| >= 1, inf, NaN) -> 15.
void Bf16Contexts(const uint8_t* split, uint64_t n, uint8_t* ctx) {
  // Bf16Context as byte arithmetic the compiler vectorizes (saturating
  // subtract, then min).
  for (uint64_t i = 0; i < n; ++i) {
    const uint8_t e = split[i];
    const uint8_t above = static_cast<uint8_t>(e > 112 ? e - 112 : 0);
    ctx[i] = above > 15 ? 15 : above;
  }
}

}  // namespace

namespace context_split_internal {

void SubBlockZeros(const uint8_t* hdr, uint32_t z[8]) {
  // A header is the planes of a one-block chunk.
  uint8_t zb[8][kZeroBatch];
  PlaneZeros(hdr, 1, 0, 1, zb);
  for (int s = 0; s < 8; ++s) z[s] = zb[s][0];
}

uint32_t ZeroHalfSteps(uint16_t d, uint16_t dmin, uint32_t sc, uint32_t m) {
  uint32_t md, mm;
  int ed, em;
  if (!HalfMagnitude(d, &md, &ed) || !HalfMagnitude(dmin, &mm, &em)) return 0;
  const uint64_t num = static_cast<uint64_t>(mm) * m;  // < 2^17
  const uint64_t den = static_cast<uint64_t>(md) * sc;  // < 2^17
  if (num == 0 || den == 0) return 0;
  // 2 * z = num / den * 2^sh, sh in [-28, 30].
  const int sh = em - ed + 1;
  uint64_t q;
  if (sh >= 0) {
    if (sh > 24) return 255;  // num / den > 2^-17, so 2z >= 2^(sh - 17) >= 256
    q = (num << sh) / den;
  } else {
    q = num / (den << -sh);
  }
  return q > 255 ? 255 : static_cast<uint32_t>(q);
}

}  // namespace context_split_internal

bool HasContextSplit(uint32_t ggml_type) {
  return ggml_type == kQ3K || ggml_type == kQ4K || ggml_type == kQ5K || ggml_type == kBF16;
}

unsigned StreamContexts(const GgmlType* type, size_t stream_index) {
  if (type == nullptr) return 0;
  switch (type->id) {
    case kQ3K:
      return stream_index == kQ3KQsStream ? 16 : 0;
    case kQ4K:
      return stream_index == kQ4KQsStream ? 4 : 0;
    case kQ5K:
      return stream_index == kQ5KQsStream ? 4 : 0;
    case kBF16:
      return stream_index == kBF16SignMantStream ? 16 : 0;
    default:
      return 0;
  }
}

void ComputeContexts(const GgmlType* type, const uint8_t* split, uint64_t len, size_t stream_index, uint8_t* ctx) {
  if (StreamContexts(type, stream_index) == 0) return;
  const uint64_t n = len / type->block_bytes;
  switch (type->id) {
    case kQ3K:
      Q3kContexts(split, n, ctx);
      break;
    case kQ4K:
      Q4kContexts(split, n, ctx);
      break;
    case kQ5K:
      Q5kContexts(split, n, ctx);
      break;
    case kBF16:
      Bf16Contexts(split, n, ctx);
      break;
    default:
      break;
  }
}

namespace {

using BlocksFn = void (*)(const uint8_t* in, uint64_t n, uint8_t* out);

// One direction of transform 5 (`splitting`, or joining): the whole blocks by
// the type's function (transform 1 for the types it keeps as transform 1 lays
// them out), the tail as it is.
void Apply(const GgmlType* type, const uint8_t* in, uint64_t len, uint8_t* out, bool splitting, BlocksFn q4k,
           BlocksFn q5k, BlocksFn bf16) {
  if (type->id != kQ4K && type->id != kQ5K && type->id != kBF16) {  // transform 1's layout
    if (splitting) {
      SplitStreams(Transform::kSplit, type, in, len, out);
    } else {
      JoinStreams(Transform::kSplit, type, in, len, out);
    }
    return;
  }
  const uint64_t n = len / type->block_bytes;
  const uint64_t body = n * type->block_bytes;
  (type->id == kQ4K ? q4k : type->id == kQ5K ? q5k : bf16)(in, n, out);
  if (len > body) memcpy(out + body, in + body, len - body);  // the tail
}

}  // namespace

void ContextSplit(const GgmlType* type, const uint8_t* in, uint64_t len, uint8_t* out) {
  Apply(type, in, len, out, /*splitting=*/true, Q4kSplit, Q5kSplit, Bf16Split);
}

void ContextJoin(const GgmlType* type, const uint8_t* in, uint64_t len, uint8_t* out) {
  Apply(type, in, len, out, /*splitting=*/false, Q4kJoin, Q5kJoin, Bf16Join);
}

}  // namespace sgz::internal
