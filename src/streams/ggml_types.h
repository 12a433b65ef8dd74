// The one table of ggml tensor types. Parsing (block size, bytes per block),
// splitting into streams and joining them back are all driven by it; adding a
// type is adding one row.
#ifndef SGZ_STREAMS_GGML_TYPES_H_
#define SGZ_STREAMS_GGML_TYPES_H_

#include <cstdint>
#include <string>
#include <vector>

namespace sgz::internal {

// How one field of a block becomes streams.
enum class FieldLayout : uint8_t {
  kPlain,    // one stream: the field of every block, in block order
  kGrouped,  // one stream: byte 0 of the field of every block, then byte 1, ...
  kPlanes,   // one stream per byte column of the field (a byte plane each)
};

struct BlockField {
  const char* name;
  uint32_t bytes;
  FieldLayout layout;
};

struct GgmlType {
  uint32_t id;
  const char* name;
  uint32_t block_weights;  // weights per block (1 for scalar types)
  uint32_t block_bytes;    // bytes per block
  // Fields in on-disk order; their sizes add up to block_bytes. Empty means
  // the payload is kept as one opaque stream.
  std::vector<BlockField> fields;

  // Number of streams a split produces for this type (not counting the tail).
  uint32_t StreamCount() const;
};

// Highest type id the table knows plus one (GGML_TYPE_COUNT).
constexpr uint32_t kGgmlTypeCount = 40;

// Returns the row for `id`, or nullptr when ggml does not define the id (never
// defined, or removed from GGUF files such as Q4_2 or Q4_0_4_4).
const GgmlType* FindGgmlType(uint32_t id);

// Type name for messages: the ggml name, or "type#<id>" when unknown.
std::string GgmlTypeName(uint32_t id);

}  // namespace sgz::internal

#endif  // SGZ_STREAMS_GGML_TYPES_H_
