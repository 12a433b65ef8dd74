#include "container/predict_chunk.h"

#include <algorithm>
#include <cstring>

#include "common/num.h"
#include "common/checksum.h"
#include "common/coding.h"
#include "container/predict_block.h"
#include "container/predict_estimate.h"
#include "streams/codec.h"
#include "streams/context_split.h"
#include "streams/ggml_types.h"
#include "streams/transform.h"

namespace sgz::internal {
namespace {

constexpr uint8_t kParamsVersion = 1;
constexpr uint32_t kF32 = 0, kF16 = 1, kBf16 = 30;
// Weights predicted at a time when decoding: 32 KiB of floats.
constexpr uint64_t kPredictSliceWeights = 8192;


// Bytes [a, a + len) of a chunk of 2-byte values held as its planes p[0, n):
// byte 0 of every value, then byte 1, then an odd chunk's last byte.
void GatherPlanes(const uint8_t* p, uint64_t n, uint64_t a, uint64_t len, uint8_t* out) {
  const uint64_t values = n / 2;
  const uint8_t* lo = p;
  const uint8_t* hi = p + values;
  if (a % 2 == 0 && a + len <= 2 * values && len % 2 == 0) {
    const uint64_t first = a / 2;
    for (uint64_t i = 0; i < len / 2; ++i) {
      out[2 * i] = lo[first + i];
      out[2 * i + 1] = hi[first + i];
    }
    return;
  }
  for (uint64_t j = a; j < a + len; ++j) {
    out[j - a] = j < 2 * values ? p[(j % 2) * values + j / 2] : p[j];
  }
}

// The same of a BF16 chunk held as transform 5's streams: exponents, then
// sign-mantissas (joined by Bf16JoinedByte), then an odd chunk's last byte.
void GatherBf16Planes(const uint8_t* p, uint64_t n, uint64_t a, uint64_t len, uint8_t* out) {
  const uint64_t values = n / 2;
  for (uint64_t j = a; j < a + len; ++j) {
    if (j >= 2 * values) {
      out[j - a] = p[j];
      continue;
    }
    out[j - a] = Bf16JoinedByte(p[j / 2], p[values + j / 2], static_cast<int>(j % 2));
  }
}

}  // namespace

bool PredictParentPlanes(Transform transform, uint32_t type) {
  return (transform == Transform::kSplit && (type == kF16 || type == kBf16)) ||
         (transform == Transform::kContextSplit && type == kBf16);
}

bool UsesEstimate(const EncodedChunk& chunk) {
  return chunk.header.transform == Transform::kPredict && chunk.payload.size() > 3 &&
         (static_cast<uint8_t>(chunk.payload[3]) & kPredictEstimate) != 0;
}

bool PredictsType(uint32_t type) {
  QuantBytes q;
  return QuantRange(type, &q) && (type == kF16 || CanQuantize(type));
}

bool PredictsScales(uint32_t type) { return type != kF16 && PredictsType(type); }

bool PredictsWithImportance(uint32_t type) { return type >= 10 && type <= 14; }  // Q2_K..Q6_K

bool IsFloatParentType(uint32_t type) { return type == kF32 || type == kF16 || type == kBf16; }

uint64_t FloatBytes(uint32_t type) { return type == kF32 ? 4 : 2; }

void EncodePredictParams(const PredictParams& params, std::string* dst) {
  dst->push_back(static_cast<char>(kParamsVersion));
  dst->push_back(static_cast<char>(params.rounding));
  dst->push_back(static_cast<char>(params.parent_type));
  dst->push_back(static_cast<char>(params.flags));
  PutU32(dst, params.parent_chunk);
  PutU32(dst, params.parent_offset);
  if (params.importance()) {
    PutU32(dst, params.importance_chunk);
    PutU32(dst, params.importance_offset);
    PutU32(dst, params.counts_bits);
    PutU32(dst, params.row_length);
    PutU32(dst, params.first_column);
  }
}

Status DecodePredictParams(uint32_t type, const uint8_t* p, uint64_t n, PredictParams* out) {
  if (n != kPredictParamBytes && n != kPredictParamBytesImportance) {
    return Status::Corruption("prediction parameters of " + Num(n) + " bytes");
  }
  if (p[0] != kParamsVersion) return Status::Corruption("prediction parameters of version " + Num(p[0]));
  if (p[1] > static_cast<uint8_t>(FpRounding::kFmaNoAssert)) {
    return Status::Corruption("prediction rounding " + Num(p[1]) + " unknown");
  }
  if (!IsFloatParentType(p[2])) return Status::Corruption("prediction parent type " + Num(p[2]) + " is no float type");
  const uint8_t flags = p[3];
  if ((flags & ~(kPredictScales | kPredictImportance | kPredictEstimate)) != 0) {
    return Status::Corruption("prediction flags " + Num(flags) + ": unknown bits set");
  }
  if ((flags & kPredictEstimate) != 0 && ((flags & kPredictScales) != 0 || !EstimatesScales(type))) {
    return Status::Corruption("prediction flag ESTIMATE with SCALES or on type " + GgmlTypeName(type) +
                              " (K types only)");
  }
  if (flags != 0 && !PredictsScales(type)) {
    return Status::Corruption("prediction flags " + Num(flags) + " on a chunk of type " + GgmlTypeName(type) +
                              " (F16 predicts no scales)");
  }
  const bool importance = (flags & kPredictImportance) != 0;
  if (importance && ((flags & kPredictScales) == 0 || !PredictsWithImportance(type))) {
    return Status::Corruption("prediction flag IMPORTANCE without SCALES or on type " + GgmlTypeName(type) +
                              " (K types only)");
  }
  if (n != (importance ? kPredictParamBytesImportance : kPredictParamBytes)) {
    return Status::Corruption("prediction parameters of " + Num(n) + " bytes, flags " + Num(flags) + " need " +
                              Num(importance ? kPredictParamBytesImportance : kPredictParamBytes));
  }
  out->rounding = static_cast<FpRounding>(p[1]);
  out->parent_type = p[2];
  out->flags = flags;
  out->parent_chunk = LoadU32LE(p + 4);
  out->parent_offset = LoadU32LE(p + 8);
  out->importance_chunk = out->importance_offset = out->counts_bits = out->row_length = out->first_column = 0;
  if (importance) {
    out->importance_chunk = LoadU32LE(p + 12);
    out->importance_offset = LoadU32LE(p + 16);
    out->counts_bits = LoadU32LE(p + 20);
    out->row_length = LoadU32LE(p + 24);
    out->first_column = LoadU32LE(p + 28);
    const uint32_t bw = FindGgmlType(type)->block_weights;
    if (out->row_length == 0 || out->row_length % bw != 0) {
      return Status::Corruption("prediction row length " + Num(out->row_length) + " is no positive multiple of " +
                                Num(bw));
    }
    if (out->first_column >= out->row_length || out->first_column % bw != 0) {
      return Status::Corruption("prediction first column " + Num(out->first_column) +
                                " is not a block's column of a row of " + Num(out->row_length));
    }
  }
  return Status::Ok();
}

Status PredictSourcesOf(const ChunkHeader& h, const uint8_t* payload, uint64_t n, PredictSources* out) {
  if (h.transform != Transform::kPredict || h.streams.empty() || h.streams[0].codec != Codec::kStored ||
      n < h.streams[0].stored_size) {
    return Status::Corruption("predicted chunk without its parameter stream");
  }
  PredictParams params;
  SGZ_RETURN_IF_ERROR(DecodePredictParams(h.type, payload, h.streams[0].stored_size, &params));
  out->chunks[0] = params.parent_chunk;
  out->chunks[1] = params.importance_chunk;
  out->count = params.importance() ? 2 : 1;
  return Status::Ok();
}

Status PredictParentOf(const ChunkHeader& h, const uint8_t* payload, uint64_t n, uint32_t* parent) {
  PredictSources s;
  SGZ_RETURN_IF_ERROR(PredictSourcesOf(h, payload, n, &s));
  *parent = s.chunks[0];
  return Status::Ok();
}

Status ImportanceRow(const PredictParams& params, const std::vector<uint8_t>& imp, std::vector<float>* out) {
  const uint64_t need = uint64_t{params.row_length} * 4;
  if (params.importance_offset > imp.size() || imp.size() - params.importance_offset < need) {
    return Status::Corruption("importance needs " + Num(need) + " bytes at offset " + Num(params.importance_offset) +
                              ", importance chunk " + Num(params.importance_chunk) + " has " + Num(imp.size()));
  }
  thread_local std::vector<float> sums;
  sums.resize(params.row_length);
  WidenToFloat(kF32, imp.data() + params.importance_offset, params.row_length, sums.data());
  float counts;
  std::memcpy(&counts, &params.counts_bits, 4);
  out->resize(params.row_length);
  ImatrixImportance(sums.data(), &counts, params.row_length, 1, out->data());
  return Status::Ok();
}

void EncodePredictChunk(const uint8_t* data, uint64_t size, uint32_t type, const PredictParams& params,
                        const float* values, const float* importance, const Coding& coding, EncodedChunk* out,
                        PredictTally* tally) {
  const GgmlType& t = *FindGgmlType(type);
  const uint64_t n_blocks = size / t.block_bytes;
  thread_local std::vector<uint8_t> residual, split;
  residual.assign(data, data + size);
  ApplyPrediction(type, params, values, importance, n_blocks, PredictDirection::kEncode, residual.data(), tally);
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
  header.streams.push_back({Codec::kStored, static_cast<uint32_t>(params.bytes()), static_cast<uint32_t>(params.bytes())});
  AppendStreams(split.data(), size, Transform::kSplit, &t, coding, out);
  out->head.clear();
  header.EncodeTo(&out->head);
}

Status JoinPredicted(const ChunkHeader& h, const uint8_t* split, const std::vector<uint8_t>& parent,
                     const std::vector<uint8_t>* importance, uint8_t* out, Transform parent_planes) {
  const uint64_t param_bytes = h.streams[0].raw_size;
  PredictParams params;
  SGZ_RETURN_IF_ERROR(DecodePredictParams(h.type, split, param_bytes, &params));
  const GgmlType& t = *FindGgmlType(h.type);
  const uint64_t n_blocks = h.original_size / t.block_bytes;
  const uint64_t need = n_blocks * t.block_weights * FloatBytes(params.parent_type);
  if (params.parent_offset > parent.size() || parent.size() - params.parent_offset < need) {
    return Status::Corruption("prediction needs " + Num(need) + " parent bytes at offset " +
                              Num(params.parent_offset) + ", parent chunk " + Num(params.parent_chunk) + " has " +
                              Num(parent.size()));
  }
  thread_local std::vector<float> imp;
  if (params.importance()) {
    if (importance == nullptr) return Status::Corruption("decoded without its importance chunk");
    SGZ_RETURN_IF_ERROR(ImportanceRow(params, *importance, &imp));
  }
  JoinStreams(Transform::kSplit, &t, split + param_bytes, h.original_size, out);
  // In slices whose values stay in the first cache levels (blocks predict
  // independently; a slice's importance starts at its own column): a whole
  // chunk widened first was written out to memory and read back.
  const uint64_t bw = t.block_weights;
  const uint64_t slice_blocks = std::max<uint64_t>(1, kPredictSliceWeights / bw);
  const uint64_t value_bytes = FloatBytes(params.parent_type);
  thread_local std::vector<float> values;
  thread_local std::vector<uint8_t> joined;  // a slice of a parent held as planes
  values.resize(std::min(n_blocks, slice_blocks) * bw);
  const bool planes = parent_planes != Transform::kNone;
  if (planes) joined.resize(std::min(n_blocks, slice_blocks) * bw * value_bytes);
  PredictParams slice = params;
  for (uint64_t b = 0; b < n_blocks; b += slice_blocks) {
    const uint64_t nb = std::min(slice_blocks, n_blocks - b);
    const uint64_t at = params.parent_offset + b * bw * value_bytes;
    const uint64_t len = nb * bw * value_bytes;
    const uint8_t* from = parent.data() + at;
    if (parent_planes == Transform::kContextSplit && params.parent_type == kBf16 && at % 2 == 0 &&
        at + len <= parent.size() / 2 * 2) {
      // The floats straight from the exponents and sign-mantissas.
      const uint64_t values_in = parent.size() / 2;
      WidenBf16Planes(parent.data() + at / 2, parent.data() + values_in + at / 2, static_cast<int64_t>(nb * bw),
                      values.data());
    } else {
      if (parent_planes == Transform::kContextSplit) {
        GatherBf16Planes(parent.data(), parent.size(), at, len, joined.data());
        from = joined.data();
      } else if (planes) {
        GatherPlanes(parent.data(), parent.size(), at, len, joined.data());
        from = joined.data();
      }
      WidenToFloat(params.parent_type, from, static_cast<int64_t>(nb * bw), values.data());
    }
    ApplyPrediction(h.type, slice, values.data(), params.importance() ? imp.data() : nullptr, nb,
                    PredictDirection::kDecode, out + b * t.block_bytes);
    if (params.importance()) slice.first_column = static_cast<uint32_t>((slice.first_column + nb * bw) % params.row_length);
  }
  return Status::Ok();
}

}  // namespace sgz::internal
