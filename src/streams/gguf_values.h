// Decoding GGUF metadata values into structured data (rendering them, as
// text or JSON, is left to callers).
#ifndef SGZ_STREAMS_GGUF_VALUES_H_
#define SGZ_STREAMS_GGUF_VALUES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "streams/gguf_reader.h"

namespace sgz::internal {

// One value; the fields of its type are set (see sgz::MetadataValue).
struct GgufValue {
  uint32_t type = 0;  // GgufValueType
  uint64_t u = 0;     // unsigned integers; bool as 0/1
  int64_t i = 0;      // signed integers
  double f = 0;       // floats
  std::string str;    // string: at most max_string bytes
  uint64_t string_size = 0;
  uint32_t element_type = 0;  // array
  uint64_t count = 0;
  std::vector<GgufValue> items;  // the first min(count, max_items) elements
};

// Decodes the value of `kv`, whose encoding lies in header[kv.value_offset,
// + kv.value_size): bytes ParseGgufHeader validated (the decoder trusts
// them). Arrays keep at most `max_items` elements and strings at most
// `max_string` bytes, at every nesting depth.
GgufValue DecodeGgufValue(const uint8_t* header, const GgufKv& kv, bool big_endian, size_t max_items,
                          size_t max_string);

}  // namespace sgz::internal

#endif  // SGZ_STREAMS_GGUF_VALUES_H_
