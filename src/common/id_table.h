// Rows of the format's small id tables (codecs, transforms, file kinds): each
// id the format assigns, its name in the spec and the format version that
// defined it. Adding a codec, transform or file kind is adding one row; a
// reader treats every id without a row by the spec's rule for unknown ids.
#ifndef SGZ_COMMON_ID_TABLE_H_
#define SGZ_COMMON_ID_TABLE_H_

#include <cstddef>
#include <cstdint>

namespace sgz::internal {

struct IdRow {
  uint8_t id;
  const char* name;        // as in the spec's table ("zstd", "ggml split")
  uint16_t since_major;    // format version that defined the id ("Since")
  uint16_t since_minor;
};

// The row of `id` in rows[0, n), or nullptr.
inline const IdRow* FindIdRow(const IdRow* rows, size_t n, uint32_t id) {
  for (size_t i = 0; i < n; ++i) {
    if (rows[i].id == id) return &rows[i];
  }
  return nullptr;
}

}  // namespace sgz::internal

#endif  // SGZ_COMMON_ID_TABLE_H_
