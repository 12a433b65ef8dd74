#include "json.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>

#include "cli_common.h"

namespace sgz::cli {

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    // Length of a valid UTF-8 sequence starting here, or 0.
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    for (size_t k = 1; k < len; ++k) {
      if (i + k >= s.size() || (static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) len = 0;
    }
    char buf[8];
    if (len == 0) {
      snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out.append(s, i, len);
      i += len - 1;
    }
  }
  return out + "\"";
}

std::string MetadataValueJson(const MetadataValue& v) {
  char buf[64];
  switch (v.type) {
    case MetadataType::kU8: case MetadataType::kU16: case MetadataType::kU32: case MetadataType::kU64:
      snprintf(buf, sizeof buf, "%" PRIu64, v.u);
      return buf;
    case MetadataType::kI8: case MetadataType::kI16: case MetadataType::kI32: case MetadataType::kI64:
      snprintf(buf, sizeof buf, "%" PRId64, v.i);
      return buf;
    case MetadataType::kBool:
      return v.u != 0 ? "true" : "false";
    case MetadataType::kF32: case MetadataType::kF64:
      if (!std::isfinite(v.f)) return "null";
      snprintf(buf, sizeof buf, "%.9g", v.f);
      return buf;
    case MetadataType::kString:
      return JsonString(v.string_size > v.str.size() ? v.str + "..." : v.str);
    case MetadataType::kArray: {
      std::string items;
      for (size_t i = 0; i < v.items.size(); ++i) items += (i ? ", " : "") + MetadataValueJson(v.items[i]);
      return std::string("{\"type\": \"") + MetadataTypeName(v.element_type) + "\", \"count\": " +
             std::to_string(v.count) + ", \"items\": [" + items + "]}";
    }
  }
  return "null";
}

std::string StreamsJson(const std::vector<StreamStat>& streams) {
  std::string out = "[";
  bool first = true;
  for (const StreamStat& t : streams) {
    if (t.original == 0) continue;
    out += std::string(first ? "" : ", ") + "{\"name\": " + JsonString(t.name) + ", \"original\": " +
           std::to_string(t.original) + ", \"stored\": " + std::to_string(t.stored) + ", \"ratio\": " +
           Fixed(Ratio(t.original, t.stored), 6) + "}";
    first = false;
  }
  return out + "]";
}

}  // namespace sgz::cli
