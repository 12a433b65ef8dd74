// The rANS encoder of codec 2: counts, frequency normalization that
// minimizes the coded size, the table code, and the 32-lane coder.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "common/coding.h"
#include "streams/rans.h"

namespace sgz::internal {
namespace {

using rans_internal::kRiceEscape;

constexpr uint32_t kLow = 1u << 16;  // states live in [2^16, 2^32)

// Frequencies summing to 2^precision for one table's counts (total > 0),
// every counted symbol at least 1, chosen to minimize sum count*log2(M/f):
// proportional rounding, then unit moves between symbols while one gains
// more bits than the other loses (the cost is convex in each f).
// log2(f) for every frequency f in [0, 2^kRansMaxPrecision + 1] (entry 0
// unused), computed once: the normalization and the size estimates take
// thousands of logarithms per chunk, which were a third of a pack's time.
const double* Log2() {
  static const std::vector<double> table = [] {
    std::vector<double> t((1u << kRansMaxPrecision) + 2, 0.0);
    for (size_t f = 1; f < t.size(); ++f) t[f] = std::log2(static_cast<double>(f));
    return t;
  }();
  return table.data();
}

// Unit moves after the rounding: each costs two scans of 256 entries; on
// the corpus's streams the first 64 gain all but a few bytes of what 1024
// gain (measured: llm-mix Q4_K_M and BF16 archives within 0.001%), at a
// sixteenth of the time, which was most of a pack's.
constexpr int kRefineSteps = 64;
// Streams of at least this many bytes per table are coded at the highest
// precision without searching for a lower one.
constexpr uint64_t kSearchBelow = 256 << 10;

// The index of the first greatest (least) of 256 doubles, none a NaN, as
// std::max_element (min_element) gives it: the extreme by four lanes (their
// order does not matter without NaNs), then its first position. Half the
// time of the plain scan, which the unit moves below run twice a step.
typedef double D4 __attribute__((vector_size(32)));
template <bool kMax>
int FirstExtreme(const double* v) {
  D4 m;
  std::memcpy(&m, v, sizeof m);
  for (int s = 4; s < 256; s += 4) {
    D4 x;
    std::memcpy(&x, v + s, sizeof x);
    m = (kMax ? x > m : x < m) ? x : m;
  }
  double e = m[0];
  for (int k = 1; k < 4; ++k) e = (kMax ? m[k] > e : m[k] < e) ? m[k] : e;
  int s = 0;
  while (v[s] != e) ++s;
  return s;
}
int FirstMax(const double* v) { return FirstExtreme<true>(v); }
int FirstMin(const double* v) { return FirstExtreme<false>(v); }

void Normalize(const uint64_t* count, uint64_t total, unsigned precision, uint32_t* freq, bool refine = true) {
  const uint32_t m = 1u << precision;
  if (total == 0) {  // an unused table: any valid one
    std::fill(freq, freq + 256, 0);
    freq[0] = m;
    return;
  }
  int64_t sum = 0;
  for (int s = 0; s < 256; ++s) {
    if (count[s] == 0) {
      freq[s] = 0;
      continue;
    }
    const uint64_t f = (count[s] * m + total / 2) / total;
    freq[s] = static_cast<uint32_t>(std::max<uint64_t>(1, std::min<uint64_t>(f, m)));
    sum += freq[s];
  }
  if (!refine) {
    // For the precision search's estimate: a valid table, the difference
    // given to or taken from the most frequent symbols (at most 256 symbols
    // and m >= 256, so one above 1 remains while the sum is above m).
    while (sum != m) {
      uint32_t* top = std::max_element(freq, freq + 256);
      if (sum < m) {
        *top += static_cast<uint32_t>(m - sum);
        sum = m;
      } else {
        const int64_t take = std::min<int64_t>(sum - m, static_cast<int64_t>(*top) - 1);
        *top -= static_cast<uint32_t>(take);
        sum -= take;
      }
    }
    return;
  }
  // gain[s]: bits saved by freq[s] + 1; loss[s]: bits lost by freq[s] - 1.
  const double* lg = Log2();
  double gain[256], loss[256];
  auto update = [&](int s) {
    const double c = static_cast<double>(count[s]);
    gain[s] = count[s] ? c * (lg[freq[s] + 1] - lg[freq[s]]) : -1.0;
    loss[s] = freq[s] > 1 ? c * (lg[freq[s]] - lg[freq[s] - 1]) : HUGE_VAL;
  };
  for (int s = 0; s < 256; ++s) update(s);
  auto best_gain = [&] { return FirstMax(gain); };
  auto least_loss = [&] { return FirstMin(loss); };
  while (sum < m) {
    const int s = best_gain();
    ++freq[s];
    ++sum;
    update(s);
  }
  while (sum > m) {
    const int s = least_loss();
    --freq[s];
    --sum;
    update(s);
  }
  for (int step = 0; step < kRefineSteps; ++step) {
    const int up = best_gain(), down = least_loss();
    if (up == down || gain[up] <= loss[down] + 1e-9) break;
    ++freq[up];
    --freq[down];
    update(up);
    update(down);
  }
}

// LSB-first bit writer.
class BitWriter {
 public:
  explicit BitWriter(std::string* out) : out_(out) {}
  void Put(uint32_t value, unsigned bits) {
    acc_ |= static_cast<uint64_t>(value) << used_;
    used_ += bits;
    while (used_ >= 8) {
      out_->push_back(static_cast<char>(acc_ & 0xFF));
      acc_ >>= 8;
      used_ -= 8;
    }
  }
  void Flush() {
    if (used_ > 0) out_->push_back(static_cast<char>(acc_ & 0xFF));
    acc_ = 0;
    used_ = 0;
  }

 private:
  std::string* out_;
  uint64_t acc_ = 0;
  unsigned used_ = 0;
};

// Codes one table (256 frequencies) in `mode` (0 neighbours, 1 product);
// returns its bits, and writes them unless out is nullptr.
uint64_t CodeTable(const uint32_t* freq, unsigned precision, bool product, BitWriter* out) {
  uint64_t bits = 1;
  if (out) out->Put(product, 1);
  for (int s = 0; s < 256; ++s) {
    unsigned k;
    bool residual;
    uint32_t p;
    rans_internal::TablePrediction(freq, s, product, &k, &residual, &p);
    const int64_t d = static_cast<int64_t>(freq[s]) - p;
    const uint64_t v = residual ? (d >= 0 ? 2 * static_cast<uint64_t>(d) : 2 * static_cast<uint64_t>(-d) - 1) : freq[s];
    const uint64_t q = v >> k;
    if (q < kRiceEscape) {
      bits += q + 1 + k;
      if (out) {
        out->Put((1u << q) - 1, static_cast<unsigned>(q) + 1);  // q ones, then a zero
        if (k) out->Put(static_cast<uint32_t>(v & ((1u << k) - 1)), k);
      }
    } else {
      bits += kRiceEscape + precision + 1;
      if (out) {
        out->Put((1u << kRiceEscape) - 1, kRiceEscape);
        out->Put(freq[s], precision + 1);
      }
    }
  }
  return bits;
}

// The bits of one table in the cheaper mode; *product (optional): whether
// that is the product mode.
uint64_t TableBits(const uint32_t* freq, unsigned precision, bool* product = nullptr) {
  const uint64_t plain = CodeTable(freq, precision, false, nullptr);
  const uint64_t prod = CodeTable(freq, precision, true, nullptr);
  if (product != nullptr) *product = prod < plain;
  return std::min(plain, prod);
}

// Bits of the coded bytes under freq (their entropy under the table).
double CodedBits(const uint64_t* count, const uint32_t* freq, unsigned precision) {
  double bits = 0;
  for (int s = 0; s < 256; ++s) {
    if (count[s]) bits += count[s] * (precision - Log2()[freq[s]]);
  }
  return bits;
}

}  // namespace

namespace rans_internal {

namespace {

thread_local uint64_t coded_bytes = 0;

// EncodeAlways, except that it returns false (appending nothing) before the
// coding loop when the payload estimated from the tables (their bits, the
// bytes' entropy under them, the states) exceeds give_up bytes.
bool Encode(const uint8_t* src, uint64_t n, const uint8_t* ctx, unsigned contexts, unsigned precision,
            uint64_t give_up, std::string* dst) {
  if (ctx == nullptr || contexts < 1) contexts = 1;
  // Counts per context; the table count is the highest context used + 1.
  std::vector<uint64_t> count(static_cast<size_t>(contexts) * 256, 0);
  unsigned tables = 1;
  if (ctx == nullptr || contexts == 1) {
    // Four histograms: repeated bytes would otherwise wait on each other.
    std::vector<uint64_t> four(4 * 256, 0);
    uint64_t i = 0;
    for (; i + 4 <= n; i += 4) {
      ++four[src[i]];
      ++four[256 + src[i + 1]];
      ++four[512 + src[i + 2]];
      ++four[768 + src[i + 3]];
    }
    for (; i < n; ++i) ++four[src[i]];
    for (int s = 0; s < 256; ++s) count[s] = four[s] + four[256 + s] + four[512 + s] + four[768 + s];
  } else {
    // Two histograms, alternate bytes: a (context, byte) pair that repeats
    // would otherwise wait on its own increment. 32-bit counts: a stream is
    // at most 2^32 bytes.
    thread_local std::vector<uint32_t> two;
    const size_t cells = static_cast<size_t>(contexts) * 256;
    two.assign(2 * cells, 0);
    uint32_t* h0 = two.data();
    uint32_t* h1 = h0 + cells;
    const uint8_t* c8 = ctx;
    const uint8_t* s8 = src;
    uint64_t i = 0;
    for (; i + 2 <= n; i += 2) {
      ++h0[static_cast<size_t>(c8[i]) << 8 | s8[i]];
      ++h1[static_cast<size_t>(c8[i + 1]) << 8 | s8[i + 1]];
    }
    for (; i < n; ++i) ++h0[static_cast<size_t>(c8[i]) << 8 | s8[i]];
    for (size_t k = 0; k < cells; ++k) count[k] = uint64_t{h0[k]} + h1[k];
    for (unsigned c = 0; c < contexts; ++c) {
      for (int s = 0; s < 256; ++s) {
        if (count[c * 256 + s]) tables = c + 1;
      }
    }
  }
  std::vector<uint64_t> totals(tables, 0);
  for (unsigned c = 0; c < tables; ++c) {
    for (int s = 0; s < 256; ++s) totals[c] += count[c * 256 + s];
  }
  // The bytes' entropy under their own counts is below what any table codes
  // them in (Gibbs): when even that, with the header and states, exceeds
  // give_up, the estimate below would, and nothing need be normalized.
  if (give_up != UINT64_MAX) {
    double bound = 0;
    for (unsigned c = 0; c < tables; ++c) {
      const double t = static_cast<double>(totals[c]);
      for (int s = 0; s < 256; ++s) {
        const uint64_t k = count[c * 256 + s];
        if (k != 0 && k != totals[c]) bound += static_cast<double>(k) * std::log2(t / static_cast<double>(k));
      }
    }
    bound *= 1 - 1e-9;  // a margin for the rounding of the two sums
    if (2 + bound / 8 + 2.0 * std::min<uint64_t>(n, kRansLanes) > static_cast<double>(give_up)) return false;
  }

  // The precision, unless the caller fixed it: from 12 down while the
  // payload (tables + coded bits) shrinks. Lower precision costs coded bits
  // and saves table bits, so the size is close to convex in it: the first
  // step that does not shrink it ends the search.
  std::vector<uint32_t> freq(static_cast<size_t>(tables) * 256), trial(freq.size());
  unsigned lo = kRansMinPrecision, hi = kRansMaxPrecision;
  if (precision != 0) lo = hi = precision;
  // A long stream spends a negligible share on its tables: the highest
  // precision codes it best, without a search.
  if (precision == 0 && n >= kSearchBelow * tables) lo = hi;
  double best = HUGE_VAL;
  // The search compares tables of proportional rounding alone (the unit
  // moves gain a few bytes at most, and cost most of a pack's time when run
  // for every candidate); the chosen precision's tables get them.
  for (unsigned p = hi; p + 1 > lo; --p) {
    double bits = 0;
    for (unsigned c = 0; c < tables; ++c) {
      Normalize(&count[c * 256], totals[c], p, &trial[c * 256], /*refine=*/false);
      bits += TableBits(&trial[c * 256], p) + CodedBits(&count[c * 256], &trial[c * 256], p);
    }
    if (bits >= best) break;
    best = bits;
    precision = p;
  }
  best = 0;
  std::vector<bool> product(tables);
  for (unsigned c = 0; c < tables; ++c) {
    Normalize(&count[c * 256], totals[c], precision, &freq[c * 256]);
    bool mode;
    best += TableBits(&freq[c * 256], precision, &mode) + CodedBits(&count[c * 256], &freq[c * 256], precision);
    product[c] = mode;
  }

  // Header, tables and the bytes' entropy under them, plus the states' 16
  // fixed bits each (the other 16 carry coded bits).
  const double estimate = 2 + best / 8 + 2.0 * std::min<uint64_t>(n, kRansLanes);
  if (estimate > static_cast<double>(give_up)) return false;
  coded_bytes += n;
  PutU8(dst, static_cast<uint8_t>(tables));
  PutU8(dst, static_cast<uint8_t>(precision));
  BitWriter writer(dst);
  for (unsigned c = 0; c < tables; ++c) CodeTable(&freq[c * 256], precision, product[c], &writer);
  writer.Flush();

  // Encoder entries per (table, symbol): freq, cum, and the reciprocal
  // ceil(2^44 / freq), which gives x / freq exactly for every x < 2^32 as
  // (x * rcp) >> 44: the error x * (rcp - 2^44/freq) / 2^44 stays below
  // 2^-12 <= 1/freq, less than the distance of x/freq to the next integer.
  struct Entry {
    uint64_t rcp;
    uint32_t freq, cum;
  };
  std::vector<Entry> entries(freq.size());
  for (unsigned c = 0; c < tables; ++c) {
    uint32_t at = 0;
    for (int s = 0; s < 256; ++s) {
      const uint32_t f = freq[c * 256 + s];
      entries[c * 256 + s] = {f ? ((uint64_t{1} << 44) + f - 1) / f : 0, f, at};
      at += f;
    }
  }
  // Bytes are coded last to first so that the decoder reads them first to
  // last; words go into `words` from its end backwards, so that they come
  // out in the order the decoder reads them. 8 words of margin below index
  // 0 for the AVX2 loop's whole-vector stores.
  uint32_t x[kRansLanes];
  for (uint32_t& v : x) v = kLow;
  // Kept between calls: a fresh buffer of a chunk's size costs its page faults.
  thread_local std::unique_ptr<uint16_t[]> buffer;
  thread_local uint64_t buffer_size = 0;
  if (buffer_size < n + 9) {
    buffer.reset(new uint16_t[n + 9]);
    buffer_size = n + 9;
  }
  uint16_t* words = buffer.get() + 8;
  uint64_t w = n;
  const unsigned shift = 32 - precision;
  const bool use_ctx = ctx != nullptr && tables > 1;
  // The last partial group here; whole groups in the AVX2 loop, if any.
  static const EncodeLoopFn avx2 = Avx2EncodeLoop();
  const bool vector = avx2 != nullptr && !PortableForced();
  const uint64_t whole = vector ? n / kRansLanes * kRansLanes : 0;
  for (uint64_t i = n; i-- > whole;) {
    const Entry& e = entries[(use_ctx ? static_cast<size_t>(ctx[i]) << 8 : 0) | src[i]];
    uint32_t s = x[i % kRansLanes];
    // Branch-free renormalization (taken about half the time on dense
    // data): the word is always written, kept only when emitted. w >= 1
    // here: at most one word per byte coded so far.
    const bool emit = s >= (static_cast<uint64_t>(e.freq) << shift);
    words[w - 1] = static_cast<uint16_t>(s);
    w -= emit;
    s >>= emit ? 16 : 0;
    const uint32_t q = static_cast<uint32_t>((static_cast<unsigned __int128>(s) * e.rcp) >> 44);
    x[i % kRansLanes] = (q << precision) + (s - q * e.freq) + e.cum;
  }
  if (whole > 0) {
    std::vector<uint32_t> fc(entries.size());
    std::vector<double> inv(entries.size());
    for (size_t e = 0; e < entries.size(); ++e) {
      fc[e] = entries[e].freq | entries[e].cum << 16;
      inv[e] = entries[e].freq ? 1.0 / entries[e].freq : 0.0;
    }
    avx2(src, use_ctx ? ctx : nullptr, whole, fc.data(), inv.data(), precision, x, words, &w);
  }
  const uint64_t lanes = std::min<uint64_t>(n, kRansLanes);
  for (uint64_t l = 0; l < lanes; ++l) PutU32(dst, x[l]);
  const size_t at = dst->size();
  dst->resize(at + 2 * (n - w));
  uint8_t* out = reinterpret_cast<uint8_t*>(&(*dst)[at]);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (n > w) memcpy(out, &words[w], 2 * (n - w));
#else
  for (uint64_t j = w; j < n; ++j, out += 2) {
    out[0] = static_cast<uint8_t>(words[j]);
    out[1] = static_cast<uint8_t>(words[j] >> 8);
  }
#endif
  return true;
}

}  // namespace

void EncodeAlways(const uint8_t* src, uint64_t n, const uint8_t* ctx, unsigned contexts, unsigned precision,
                  std::string* dst) {
  Encode(src, n, ctx, contexts, precision, UINT64_MAX, dst);
}

uint64_t CodedBytesForTesting() { return coded_bytes; }

}  // namespace rans_internal

bool RansEncode(const uint8_t* src, uint64_t n, const uint8_t* ctx, unsigned contexts, std::string* dst,
                uint64_t limit) {
  if (n == 0) return false;
  const size_t at = dst->size();
  // Without a limit, always coded and compared. With one, the estimate
  // (within 0.01% of the payload on real streams) may decide first; a
  // margin of 1/1024 keeps the payloads that could come out smaller.
  const uint64_t give_up = limit >= n ? UINT64_MAX : limit + limit / 1024 + 64;
  if (!rans_internal::Encode(src, n, ctx, contexts, 0, give_up, dst)) return false;
  if (dst->size() - at >= std::min(limit, n)) {
    dst->resize(at);
    return false;
  }
  return true;
}

}  // namespace sgz::internal
