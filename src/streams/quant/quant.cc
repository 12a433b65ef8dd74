// Dispatch by type and rounding.
#include "streams/quant/quant.h"

#include <cstring>
#include <vector>

#include "streams/quant/quant_internal.h"
#include "streams/quant/quant_types.h"

namespace sgz::internal {

namespace quant {

const TypeInfo* FindTypeInfo(uint32_t type) {
  static const TypeInfo kTypes[] = {
      {kTypeQ4_0, 32, 18},  {kTypeQ4_1, 32, 20},  {kTypeQ5_0, 32, 22},  {kTypeQ5_1, 32, 24},
      {kTypeQ8_0, 32, 34},  {kTypeQ2_K, 256, 84}, {kTypeQ3_K, 256, 110}, {kTypeQ4_K, 256, 144},
      {kTypeQ5_K, 256, 176}, {kTypeQ6_K, 256, 210},
  };
  for (const TypeInfo& t : kTypes) {
    if (t.type == type) return &t;
  }
  return nullptr;
}

namespace {

bool IsKType(uint32_t type) { return FindTypeInfo(type)->block_weights == kQK; }

template <class Fp>
void Quantize(uint32_t type, const float* x, int64_t n, const float* importance, uint8_t* out) {
  if (IsKType(type)) {
    QuantizeKRow<Fp>(type, x, n, importance, out);
  } else {
    QuantizeLegacyRow<Fp>(type, x, n, importance, out);
  }
}

// A 32-weight block's prediction: the quantizer's block when its scale
// fields match the stored ones, else the values rounded with the stored
// scale.
template <class Fp>
void PredictLegacy(uint32_t type, const float* x, int64_t n, const float* importance, uint8_t* blocks) {
  const TypeInfo& info = *FindTypeInfo(type);
  const int64_t nb = n / 32;
  const int scale_bytes = (type == kTypeQ4_1 || type == kTypeQ5_1) ? 4 : 2;
  uint8_t mine[34];
  if (importance && type != kTypeQ8_0) {
    // The weighted search runs over the whole row (its sigma2 is the row's).
    std::vector<uint8_t> row(static_cast<size_t>(nb) * info.block_bytes);
    QuantizeLegacyRow<Fp>(type, x, n, importance, row.data());
    for (int64_t ib = 0; ib < nb; ++ib) {
      uint8_t* b = blocks + ib * info.block_bytes;
      const uint8_t* r = row.data() + ib * info.block_bytes;
      if (std::memcmp(b, r, scale_bytes) == 0) std::memcpy(b, r, info.block_bytes);
    }
    return;
  }
  for (int64_t ib = 0; ib < nb; ++ib) {
    uint8_t* b = blocks + ib * info.block_bytes;
    QuantizeLegacyRow<Fp>(type, x + 32 * ib, 32, nullptr, mine);
    if (std::memcmp(b, mine, scale_bytes) == 0) {
      std::memcpy(b, mine, info.block_bytes);
      continue;
    }
    RoundLegacyWithScales(type, x + 32 * ib, b);
  }
}

template <class Fp>
void Predict(uint32_t type, const float* x, int64_t n, const float* importance, bool search, uint8_t* blocks) {
  if (IsKType(type)) {
    PredictKRow<Fp>(type, x, n, importance, search, blocks);
  } else {
    PredictLegacy<Fp>(type, x, n, importance, blocks);
  }
}

}  // namespace
}  // namespace quant

void ImatrixImportance(const float* in_sum2, const float* counts, int64_t ne0, int64_t ne1, float* out) {
  for (int64_t j = 0; j < ne1; ++j) {
    for (int64_t i = 0; i < ne0; ++i) out[j * ne0 + i] = counts[j] > 0.0f ? in_sum2[j * ne0 + i] / counts[j] : 1.0f;
  }
}

bool CanQuantize(uint32_t type) { return quant::FindTypeInfo(type) != nullptr; }

void QuantizeRow(uint32_t type, const float* x, int64_t n, const float* importance, FpRounding rounding,
                 uint8_t* out) {
  switch (rounding) {
    case FpRounding::kFma: quant::Quantize<quant::Fused>(type, x, n, importance, out); return;
    case FpRounding::kFmaNoAssert: quant::Quantize<quant::FusedNoAssert>(type, x, n, importance, out); return;
    default: quant::Quantize<quant::Plain>(type, x, n, importance, out); return;
  }
}

namespace {

void PredictWith(uint32_t type, const float* x, int64_t n, const float* importance, FpRounding rounding, bool search,
                 uint8_t* blocks) {
  switch (rounding) {
    case FpRounding::kFma: quant::Predict<quant::Fused>(type, x, n, importance, search, blocks); return;
    case FpRounding::kFmaNoAssert: quant::Predict<quant::FusedNoAssert>(type, x, n, importance, search, blocks); return;
    default: quant::Predict<quant::Plain>(type, x, n, importance, search, blocks); return;
  }
}

}  // namespace

void PredictQuants(uint32_t type, const float* x, int64_t n, const float* importance, FpRounding rounding,
                   uint8_t* blocks) {
  PredictWith(type, x, n, importance, rounding, /*search=*/true, blocks);
}

void PredictQuantsNoSearch(uint32_t type, const float* x, int64_t n, FpRounding rounding, uint8_t* blocks) {
  PredictWith(type, x, n, nullptr, rounding, /*search=*/false, blocks);
}

}  // namespace sgz::internal
