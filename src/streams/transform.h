// Stream transforms: the reversible permutation that turns a chunk of original
// bytes into the concatenation of its streams, and back.
//
// A chunk of a ggml tensor holds n whole blocks followed by a tail (bytes
// after the last whole block: padding, or the remainder of an odd range).
// kSplit lays the blocks out field by field as the type table says
// (FieldLayout), then appends the tail as the last stream. kNone keeps the
// bytes as one stream. Both are pure permutations: the streams together have
// exactly the chunk's length.
#ifndef SGZ_STREAMS_TRANSFORM_H_
#define SGZ_STREAMS_TRANSFORM_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/id_table.h"
#include "streams/ggml_types.h"

namespace sgz::internal {

enum class Transform : uint8_t {
  kNone = 0,   // one stream, the bytes as they are
  kSplit = 1,  // split by the fields of a ggml type, tail last
  // Since 2.1: no streams; the chunk's bytes are those of an earlier chunk,
  // whose index is the chunk's `type` (resolved by the container, never
  // split or joined here: every function below gives nothing for it).
  kCopy = 2,
  // Since 2.2: one stream, the bytes as they are (as kNone), whose zstd frame
  // is coded against the decoded bytes of an earlier chunk, whose index is
  // the chunk's `type` (the container supplies them: codec.h's Prefix).
  kReference = 3,
  // Since 2.3: a parameter stream, then kSplit's streams of the chunk's
  // ggml type with the quants XORed with a prediction from a float parent
  // chunk (container/predict_chunk.h; the container joins it: every
  // function below gives nothing for it).
  kPredict = 4,
  // Since 2.4: kSplit's streams with some fields re-expressed per block and
  // a context rule for some streams (streams/context_split.h). Same stream
  // count and raw sizes as kSplit.
  kContextSplit = 5,
};

// Whether a chunk of `t` decodes from its own bytes alone (transforms 0, 1
// and 5): the only chunks a prediction reads its parent or importance
// values from.
inline bool DecodesAlone(Transform t) {
  return t == Transform::kNone || t == Transform::kSplit || t == Transform::kContextSplit;
}

// Whether a chunk header's `type` of a chunk of `t` is a ggml type id
// (transforms 1, 4 and 5).
inline bool TypedTransform(Transform t) {
  return t == Transform::kSplit || t == Transform::kPredict || t == Transform::kContextSplit;
}

// Bytes of kPredict's parameter stream (stream 0).
constexpr uint64_t kPredictParamStreamBytes = 12;

// The transform table of the spec ("Transforms"): one row per id this reader
// inverts (kCopy and kReference included: the container resolves their
// other chunk).
extern const IdRow kTransformTable[];
extern const size_t kTransformTableSize;
// The row of transform `id`, or nullptr when this reader does not know it.
inline const IdRow* FindTransform(uint32_t id) { return FindIdRow(kTransformTable, kTransformTableSize, id); }

// Sizes of the streams `transform` produces for `len` bytes of `type` (type is
// ignored for kNone and kReference). For kSplit the last entry is the tail;
// kPredict gives its parameter stream, then kSplit's sizes; kContextSplit
// gives kSplit's sizes.
// REQUIRES: type != nullptr && !type->fields.empty() for kSplit,
// kContextSplit and kPredict.
std::vector<uint64_t> StreamSizes(Transform transform, const GgmlType* type, uint64_t len);

// Short names of the streams, parallel to StreamSizes: "Q4_K.qs",
// "F32.value.b2", "Q4_K.tail"; kNone gives one name: "meta" for a chunk of
// GGUF metadata (`metadata`), "raw" otherwise (format-spec: stream names);
// kReference names its stream as kNone does; kContextSplit's names start
// "ctx." ("ctx.Q4_K.qs", "ctx.BF16.exponent").
// The one naming rule behind `sgz pack --stats` and `sgz info`: the writer
// and the reader both call it, so the same archive gets the same names.
std::vector<std::string> StreamNames(Transform transform, const GgmlType* type, bool metadata);

// Writes the streams of `in[0, len)` back to back into out[0, len).
void SplitStreams(Transform transform, const GgmlType* type, const uint8_t* in, uint64_t len, uint8_t* out);
// Inverse of SplitStreams: out[0, len) receives the original bytes.
void JoinStreams(Transform transform, const GgmlType* type, const uint8_t* in, uint64_t len, uint8_t* out);

}  // namespace sgz::internal

#endif  // SGZ_STREAMS_TRANSFORM_H_
