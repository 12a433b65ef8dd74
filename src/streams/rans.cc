// The rANS decoder of codec 2: payload parsing with every rejection rule of
// the spec, decode tables, the portable loop and the dispatch to AVX2.
#include "streams/rans.h"

#include <atomic>
#include <memory>
#include <vector>

#include "common/coding.h"

namespace sgz::internal {
namespace rans_internal {
namespace {

constexpr uint32_t kLow = 1u << 16;

std::atomic<bool> force_portable{false};

// LSB-first bit reader over [p, end) that never reads past end.
class BitReader {
 public:
  BitReader(const uint8_t* p, const uint8_t* end) : p_(p), end_(end) {}
  // False when fewer than `bits` (<= 24) bits are left.
  bool Get(unsigned bits, uint32_t* value) {
    while (used_ < bits) {
      if (p_ == end_) return false;
      acc_ |= static_cast<uint64_t>(*p_++) << used_;
      used_ += 8;
    }
    *value = static_cast<uint32_t>(acc_ & ((uint64_t{1} << bits) - 1));
    acc_ >>= bits;
    used_ -= bits;
    return true;
  }
  // The bits left in the current byte (the padding), and where bytes resume.
  uint32_t Padding() const { return static_cast<uint32_t>(acc_); }
  const uint8_t* position() const { return p_; }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
  uint64_t acc_ = 0;
  unsigned used_ = 0;
};

Status Bad(const std::string& what) { return Status::Corruption("rans stream: " + what); }

// Reads table c (the spec's "Table code") into freq[256].
Status ReadTable(BitReader* in, unsigned c, unsigned precision, uint32_t* freq) {
  const uint32_t m = 1u << precision;
  uint32_t product = 0, sum = 0;
  if (!in->Get(1, &product)) return Bad("table " + std::to_string(c) + " is truncated");
  for (int s = 0; s < 256; ++s) {
    unsigned k;
    bool residual;
    uint32_t p;
    TablePrediction(freq, s, product != 0, &k, &residual, &p);
    uint32_t q = 0, bit = 1, v;
    while (q < kRiceEscape) {
      if (!in->Get(1, &bit)) return Bad("table " + std::to_string(c) + " is truncated");
      if (bit == 0) break;
      ++q;
    }
    int64_t f;
    if (q == kRiceEscape) {
      if (!in->Get(precision + 1, &v)) return Bad("table " + std::to_string(c) + " is truncated");
      f = v;
    } else {
      uint32_t low = 0;
      if (k > 0 && !in->Get(k, &low)) return Bad("table " + std::to_string(c) + " is truncated");
      v = q << k | low;
      f = !residual ? int64_t{v} : (v & 1) ? int64_t{p} - (int64_t{v} + 1) / 2 : int64_t{p} + v / 2;
    }
    if (f < 0) return Bad("table " + std::to_string(c) + ": negative frequency at symbol " + std::to_string(s));
    if (f > m - sum) {
      return Bad("table " + std::to_string(c) + " sums past " + std::to_string(m) + " at symbol " +
                 std::to_string(s));
    }
    freq[s] = static_cast<uint32_t>(f);
    sum += freq[s];
  }
  if (sum != m) return Bad("table " + std::to_string(c) + " sums to " + std::to_string(sum) + ", not " + std::to_string(m));
  return Status::Ok();
}

// The portable loop: decodes bytes st->i .. n-1, one at a time, in the
// spec's order. Corruption when the words run out.
Status PortableLoop(const uint32_t* tables, unsigned precision, const uint8_t* ctx, uint8_t* dst, uint64_t n,
                    DecodeState* st) {
  const uint32_t mask = (1u << precision) - 1;
  const uint8_t* p = st->words;
  for (uint64_t i = st->i; i < n; ++i) {
    uint32_t x = st->x[i % kRansLanes];
    const uint32_t slot = x & mask;
    const uint32_t e = tables[(ctx ? static_cast<size_t>(ctx[i]) << precision : 0) | slot];
    dst[i] = static_cast<uint8_t>(e);
    const uint32_t xs = x >> precision;
    x = (e >> 20) * xs + xs + ((e >> 8) & 0xFFF);
    if (x < kLow) {
      if (st->words_end - p < 2) {
        st->words = p;
        return Bad("words end at byte " + std::to_string(i) + " of " + std::to_string(n));
      }
      x = x << 16 | LoadU16LE(p);
      p += 2;
    }
    st->x[i % kRansLanes] = x;
  }
  st->words = p;
  st->i = n;
  return Status::Ok();
}

}  // namespace

#if !(defined(__x86_64__) || defined(__i386__))
DecodeLoopFn Avx2DecodeLoop() { return nullptr; }
EncodeLoopFn Avx2EncodeLoop() { return nullptr; }
#endif

bool PortableForced() { return force_portable.load(std::memory_order_relaxed); }

Status ParseTables(const uint8_t* src, uint64_t stored, unsigned* precision_out, std::vector<uint32_t>* freq,
                   uint64_t* table_bytes) {
  if (stored < 2) return Bad("payload of " + std::to_string(stored) + " bytes has no header");
  const unsigned tables = src[0], precision = src[1];
  if (tables < 1 || tables > kRansMaxContexts) return Bad("table count " + std::to_string(tables) + " out of range");
  if (precision < kRansMinPrecision || precision > kRansMaxPrecision) {
    return Bad("precision " + std::to_string(precision) + " out of range");
  }
  BitReader in(src + 2, src + stored);
  freq->resize(static_cast<size_t>(tables) * 256);
  for (unsigned c = 0; c < tables; ++c) SGZ_RETURN_IF_ERROR(ReadTable(&in, c, precision, &(*freq)[c * 256]));
  if (in.Padding() != 0) return Bad("table padding bits are not zero");
  *precision_out = precision;
  *table_bytes = static_cast<uint64_t>(in.position() - src);
  return Status::Ok();
}

void ForcePortable(bool portable) { force_portable.store(portable, std::memory_order_relaxed); }

}  // namespace rans_internal

Status RansDecode(const uint8_t* src, uint64_t stored, const uint8_t* ctx, unsigned contexts, uint8_t* dst,
                  uint64_t n) {
  using namespace rans_internal;
  if (ctx == nullptr) contexts = 1;
  if (stored >= 1 && src[0] > contexts && src[0] <= kRansMaxContexts) {
    return Bad("table count " + std::to_string(src[0]) + " exceeds the stream's " + std::to_string(contexts) +
               " contexts");
  }
  unsigned precision = 0;
  uint64_t table_bytes = 0;
  thread_local std::vector<uint32_t> freq;
  SGZ_RETURN_IF_ERROR(ParseTables(src, stored, &precision, &freq, &table_bytes));
  const unsigned tables = src[0];
  const uint8_t* end = src + stored;
  const uint8_t* p = src + table_bytes;

  DecodeState st;
  const uint64_t lanes = n < kRansLanes ? n : kRansLanes;
  if (static_cast<uint64_t>(end - p) < 4 * lanes) return Bad("states are truncated");
  for (uint64_t l = 0; l < kRansLanes; ++l) {
    st.x[l] = l < lanes ? LoadU32LE(p + 4 * l) : kLow;
    if (st.x[l] < kLow) return Bad("initial state " + std::to_string(l) + " below 2^16");
  }
  p += 4 * lanes;
  if ((end - p) % 2 != 0) return Bad("odd number of word bytes");
  st.words = p;
  st.words_end = end;
  st.i = 0;

  // Every context must name a table (checked before any table lookup).
  if (ctx != nullptr && tables > 0) {
    uint8_t max = 0;
    for (uint64_t i = 0; i < n; ++i) max = ctx[i] > max ? ctx[i] : max;
    if (max >= tables) return Bad("context " + std::to_string(max) + " has no table (" + std::to_string(tables) + ")");
  }
  if (tables == 1) ctx = nullptr;

  // Decode tables: each slot of table c holds its symbol, its offset in the
  // symbol's range (slot - cum) and freq - 1.
  thread_local std::vector<uint32_t> decode;
  decode.resize(static_cast<size_t>(tables) << precision);
  for (unsigned c = 0; c < tables; ++c) {
    uint32_t* t = &decode[static_cast<size_t>(c) << precision];
    uint32_t cum = 0;
    for (uint32_t s = 0; s < 256; ++s) {
      const uint32_t f = freq[c * 256 + s];
      for (uint32_t j = 0; j < f; ++j) t[cum + j] = s | j << 8 | (f - 1) << 20;
      cum += f;
    }
  }

  static const DecodeLoopFn avx2 = Avx2DecodeLoop();
  if (avx2 != nullptr && !force_portable.load(std::memory_order_relaxed)) {
    avx2(decode.data(), precision, ctx, dst, n, &st);
  }
  SGZ_RETURN_IF_ERROR(PortableLoop(decode.data(), precision, ctx, dst, n, &st));
  if (st.words != end) {
    return Bad(std::to_string(end - st.words) + " bytes of words left after the last byte");
  }
  for (unsigned l = 0; l < kRansLanes; ++l) {
    if (st.x[l] != kLow) return Bad("final state " + std::to_string(l) + " is not 2^16");
  }
  return Status::Ok();
}

}  // namespace sgz::internal
