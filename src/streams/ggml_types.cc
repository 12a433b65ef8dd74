#include "streams/ggml_types.h"

#include <array>

namespace sgz::internal {
namespace {

constexpr FieldLayout P = FieldLayout::kPlain;
constexpr FieldLayout G = FieldLayout::kGrouped;
constexpr FieldLayout B = FieldLayout::kPlanes;

// Block layouts as in ggml-common.h. Layouts were chosen by measurement on
// the corpus (ratio at level 3 and 19): fp16 scale fields and the 16-byte
// Q4_K/Q5_K headers (d, dmin, scales) compress best as separate byte planes
// (each column its own stream and entropy table); Q2_K and Q6_K scales as
// one grouped stream. Scalar types are split into planes.
const std::vector<GgmlType>& Table() {
  static const std::vector<GgmlType> kTable = {
      {0, "F32", 1, 4, {{"value", 4, B}}},
      {1, "F16", 1, 2, {{"value", 2, B}}},
      {2, "Q4_0", 32, 18, {{"d", 2, B}, {"qs", 16, P}}},
      {3, "Q4_1", 32, 20, {{"dm", 4, B}, {"qs", 16, P}}},
      {6, "Q5_0", 32, 22, {{"d", 2, B}, {"qh", 4, P}, {"qs", 16, P}}},
      {7, "Q5_1", 32, 24, {{"dm", 4, B}, {"qh", 4, P}, {"qs", 16, P}}},
      {8, "Q8_0", 32, 34, {{"d", 2, B}, {"qs", 32, P}}},
      {9, "Q8_1", 32, 36, {{"ds", 4, B}, {"qs", 32, P}}},
      {10, "Q2_K", 256, 84, {{"scales", 16, G}, {"qs", 64, P}, {"dm", 4, B}}},
      {11, "Q3_K", 256, 110, {{"hmask", 32, P}, {"qs", 64, P}, {"scales", 12, B}, {"d", 2, B}}},
      {12, "Q4_K", 256, 144, {{"header", 16, B}, {"qs", 128, P}}},
      {13, "Q5_K", 256, 176, {{"header", 16, B}, {"qh", 32, P}, {"qs", 128, P}}},
      {14, "Q6_K", 256, 210, {{"ql", 128, P}, {"qh", 64, P}, {"scales", 16, G}, {"d", 2, B}}},
      {15, "Q8_K", 256, 292, {{"d", 4, B}, {"qs", 256, P}, {"bsums", 32, G}}},
      {16, "IQ2_XXS", 256, 66, {{"d", 2, B}, {"qs", 64, P}}},
      {17, "IQ2_XS", 256, 74, {{"d", 2, B}, {"qs", 64, P}, {"scales", 8, G}}},
      {18, "IQ3_XXS", 256, 98, {{"d", 2, B}, {"qs", 96, P}}},
      {19, "IQ1_S", 256, 50, {{"d", 2, B}, {"qs", 32, P}, {"qh", 16, P}}},
      {20, "IQ4_NL", 32, 18, {{"d", 2, B}, {"qs", 16, P}}},
      {21, "IQ3_S", 256, 110, {{"d", 2, B}, {"qs", 64, P}, {"qh", 8, P}, {"signs", 32, P}, {"scales", 4, G}}},
      {22, "IQ2_S", 256, 82, {{"d", 2, B}, {"qs", 64, P}, {"qh", 8, P}, {"scales", 8, G}}},
      {23, "IQ4_XS", 256, 136, {{"d", 2, B}, {"scales_h", 2, G}, {"scales_l", 4, G}, {"qs", 128, P}}},
      {24, "I8", 1, 1, {{"value", 1, P}}},
      {25, "I16", 1, 2, {{"value", 2, B}}},
      {26, "I32", 1, 4, {{"value", 4, B}}},
      {27, "I64", 1, 8, {{"value", 8, B}}},
      {28, "F64", 1, 8, {{"value", 8, B}}},
      {29, "IQ1_M", 256, 56, {{"qs", 32, P}, {"qh", 16, P}, {"scales", 8, G}}},
      {30, "BF16", 1, 2, {{"value", 2, B}}},
      {34, "TQ1_0", 256, 54, {{"qs", 48, P}, {"qh", 4, P}, {"d", 2, B}}},
      {35, "TQ2_0", 256, 66, {{"qs", 64, P}, {"d", 2, B}}},
      {39, "MXFP4", 32, 17, {{"e", 1, P}, {"qs", 16, P}}},
  };
  return kTable;
}

const std::array<const GgmlType*, kGgmlTypeCount>& Index() {
  static const std::array<const GgmlType*, kGgmlTypeCount> kIndex = [] {
    std::array<const GgmlType*, kGgmlTypeCount> index{};
    for (const GgmlType& t : Table()) index[t.id] = &t;
    return index;
  }();
  return kIndex;
}

}  // namespace

uint32_t GgmlType::StreamCount() const {
  uint32_t n = 0;
  for (const BlockField& f : fields) n += (f.layout == FieldLayout::kPlanes) ? f.bytes : 1;
  return n;
}

const GgmlType* FindGgmlType(uint32_t id) { return id < kGgmlTypeCount ? Index()[id] : nullptr; }

std::string GgmlTypeName(uint32_t id) {
  const GgmlType* t = FindGgmlType(id);
  return t ? std::string(t->name) : "type#" + std::to_string(id);
}

}  // namespace sgz::internal
