#include "container/predict_chunk.h"

#include <cstring>

#include "common/checksum.h"
#include "common/coding.h"
#include "streams/codec.h"
#include "streams/ggml_types.h"
#include "streams/transform.h"

namespace sgz::internal {
namespace {

constexpr uint8_t kParamsVersion = 1;
constexpr uint32_t kF32 = 0, kF16 = 1, kBf16 = 30;

// The quant bytes of one block of a predicted type: what PredictQuants
// rewrites, and so what the residual XORs.
struct QuantBytes {
  uint32_t begin, size;
};

bool QuantRange(uint32_t type, QuantBytes* q) {
  switch (type) {
    case 1:  // F16: the value, predicted as the parent's rounded to half
      *q = {0, 2};
      return true;
    case 2:  // Q4_0: d, qs[16]
      *q = {2, 16};
      return true;
    case 3:  // Q4_1: d, m, qs[16]
      *q = {4, 16};
      return true;
    case 6:  // Q5_0: d, qh[4], qs[16]
      *q = {2, 20};
      return true;
    case 7:  // Q5_1: d, m, qh[4], qs[16]
      *q = {4, 20};
      return true;
    case 8:  // Q8_0: d, qs[32]
      *q = {2, 32};
      return true;
    case 10:  // Q2_K: scales[16], qs[64], d, dmin
      *q = {16, 64};
      return true;
    case 11:  // Q3_K: hmask[32], qs[64], scales[12], d
      *q = {0, 96};
      return true;
    case 12:  // Q4_K: d, dmin, scales[12], qs[128]
      *q = {16, 128};
      return true;
    case 13:  // Q5_K: d, dmin, scales[12], qh[32], qs[128]
      *q = {16, 160};
      return true;
    case 14:  // Q6_K: ql[128], qh[64], scales[16], d
      *q = {0, 192};
      return true;
    default:
      return false;
  }
}

std::string Num(uint64_t v) { return std::to_string(v); }

// XORs the prediction of blocks[0, n_blocks) from `values` into their quant
// bytes: residual -> original, original -> residual.
void XorPrediction(const GgmlType& t, const QuantBytes& q, const float* values, uint64_t n_blocks, FpRounding rounding,
                   uint8_t* blocks) {
  thread_local std::vector<uint8_t> pred;
  if (t.id == kF16) {
    pred.resize(2 * n_blocks);
    FloatToHalfRow(values, static_cast<int64_t>(n_blocks), pred.data());
    for (uint64_t i = 0; i < 2 * n_blocks; ++i) blocks[i] ^= pred[i];
    return;
  }
  const uint64_t bytes = n_blocks * t.block_bytes;
  pred.assign(blocks, blocks + bytes);
  PredictQuantsNoSearch(t.id, values, static_cast<int64_t>(n_blocks * t.block_weights), rounding, pred.data());
  // Locals, so that the byte stores cannot alias them: the loop vectorizes.
  const uint64_t block_bytes = t.block_bytes, begin = q.begin, size = q.size;
  for (uint64_t b = 0; b < n_blocks; ++b) {
    uint8_t* dst = blocks + b * block_bytes + begin;
    const uint8_t* p = pred.data() + b * block_bytes + begin;
    for (uint64_t i = 0; i < size; ++i) dst[i] ^= p[i];
  }
}

}  // namespace

bool PredictsType(uint32_t type) {
  QuantBytes q;
  return QuantRange(type, &q) && (type == kF16 || CanQuantize(type));
}

bool IsFloatParentType(uint32_t type) { return type == kF32 || type == kF16 || type == kBf16; }

uint64_t FloatBytes(uint32_t type) { return type == kF32 ? 4 : 2; }

void EncodePredictParams(const PredictParams& params, std::string* dst) {
  dst->push_back(static_cast<char>(kParamsVersion));
  dst->push_back(static_cast<char>(params.rounding));
  dst->push_back(static_cast<char>(params.parent_type));
  dst->push_back(0);
  PutU32(dst, params.parent_chunk);
  PutU32(dst, params.parent_offset);
}

Status DecodePredictParams(const uint8_t* p, uint64_t n, PredictParams* out) {
  if (n != kPredictParamBytes) return Status::Corruption("prediction parameters of " + Num(n) + " bytes");
  if (p[0] != kParamsVersion) return Status::Corruption("prediction parameters of version " + Num(p[0]));
  if (p[1] > static_cast<uint8_t>(FpRounding::kFmaNoAssert)) {
    return Status::Corruption("prediction rounding " + Num(p[1]) + " unknown");
  }
  if (!IsFloatParentType(p[2])) return Status::Corruption("prediction parent type " + Num(p[2]) + " is no float type");
  if (p[3] != 0) return Status::Corruption("prediction parameters: reserved byte set");
  out->rounding = static_cast<FpRounding>(p[1]);
  out->parent_type = p[2];
  out->parent_chunk = LoadU32LE(p + 4);
  out->parent_offset = LoadU32LE(p + 8);
  return Status::Ok();
}

Status PredictParentOf(const ChunkHeader& h, const uint8_t* payload, uint64_t n, uint32_t* parent) {
  if (h.transform != Transform::kPredict || h.streams.empty() || h.streams[0].codec != Codec::kStored ||
      n < h.streams[0].stored_size) {
    return Status::Corruption("predicted chunk without its parameter stream");
  }
  PredictParams params;
  SGZ_RETURN_IF_ERROR(DecodePredictParams(payload, h.streams[0].stored_size, &params));
  *parent = params.parent_chunk;
  return Status::Ok();
}

void EncodePredictChunk(const uint8_t* data, uint64_t size, uint32_t type, const PredictParams& params,
                        const uint8_t* parent, uint64_t parent_size, int level, EncodedChunk* out) {
  const GgmlType& t = *FindGgmlType(type);
  QuantBytes q;
  QuantRange(type, &q);
  const uint64_t n_blocks = size / t.block_bytes;
  thread_local std::vector<uint8_t> residual, split;
  thread_local std::vector<float> values;
  residual.assign(data, data + size);
  values.resize(n_blocks * t.block_weights);
  (void)parent_size;
  WidenToFloat(params.parent_type, parent + params.parent_offset, static_cast<int64_t>(values.size()), values.data());
  XorPrediction(t, q, values.data(), n_blocks, params.rounding, residual.data());
  split.resize(size);
  SplitStreams(Transform::kSplit, &t, residual.data(), size, split.data());

  ChunkHeader& header = out->header;
  header.transform = Transform::kPredict;
  header.type = type;
  header.original_size = static_cast<uint32_t>(size);
  header.checksum = Xxh3(data, size);
  header.streams.clear();
  out->payload.clear();
  EncodePredictParams(params, &out->payload);
  header.streams.push_back({Codec::kStored, kPredictParamBytes, kPredictParamBytes});
  uint64_t pos = 0;
  for (uint64_t n : StreamSizes(Transform::kSplit, &t, size)) {
    const size_t before = out->payload.size();
    const Codec codec = EncodeStream(split.data() + pos, n, level, &out->payload);
    header.streams.push_back({codec, static_cast<uint32_t>(n), static_cast<uint32_t>(out->payload.size() - before)});
    pos += n;
  }
  out->head.clear();
  header.EncodeTo(&out->head);
}

Status JoinPredicted(uint32_t type, const uint8_t* split, uint64_t original_size, const std::vector<uint8_t>& parent,
                     uint8_t* out) {
  PredictParams params;
  SGZ_RETURN_IF_ERROR(DecodePredictParams(split, kPredictParamBytes, &params));
  const GgmlType& t = *FindGgmlType(type);
  QuantBytes q;
  QuantRange(type, &q);
  const uint64_t n_blocks = original_size / t.block_bytes;
  const uint64_t need = n_blocks * t.block_weights * FloatBytes(params.parent_type);
  if (params.parent_offset > parent.size() || parent.size() - params.parent_offset < need) {
    return Status::Corruption("prediction needs " + Num(need) + " parent bytes at offset " +
                              Num(params.parent_offset) + ", parent chunk " + Num(params.parent_chunk) + " has " +
                              Num(parent.size()));
  }
  JoinStreams(Transform::kSplit, &t, split + kPredictParamBytes, original_size, out);
  thread_local std::vector<float> values;
  values.resize(n_blocks * t.block_weights);
  WidenToFloat(params.parent_type, parent.data() + params.parent_offset, static_cast<int64_t>(values.size()),
               values.data());
  XorPrediction(t, q, values.data(), n_blocks, params.rounding, out);
  return Status::Ok();
}

}  // namespace sgz::internal
