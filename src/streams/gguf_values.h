// Rendering GGUF metadata values for people (gguf-dump style) and for JSON.
#ifndef SGZ_STREAMS_GGUF_VALUES_H_
#define SGZ_STREAMS_GGUF_VALUES_H_

#include <cstdint>
#include <string>

#include "streams/gguf_reader.h"

namespace sgz::internal {

// Renders the value of `kv`, whose encoding lies in header[kv.value_offset,
// + kv.value_size) (the bytes the reader validated). Arrays show at most
// `max_items` elements followed by ", ..." (text) or are cut with their count
// kept (JSON: {"type":..,"count":..,"items":[..]}). Strings longer than 256
// bytes are cut.
std::string FormatGgufValue(const uint8_t* header, const GgufKv& kv, bool big_endian, size_t max_items);
std::string GgufValueJson(const uint8_t* header, const GgufKv& kv, bool big_endian, size_t max_items);

// A JSON string literal for arbitrary bytes (invalid UTF-8 bytes become
// \u00XX escapes of the byte, so the output is always valid JSON).
std::string JsonString(const std::string& s);

}  // namespace sgz::internal

#endif  // SGZ_STREAMS_GGUF_VALUES_H_
