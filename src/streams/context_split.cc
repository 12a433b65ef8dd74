#include "streams/context_split.h"

#include <cstring>

#include "streams/shuffle.h"
#include "streams/transform.h"

namespace sgz::internal {

using context_split_internal::ZeroHalfSteps;

namespace {

constexpr uint32_t kQ4K = 12, kQ5K = 13, kBF16 = 30;
// K-quant block layout: d, dmin (fp16), scales[12], then the quants.
constexpr uint32_t kHeaderBytes = 16;
constexpr uint32_t kQ4KBlock = 144, kQ5KBlock = 176;
// Stream indices (transform 1's order): 16 header planes, then the quants.
constexpr size_t kQ4KQsStream = 16, kQ5KQhStream = 16, kQ5KQsStream = 17, kBF16SignMantStream = 1;

uint16_t Le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

// An fp16 bit pattern's magnitude as mant * 2^exp; false for inf/NaN.
bool HalfMagnitude(uint16_t h, uint32_t* mant, int* exp) {
  const uint32_t e = (h >> 10) & 31, f = h & 0x3ff;
  if (e == 31) return false;
  *mant = e == 0 ? f : (f | 0x400);
  *exp = e == 0 ? -24 : static_cast<int>(e) - 25;
  return true;
}

// ggml's get_scale_min_k4: the 6-bit scale and min of sub-block j.
void ScaleMin(const uint8_t* q, int j, uint32_t* sc, uint32_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

// Zero points (half steps) of the 8 sub-blocks of a K block header.
void BlockZeros(const uint8_t* hdr, uint32_t z[8]) {
  const uint16_t d = Le16(hdr), dmin = Le16(hdr + 2);
  for (int s = 0; s < 8; ++s) {
    uint32_t sc, m;
    ScaleMin(hdr + 4, s, &sc, &m);
    z[s] = ZeroHalfSteps(d, dmin, sc, m);
  }
}

// Header of block b from the 16 header planes of a split buffer.
void PlaneHeader(const uint8_t* planes, uint64_t n, uint64_t b, uint8_t hdr[kHeaderBytes]) {
  for (uint32_t j = 0; j < kHeaderBytes; ++j) hdr[j] = planes[j * n + b];
}

// The shift that puts round(z) at 8: stored = (q + Lift(z)) mod 2^bits.
uint32_t Lift(uint32_t z) { return 8u - ((z + 1) >> 1); }

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

void Q4kSplit(const uint8_t* in, uint64_t n, uint8_t* out) {
  GatherColumns(in, kQ4KBlock, kHeaderBytes, n, out);
  uint8_t* qs = out + kHeaderBytes * n;
  for (uint64_t b = 0; b < n; ++b) {
    const uint8_t* blk = in + b * kQ4KBlock;
    uint32_t add[8];
    BlockZeros(blk, add);
    for (uint32_t& a : add) a = Lift(a);
    Q4Permute(blk + kHeaderBytes, add, qs + 128 * b);
  }
}

void Q4kJoin(const uint8_t* in, uint64_t n, uint8_t* out) {
  ScatterColumns(in, kQ4KBlock, kHeaderBytes, n, out);
  const uint8_t* qs = in + kHeaderBytes * n;
  for (uint64_t b = 0; b < n; ++b) {
    uint8_t* blk = out + b * kQ4KBlock;
    uint32_t add[8];
    BlockZeros(blk, add);
    for (uint32_t& a : add) a = Lift(a);
    Q4Unpermute(qs + 128 * b, add, blk + kHeaderBytes);
  }
}

// Context of a Q4_K sub-block: how far its zero point lies from the middle
// of the scale (7.5), in whole steps, at most 3.
uint8_t Q4Context(uint32_t z) {
  const uint32_t dist = (z > 15 ? z - 15 : 15 - z) >> 1;
  return static_cast<uint8_t>(dist > 3 ? 3 : dist);
}

void Q4kContexts(const uint8_t* split, uint64_t n, uint8_t* ctx) {
  for (uint64_t b = 0; b < n; ++b) {
    uint8_t hdr[kHeaderBytes];
    PlaneHeader(split, n, b, hdr);
    uint32_t z[8];
    BlockZeros(hdr, z);
    for (int s = 0; s < 8; ++s) memset(ctx + 128 * b + 16 * s, Q4Context(z[s]), 16);
  }
}

// ---- Q5_K ------------------------------------------------------------------

// One block's qh[32], qs[128] (ggml order) -> stored qh[32], qs[128]; add[s]
// is added to the 5-bit quants of sub-block s, mod 32.
void Q5Forward(const uint8_t* qh, const uint8_t* qs, const uint32_t add[8], uint8_t* out_qh, uint8_t* out_qs) {
  for (int s = 0; s < 8; ++s) {
    const uint8_t* src = qs + 32 * (s >> 1);
    const int nib = 4 * (s & 1);
    uint8_t v[32];
    for (int l = 0; l < 32; ++l) {
      const uint32_t q = ((src[l] >> nib) & 15) | (((qh[l] >> s) & 1) << 4);
      v[l] = static_cast<uint8_t>((q + add[s]) & 31);
    }
    for (int k = 0; k < 4; ++k) {
      uint32_t byte = 0;
      for (int i = 0; i < 8; ++i) byte |= static_cast<uint32_t>(v[8 * k + i] >> 4) << i;
      out_qh[4 * s + k] = static_cast<uint8_t>(byte);
    }
    for (int k = 0; k < 16; ++k) out_qs[16 * s + k] = static_cast<uint8_t>((v[k] & 15) | ((v[k + 16] & 15) << 4));
  }
}

void Q5Inverse(const uint8_t* in_qh, const uint8_t* in_qs, const uint32_t add[8], uint8_t* qh, uint8_t* qs) {
  memset(qh, 0, 32);
  memset(qs, 0, 128);
  for (int s = 0; s < 8; ++s) {
    const uint32_t sub = (32 - (add[s] & 31)) & 31;
    uint8_t* dst = qs + 32 * (s >> 1);
    const int nib = 4 * (s & 1);
    for (int l = 0; l < 32; ++l) {
      const uint32_t lowbits = l < 16 ? (in_qs[16 * s + l] & 15) : (in_qs[16 * s + l - 16] >> 4);
      const uint32_t v = lowbits | (((in_qh[4 * s + (l >> 3)] >> (l & 7)) & 1) << 4);
      const uint32_t q = (v + sub) & 31;
      dst[l] = static_cast<uint8_t>(dst[l] | ((q & 15) << nib));
      qh[l] = static_cast<uint8_t>(qh[l] | ((q >> 4) << s));
    }
  }
}

void Q5kSplit(const uint8_t* in, uint64_t n, uint8_t* out) {
  GatherColumns(in, kQ5KBlock, kHeaderBytes, n, out);
  uint8_t* qh = out + kHeaderBytes * n;
  uint8_t* qs = qh + 32 * n;
  for (uint64_t b = 0; b < n; ++b) {
    const uint8_t* blk = in + b * kQ5KBlock;
    uint32_t add[8];
    BlockZeros(blk, add);
    for (uint32_t& a : add) a = Lift(a);
    Q5Forward(blk + kHeaderBytes, blk + kHeaderBytes + 32, add, qh + 32 * b, qs + 128 * b);
  }
}

void Q5kJoin(const uint8_t* in, uint64_t n, uint8_t* out) {
  ScatterColumns(in, kQ5KBlock, kHeaderBytes, n, out);
  const uint8_t* qh = in + kHeaderBytes * n;
  const uint8_t* qs = qh + 32 * n;
  for (uint64_t b = 0; b < n; ++b) {
    uint8_t* blk = out + b * kQ5KBlock;
    uint32_t add[8];
    BlockZeros(blk, add);
    for (uint32_t& a : add) a = Lift(a);
    Q5Inverse(qh + 32 * b, qs + 128 * b, add, blk + kHeaderBytes, blk + kHeaderBytes + 32);
  }
}

// Context of stored qs byte 16s+k: the stored high bits of its two weights
// (k and k+16 of sub-block s), from the stored qh.
void Q5kContexts(const uint8_t* split, uint64_t n, uint8_t* ctx) {
  const uint8_t* qh = split + kHeaderBytes * n;
  for (uint64_t b = 0; b < n; ++b) {
    const uint8_t* h = qh + 32 * b;
    uint8_t* c = ctx + 128 * b;
    for (int s = 0; s < 8; ++s) {
      for (int k = 0; k < 16; ++k) {
        const uint32_t lo = (h[4 * s + (k >> 3)] >> (k & 7)) & 1;
        const uint32_t hi = (h[4 * s + 2 + (k >> 3)] >> (k & 7)) & 1;
        c[16 * s + k] = static_cast<uint8_t>(lo | (hi << 1));
      }
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
    out[2 * i] = static_cast<uint8_t>((exp[i] << 7) | (sm[i] & 0x7f));
    out[2 * i + 1] = static_cast<uint8_t>((sm[i] & 0x80) | (exp[i] >> 1));
  }
}

// Context of a sign+mantissa byte: its exponent e, <= 112 -> 0,
// 113..126 -> e - 112, >= 127 (|x| >= 1, inf, NaN) -> 15.
uint8_t Bf16Context(uint32_t e) { return static_cast<uint8_t>(e <= 112 ? 0 : e >= 127 ? 15 : e - 112); }

void Bf16Contexts(const uint8_t* split, uint64_t n, uint8_t* ctx) {
  static const auto kTable = [] {
    struct T {
      uint8_t v[256];
    } t{};
    for (uint32_t e = 0; e < 256; ++e) t.v[e] = Bf16Context(e);
    return t;
  }();
  for (uint64_t i = 0; i < n; ++i) ctx[i] = kTable.v[split[i]];
}

}  // namespace

namespace context_split_internal {

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

bool HasContextSplit(uint32_t ggml_type) { return ggml_type == kQ4K || ggml_type == kQ5K || ggml_type == kBF16; }

unsigned StreamContexts(const GgmlType* type, size_t stream_index) {
  if (type == nullptr) return 0;
  switch (type->id) {
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

void ContextSplit(const GgmlType* type, const uint8_t* in, uint64_t len, uint8_t* out) {
  if (!HasContextSplit(type->id)) {
    SplitStreams(Transform::kSplit, type, in, len, out);
    return;
  }
  const uint64_t n = len / type->block_bytes;
  const uint64_t body = n * type->block_bytes;
  switch (type->id) {
    case kQ4K:
      Q4kSplit(in, n, out);
      break;
    case kQ5K:
      Q5kSplit(in, n, out);
      break;
    default:
      Bf16Split(in, n, out);
      break;
  }
  memcpy(out + body, in + body, len - body);
}

void ContextJoin(const GgmlType* type, const uint8_t* in, uint64_t len, uint8_t* out) {
  if (!HasContextSplit(type->id)) {
    JoinStreams(Transform::kSplit, type, in, len, out);
    return;
  }
  const uint64_t n = len / type->block_bytes;
  const uint64_t body = n * type->block_bytes;
  switch (type->id) {
    case kQ4K:
      Q4kJoin(in, n, out);
      break;
    case kQ5K:
      Q5kJoin(in, n, out);
      break;
    default:
      Bf16Join(in, n, out);
      break;
  }
  memcpy(out + body, in + body, len - body);
}

}  // namespace sgz::internal
