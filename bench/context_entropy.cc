// context_entropy: what a context is worth before any coder exists.
//
// For every GGUF named on the command line, cuts each tensor into the chunks
// the packer makes (whole blocks, 4 MiB), and for each stream and candidate
// symbol layout/context computes the cost of static order-0 coding with one
// table per (chunk, context): the empirical entropy, plus a rough cost of
// storing the tables (kTableBitsPerEntry per nonzero entry). Prints one line
// per (type, stream, candidate) in bits per stream byte, so candidates over
// the same stream compare directly. Issue 14, item 1; the numbers chosen from
// are in notes/ctx-measure.md.
//
//   context_entropy FILE.gguf...      (also: --hist for the Q4_K z histogram)
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "context_entropy.h"
#include "streams/gguf_reader.h"

namespace context_entropy {


struct Cost {
  uint64_t bytes = 0;
  double data_bits = 0;
  double table_bits = 0;
  unsigned contexts = 0;
};

// Key: "TYPE stream | candidate", insertion order kept for printing.
std::vector<std::string> g_order;
std::map<std::string, Cost> g_cost;
bool g_hist = false;
std::map<int, uint64_t> g_zhist;

// Cost of coding sym[0,n) with table ctx[i] (< nctx), or one table if ctx is
// empty. `bytes` is the stream bytes these symbols stand for.
void Account(const std::string& key, const std::vector<uint8_t>& sym, const std::vector<uint8_t>& ctx,
             unsigned nctx, uint64_t bytes) {
  if (sym.empty()) return;
  if (ctx.empty()) nctx = 1;
  std::vector<uint32_t> counts(static_cast<size_t>(nctx) * 256, 0);
  for (size_t i = 0; i < sym.size(); ++i) counts[(ctx.empty() ? 0 : ctx[i]) * 256 + sym[i]]++;
  double data = 0, table = 0;
  for (unsigned c = 0; c < nctx; ++c) {
    uint64_t total = 0;
    for (int s = 0; s < 256; ++s) total += counts[c * 256 + s];
    if (total == 0) continue;
    table += 8;  // a context's presence
    for (int s = 0; s < 256; ++s) {
      const uint32_t k = counts[c * 256 + s];
      if (k == 0) continue;
      table += kTableBitsPerEntry;
      data -= k * std::log2(static_cast<double>(k) / total);
    }
  }
  auto it = g_cost.find(key);
  if (it == g_cost.end()) {
    g_order.push_back(key);
    it = g_cost.emplace(key, Cost()).first;
  }
  it->second.bytes += bytes;
  it->second.data_bits += data;
  it->second.table_bits += table;
  it->second.contexts = nctx;
}


// fp16 bit pattern -> value = mant * 2^exp (sign ignored); false for inf/NaN.
bool Half(uint16_t h, uint32_t* mant, int* exp) {
  const uint32_t e = (h >> 10) & 31, f = h & 0x3ff;
  if (e == 31) return false;
  *mant = e == 0 ? f : (f | 0x400);
  *exp = e == 0 ? -24 : static_cast<int>(e) - 25;
  return true;
}

// floor(2 * (hn * a) / (hd * b)) for fp16 patterns hn, hd and small integers
// a, b, saturated to 255; 0 when undefined (inf/NaN, zero denominator).
int HalfSteps(uint16_t hn, uint32_t a, uint16_t hd, uint32_t b) {
  uint32_t mn, md;
  int en, ed;
  if (!Half(hn, &mn, &en) || !Half(hd, &md, &ed)) return 0;
  const uint64_t num = static_cast<uint64_t>(mn) * a, den = static_cast<uint64_t>(md) * b;
  if (den == 0 || num == 0) return 0;
  const int sh = en - ed + 1;
  uint64_t q;
  if (sh >= 0) {
    if (sh > 24) return 255;
    q = (num << sh) / den;
  } else {
    if (-sh > 40) return 0;
    q = num / (den << -sh);
  }
  return q > 255 ? 255 : static_cast<int>(q);
}

void ScaleMinK4(int j, const uint8_t* q, uint32_t* sc, uint32_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

struct Bucketing {
  const char* name;
  int lo, step, count;  // bucket = clamp((zb2 - lo) / step, 0, count - 1)
  int Of(int zb2) const {
    const int b = zb2 < lo ? 0 : (zb2 - lo) / step;
    return b >= count ? count - 1 : b;
  }
};

// Candidate bucketings of floor(2z) (half steps of the zero point).
const Bucketing kQ4Buckets[] = {
    {"z4 (full steps 5..8)", 10, 2, 4},     {"z8 (half steps 6..10)", 12, 1, 8},
    {"z8 (full steps 4..12)", 8, 2, 8},     {"z12 (half steps 5..11)", 10, 1, 12},
    {"z16 (half steps 4..12)", 8, 1, 16},   {"z16 (full steps 0..16)", 0, 2, 16},
    {"z64 (all half steps)", 0, 1, 64},
};
const Bucketing kQ5Buckets[] = {
    {"z4 (2 steps 12..20)", 24, 4, 4},     {"z8 (full steps 12..20)", 24, 2, 8},
    {"z16 (full steps 8..24)", 16, 2, 16}, {"z16 (half 12..20)", 24, 1, 16},
    {"z128 (all half steps)", 0, 1, 128},
};

// ---- Q4_K: d, dmin, scales[12], qs[128] -----------------------------------
void Q4K(const uint8_t* p, uint64_t n) {
  std::vector<uint8_t> orig, pairA, pairB, nib, ctxA[8], ctxNib[8], csc, cm, ctx_zb;
  std::vector<uint8_t> zb(8 * n);
  for (uint64_t b = 0; b < n; ++b) {
    const uint8_t* blk = p + b * 144;
    for (int s = 0; s < 8; ++s) {
      uint32_t sc, m;
      ScaleMinK4(s, blk + 4, &sc, &m);
      zb[b * 8 + s] = static_cast<uint8_t>(HalfSteps(Le16(blk + 2), m, Le16(blk), sc));
      if (g_hist) g_zhist[zb[b * 8 + s]]++;
    }
  }
  const size_t nb = sizeof(kQ4Buckets) / sizeof(kQ4Buckets[0]);
  std::vector<uint8_t> ctxs[16], shifted, c_par, c_edge, c_edgepar, c_dist, c_quart;
  for (uint64_t b = 0; b < n; ++b) {
    const uint8_t* blk = p + b * 144;
    const uint8_t* qs = blk + 16;
    orig.insert(orig.end(), qs, qs + 128);
    for (int s = 0; s < 8; ++s) {
      uint8_t w[32];
      for (int l = 0; l < 32; ++l) w[l] = (s & 1) ? qs[32 * (s / 2) + l] >> 4 : qs[32 * (s / 2) + l] & 15;
      uint32_t sc, m;
      ScaleMinK4(s, blk + 4, &sc, &m);
      const int z = zb[b * 8 + s];
      for (int k = 0; k < 16; ++k) {
        pairA.push_back(static_cast<uint8_t>(w[k] | (w[k + 16] << 4)));
        pairB.push_back(static_cast<uint8_t>(w[2 * k] | (w[2 * k + 1] << 4)));
        for (size_t v = 0; v < nb; ++v) ctxs[v].push_back(static_cast<uint8_t>(kQ4Buckets[v].Of(z)));
        csc.push_back(static_cast<uint8_t>(sc >> 2));
        cm.push_back(static_cast<uint8_t>(m >> 2));
      }
      // Shift transform: nibbles relative to the rounded zero point, peak at 8.
      const int shift = (z + 1) >> 1;
      for (int k = 0; k < 16; ++k) {
        const int a = (w[k] - shift + 8) & 15, c = (w[k + 16] - shift + 8) & 15;
        shifted.push_back(static_cast<uint8_t>(a | (c << 4)));
        c_par.push_back(static_cast<uint8_t>(z & 1));
        const int edge = z < 12 ? 0 : z < 14 ? 1 : z < 17 ? 2 : 3;
        c_edge.push_back(static_cast<uint8_t>(edge));
        c_edgepar.push_back(static_cast<uint8_t>(edge * 2 + (z & 1)));
        const int dist = (z > 15 ? z - 15 : 15 - z) / 2;
        c_dist.push_back(static_cast<uint8_t>(dist > 3 ? 3 : dist));
        c_quart.push_back(static_cast<uint8_t>(z <= 13 ? 0 : z == 14 ? 1 : z == 15 ? 2 : 3));
      }
      for (int l = 0; l < 32; ++l) {
        nib.push_back(w[l]);
        ctx_zb.push_back(static_cast<uint8_t>(kQ4Buckets[nb - 1].Of(z)));
      }
    }
  }
  const uint64_t bytes = 128 * n;
  Account("Q4_K qs | o0 as stored", orig, {}, 1, bytes);
  Account("Q4_K qs | o0 pair(k,k+16)", pairA, {}, 1, bytes);
  Account("Q4_K qs | o0 pair(2k,2k+1)", pairB, {}, 1, bytes);
  Account("Q4_K qs | o0 nibbles", nib, {}, 1, bytes);
  Account("Q4_K qs | nibbles given z64", nib, ctx_zb, 64, bytes);
  for (size_t v = 0; v < nb; ++v) {
    Account(std::string("Q4_K qs | pair(k,k+16) given ") + kQ4Buckets[v].name, pairA, ctxs[v],
            kQ4Buckets[v].count, bytes);
  }
  Account("Q4_K qs | pair(2k,2k+1) given z16 (half 4..12)", pairB, ctxs[4], 16, bytes);
  Account("Q4_K qs | SHIFTED pair o0", shifted, {}, 1, bytes);
  Account("Q4_K qs | SHIFTED pair given z parity", shifted, c_par, 2, bytes);
  Account("Q4_K qs | SHIFTED pair given z edge4", shifted, c_edge, 4, bytes);
  Account("Q4_K qs | SHIFTED pair given |2z-15|/2 (4)", shifted, c_dist, 4, bytes);
  Account("Q4_K qs | SHIFTED pair given 2z quartiles (4)", shifted, c_quart, 4, bytes);
  Account("Q4_K qs | SHIFTED pair given z edge4 x parity", shifted, c_edgepar, 8, bytes);
  Account("Q4_K qs | pair(k,k+16) given sc>>2", pairA, csc, 16, bytes);
  Account("Q4_K qs | pair(k,k+16) given m>>2", pairA, cm, 16, bytes);
  // Header re-expressed against the previous block (a bijection decoded in
  // block order): d and dmin as 16-bit differences, scales bytes XORed.
  {
    std::vector<uint8_t> dplane[4], dorig[4], sx, so;
    for (uint64_t b = 0; b < n; ++b) {
      const uint8_t* blk = p + b * 144;
      for (int f = 0; f < 2; ++f) {
        const uint16_t cur = Le16(blk + 2 * f), prev = b ? Le16(blk - 144 + 2 * f) : 0;
        const uint16_t delta = static_cast<uint16_t>(cur - prev);
        dplane[2 * f].push_back(static_cast<uint8_t>(delta));
        dplane[2 * f + 1].push_back(static_cast<uint8_t>(delta >> 8));
        dorig[2 * f].push_back(blk[2 * f]);
        dorig[2 * f + 1].push_back(blk[2 * f + 1]);
      }
      for (int j = 4; j < 16; ++j) {
        so.push_back(blk[j]);
        sx.push_back(static_cast<uint8_t>(blk[j] ^ (b ? blk[j - 144] : 0)));
      }
    }
    for (int j = 0; j < 4; ++j) {
      Account("Q4_K header d/dmin planes | o0 as stored", dorig[j], {}, 1, n);
      Account("Q4_K header d/dmin planes | 16-bit delta from previous block", dplane[j], {}, 1, n);
    }
    Account("Q4_K header scales (12 B) | o0 grouped", so, {}, 1, 12 * n);
    Account("Q4_K header scales (12 B) | XOR previous block", sx, {}, 1, 12 * n);
  }
  // Header planes given the previous block's same byte (high nibble).
  for (int j = 0; j < 16; ++j) {
    std::vector<uint8_t> plane(n), prev(n);
    for (uint64_t b = 0; b < n; ++b) {
      plane[b] = p[b * 144 + j];
      prev[b] = b ? static_cast<uint8_t>(p[(b - 1) * 144 + j] >> 4) : 0;
    }
    Account("Q4_K header.b" + std::to_string(j) + " | o0", plane, {}, 1, n);
    Account("Q4_K header.b" + std::to_string(j) + " | prev block's byte>>4", plane, prev, 16, n);
  }
}

// ---- Q5_K: d, dmin, scales[12], qh[32], qs[128] ----------------------------
void Q5K(const uint8_t* p, uint64_t n) {
  const size_t nb = sizeof(kQ5Buckets) / sizeof(kQ5Buckets[0]);
  std::vector<uint8_t> qh_orig, qs_orig, qh_re, qs_pair, q5;
  std::vector<uint8_t> c_qh[8], c_qs[8], c_hb, c_hbz, c_q5, sh_qh, sh_qs, sh_hb, sh_par, sh_hbpar, s16_qh, s16_qs, s16_hb, mix_qs, mix_hb;
  for (uint64_t b = 0; b < n; ++b) {
    const uint8_t* blk = p + b * 176;
    const uint8_t *qh = blk + 16, *qs = blk + 48;
    qh_orig.insert(qh_orig.end(), qh, qh + 32);
    qs_orig.insert(qs_orig.end(), qs, qs + 128);
    for (int s = 0; s < 8; ++s) {
      uint32_t sc, m;
      ScaleMinK4(s, blk + 4, &sc, &m);
      const int z = HalfSteps(Le16(blk + 2), m, Le16(blk), sc);
      uint8_t w[32], h[32];
      for (int l = 0; l < 32; ++l) {
        w[l] = (s & 1) ? qs[32 * (s / 2) + l] >> 4 : qs[32 * (s / 2) + l] & 15;
        h[l] = (qh[l] >> s) & 1;
        q5.push_back(static_cast<uint8_t>(w[l] | (h[l] << 4)));
        c_q5.push_back(static_cast<uint8_t>(kQ5Buckets[nb - 1].Of(z)));
      }
      {
        const int shift = (z + 1) >> 1;
        uint8_t v[32];
        for (int l = 0; l < 32; ++l) v[l] = static_cast<uint8_t>(((w[l] | (h[l] << 4)) - shift + 8) & 31);
        for (int k = 0; k < 4; ++k) {
          uint8_t byte = 0;
          for (int i = 0; i < 8; ++i) byte |= static_cast<uint8_t>((v[8 * k + i] >> 4) << i);
          sh_qh.push_back(byte);
        }
        uint8_t u[32];  // centre 16: bit 4 is the side of the zero point
        for (int l = 0; l < 32; ++l) u[l] = static_cast<uint8_t>(((w[l] | (h[l] << 4)) - shift + 16) & 31);
        for (int k = 0; k < 4; ++k) {
          uint8_t byte = 0;
          for (int i = 0; i < 8; ++i) byte |= static_cast<uint8_t>((u[8 * k + i] >> 4) << i);
          s16_qh.push_back(byte);
        }
        for (int k = 0; k < 16; ++k) {
          s16_qs.push_back(static_cast<uint8_t>((u[k] & 15) | ((u[k + 16] & 15) << 4)));
          s16_hb.push_back(static_cast<uint8_t>((u[k] >> 4) | ((u[k + 16] >> 4) << 1)));
          // Mixed: unshifted nibbles, context = shifted (centre 8) high bits.
          mix_qs.push_back(static_cast<uint8_t>(w[k] | (w[k + 16] << 4)));
          mix_hb.push_back(static_cast<uint8_t>((v[k] >> 4) | ((v[k + 16] >> 4) << 1)));
        }
        for (int k = 0; k < 16; ++k) {
          sh_qs.push_back(static_cast<uint8_t>((v[k] & 15) | ((v[k + 16] & 15) << 4)));
          const int hb = (v[k] >> 4) | ((v[k + 16] >> 4) << 1);
          sh_hb.push_back(static_cast<uint8_t>(hb));
          sh_par.push_back(static_cast<uint8_t>(z & 1));
          sh_hbpar.push_back(static_cast<uint8_t>(hb * 2 + (z & 1)));
        }
      }
      for (int k = 0; k < 4; ++k) {
        uint8_t byte = 0;
        for (int i = 0; i < 8; ++i) byte |= static_cast<uint8_t>(h[8 * k + i] << i);
        qh_re.push_back(byte);
        for (size_t v = 0; v < nb; ++v) c_qh[v].push_back(static_cast<uint8_t>(kQ5Buckets[v].Of(z)));
      }
      for (int k = 0; k < 16; ++k) {
        qs_pair.push_back(static_cast<uint8_t>(w[k] | (w[k + 16] << 4)));
        for (size_t v = 0; v < nb; ++v) c_qs[v].push_back(static_cast<uint8_t>(kQ5Buckets[v].Of(z)));
        const int hb = h[k] | (h[k + 16] << 1);
        c_hb.push_back(static_cast<uint8_t>(hb));
        c_hbz.push_back(static_cast<uint8_t>(hb * 4 + kQ5Buckets[0].Of(z)));
      }
    }
  }
  Account("Q5_K qh | o0 as stored", qh_orig, {}, 1, 32 * n);
  Account("Q5_K qh | o0 regrouped (8 weights of a sub-block)", qh_re, {}, 1, 32 * n);
  for (size_t v = 0; v < nb; ++v) {
    Account(std::string("Q5_K qh | regrouped given ") + kQ5Buckets[v].name, qh_re, c_qh[v], kQ5Buckets[v].count,
            32 * n);
  }
  Account("Q5_K qs | o0 as stored", qs_orig, {}, 1, 128 * n);
  Account("Q5_K qs | o0 pair(k,k+16)", qs_pair, {}, 1, 128 * n);
  for (size_t v = 0; v < nb; ++v) {
    Account(std::string("Q5_K qs | pair given ") + kQ5Buckets[v].name, qs_pair, c_qs[v], kQ5Buckets[v].count,
            128 * n);
  }
  Account("Q5_K qs | pair given the 2 high bits", qs_pair, c_hb, 4, 128 * n);
  Account("Q5_K qs | pair given 2 high bits x z4", qs_pair, c_hbz, 16, 128 * n);
  Account("Q5_K qh | SHIFTED o0", sh_qh, {}, 1, 32 * n);
  Account("Q5_K qs | SHIFTED pair o0", sh_qs, {}, 1, 128 * n);
  Account("Q5_K qs | SHIFTED pair given 2 high bits", sh_qs, sh_hb, 4, 128 * n);
  Account("Q5_K qs | SHIFTED pair given z parity", sh_qs, sh_par, 2, 128 * n);
  Account("Q5_K qs | SHIFTED pair given 2 high bits x parity", sh_qs, sh_hbpar, 8, 128 * n);
  Account("Q5_K qh | SHIFTED16 o0", s16_qh, {}, 1, 32 * n);
  Account("Q5_K qs | SHIFTED16 pair o0", s16_qs, {}, 1, 128 * n);
  Account("Q5_K qs | SHIFTED16 pair given 2 high bits", s16_qs, s16_hb, 4, 128 * n);
  Account("Q5_K qs | unshifted pair given 2 SHIFTED(8) high bits", mix_qs, mix_hb, 4, 128 * n);
  Account("Q5_K qh+qs | o0 5-bit quants (reference)", q5, {}, 1, 160 * n);
  Account("Q5_K qh+qs | 5-bit quants given z128 (reference)", q5, c_q5, 128, 160 * n);
}

void Tensor(uint32_t type, const uint8_t* p, uint64_t size) {
  struct T {
    uint32_t id, bb;
    std::function<void(const uint8_t*, uint64_t)> f;
  };
  static const T kTypes[] = {
      {12, 144, Q4K},
      {13, 176, Q5K},
      {14, 210, Q6K},
      {10, 84, Q2K},
      {11, 110, Q3K},
      {8, 34, [](const uint8_t* q, uint64_t n) { Legacy("Q8_0", q, n, 34, 2); }},
      {2, 18, [](const uint8_t* q, uint64_t n) { Legacy("Q4_0", q, n, 18, 2); }},
      {30, 2, Bf16},
      {1, 2, Fp16},
      {0, 4, F32},
  };
  for (const T& t : kTypes) {
    if (t.id != type) continue;
    const uint64_t step = kChunk / t.bb * t.bb;
    for (uint64_t at = 0; at < size; at += step) {
      const uint64_t len = std::min(step, size - at);
      t.f(p + at, len / t.bb);
    }
  }
}

}  // namespace context_entropy

using namespace context_entropy;

int main(int argc, char** argv) {
  for (int a = 1; a < argc; ++a) {
    if (strcmp(argv[a], "--hist") == 0) {
      g_hist = true;
      continue;
    }
    std::vector<uint8_t> data;
    if (!ReadWholeFile(argv[a], &data)) {
      fprintf(stderr, "cannot open %s\n", argv[a]);
      return 1;
    }
    auto layout = sgz::internal::ParseGguf(data.data(), data.size());
    if (!layout.ok()) {
      fprintf(stderr, "%s: %s\n", argv[a], layout.status().ToString().c_str());
      return 1;
    }
    g_order.clear();
    g_cost.clear();
    g_zhist.clear();
    std::map<uint32_t, uint64_t> census;
    for (const auto& t : layout.value().tensors) {
      census[t.type] += t.size;
      Tensor(t.type, data.data() + t.offset, t.size);
    }
    printf("\n## %s\n\ntypes:", argv[a]);
    for (auto& c : census) printf(" %u:%" PRIu64, c.first, c.second);
    printf("\n\n| stream / candidate | bytes | ctx | data b/B | table b/B | total b/B |\n|---|---|---|---|---|---|\n");
    for (const std::string& key : g_order) {
      const Cost& c = g_cost[key];
      printf("| %s | %" PRIu64 " | %u | %.4f | %.4f | %.4f |\n", key.c_str(), c.bytes, c.contexts,
             c.data_bits / c.bytes, c.table_bits / c.bytes, (c.data_bits + c.table_bits) / c.bytes);
    }
    if (g_hist && !g_zhist.empty()) {
      printf("\nQ4_K floor(2z) histogram:");
      for (auto& h : g_zhist) printf(" %d:%" PRIu64, h.first, h.second);
      printf("\n");
    }
  }
  return 0;
}
