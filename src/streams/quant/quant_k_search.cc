// The scale searches of the K types: ggml's reference searches (no
// importance) and its weighted ones (an importance matrix row). Each fills a
// block's scale fields and leaves the search's quants in L.
#include <cmath>
#include <cstring>

#include "streams/quant/quant_internal.h"
#include "streams/quant/quant_types.h"

namespace sgz::internal::quant {

namespace {

template <class Fp>
float SumSquares(const float* x, int n) {
  float s = 0;
  for (int l = 0; l < n; ++l) s = Fp::Madd(x[l], x[l], s);
  return s;
}

// w[l] = qw[l] * sqrt(sigma2 + x[l]^2), the weights of an importance search.
template <class Fp>
void ImportanceWeights(const float* qw, const float* x, float sigma2, int n, float* w) {
  for (int l = 0; l < n; ++l) w[l] = qw[l] * std::sqrt(Fp::Madd(x[l], x[l], sigma2));
}

template <class Fp>
void SearchQ2K(const float* x, const float* qw, uint8_t* b, uint8_t* L) {
  float scales[16], mins[16], weights[16][16];
  if (!qw) {
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 16; ++j) {
      for (int l = 0; l < 16; ++l) weights[j][l] = std::fabs(x[16 * j + l]);
    }
    for (int h = 0; h < 16; h += 8) {
      SearchScaleMin8<Fp>(16, 3, x + 16 * h, 16, weights[h], 16, L + 16 * h, 16, scales + h, mins + h, -0.5f, 0.1f, 15,
                          true);
    }
    for (int j = 0; j < 16; ++j) {
      if (scales[j] > max_scale) max_scale = scales[j];
      if (mins[j] > max_min) max_min = mins[j];
    }
    if (max_scale > 0) {
      const float iscale = 15.f / max_scale;
      for (int j = 0; j < 16; ++j) b[kQ2Scales + j] = static_cast<uint8_t>(Fp::RoundProduct(iscale, scales[j]));
      StoreHalf(b + kQ2D, max_scale / 15.f);
    } else {
      std::memset(b + kQ2Scales, 0, 16);
      StoreHalf(b + kQ2D, 0.f);
    }
    if (max_min > 0) {
      const float iscale = 15.f / max_min;
      for (int j = 0; j < 16; ++j) {
        b[kQ2Scales + j] |= static_cast<uint8_t>(static_cast<unsigned>(Fp::RoundProduct(iscale, mins[j])) << 4);
      }
      StoreHalf(b + kQ2Dmin, max_min / 15.f);
    } else {
      StoreHalf(b + kQ2Dmin, 0.f);
    }
    return;
  }
  const float sigma2 = SumSquares<Fp>(x, kQK) / kQK;
  float sw[16] = {};
  for (int j = 0; j < 16; ++j) {
    ImportanceWeights<Fp>(qw + 16 * j, x + 16 * j, sigma2, 16, weights[j]);
    for (int l = 0; l < 16; ++l) sw[j] += weights[j][l];
  }
  for (int h = 0; h < 16; h += 8) {
    SearchScaleMin8<Fp>(16, 3, x + 16 * h, 16, weights[h], 16, L + 16 * h, 16, scales + h, mins + h, -0.9f, 0.05f, 36,
                        false);
  }
  uint8_t Ls[16], Lm[16];
  const float dm = SearchPositive<Fp>(16, 15, scales, Ls, sw);
  const float mm = SearchPositive<Fp>(16, 15, mins, Lm, sw);
  StoreHalf(b + kQ2D, dm);
  StoreHalf(b + kQ2Dmin, mm);
  for (int j = 0; j < 16; ++j) b[kQ2Scales + j] = static_cast<uint8_t>(Ls[j] | (Lm[j] << 4));
}

template <class Fp>
void SearchQ3K(const float* x, const float* qw, uint8_t* b, uint8_t* L) {
  int8_t* Ls8 = reinterpret_cast<int8_t*>(L);
  float scales[16];
  uint8_t* s = b + kQ3Scales;
  std::memset(s, 0, 12);
  if (!qw) {
    float max_scale = 0, amax = 0;
    for (int j = 0; j < 16; ++j) {
      scales[j] = SearchSymmetricRefined<Fp>(16, 4, x + 16 * j, Ls8 + 16 * j);
      const float scale = std::fabs(scales[j]);
      if (scale > amax) {
        amax = scale;
        max_scale = scales[j];
      }
    }
    if (max_scale) {
      const float iscale = -32.f / max_scale;
      for (int j = 0; j < 16; ++j) {
        const int8_t l8 = static_cast<int8_t>(Fp::RoundProduct(iscale, scales[j]));
        PackScaleQ3(j, Clamp(l8, -32, 31) + 32, s);
      }
      StoreHalf(b + kQ3D, 1 / iscale);
    } else {
      StoreHalf(b + kQ3D, 0.f);
    }
    return;
  }
  const float sigma2 = 2 * SumSquares<Fp>(x, kQK) / kQK;
  float weights[16][16], sw[16];
  for (int j = 0; j < 16; ++j) {
    ImportanceWeights<Fp>(qw + 16 * j, x + 16 * j, sigma2, 16, weights[j]);
    float sumw = 0;
    for (int l = 0; l < 16; ++l) sumw += weights[j][l];
    sw[j] = sumw;
  }
  for (int h = 0; h < 16; h += 8) SearchSymmetric8<Fp>(16, 4, x + 16 * h, 16, weights[h], 16, Ls8 + 16 * h, scales + h);
  int8_t Ls[16];
  const float d_block = SearchSymmetric<Fp>(16, 32, scales, Ls, sw);
  for (int j = 0; j < 16; ++j) PackScaleQ3(j, Ls[j], s);
  StoreHalf(b + kQ3D, d_block);
}

// Q4_K (nmax 15) and Q5_K (nmax 31).
template <class Fp>
void SearchQ45K(int nmax, const float* x, const float* qw, uint8_t* b, uint8_t* L) {
  float scales[8], mins[8], weights[8][32];
  uint8_t ls[8], lm[8];
  std::memset(b + kQ4Scales, 0, 12);
  if (!qw) {
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; ++j) {
      const float* xs = x + 32 * j;
      const float av_x = std::sqrt(SumSquares<Fp>(xs, 32) / 32);
      for (int l = 0; l < 32; ++l) weights[j][l] = av_x + std::fabs(xs[l]);
    }
    if (nmax == 15) {
      SearchScaleMin8<Fp>(32, 15, x, 32, &weights[0][0], 32, L, 32, scales, mins, -1.f, 0.1f, 20, false);
    } else {
      SearchScaleMin8<Fp>(32, 31, x, 32, &weights[0][0], 32, L, 32, scales, mins, -0.5f, 0.1f, 15, false);
    }
    for (int j = 0; j < 8; ++j) {
      if (scales[j] > max_scale) max_scale = scales[j];
      if (mins[j] > max_min) max_min = mins[j];
    }
    const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
    const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    for (int j = 0; j < 8; ++j) {
      const uint8_t s8 = static_cast<uint8_t>(Fp::RoundProduct(inv_scale, scales[j]));
      const uint8_t m8 = static_cast<uint8_t>(Fp::RoundProduct(inv_min, mins[j]));
      ls[j] = s8 < 63 ? s8 : 63;
      lm[j] = m8 < 63 ? m8 : 63;
    }
    PackScaleMinK4(ls, lm, b + kQ4Scales);
    StoreHalf(b + kQ4D, max_scale / 63.f);
    StoreHalf(b + kQ4Dmin, max_min / 63.f);
    return;
  }
  const float sigma2 = 2 * SumSquares<Fp>(x, kQK) / kQK;
  float sw[8];
  for (int j = 0; j < 8; ++j) {
    ImportanceWeights<Fp>(qw + 32 * j, x + 32 * j, sigma2, 32, weights[j]);
    float sumw = 0;
    for (int l = 0; l < 32; ++l) sumw += weights[j][l];
    sw[j] = sumw;
  }
  SearchScaleMin8<Fp>(32, nmax, x, 32, &weights[0][0], 32, L, 32, scales, mins, -0.9f, 0.05f, 36, false);
  const float d_block = SearchPositive<Fp>(8, 63, scales, ls, sw);
  const float m_block = SearchPositive<Fp>(8, 63, mins, lm, sw);
  PackScaleMinK4(ls, lm, b + kQ4Scales);
  StoreHalf(b + kQ4D, d_block);
  StoreHalf(b + kQ4Dmin, m_block);
}

template <class Fp>
bool SearchQ6K(const float* x, const float* qw, uint8_t* b, uint8_t* L) {
  int8_t* L8 = reinterpret_cast<int8_t*>(L);
  float scales[16];
  float max_scale = 0, max_abs_scale = 0;
  for (int h = 0; h < 16; h += 8) SearchSymmetric8<Fp>(16, 32, x + 16 * h, 16, qw ? qw + 16 * h : nullptr, 16, L8 + 16 * h, scales + h);
  for (int ib = 0; ib < 16; ++ib) {
    const float abs_scale = std::fabs(scales[ib]);
    if (abs_scale > max_abs_scale) {
      max_abs_scale = abs_scale;
      max_scale = scales[ib];
    }
  }
  if (max_abs_scale < kGroupMaxEps) {
    std::memset(b, 0, 210);
    return true;
  }
  const float iscale = -128.f / max_scale;
  StoreHalf(b + kQ6D, 1 / iscale);
  for (int ib = 0; ib < 16; ++ib) {
    const int l = Fp::RoundProduct(iscale, scales[ib]);
    b[kQ6Scales + ib] = static_cast<uint8_t>(static_cast<int8_t>(l < 127 ? l : 127));
  }
  return false;
}

}  // namespace

template <class Fp>
bool SearchK(uint32_t type, const float* x, const float* qw, uint8_t* b, uint8_t* L) {
  switch (type) {
    case kTypeQ2_K: SearchQ2K<Fp>(x, qw, b, L); return false;
    case kTypeQ3_K: SearchQ3K<Fp>(x, qw, b, L); return false;
    case kTypeQ4_K: SearchQ45K<Fp>(15, x, qw, b, L); return false;
    case kTypeQ5_K: SearchQ45K<Fp>(31, x, qw, b, L); return false;
    case kTypeQ6_K: return SearchQ6K<Fp>(x, qw, b, L);
    default: return true;
  }
}

template bool SearchK<Plain>(uint32_t, const float*, const float*, uint8_t*, uint8_t*);
template bool SearchK<Fused>(uint32_t, const float*, const float*, uint8_t*, uint8_t*);
template bool SearchK<FusedNoAssert>(uint32_t, const float*, const float*, uint8_t*, uint8_t*);

}  // namespace sgz::internal::quant
