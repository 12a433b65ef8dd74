#include "container/predict_block.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "container/predict_estimate.h"
#include "streams/ggml_types.h"
#include "streams/quant/quant_types.h"

namespace sgz::internal {
namespace {

constexpr uint32_t kF16 = 1;
constexpr uint32_t kMaxScaleBytes = 32;  // Q2_K: 20, the most of any type

// The scale fields of a block: every byte outside its quant bytes, a prefix
// and a suffix of the block (either may be empty).
struct ScaleBytes {
  uint32_t head;        // [0, head)
  uint32_t tail_begin;  // [tail_begin, block_bytes)
  uint32_t block_bytes;

  template <class F>
  void ForEach(F f) const {
    for (uint32_t i = 0; i < head; ++i) f(i);
    for (uint32_t i = tail_begin; i < block_bytes; ++i) f(i);
  }
};

// Whether a half-precision d/dmin field of the block is a NaN (field
// offsets from the quantizers' block layouts).
bool HasNanHalf(uint32_t type, const uint8_t* block) {
  using namespace quant;
  int at[2] = {-1, -1};
  switch (type) {
    case kTypeQ4_0: case kTypeQ5_0: case kTypeQ8_0: at[0] = 0; break;  // d
    case kTypeQ4_1: case kTypeQ5_1: at[0] = 0; at[1] = 2; break;       // d, m
    case kTypeQ2_K: at[0] = kQ2D; at[1] = kQ2Dmin; break;
    case kTypeQ3_K: at[0] = kQ3D; break;
    case kTypeQ4_K: case kTypeQ5_K: at[0] = kQ4D; at[1] = kQ4Dmin; break;
    case kTypeQ6_K: at[0] = kQ6D; break;
    default: break;
  }
  for (int off : at) {
    if (off < 0) continue;
    const uint16_t h = static_cast<uint16_t>(block[off] | (block[off + 1] << 8));
    if ((h & 0x7c00) == 0x7c00 && (h & 0x03ff) != 0) return true;
  }
  return false;
}

bool AllZero(const uint8_t* p, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

// The quantizer's blocks of values[0, n_blocks * bw) into out: per run of
// blocks within one row, each with the importance of its columns.
void QuantizeBlocks(const GgmlType& t, const PredictParams& p, const float* values, const float* importance,
                    uint64_t n_blocks, uint8_t* out) {
  const uint64_t bw = t.block_weights;
  if (!p.importance()) {
    QuantizeRow(t.id, values, static_cast<int64_t>(n_blocks * bw), nullptr, p.rounding, out);
    return;
  }
  uint64_t col = p.first_column;
  for (uint64_t b = 0; b < n_blocks;) {
    // first_column and row_length are multiples of bw, col < row_length.
    const uint64_t run = std::min<uint64_t>(n_blocks - b, (p.row_length - col) / bw);
    QuantizeRow(t.id, values + b * bw, static_cast<int64_t>(run * bw), importance + col, p.rounding,
                out + b * t.block_bytes);
    b += run;
    col = (col + run * bw) % p.row_length;
  }
}

}  // namespace

bool QuantRange(uint32_t type, QuantBytes* q) {
  switch (type) {
    case 1: *q = {0, 2}; return true;       // F16: the value, predicted as the parent's rounded to half
    case 2: *q = {2, 16}; return true;      // Q4_0: d, qs[16]
    case 3: *q = {4, 16}; return true;      // Q4_1: d, m, qs[16]
    case 6: *q = {2, 20}; return true;      // Q5_0: d, qh[4], qs[16]
    case 7: *q = {4, 20}; return true;      // Q5_1: d, m, qh[4], qs[16]
    case 8: *q = {2, 32}; return true;      // Q8_0: d, qs[32]
    case 10: *q = {16, 64}; return true;    // Q2_K: scales[16], qs[64], d, dmin
    case 11: *q = {0, 96}; return true;     // Q3_K: hmask[32], qs[64], scales[12], d
    case 12: *q = {16, 128}; return true;   // Q4_K: d, dmin, scales[12], qs[128]
    case 13: *q = {16, 160}; return true;   // Q5_K: d, dmin, scales[12], qh[32], qs[128]
    case 14: *q = {0, 192}; return true;    // Q6_K: ql[128], qh[64], scales[16], d
    default: return false;
  }
}

void ApplyPrediction(uint32_t type, const PredictParams& params, const float* values, const float* importance,
                     uint64_t n_blocks, PredictDirection dir, uint8_t* blocks, PredictTally* tally) {
  const GgmlType& t = *FindGgmlType(type);
  QuantBytes q;
  QuantRange(type, &q);
  const bool encode = dir == PredictDirection::kEncode;
  if (tally != nullptr) tally->blocks += n_blocks;
  if (type == kF16) {
    if (tally == nullptr) {
      thread_local std::vector<uint8_t> halves;
      halves.resize(2 * n_blocks);
      FloatToHalfRow(values, static_cast<int64_t>(n_blocks), halves.data());
      for (uint64_t i = 0; i < 2 * n_blocks; ++i) blocks[i] ^= halves[i];
      return;
    }
    for (uint64_t i = 0; i < n_blocks; ++i) {
      const uint16_t h = FloatToHalf(values[i]);
      uint8_t* b = blocks + 2 * i;
      if (!encode && tally != nullptr) tally->quants_hit += b[0] == 0 && b[1] == 0;
      b[0] ^= static_cast<uint8_t>(h);
      b[1] ^= static_cast<uint8_t>(h >> 8);
      if (encode && tally != nullptr) tally->quants_hit += b[0] == 0 && b[1] == 0;
    }
    return;
  }
  // Locals (q's address escaped): the byte stores below cannot alias them,
  // so the XOR loops vectorize.
  const uint32_t bb = t.block_bytes, q_begin = q.begin, q_size = q.size;
  const ScaleBytes sb{q.begin, q.begin + q.size, bb};
  thread_local std::vector<uint8_t> pred;
  pred.resize(n_blocks * bb);
  if (!params.scales()) {
    // The residual's scale fields are the block's own (ESTIMATE: their
    // difference from the estimate, undone before the quants are predicted
    // and made after).
    if (params.estimate() && !encode) ApplyEstimate(type, values, n_blocks, dir, blocks);
    std::memcpy(pred.data(), blocks, n_blocks * bb);
    PredictQuantsNoSearch(type, values, static_cast<int64_t>(n_blocks * t.block_weights), params.rounding,
                          pred.data());
    for (uint64_t b = 0; b < n_blocks; ++b) {
      uint8_t* dst = blocks + b * bb + q_begin;
      const uint8_t* p = pred.data() + b * bb + q_begin;
      if (!encode && tally != nullptr) tally->quants_hit += AllZero(dst, q_size);
      for (uint32_t i = 0; i < q_size; ++i) dst[i] ^= p[i];
      if (encode && tally != nullptr) tally->quants_hit += AllZero(dst, q_size);
    }
    if (params.estimate() && encode) ApplyEstimate(type, values, n_blocks, dir, blocks);
    return;
  }
  QuantizeBlocks(t, params, values, importance, n_blocks, pred.data());
  if (tally != nullptr) tally->scale_blocks += n_blocks;
  if (encode && tally != nullptr) {
    for (uint64_t b = 0; b < n_blocks; ++b) tally->nan_scales += HasNanHalf(type, pred.data() + b * bb);
  }
  for (uint64_t b = 0; b < n_blocks; ++b) {
    uint8_t* blk = blocks + b * bb;
    uint8_t* p = pred.data() + b * bb;
    // blk's scale fields become the actual ones (S); P's are kept for encoding.
    uint8_t predicted[kMaxScaleBytes];
    uint32_t k = 0;
    bool same = true;
    sb.ForEach([&](uint32_t i) {
      predicted[k++] = p[i];
      if (!encode) blk[i] ^= p[i];
      same = same && blk[i] == p[i];
    });
    if (!same) {
      // Quants rounded with the actual scales, never searched.
      sb.ForEach([&](uint32_t i) { p[i] = blk[i]; });
      PredictQuantsNoSearch(type, values + b * t.block_weights, t.block_weights, params.rounding, p);
    }
    uint8_t* dst = blk + q.begin;
    const uint8_t* pq = p + q.begin;
    if (!encode && tally != nullptr) tally->quants_hit += AllZero(dst, q.size);
    for (uint32_t i = 0; i < q.size; ++i) dst[i] ^= pq[i];
    if (encode && tally != nullptr) tally->quants_hit += AllZero(dst, q.size);
    if (tally != nullptr) tally->scales_hit += same;
    if (encode) {
      k = 0;
      sb.ForEach([&](uint32_t i) { blk[i] ^= predicted[k++]; });
    }
  }
}

}  // namespace sgz::internal
