// Explicit fixed-width integer coding. Never memcpy a struct, never rely on
// host byte order: every on-disk integer goes through these helpers.
#ifndef SGZ_COMMON_CODING_H_
#define SGZ_COMMON_CODING_H_

#include <cstdint>
#include <cstring>
#include <string>

namespace sgz::internal {

inline void PutU8(std::string* dst, uint8_t v) { dst->push_back(static_cast<char>(v)); }
inline void PutU16(std::string* dst, uint16_t v) {
  char b[2] = {static_cast<char>(v), static_cast<char>(v >> 8)};
  dst->append(b, 2);
}
inline void PutU32(std::string* dst, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  dst->append(b, 4);
}
inline void PutU64(std::string* dst, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  dst->append(b, 8);
}

inline uint16_t LoadU16LE(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
inline uint32_t LoadU32LE(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
inline uint64_t LoadU64LE(const uint8_t* p) {
  return static_cast<uint64_t>(LoadU32LE(p)) | (static_cast<uint64_t>(LoadU32LE(p + 4)) << 32);
}
inline uint16_t LoadU16BE(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline uint32_t LoadU32BE(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | static_cast<uint32_t>(p[3]);
}
inline uint64_t LoadU64BE(const uint8_t* p) {
  return (static_cast<uint64_t>(LoadU32BE(p)) << 32) | static_cast<uint64_t>(LoadU32BE(p + 4));
}

// A bounds-checked little-endian cursor over a byte span. Every Read* fails
// (returns false) instead of reading past the end; callers turn that into a
// Corruption status naming the field.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, uint64_t size) : p_(data), end_(data + size) {}
  uint64_t remaining() const { return static_cast<uint64_t>(end_ - p_); }
  const uint8_t* pos() const { return p_; }
  bool ReadU8(uint8_t* v) { if (remaining() < 1) return false; *v = *p_++; return true; }
  bool ReadU16(uint16_t* v) { if (remaining() < 2) return false; *v = LoadU16LE(p_); p_ += 2; return true; }
  bool ReadU32(uint32_t* v) { if (remaining() < 4) return false; *v = LoadU32LE(p_); p_ += 4; return true; }
  bool ReadU64(uint64_t* v) { if (remaining() < 8) return false; *v = LoadU64LE(p_); p_ += 8; return true; }
  bool ReadBytes(uint64_t n, const uint8_t** out) {
    if (n > remaining()) return false;
    *out = p_;
    p_ += n;
    return true;
  }
  bool Skip(uint64_t n) { if (n > remaining()) return false; p_ += n; return true; }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace sgz::internal

#endif  // SGZ_COMMON_CODING_H_
