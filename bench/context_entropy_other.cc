// context_entropy: the measurements of the types other than Q4_K and Q5_K
// (Q6_K, Q8_0, Q4_0, Q2_K, Q3_K, floats).
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "context_entropy.h"

namespace context_entropy {

// ---- Q6_K: ql[128], qh[64], scales[16] int8, d ------------------------------
void Q6K(const uint8_t* p, uint64_t n) {
  std::vector<uint8_t> ql, qh, q6, c_abs, c_sign, ql_c, qh_c;
  for (uint64_t b = 0; b < n; ++b) {
    const uint8_t* blk = p + b * 210;
    ql.insert(ql.end(), blk, blk + 128);
    qh.insert(qh.end(), blk + 128, blk + 192);
    const int8_t* sc = reinterpret_cast<const int8_t*>(blk + 192);
    for (int half = 0; half < 2; ++half) {
      const uint8_t *l = blk + 64 * half, *h = blk + 128 + 32 * half;
      for (int i = 0; i < 32; ++i) {
        const int w0 = 128 * half + i;
        const uint8_t q[4] = {static_cast<uint8_t>((l[i] & 15) | ((h[i] & 3) << 4)),
                              static_cast<uint8_t>((l[i + 32] & 15) | (((h[i] >> 2) & 3) << 4)),
                              static_cast<uint8_t>((l[i] >> 4) | (((h[i] >> 4) & 3) << 4)),
                              static_cast<uint8_t>((l[i + 32] >> 4) | (((h[i] >> 6) & 3) << 4))};
        for (int k = 0; k < 4; ++k) {
          const int s = sc[(w0 + 32 * k) / 16];
          const int a = s < 0 ? -s : s;
          q6.push_back(q[k]);
          c_abs.push_back(static_cast<uint8_t>(a >= 120 ? 15 : a / 8));
          c_sign.push_back(static_cast<uint8_t>(s < 0));
        }
      }
    }
  }
  Account("Q6_K ql | o0 as stored", ql, {}, 1, 128 * n);
  Account("Q6_K qh | o0 as stored", qh, {}, 1, 64 * n);
  Account("Q6_K ql+qh | o0 6-bit quants (reference)", q6, {}, 1, 192 * n);
  Account("Q6_K ql+qh | 6-bit quants given |scale|/8 (reference)", q6, c_abs, 16, 192 * n);
  Account("Q6_K ql+qh | 6-bit quants given scale sign (reference)", q6, c_sign, 2, 192 * n);
}

// ---- Q8_0 / Q4_0: d, qs ---------------------------------------------------
void Legacy(const char* name, const uint8_t* p, uint64_t n, uint32_t bb, uint32_t qoff) {
  std::vector<uint8_t> qs, c_exp;
  for (uint64_t b = 0; b < n; ++b) {
    const uint8_t* blk = p + b * bb;
    const int e = (Le16(blk) >> 10) & 31;
    for (uint32_t i = qoff; i < bb; ++i) {
      qs.push_back(blk[i]);
      c_exp.push_back(static_cast<uint8_t>(e < 8 ? 0 : e > 22 ? 15 : e - 7));
    }
  }
  Account(std::string(name) + " qs | o0 as stored", qs, {}, 1, qs.size());
  Account(std::string(name) + " qs | given d exponent (16)", qs, c_exp, 16, qs.size());
}

// ---- Q2_K: scales[16], qs[64], d, dmin -------------------------------------
void Q2K(const uint8_t* p, uint64_t n) {
  std::vector<uint8_t> qs, c_m, c_z;
  for (uint64_t b = 0; b < n; ++b) {
    const uint8_t* blk = p + b * 84;
    for (int i = 0; i < 64; ++i) {
      // qs byte i holds 4 weights 32*(i/32)... each of a different sub-block;
      // the byte's context: the sub-block of its lowest 2 bits.
      const int sub = (i / 32) * 8 + (i % 32) / 16;
      const uint8_t s = blk[sub];
      qs.push_back(blk[16 + i]);
      c_m.push_back(static_cast<uint8_t>(s >> 4));
      c_z.push_back(static_cast<uint8_t>(std::min(15, HalfSteps(Le16(blk + 82), s >> 4, Le16(blk + 80), s & 15))));
    }
  }
  Account("Q2_K qs | o0 as stored", qs, {}, 1, 64 * n);
  Account("Q2_K qs | given m of first sub-block", qs, c_m, 16, 64 * n);
  Account("Q2_K qs | given z of first sub-block", qs, c_z, 16, 64 * n);
}

// ---- Q3_K: hmask[32], qs[64], scales[12], d --------------------------------
// The 3-bit quants (reference: per weight) given their sub-block scale.
void Q3K(const uint8_t* p, uint64_t n) {
  std::vector<uint8_t> q3, c_abs, qs;
  for (uint64_t b = 0; b < n; ++b) {
    const uint8_t* blk = p + b * 110;
    const uint8_t *hm = blk, *q = blk + 32, *sc = blk + 96;
    qs.insert(qs.end(), q, q + 64);
    uint32_t aux[4];
    for (int i = 0; i < 3; ++i) aux[i] = sc[4 * i] | (sc[4 * i + 1] << 8) | (sc[4 * i + 2] << 16) | (uint32_t(sc[4 * i + 3]) << 24);
    const uint32_t tmp = aux[2], k1 = 0x03030303, k2 = 0x0f0f0f0f;
    aux[2] = ((aux[0] >> 4) & k2) | (((tmp >> 4) & k1) << 4);
    aux[3] = ((aux[1] >> 4) & k2) | (((tmp >> 6) & k1) << 4);
    aux[0] = (aux[0] & k2) | (((tmp >> 0) & k1) << 4);
    aux[1] = (aux[1] & k2) | (((tmp >> 2) & k1) << 4);
    int scales[16];
    for (int i = 0; i < 16; ++i) scales[i] = static_cast<int>((aux[i / 4] >> (8 * (i % 4))) & 0xff) - 32;
    for (int half = 0; half < 2; ++half) {
      for (int j = 0; j < 4; ++j) {
        for (int l = 0; l < 32; ++l) {
          const int v = ((q[32 * half + l] >> (2 * j)) & 3) | (((hm[l] >> (4 * half + j)) & 1) << 2);
          const int a = std::abs(scales[half * 8 + j * 2 + (l >= 16)]);
          q3.push_back(static_cast<uint8_t>(v));
          c_abs.push_back(static_cast<uint8_t>(a >= 28 ? 7 : a / 4));
        }
      }
    }
  }
  // Regrouped: the weights of one 16-weight sub-block together (qs: 4 low
  // 2-bit parts a byte; hmask: 8 high bits a byte), in weight order.
  std::vector<uint8_t> hm_orig, qs_re, hm_re;
  for (uint64_t b = 0; b < n; ++b) {
    const uint8_t *hm = p + b * 110, *q = hm + 32;
    hm_orig.insert(hm_orig.end(), hm, hm + 32);
    for (int w0 = 0; w0 < 256; w0 += 4) {
      uint32_t lo = 0, hi = 0;
      for (int i = 0; i < 4; ++i) {
        const int w = w0 + i, half = w / 128, j = (w % 128) / 32, l = w % 32;
        lo |= static_cast<uint32_t>((q[32 * half + l] >> (2 * j)) & 3) << (2 * i);
        hi |= static_cast<uint32_t>((hm[l] >> (4 * half + j)) & 1) << i;
      }
      qs_re.push_back(static_cast<uint8_t>(lo));
      if (w0 % 8 == 0) hm_re.push_back(static_cast<uint8_t>(hi));
      else hm_re.back() = static_cast<uint8_t>(hm_re.back() | (hi << 4));
    }
  }
  Account("Q3_K hmask | o0 as stored", hm_orig, {}, 1, 32 * n);
  Account("Q3_K hmask | o0 regrouped by sub-block", hm_re, {}, 1, 32 * n);
  Account("Q3_K qs | o0 regrouped by sub-block", qs_re, {}, 1, 64 * n);
  Account("Q3_K qs | o0 as stored", qs, {}, 1, 64 * n);
  // The stored qs byte 32h+l holds bits 0-1 of weights l+32j (j = 0..3) of half
  // h; their high bits are bits 4h..4h+3 of hmask[l] (a stream before qs).
  std::vector<uint8_t> c_hb;
  for (uint64_t b = 0; b < n; ++b) {
    const uint8_t* hm = p + b * 110;
    for (int i = 0; i < 64; ++i) c_hb.push_back(static_cast<uint8_t>((hm[i % 32] >> (4 * (i / 32))) & 15));
  }
  Account("Q3_K qs | as stored given its 4 weights' high bits (16)", qs, c_hb, 16, 64 * n);
  Account("Q3_K quants | o0 3-bit quants (reference, per 96 B)", q3, {}, 1, 96 * n);
  Account("Q3_K quants | 3-bit quants given |scale|/4 (reference)", q3, c_abs, 8, 96 * n);
}

// ---- floats ---------------------------------------------------------------
void Bf16(const uint8_t* p, uint64_t n) {
  std::vector<uint8_t> b0, b1, ex, sm, c_prev, c_exp, c_exp8, c_exp4;
  uint8_t prev = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const uint16_t v = Le16(p + 2 * i);
    b0.push_back(p[2 * i]);
    b1.push_back(p[2 * i + 1]);
    const uint8_t e = static_cast<uint8_t>(v >> 7);
    ex.push_back(e);
    sm.push_back(static_cast<uint8_t>(((v >> 15) << 7) | (v & 0x7f)));
    // previous exponent, bucketed: <= 112 -> 0, 113..126 -> 1..14, >= 127 -> 15
    c_prev.push_back(static_cast<uint8_t>(prev <= 112 ? 0 : prev >= 127 ? 15 : prev - 112));
    c_exp.push_back(static_cast<uint8_t>(e <= 112 ? 0 : e >= 127 ? 15 : e - 112));
    c_exp8.push_back(static_cast<uint8_t>(e <= 116 ? 0 : e >= 123 ? 7 : e - 116));
    c_exp4.push_back(static_cast<uint8_t>(e <= 118 ? 0 : e >= 121 ? 3 : e - 118));
    prev = e;
  }
  Account("BF16 b0 | o0 as stored", b0, {}, 1, n);
  Account("BF16 b1 | o0 as stored", b1, {}, 1, n);
  Account("BF16 exponent | o0", ex, {}, 1, n);
  Account("BF16 exponent | previous exponent (16)", ex, c_prev, 16, n);
  Account("BF16 sign+mantissa | o0", sm, {}, 1, n);
  Account("BF16 sign+mantissa | exponent (16)", sm, c_exp, 16, n);
  Account("BF16 sign+mantissa | exponent (8: <=116..>=123)", sm, c_exp8, 8, n);
  Account("BF16 sign+mantissa | exponent (4: <=118..>=121)", sm, c_exp4, 4, n);
}

void Fp16(const uint8_t* p, uint64_t n) {
  std::vector<uint8_t> b0, b1, c_exp;
  for (uint64_t i = 0; i < n; ++i) {
    b0.push_back(p[2 * i]);
    b1.push_back(p[2 * i + 1]);
    const int e = (p[2 * i + 1] >> 2) & 31;
    c_exp.push_back(static_cast<uint8_t>(e <= 0 ? 0 : e >= 15 ? 15 : e));
  }
  Account("F16 b0 | o0 as stored", b0, {}, 1, n);
  Account("F16 b1 | o0 as stored", b1, {}, 1, n);
  Account("F16 b0 | exponent (16)", b0, c_exp, 16, n);
}

void F32(const uint8_t* p, uint64_t n) {
  std::vector<uint8_t> b2, b3, ex, sm;
  for (uint64_t i = 0; i < n; ++i) {
    b2.push_back(p[4 * i + 2]);
    b3.push_back(p[4 * i + 3]);
    uint32_t v;
    memcpy(&v, p + 4 * i, 4);
    ex.push_back(static_cast<uint8_t>(v >> 23));
    sm.push_back(static_cast<uint8_t>(((v >> 31) << 7) | ((v >> 16) & 0x7f)));
  }
  Account("F32 b2+b3 | o0 as stored", b2, {}, 1, n);
  Account("F32 b2+b3 | o0 as stored", b3, {}, 1, n);
  Account("F32 b2+b3 | exponent + sign/mantissa bytes", ex, {}, 1, n);
  Account("F32 b2+b3 | exponent + sign/mantissa bytes", sm, {}, 1, n);
}

}  // namespace context_entropy
