// The writer's choice for one chunk of a quantized tensor with a float
// parent (format-spec "Transform 4: predict", "The writer's rule"): which
// rounding, whether the scales are predicted (SCALES) and with which
// importance (IMPORTANCE), by measurement on the chunk's own blocks, or
// transform 1 when no prediction makes the chunk smaller.
#ifndef SGZ_CONTAINER_PREDICT_CHOICE_H_
#define SGZ_CONTAINER_PREDICT_CHOICE_H_

#include <cstdint>
#include <vector>

#include "container/chunk_encoder.h"
#include "container/pack_options.h"
#include "container/predict_block.h"
#include "container/predict_chunk.h"

namespace sgz::internal {

// Whether `preset` tries SCALES for chunks of `type`.
bool PresetPredictsScales(PredictPreset preset, uint32_t type);

// An importance matrix entry the chunk may be predicted with.
struct ImportanceOption {
  uint32_t chunk = 0;
  uint32_t offset = 0;
  uint32_t counts_bits = 0;
  const float* row = nullptr;  // the row's importance (base.row_length values)
};

struct PredictChoiceInput {
  uint32_t type = 0;
  PredictParams base;             // parent fields, row_length, first_column; flags 0
  const float* values = nullptr;  // the chunk's parent values, widened
  PredictPreset preset = PredictPreset::kDefault;
  std::vector<ImportanceOption> importance;  // candidates, tried in order
};

// Encodes data[0, size) at `level` as the smallest of the candidates tried:
// with SCALES (when the preset allows the type) the first rounding and
// importance under which a sample of the chunk's blocks all match the
// quantizer (else the one with the fewest misses), the other roundings
// too when the whole chunk misses scales, and then also without SCALES;
// without SCALES otherwise; and transform 1 (or 0, small chunks)
// when the prediction leaves more than a quarter of the bytes. *tally
// (added to) counts the blocks of a chunk kept predicted and their hits.
// REQUIRES: PredictsType(in.type), base.row_length > 0 when importance is
// offered.
void EncodePredictedChoice(const uint8_t* data, uint64_t size, const PredictChoiceInput& in, const Coding& coding,
                           EncodedChunk* out, PredictTally* tally);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_PREDICT_CHOICE_H_
