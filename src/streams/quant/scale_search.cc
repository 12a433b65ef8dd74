// The block scale searches. Each loop keeps ggml's order of operations so the
// sums round alike; Fp::Madd marks each product a contracting compiler fuses
// into the following addition (a product whose value feeds another product is
// never fused, so w*l in sum_l += w*l stays apart where w*l*l reuses it).
#include <cmath>
#include <cstring>

#include "streams/quant/quant_internal.h"

namespace sgz::internal::quant {

namespace {

float WeightOf(const float* weights, const float* x, int i) { return weights ? weights[i] : x[i] * x[i]; }

}  // namespace

template <class Fp>
float SearchSymmetric(int n, int nmax, const float* x, int8_t* L, const float* weights) {
  float amax;
  const float max = SignedAbsMax(x, n, &amax);
  if (amax < kGroupMaxEps) {
    std::memset(L, 0, n);
    return 0.f;
  }
  float iscale = static_cast<float>(-nmax) / max;
  float sumlx = 0;
  float suml2 = 0;
  for (int i = 0; i < n; ++i) {
    const int l = Clamp(Fp::RoundProduct(iscale, x[i]), -nmax, nmax - 1);
    L[i] = static_cast<int8_t>(l + nmax);
    const float w = WeightOf(weights, x, i);
    const float fl = static_cast<float>(l);
    sumlx = Fp::Madd(w * x[i], fl, sumlx);
    suml2 = Fp::Madd(w * fl, fl, suml2);
  }
  float scale = suml2 ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    iscale = -Fp::Madd(0.1f, static_cast<float>(is), static_cast<float>(nmax)) / max;
    sumlx = suml2 = 0;
    for (int i = 0; i < n; ++i) {
      const int l = Clamp(Fp::RoundProduct(iscale, x[i]), -nmax, nmax - 1);
      const float w = WeightOf(weights, x, i);
      const float fl = static_cast<float>(l);
      sumlx = Fp::Madd(w * x[i], fl, sumlx);
      suml2 = Fp::Madd(w * fl, fl, suml2);
    }
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      for (int i = 0; i < n; ++i) {
        L[i] = static_cast<int8_t>(nmax + Clamp(Fp::RoundProduct(iscale, x[i]), -nmax, nmax - 1));
      }
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

template <class Fp>
float SearchSymmetricRefined(int n, int nmax, const float* x, int8_t* L) {
  float amax;
  const float max = SignedAbsMax(x, n, &amax);
  if (amax < kGroupMaxEps) {
    std::memset(L, 0, n);
    return 0.f;
  }
  const float iscale = static_cast<float>(-nmax) / max;
  float sumlx = 0;
  float suml2 = 0;
  for (int i = 0; i < n; ++i) {
    const int l = Clamp(Fp::RoundProduct(iscale, x[i]), -nmax, nmax - 1);
    L[i] = static_cast<int8_t>(l);
    const float w = x[i] * x[i];
    const float fl = static_cast<float>(l);
    sumlx = Fp::Madd(w * x[i], fl, sumlx);
    suml2 = Fp::Madd(w * fl, fl, suml2);
  }
  for (int itry = 0; itry < 5; ++itry) {
    int n_changed = 0;
    for (int i = 0; i < n; ++i) {
      const float w = x[i] * x[i];
      const float wx = w * x[i];
      const float li = static_cast<float>(L[i]);
      float slx = Fp::Madd(-wx, li, sumlx);
      if (slx > 0) {
        float sl2 = Fp::Madd(-(w * li), li, suml2);
        const int new_l = Clamp(NearestInt(x[i] * sl2 / slx), -nmax, nmax - 1);
        if (new_l != L[i]) {
          const float fl = static_cast<float>(new_l);
          slx = Fp::Madd(wx, fl, slx);
          sl2 = Fp::Madd(w * fl, fl, sl2);
          if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
            L[i] = static_cast<int8_t>(new_l);
            sumlx = slx;
            suml2 = sl2;
            ++n_changed;
          }
        }
      }
    }
    if (!n_changed) break;
  }
  for (int i = 0; i < n; ++i) L[i] = static_cast<int8_t>(L[i] + nmax);
  return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

template <class Fp>
float SearchScaleMin(int n, int nmax, const float* x, const float* weights, uint8_t* L, float* neg_min, float rmin,
                     float rdelta, int nstep, bool use_mad) {
  float min = x[0];
  float max = x[0];
  float sum_w = WeightOf(weights, x, 0);
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    const float w = WeightOf(weights, x, i);
    sum_w += w;
    sum_x = Fp::Madd(w, x[i], sum_x);
  }
  if (min > 0) min = 0;
  if (max <= min) {
    std::memset(L, 0, n);
    *neg_min = -min;
    return 0.f;
  }
  const float fnmax = static_cast<float>(nmax);
  float iscale = fnmax / (max - min);
  float scale = 1 / iscale;
  float best_error = 0;
  for (int i = 0; i < n; ++i) {
    const int l = Clamp(Fp::RoundProduct(iscale, x[i] - min), 0, nmax);
    L[i] = static_cast<uint8_t>(l);
    float diff = Fp::Madd(scale, static_cast<float>(L[i]), min) - x[i];
    diff = use_mad ? std::fabs(diff) : diff * diff;
    best_error = Fp::Madd(WeightOf(weights, x, i), diff, best_error);
  }
  if (nstep < 1) {
    *neg_min = -min;
    return scale;
  }
  uint8_t Laux[32];
  for (int is = 0; is <= nstep; ++is) {
    iscale = (Fp::Madd(rdelta, static_cast<float>(is), rmin) + fnmax) / (max - min);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; ++i) {
      const int l = Clamp(Fp::RoundProduct(iscale, x[i] - min), 0, nmax);
      Laux[i] = static_cast<uint8_t>(l);
      const float w = WeightOf(weights, x, i);
      const float fl = static_cast<float>(l);
      const float wl = w * fl;
      sum_l += wl;
      sum_l2 = Fp::Madd(wl, fl, sum_l2);
      sum_xl = Fp::Madd(wl, x[i], sum_xl);
    }
    const float D = Fp::Madd(sum_w, sum_l2, -(sum_l * sum_l));
    if (D > 0) {
      float this_scale = Fp::Madd(sum_w, sum_xl, -(sum_x * sum_l)) / D;
      float this_min = Fp::Madd(sum_l2, sum_x, -(sum_l * sum_xl)) / D;
      if (this_min > 0) {
        this_min = 0;
        this_scale = sum_xl / sum_l2;
      }
      float cur_error = 0;
      for (int i = 0; i < n; ++i) {
        float diff = Fp::Madd(this_scale, static_cast<float>(Laux[i]), this_min) - x[i];
        diff = use_mad ? std::fabs(diff) : diff * diff;
        cur_error = Fp::Madd(WeightOf(weights, x, i), diff, cur_error);
      }
      if (cur_error < best_error) {
        std::memcpy(L, Laux, n);
        best_error = cur_error;
        scale = this_scale;
        min = this_min;
      }
    }
  }
  *neg_min = -min;
  return scale;
}

template <class Fp>
float SearchPositive(int n, int nmax, const float* x, uint8_t* L, const float* weights) {
  float max = 0;
  for (int i = 0; i < n; ++i) max = max > x[i] ? max : x[i];
  if (max < kGroupMaxEps) {
    std::memset(L, 0, n);
    return 0.f;
  }
  const float fnmax = static_cast<float>(nmax);
  float iscale = fnmax / max;
  for (int i = 0; i < n; ++i) L[i] = static_cast<uint8_t>(Fp::RoundProduct(iscale, x[i]));
  const float scale = 1 / iscale;
  float best_mse = 0;
  for (int i = 0; i < n; ++i) {
    const float diff = Fp::Madd(-scale, static_cast<float>(L[i]), x[i]);
    best_mse = Fp::Madd(weights[i] * diff, diff, best_mse);
  }
  for (int is = -4; is <= 4; ++is) {
    if (is == 0) continue;
    const float iscale_is = Fp::Madd(0.1f, static_cast<float>(is), fnmax) / max;
    const float scale_is = 1 / iscale_is;
    float mse = 0;
    for (int i = 0; i < n; ++i) {
      int l = Fp::RoundProduct(iscale_is, x[i]);
      l = l < nmax ? l : nmax;
      const float diff = Fp::Madd(-scale_is, static_cast<float>(l), x[i]);
      mse = Fp::Madd(weights[i] * diff, diff, mse);
    }
    if (mse < best_mse) {
      best_mse = mse;
      iscale = iscale_is;
    }
  }
  float sumlx = 0;
  float suml2 = 0;
  for (int i = 0; i < n; ++i) {
    int l = Fp::RoundProduct(iscale, x[i]);
    l = l < nmax ? l : nmax;
    L[i] = static_cast<uint8_t>(l);
    const float w = weights[i];
    const float fl = static_cast<float>(l);
    sumlx = Fp::Madd(w * x[i], fl, sumlx);
    suml2 = Fp::Madd(w * fl, fl, suml2);
  }
  for (int itry = 0; itry < 5; ++itry) {
    int n_changed = 0;
    for (int i = 0; i < n; ++i) {
      const float w = weights[i];
      const float wx = w * x[i];
      const float li = static_cast<float>(L[i]);
      float slx = Fp::Madd(-wx, li, sumlx);
      float sl2 = Fp::Madd(-(w * li), li, suml2);
      if (slx > 0 && sl2 > 0) {
        int new_l = NearestInt(x[i] * sl2 / slx);
        new_l = new_l < nmax ? new_l : nmax;
        if (new_l != L[i]) {
          const float fl = static_cast<float>(new_l);
          slx = Fp::Madd(wx, fl, slx);
          sl2 = Fp::Madd(w * fl, fl, sl2);
          if (slx * slx * suml2 > sumlx * sumlx * sl2) {
            L[i] = static_cast<uint8_t>(new_l);
            sumlx = slx;
            suml2 = sl2;
            ++n_changed;
          }
        }
      }
    }
    if (!n_changed) break;
  }
  return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

#define SGZ_INSTANTIATE_SEARCHES(Fp)                                                                     \
  template float SearchSymmetric<Fp>(int, int, const float*, int8_t*, const float*);                    \
  template float SearchSymmetricRefined<Fp>(int, int, const float*, int8_t*);                           \
  template float SearchScaleMin<Fp>(int, int, const float*, const float*, uint8_t*, float*, float, float, \
                                    int, bool);                                                          \
  template float SearchPositive<Fp>(int, int, const float*, uint8_t*, const float*);
SGZ_INSTANTIATE_SEARCHES(Plain)
SGZ_INSTANTIATE_SEARCHES(Fused)
SGZ_INSTANTIATE_SEARCHES(FusedNoAssert)
#undef SGZ_INSTANTIATE_SEARCHES

}  // namespace sgz::internal::quant
