// Transform 4 "predict" (format 2.3): a chunk of whole blocks of a quantized
// tensor stored as the difference from a prediction made from its float
// parent. Its streams are a parameter stream (stream 0, codec stored, layout
// below) followed by transform 1's streams of the chunk's ggml type (the
// header's `type`) holding the *residual*: every quant byte XORed with the
// predicted quants and, with SCALES, every scale byte XORed with the scales
// the type's quantizer finds on the parent values (all zero where the
// prediction hits). Byte-exact whatever the prediction (container/predict_block.h
// has the per-block rule).
//
// Parameter stream (kPredictParamBytes, or kPredictParamBytesImportance with
// IMPORTANCE; little-endian; format-spec "Transform 4: predict"):
//   0  u8  version (1)
//   1  u8  rounding (FpRounding)
//   2  u8  parent element type (ggml F32 = 0, F16 = 1, BF16 = 30)
//   3  u8  flags: bit 0 SCALES, bit 1 IMPORTANCE, bit 2 ESTIMATE (2.5: the
//          scale fields are their difference from an estimate; without
//          SCALES, on the types EstimatesScales() names)
//   4  u32 parent chunk index: earlier than this chunk, transform 0 or 1
//   8  u32 byte offset in the parent chunk's decoded bytes of the value of
//          the chunk's first weight; the chunk's values follow contiguously.
//  IMPORTANCE only:
//  12  u32 importance chunk index (the imatrix `in_sum2` values, F32)
//  16  u32 byte offset there of the in_sum2 value of column 0
//  20  u32 counts, float32 bits
//  24  u32 row length (weights per row)
//  28  u32 column of the chunk's first weight within its row
#ifndef SGZ_CONTAINER_PREDICT_CHUNK_H_
#define SGZ_CONTAINER_PREDICT_CHUNK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "container/chunk_encoder.h"
#include "streams/quant/quant.h"
#include "streams/transform.h"

namespace sgz::internal {

struct PredictTally;

constexpr uint64_t kPredictParamBytes = kPredictParamStreamBytes;  // 12
constexpr uint64_t kPredictParamBytesImportance = 32;
constexpr uint8_t kPredictScales = 1;      // flags bit 0
constexpr uint8_t kPredictImportance = 2;  // flags bit 1
constexpr uint8_t kPredictEstimate = 4;    // flags bit 2 (format 2.5): predict_estimate.h

struct PredictParams {
  FpRounding rounding = FpRounding::kPlain;
  uint32_t parent_type = 0;   // ggml F32, F16 or BF16
  uint8_t flags = 0;          // kPredictScales | kPredictImportance
  uint32_t parent_chunk = 0;  // chunk index
  uint32_t parent_offset = 0;
  // IMPORTANCE only:
  uint32_t importance_chunk = 0;
  uint32_t importance_offset = 0;
  uint32_t counts_bits = 0;  // float32 bits
  uint32_t row_length = 0;
  uint32_t first_column = 0;

  bool scales() const { return (flags & kPredictScales) != 0; }
  bool importance() const { return (flags & kPredictImportance) != 0; }
  bool estimate() const { return (flags & kPredictEstimate) != 0; }
  uint64_t bytes() const { return importance() ? kPredictParamBytesImportance : kPredictParamBytes; }
};

// The chunks a predicted chunk decodes from: its parent, and with
// IMPORTANCE the chunk of its importance values.
struct PredictSources {
  uint32_t chunks[2] = {0, 0};
  int count = 0;
};

// Whether chunks of ggml type `type` can be predicted (F16, Q4_0, Q4_1, Q5_0,
// Q5_1, Q8_0, Q2_K..Q6_K), whether its scales can (every one but F16) and
// with importance (the K types), and whether `type` is a float type a parent
// can have.
bool PredictsType(uint32_t type);
bool PredictsScales(uint32_t type);
bool PredictsWithImportance(uint32_t type);
bool IsFloatParentType(uint32_t type);
uint64_t FloatBytes(uint32_t type);  // bytes per value of a float parent type

// Appends the parameter stream of `params` (params.bytes() bytes) to *dst.
void EncodePredictParams(const PredictParams& params, std::string* dst);

// Reads and checks the parameter stream p[0, n) of a chunk of ggml type
// `type` by the spec's rules (version, rounding, parent type, flags and
// the types they allow, n 12 or 32 as IMPORTANCE says, row length and first
// column): Corruption, naming the field, otherwise.
Status DecodePredictParams(uint32_t type, const uint8_t* p, uint64_t n, PredictParams* out);

// The chunks a transform-4 chunk reads, from its header and payload (stream
// 0, stored): checks the parameters, not the chunk table.
Status PredictSourcesOf(const ChunkHeader& h, const uint8_t* payload, uint64_t n, PredictSources* out);

// The parent chunk alone (PredictSourcesOf's first chunk).
Status PredictParentOf(const ChunkHeader& h, const uint8_t* payload, uint64_t n, uint32_t* parent);

// The importance of the columns of one row: row_length values from the
// importance chunk's bytes `imp` (F32 little-endian in_sum2 at
// params.importance_offset) divided by params' counts as llama.cpp's
// quantize tool does. Corruption when the row is not inside `imp`.
Status ImportanceRow(const PredictParams& params, const std::vector<uint8_t>& imp, std::vector<float>* out);

// Encodes data[0, size) of ggml type `type` as a transform-4 chunk with
// `params` at `level`: `values` are the chunk's parent values widened to
// F32 (size / block_bytes * block_weights of them), `importance` the row's
// importance (params.row_length values) with IMPORTANCE, else nullptr.
// REQUIRES: PredictsType(type), params valid for `type`.
// *tally (optional): what the prediction hit (container/predict_block.h).
void EncodePredictChunk(const uint8_t* data, uint64_t size, uint32_t type, const PredictParams& params,
                        const float* values, const float* importance, const Coding& coding, EncodedChunk* out,
                        PredictTally* tally = nullptr);

// The chunk's bytes from its decoded streams split[0, h.streams[0].raw_size +
// h.original_size), its parent chunk's decoded bytes and (IMPORTANCE) its
// importance chunk's; named errors when the parameters do not fit them.
// With parent_planes kSplit or kContextSplit (PredictParentPlanes), `parent`
// is that chunk's streams, not joined: an F16 or BF16 chunk's two byte
// planes (transform 1), or a BF16 chunk's exponents and sign-mantissas
// (transform 5); the prediction reads them slice by slice, never the joined
// chunk.
Status JoinPredicted(const ChunkHeader& h, const uint8_t* split, const std::vector<uint8_t>& parent,
                     const std::vector<uint8_t>* importance, uint8_t* out,
                     Transform parent_planes = Transform::kNone);

// Whether `chunk` is a transform-4 chunk with flag ESTIMATE (format 2.5).
bool UsesEstimate(const EncodedChunk& chunk);

// Whether a parent chunk of transform `transform` and ggml type `type` can
// be handed to JoinPredicted as its streams (transform 1, F16 or BF16;
// transform 5, BF16).
bool PredictParentPlanes(Transform transform, uint32_t type);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_PREDICT_CHUNK_H_
