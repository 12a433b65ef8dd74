// Transform 4 "predict" (format 2.3): a chunk of whole blocks of a quantized
// tensor stored as the difference from a prediction made from its float
// parent. Its streams are a parameter stream (stream 0, codec stored, layout
// below) followed by transform 1's streams of the chunk's ggml type (the
// header's `type`), in which every quant byte is XORed with the quants that
// PredictQuants gives from the parent's values and the block's own stored
// scales (all zero where the prediction hits); scale fields and the tail are
// as transform 1 stores them. Byte-exact whatever the prediction.
//
// Parameter stream (kPredictParamBytes, little-endian):
//   0  u8  version (1)
//   1  u8  rounding (FpRounding)
//   2  u8  parent element type (ggml F32 = 0, F16 = 1, BF16 = 30)
//   3  u8  reserved (0)
//   4  u32 parent chunk index: earlier than this chunk, transform 0 or 1
//   8  u32 byte offset in the parent chunk's decoded bytes of the value of
//          the chunk's first weight; the chunk's n_blocks * block_weights
//          values follow there contiguously.
#ifndef SGZ_CONTAINER_PREDICT_CHUNK_H_
#define SGZ_CONTAINER_PREDICT_CHUNK_H_

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "container/chunk_encoder.h"
#include "streams/transform.h"
#include "streams/quant/quant.h"

namespace sgz::internal {

constexpr uint64_t kPredictParamBytes = kPredictParamStreamBytes;

struct PredictParams {
  FpRounding rounding = FpRounding::kPlain;
  uint32_t parent_type = 0;   // ggml F32, F16 or BF16
  uint32_t parent_chunk = 0;  // chunk index
  uint32_t parent_offset = 0;
};

// Whether chunks of ggml type `type` can be predicted (Q4_0, Q4_1, Q5_0, Q5_1,
// Q8_0, Q2_K..Q6_K) and whether `type` is a float type a parent can have.
bool PredictsType(uint32_t type);
bool IsFloatParentType(uint32_t type);
uint64_t FloatBytes(uint32_t type);  // bytes per value of a float parent type

// Appends the parameter stream of `params` to *dst.
void EncodePredictParams(const PredictParams& params, std::string* dst);

// Reads and checks the parameter stream at p[0, n) (n == kPredictParamBytes).
Status DecodePredictParams(const uint8_t* p, uint64_t n, PredictParams* out);

// The parent chunk index of a transform-4 chunk from its header and payload
// (stream 0, stored): checks the parameters, not the chunk table.
Status PredictParentOf(const ChunkHeader& h, const uint8_t* payload, uint64_t n, uint32_t* parent);

// Encodes data[0, size) of ggml type `type` as a transform-4 chunk at
// `level`, its values at parent[params.parent_offset ..] (parent_size bytes
// in all). REQUIRES: PredictsType(type), the parent holds the values.
void EncodePredictChunk(const uint8_t* data, uint64_t size, uint32_t type, const PredictParams& params,
                        const uint8_t* parent, uint64_t parent_size, int level, EncodedChunk* out);

// The chunk's bytes from its decoded streams split[0, kPredictParamBytes +
// original_size) and its parent chunk's decoded bytes; named errors when the
// parameters do not fit the parent.
Status JoinPredicted(uint32_t type, const uint8_t* split, uint64_t original_size, const std::vector<uint8_t>& parent,
                     uint8_t* out);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_PREDICT_CHUNK_H_
