// Overflow-checked arithmetic for sizes read from untrusted input.
#ifndef SGZ_COMMON_CHECKED_MATH_H_
#define SGZ_COMMON_CHECKED_MATH_H_

#include <cstdint>

namespace sgz::internal {

// Returns false (and leaves *out unspecified) when a + b or a * b overflows.
inline bool CheckedAdd(uint64_t a, uint64_t b, uint64_t* out) { return !__builtin_add_overflow(a, b, out); }
inline bool CheckedMul(uint64_t a, uint64_t b, uint64_t* out) { return !__builtin_mul_overflow(a, b, out); }

// True when [offset, offset + size) lies inside [0, limit).
inline bool RangeWithin(uint64_t offset, uint64_t size, uint64_t limit) {
  return offset <= limit && size <= limit - offset;
}

}  // namespace sgz::internal

#endif  // SGZ_COMMON_CHECKED_MATH_H_
