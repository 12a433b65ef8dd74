// Target for transform 5 (context split): any bytes are a chunk and also a
// chunk's streams. Join(Split(x)) == x and Split(Join(x)) == x (both are
// bijections for any bytes, hostile headers included); every context is below
// its stream's count and depends only on the streams before it. Input layout:
//   byte 0  the ggml type: Q4_K, Q5_K, BF16, Q3_K, or any other type with fields
//   rest    the chunk (whole blocks and a tail)
#include <cstddef>
#include <cstdint>
#include <vector>

#include "streams/context_split.h"
#include "streams/ggml_types.h"
#include "streams/transform.h"

namespace {

using namespace sgz::internal;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

const GgmlType* PickType(uint8_t b) {
  static const uint32_t kRuled[] = {12, 13, 30, 11};
  if (b < 192) return FindGgmlType(kRuled[b % 4]);
  const GgmlType* t = FindGgmlType(b % kGgmlTypeCount);
  return t != nullptr && !t->fields.empty() ? t : FindGgmlType(12);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;  // an empty chunk: nothing to split (and no buffer to point at)
  const GgmlType* t = PickType(data[0]);
  const std::vector<uint8_t> in(data + 1, data + size);
  const uint64_t len = in.size();
  std::vector<uint8_t> split(len), back(len);
  SplitStreams(Transform::kContextSplit, t, in.data(), len, split.data());
  JoinStreams(Transform::kContextSplit, t, split.data(), len, back.data());
  Check(back == in);
  // The input read as streams: joining then splitting gives it back.
  JoinStreams(Transform::kContextSplit, t, in.data(), len, back.data());
  SplitStreams(Transform::kContextSplit, t, back.data(), len, split.data());
  Check(split == in);
  const std::vector<uint64_t> sizes = StreamSizes(Transform::kContextSplit, t, len);
  uint64_t offset = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    const unsigned c = StreamContexts(t, i);
    if (c > 0) {
      std::vector<uint8_t> ctx(sizes[i]), again(sizes[i]);
      ComputeContexts(t, in.data(), len, i, ctx.data());
      for (uint8_t v : ctx) Check(v < c);
      std::vector<uint8_t> spoiled = in;
      for (uint64_t k = offset; k < len; ++k) spoiled[k] = static_cast<uint8_t>(~spoiled[k]);
      ComputeContexts(t, spoiled.data(), len, i, again.data());
      Check(again == ctx);
    }
    offset += sizes[i];
  }
  return 0;
}
