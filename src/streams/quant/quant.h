// Reference quantizers of ggml's block types, bit-exact with the files
// llama.cpp writes, and the prediction of a block's quants from its stored
// scales. Written from the published algorithm (ggml's reference quantizers
// and their scale searches), not from its code.
//
// Every function reproduces one lane's floating-point operations in ggml's
// order. Two roundings are carried because a quantizer build differs by one
// compile flag: kPlain is ggml compiled without multiply-add contraction (the
// default x86-64 build), kFma/kFmaNoAssert ggml compiled with
// -ffp-contract=fast on a CPU with fused multiply-add (-march=native builds,
// ARM): there std::fma sits wherever such a compiler fuses a product into a
// sum. The sources are built with -ffp-contract=off so the compiler never
// fuses on its own.
//
// Depends on nothing but common/: usable by the container's prediction
// transform and by tests alike.
#ifndef SGZ_STREAMS_QUANT_QUANT_H_
#define SGZ_STREAMS_QUANT_QUANT_H_

#include <cstddef>
#include <cstdint>

namespace sgz::internal {

enum class FpRounding : uint8_t {
  kPlain = 0,  // every product and sum rounded on its own
  // Products fused into sums where a contracting compiler fuses them, except
  // the product ggml's nearest_int rounds: its assert also reads it, so a
  // build with assertions keeps it apart. Matches corpus/zoo-fma/ bit for bit.
  kFma = 1,
  // The same with nearest_int's product fused too (a contracting build with
  // NDEBUG, as CMake's Release builds of llama.cpp are). Not yet checked
  // against a file made by such a build.
  kFmaNoAssert = 2,
};

// Whether QuantizeRow / PredictQuants know the ggml type `type`: Q4_0, Q4_1,
// Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K.
bool CanQuantize(uint32_t type);

// Quantizes one row of `n` values (n a multiple of the type's block weights)
// into n / block_weights blocks at `out`, as llama.cpp's quantizer does for a
// tensor row: `importance` (n values, or nullptr) is the importance matrix
// entry of the tensor's columns (in_sum2 / counts); without it the K types use
// their reference search and Q4_0..Q5_1 the plain rounding, with it the
// weighted searches. Q8_0 ignores `importance`, as ggml does.
// REQUIRES: CanQuantize(type), n % block_weights == 0.
void QuantizeRow(uint32_t type, const float* x, int64_t n, const float* importance, FpRounding rounding,
                 uint8_t* out);

// The prediction of the quants from the stored scales: rewrites the quant
// fields of the `n / block_weights` blocks at `blocks` (their scale fields
// d/dmin/scales are read, never written) by rounding the row's values `x`
// with each block's own scales, as the quantizer's last pass does. Where a
// sub-block's scale is zero the quantizer keeps its search's quants; those
// are re-searched (with `importance` and `rounding`, so only a search that
// the scales did not determine depends on them). For Q4_0..Q8_0 the block's
// scale is recomputed from the values; when it equals the stored one the
// quantizer's own rounding is used, else the values are rounded with the
// stored scale.
// REQUIRES: CanQuantize(type), n % block_weights == 0.
void PredictQuants(uint32_t type, const float* x, int64_t n, const float* importance, FpRounding rounding,
                   uint8_t* blocks);

// PredictQuants without importance and without any search: the quants of a
// K-type sub-block whose stored scale is zero are predicted as 0 (the
// residual carries the quantizer's), so the cost depends on n alone, never
// on the scales (a hostile archive cannot make decoding search). Q4_0..Q8_0
// as PredictQuants (no search there without importance). What transform 4
// decodes with.
// REQUIRES: CanQuantize(type), n % block_weights == 0.
void PredictQuantsNoSearch(uint32_t type, const float* x, int64_t n, FpRounding rounding, uint8_t* blocks);

// The importance of each column as llama.cpp's quantize tool derives it from
// an imatrix GGUF entry (`<tensor>.in_sum2`, ne0 x ne1, and
// `<tensor>.counts`, ne1): in_sum2 / counts per row j of ne1 (one row per
// expert), 1 where counts[j] is not positive. Writes ne0 * ne1 values.
void ImatrixImportance(const float* in_sum2, const float* counts, int64_t ne0, int64_t ne1, float* out);

// ggml's half and bfloat16 conversions: widening is exact, narrowing to half
// rounds to nearest, ties to even (IEEE, as GGML_FP32_TO_FP16).
float HalfToFloat(uint16_t h);
uint16_t FloatToHalf(float f);
float Bf16ToFloat(uint16_t b);

// Widens `n` little-endian values of a float tensor of ggml type `type` (F32,
// F16 or BF16) to F32, exactly, as llama.cpp's quantizer reads its source.
// Returns false, writing nothing, for any other type.
bool WidenToFloat(uint32_t type, const uint8_t* data, int64_t n, float* out);

// WidenToFloat of n BF16 values held as transform 5's streams: exponents
// exp[i] (bits 14..7 of value i) and sign-mantissas sm[i] (bit 15, bits
// 6..0): float bits (sm & 128) << 24 | exp << 23 | (sm & 127) << 16.
void WidenBf16Planes(const uint8_t* exp, const uint8_t* sm, int64_t n, float* out);

// FloatToHalf of x[0, n) as n little-endian halves at out (2n bytes): the
// prediction of an F16 member from its float parent, vectorized.
void FloatToHalfRow(const float* x, int64_t n, uint8_t* out);

}  // namespace sgz::internal

#endif  // SGZ_STREAMS_QUANT_QUANT_H_
