#include "streams/transform.h"

#include <cstring>

#include "streams/context_split.h"
#include "streams/shuffle.h"

namespace sgz::internal {

const IdRow kTransformTable[] = {
    {static_cast<uint8_t>(Transform::kNone), "none", 1, 0},
    {static_cast<uint8_t>(Transform::kSplit), "ggml split", 1, 0},
    {static_cast<uint8_t>(Transform::kCopy), "copy", 2, 1},
    {static_cast<uint8_t>(Transform::kReference), "reference", 2, 2},
    {static_cast<uint8_t>(Transform::kPredict), "predict", 2, 3},
    {static_cast<uint8_t>(Transform::kContextSplit), "context split", 2, 4},
};
const size_t kTransformTableSize = sizeof(kTransformTable) / sizeof(kTransformTable[0]);

namespace {

void Gather(const uint8_t* src, uint64_t stride, uint32_t width, uint64_t n, uint8_t* dst) {
  GatherColumns(src, stride, width, n, dst);
}

void Scatter(const uint8_t* src, uint64_t stride, uint32_t width, uint64_t n, uint8_t* dst) {
  ScatterColumns(src, stride, width, n, dst);
}

// Row copy of one field: dst[b * width ..] = src[b * stride ..].
void CopyRows(const uint8_t* src, uint64_t src_stride, uint64_t dst_stride, uint32_t width, uint64_t n,
              uint8_t* dst) {
  for (uint64_t b = 0; b < n; ++b) memcpy(dst + b * dst_stride, src + b * src_stride, width);
}

}  // namespace

std::vector<uint64_t> StreamSizes(Transform transform, const GgmlType* type, uint64_t len) {
  if (transform == Transform::kCopy) return {};
  if (transform == Transform::kNone || transform == Transform::kReference) return {len};
  std::vector<uint64_t> sizes;
  if (transform == Transform::kPredict) sizes.push_back(kPredictParamStreamBytes);
  const uint64_t n = len / type->block_bytes;
  for (const BlockField& f : type->fields) {
    if (f.layout == FieldLayout::kPlanes) {
      sizes.insert(sizes.end(), f.bytes, n);
    } else {
      sizes.push_back(n * f.bytes);
    }
  }
  sizes.push_back(len - n * type->block_bytes);
  return sizes;
}

std::vector<std::string> StreamNames(Transform transform, const GgmlType* type, bool metadata) {
  if (transform == Transform::kCopy) return {};
  if (transform == Transform::kNone || transform == Transform::kReference) return {metadata ? "meta" : "raw"};
  std::vector<std::string> names;
  if (transform == Transform::kPredict) names.push_back("predict.params");
  // A predicted chunk's streams apart from transform 1's: its quants are
  // residuals; a context split's hold re-expressed quants.
  const char* kind = transform == Transform::kPredict ? "pred." : transform == Transform::kContextSplit ? "ctx." : "";
  const std::string prefix = std::string(kind) + type->name + ".";
  if (transform == Transform::kContextSplit && type->id == 30) {  // BF16: exponent, then sign+mantissa
    return {prefix + "exponent", prefix + "signmant", prefix + "tail"};
  }
  for (const BlockField& f : type->fields) {
    if (f.layout == FieldLayout::kPlanes) {
      for (uint32_t j = 0; j < f.bytes; ++j) names.push_back(prefix + f.name + ".b" + std::to_string(j));
    } else {
      names.push_back(prefix + f.name);
    }
  }
  names.push_back(prefix + "tail");
  return names;
}

void SplitStreams(Transform transform, const GgmlType* type, const uint8_t* in, uint64_t len, uint8_t* out) {
  if (transform == Transform::kCopy || transform == Transform::kPredict) return;
  if (transform == Transform::kContextSplit) {
    ContextSplit(type, in, len, out);
    return;
  }
  if (transform == Transform::kNone || transform == Transform::kReference) {
    if (len > 0) memcpy(out, in, len);
    return;
  }
  const uint64_t stride = type->block_bytes;
  const uint64_t n = len / stride;
  uint64_t field_offset = 0;
  for (const BlockField& f : type->fields) {
    const uint8_t* src = in + field_offset;
    if (f.layout == FieldLayout::kPlain) {
      CopyRows(src, stride, f.bytes, f.bytes, n, out);
    } else {
      // kGrouped and kPlanes have the same bytes in the same order; they
      // differ only in where stream boundaries fall.
      Gather(src, stride, f.bytes, n, out);
    }
    out += n * f.bytes;
    field_offset += f.bytes;
  }
  // The tail (len 0 may come with null buffers: no memcpy of nothing).
  if (len > n * stride) memcpy(out, in + n * stride, len - n * stride);
}

void JoinStreams(Transform transform, const GgmlType* type, const uint8_t* in, uint64_t len, uint8_t* out) {
  if (transform == Transform::kCopy || transform == Transform::kPredict) return;
  if (transform == Transform::kContextSplit) {
    ContextJoin(type, in, len, out);
    return;
  }
  if (transform == Transform::kNone || transform == Transform::kReference) {
    if (len > 0) memcpy(out, in, len);
    return;
  }
  const uint64_t stride = type->block_bytes;
  const uint64_t n = len / stride;
  uint64_t field_offset = 0;
  for (const BlockField& f : type->fields) {
    uint8_t* dst = out + field_offset;
    if (f.layout == FieldLayout::kPlain) {
      CopyRows(in, f.bytes, stride, f.bytes, n, dst);
    } else {
      Scatter(in, stride, f.bytes, n, dst);
    }
    in += n * f.bytes;
    field_offset += f.bytes;
  }
  if (len > n * stride) memcpy(out + n * stride, in, len - n * stride);
}

}  // namespace sgz::internal
