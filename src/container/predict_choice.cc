#include "container/predict_choice.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "container/predict_estimate.h"
#include "streams/ggml_types.h"

namespace sgz::internal {
namespace {

constexpr FpRounding kRoundings[] = {FpRounding::kPlain, FpRounding::kFma, FpRounding::kFmaNoAssert};

// Blocks tried per candidate: enough to tell a matching quantizer from one
// that misses (a miss shows in most blocks, the FMA variants in a few
// percent), few enough that trying six candidates costs less than the final
// encoding of a chunk.
constexpr uint64_t kSampleBlocksK = 64;
constexpr uint64_t kSampleBlocksLegacy = 512;

// Values the quantizers compute with alike on every CPU: finite and below
// 2^32 in magnitude, so that no search overflows into an infinity and a NaN,
// whose sign differs between x86-64 and ARM64 (format-spec/quantizers.md
// "NaN and infinities"). Real weights are far inside.
bool PortableValues(const float* x, uint64_t n) {
  constexpr float kLimit = 4294967296.0f;
  for (uint64_t i = 0; i < n; ++i) {
    if (!(std::fabs(x[i]) < kLimit)) return false;  // NaN fails too
  }
  return true;
}

// The 32-weight types: their scale is a formula of the block, no search.
bool IsLegacy(uint32_t type) { return PredictsScales(type) && !PredictsWithImportance(type); }

// Blocks of the sample whose bytes the quantizer under `p` does not give.
uint64_t SampleMisses(const GgmlType& t, const PredictParams& p, const float* values, const float* importance,
                      const uint8_t* data, uint64_t n_blocks) {
  const uint64_t want = IsLegacy(t.id) ? kSampleBlocksLegacy : kSampleBlocksK;
  const uint64_t n = n_blocks < want ? n_blocks : want;
  uint8_t buf[512];
  uint64_t misses = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t b = i * n_blocks / n;
    const float* imp = nullptr;
    if (p.importance()) imp = importance + (p.first_column + b * t.block_weights) % p.row_length;
    QuantizeRow(t.id, values + b * t.block_weights, t.block_weights, imp, p.rounding, buf);
    misses += std::memcmp(buf, data + b * t.block_bytes, t.block_bytes) != 0;
  }
  return misses;
}

void Encode(const uint8_t* data, uint64_t size, const PredictChoiceInput& in, const PredictParams& p,
            const float* importance, const Coding& coding, EncodedChunk* out, PredictTally* tally) {
  EncodePredictChunk(data, size, in.type, p, in.values, importance, coding, out, tally);
}

}  // namespace

bool PresetPredictsScales(PredictPreset preset, uint32_t type) {
  if (!PredictsScales(type)) return false;
  return preset == PredictPreset::kMax || IsLegacy(type);
}

void EncodePredictedChoice(const uint8_t* data, uint64_t size, const PredictChoiceInput& in, const Coding& coding,
                           EncodedChunk* out, PredictTally* tally) {
  const GgmlType& t = *FindGgmlType(in.type);
  const uint64_t n_blocks = size / t.block_bytes;
  PredictTally mine;
  if (!PortableValues(in.values, n_blocks * t.block_weights)) {
    // Not predicted: stored as transform 1 stores it.
    EncodeChunkAs(data, size, Transform::kSplit, in.type, coding, out);
    return;
  }
  PredictParams plain = in.base;
  plain.flags = coding.estimate && EstimatesScales(in.type) ? kPredictEstimate : 0;
  plain.rounding = FpRounding::kPlain;
  if (n_blocks > 0 && PresetPredictsScales(in.preset, in.type)) {
    // The first candidate whose sample all matches, else the fewest misses.
    PredictParams best;
    const float* best_imp = nullptr;
    uint64_t best_misses = UINT64_MAX;
    const size_t options = 1 + (PredictsWithImportance(in.type) ? in.importance.size() : 0);
    for (size_t k = 0; k < options && best_misses > 0; ++k) {
      PredictParams p = in.base;
      p.flags = kPredictScales;
      const float* imp = nullptr;
      if (k > 0) {
        const ImportanceOption& o = in.importance[k - 1];
        if (!PortableValues(o.row, in.base.row_length)) continue;
        p.flags |= kPredictImportance;
        p.importance_chunk = o.chunk;
        p.importance_offset = o.offset;
        p.counts_bits = o.counts_bits;
        imp = o.row;
      }
      for (FpRounding r : kRoundings) {
        p.rounding = r;
        const uint64_t misses = SampleMisses(t, p, in.values, imp, data, n_blocks);
        if (misses < best_misses) {
          best = p;
          best_imp = imp;
          best_misses = misses;
        }
        if (misses == 0) break;
      }
    }
    Encode(data, size, in, best, best_imp, coding, out, &mine);
    const bool not_portable = mine.nan_scales > 0;
    if (not_portable) {
      // Not portable with SCALES: scales stored (below), whatever the size.
      best_misses = 1;
    } else if (mine.scales_hit < mine.scale_blocks) {
      // Misses the sample did not show (the FMA roundings differ from the
      // plain one in about 1% of blocks): the other roundings on the whole
      // chunk, the smallest kept.
      for (FpRounding r : kRoundings) {
        if (r == best.rounding) continue;
        PredictParams p = best;
        p.rounding = r;
        thread_local EncodedChunk other_chunk;
        PredictTally other;
        Encode(data, size, in, p, best_imp, coding, &other_chunk, &other);
        if (other.nan_scales == 0 && other_chunk.stored_size() < out->stored_size()) {
          std::swap(*out, other_chunk);
          mine = other;
          best_misses = 1;  // as the sample's: also tried without SCALES below
        }
      }
      best_misses = std::max<uint64_t>(best_misses, 1);
    }
    if (best_misses > 0) {
      // The scales the search misses cost their residual: stored as they
      // are, they may cost less.
      thread_local EncodedChunk stored;
      PredictTally other;
      plain.rounding = best.rounding;
      Encode(data, size, in, plain, nullptr, coding, &stored, &other);
      if (not_portable || stored.stored_size() < out->stored_size()) {
        std::swap(*out, stored);
        mine = other;
      }
    }
  } else {
    Encode(data, size, in, plain, nullptr, coding, out, &mine);
  }
  if (out->stored_size() * 4 > size) {
    // Not the prediction's kind of chunk: as transform 1 (or 0) stores it,
    // when that is smaller.
    thread_local EncodedChunk split;
    EncodeChunkAs(data, size, Transform::kSplit, in.type, coding, &split);
    if (size <= 64 * 1024) {
      thread_local EncodedChunk whole;
      EncodeChunkAs(data, size, Transform::kNone, 0, coding, &whole);
      if (whole.stored_size() < split.stored_size()) std::swap(split, whole);
    }
    if (split.stored_size() <= out->stored_size()) {
      std::swap(*out, split);
      return;
    }
  }
  if (tally != nullptr) {
    tally->blocks += mine.blocks;
    tally->scale_blocks += mine.scale_blocks;
    tally->scales_hit += mine.scales_hit;
    tally->quants_hit += mine.quants_hit;
  }
}

}  // namespace sgz::internal
