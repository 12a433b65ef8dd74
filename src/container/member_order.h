// The order a many-member pack writes its members in when it predicts
// quantized tensors (transform 4): a prediction reads only earlier chunks,
// so the members it reads from go first.
#ifndef SGZ_CONTAINER_MEMBER_ORDER_H_
#define SGZ_CONTAINER_MEMBER_ORDER_H_

#include <cstddef>
#include <string>
#include <vector>

#include "common/status.h"
#include "container/pack_options.h"

namespace sgz::internal {

// The indices of `inputs` in writing order: first the members named by
// options.parent_member and options.imatrix_member, then GGUF members whose
// tensors are all float (F32, then BF16, then F16: by the type of most of
// their bytes), then GGUF importance matrices (every tensor `*.in_sum2` or
// `*.counts`), then the rest; the given order within each group. The given
// order when no input is a GGUF with quantized tensors. Reads each input's
// GGUF header (opening it once more). InvalidArgument when a named member is
// not among the inputs.
Result<std::vector<size_t>> PredictionOrder(const std::vector<MemberInput>& inputs, const PackOptions& options);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_MEMBER_ORDER_H_
