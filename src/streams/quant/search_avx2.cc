// The scale searches with AVX2: eight groups at once, one per lane.
#include "streams/quant/quant_avx2_inl.h"

namespace sgz::internal::quant::avx2 {

void ScaleMin8(int rounding, int n, int nmax, float rmin, float rdelta, int nstep, bool use_mad, ScaleMinBatch* b) {
  PortableKernels().scale_min8(rounding, n, nmax, rmin, rdelta, nstep, use_mad, b);
}

}  // namespace sgz::internal::quant::avx2
