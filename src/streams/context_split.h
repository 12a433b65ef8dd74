// Transform 5, "context split" (format 2.4): transform 1's streams, with some
// fields re-expressed inside each block so that an order-0 coder sees one
// distribution instead of a blur of many, and a context rule for some streams
// (a byte per stream byte, computed from streams earlier in the chunk, that
// picks the entropy coder's table).
//
// Same stream count and raw sizes as transform 1 for the same type and length:
// the writer picks 1 or 5 per chunk by measured size. Every re-expression is a
// bijection of the block's bytes given the bytes it keeps unchanged, so Split
// and Join are inverse for ANY input (NaN/inf halves, garbage headers), and
// every rule is exact integer arithmetic on bit patterns: every platform
// computes the same bytes. The rules were chosen by measurement
// (bench/context_entropy.cc; the numbers are in the spec's rationale):
//
//   Q4_K  qs: each 4-bit quant q of sub-block s is stored as
//             (q - round(z_s) + 8) mod 16, z_s = dmin*m_s / (d*sc_s) the
//             sub-block's zero point (where weight 0 falls on the quant
//             scale); a byte holds weights k and k+16 of one sub-block.
//             Context (4): distance of z_s from the middle of the scale.
//   Q5_K  qh, qs: the same with 5-bit quants mod 32; qh byte 4s+k holds the
//             high bits of weights 8k..8k+7 of sub-block s; qs as Q4_K.
//             Context of qs (4): the two high bits of the byte's weights.
//   BF16  stream 0 the exponent (bits 7..14), stream 1 sign and mantissa.
//             Context of stream 1 (16): the exponent, bucketed.
//   Q3_K  transform 1's layout. Context of qs (16): the high bits (from
//             hmask) of the byte's 4 weights.
//
// Other types: transform 5 is transform 1 (no rule). The header fields of
// Q4_K/Q5_K and all tails are kept as transform 1 lays them out.
#ifndef SGZ_STREAMS_CONTEXT_SPLIT_H_
#define SGZ_STREAMS_CONTEXT_SPLIT_H_

#include <cstddef>
#include <cstdint>

#include "streams/ggml_types.h"

namespace sgz::internal {

// Largest context count of any stream (the codec's per-stream limit is 64).
constexpr unsigned kMaxSplitContexts = 16;

// Whether transform 5 differs from transform 1 for this ggml type (a layout
// or a context rule).
bool HasContextSplit(uint32_t ggml_type);

// Context count of stream `stream_index` of transform 5 for `type`, 0 when the
// stream has no rule (it is coded with one table).
unsigned StreamContexts(const GgmlType* type, size_t stream_index);

// Fills ctx[0, raw size of stream `stream_index`) with the stream's contexts
// (each < StreamContexts), reading only the streams before it in `split` (the
// chunk's transform-5 streams back to back, `len` bytes in all). Does nothing
// for a stream without a rule.
void ComputeContexts(const GgmlType* type, const uint8_t* split, uint64_t len, size_t stream_index, uint8_t* ctx);

// Writes the transform-5 streams of in[0, len) back to back into out[0, len).
// REQUIRES: type != nullptr && !type->fields.empty().
void ContextSplit(const GgmlType* type, const uint8_t* in, uint64_t len, uint8_t* out);
// Inverse of ContextSplit.
void ContextJoin(const GgmlType* type, const uint8_t* in, uint64_t len, uint8_t* out);

// Byte `half` (0: low, 1: high) of the BF16 value whose transform-5 streams
// hold exponent e and sign-mantissa s (ContextJoin's rule for one byte).
inline uint8_t Bf16JoinedByte(uint8_t e, uint8_t s, int half) {
  return static_cast<uint8_t>(half == 0 ? (e << 7) | (s & 0x7f) : (s & 0x80) | (e >> 1));
}

namespace context_split_internal {

// floor(2 * |dmin| * m / (|d| * sc)) in exact arithmetic, saturated to 255:
// the zero point in half steps. 0 when d or dmin is inf/NaN or |d| * sc == 0.
// d and dmin are fp16 bit patterns.
uint32_t ZeroHalfSteps(uint16_t d, uint16_t dmin, uint32_t sc, uint32_t m);

// ZeroHalfSteps of the 8 sub-blocks of a K-quant header (d, dmin, scales[12]),
// the fast way the transform uses (doubles, exact for this; see the .cc).
void SubBlockZeros(const uint8_t* header, uint32_t z[8]);

}  // namespace context_split_internal

}  // namespace sgz::internal

#endif  // SGZ_STREAMS_CONTEXT_SPLIT_H_
