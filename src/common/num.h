// Numbers in the text of error messages.
#ifndef SGZ_COMMON_NUM_H_
#define SGZ_COMMON_NUM_H_

#include <cstdint>
#include <string>

namespace sgz::internal {

// v in decimal, as messages write their numbers: "chunk " + Num(index).
inline std::string Num(uint64_t v) { return std::to_string(v); }

}  // namespace sgz::internal

#endif  // SGZ_COMMON_NUM_H_
