#include "streams/gguf_values.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "common/coding.h"

namespace sgz::internal {
namespace {

constexpr size_t kMaxString = 256;

class ValueWriter {
 public:
  ValueWriter(const uint8_t* p, bool be, size_t max_items, bool json)
      : p_(p), be_(be), max_items_(max_items), json_(json) {}

  // Renders one value of `type` at p_ and advances past it.
  std::string Value(uint32_t type) {
    char buf[64];
    switch (static_cast<GgufValueType>(type)) {
      case GgufValueType::kU8: snprintf(buf, sizeof buf, "%u", *p_); p_ += 1; return buf;
      case GgufValueType::kI8: snprintf(buf, sizeof buf, "%d", static_cast<int8_t>(*p_)); p_ += 1; return buf;
      case GgufValueType::kBool: { bool b = *p_ != 0; p_ += 1; return b ? "true" : "false"; }
      case GgufValueType::kU16: snprintf(buf, sizeof buf, "%u", U16()); return buf;
      case GgufValueType::kI16: snprintf(buf, sizeof buf, "%d", static_cast<int16_t>(U16())); return buf;
      case GgufValueType::kU32: snprintf(buf, sizeof buf, "%" PRIu32, U32()); return buf;
      case GgufValueType::kI32: snprintf(buf, sizeof buf, "%" PRId32, static_cast<int32_t>(U32())); return buf;
      case GgufValueType::kU64: snprintf(buf, sizeof buf, "%" PRIu64, U64()); return buf;
      case GgufValueType::kI64: snprintf(buf, sizeof buf, "%" PRId64, static_cast<int64_t>(U64())); return buf;
      case GgufValueType::kF32: {
        uint32_t x = U32();
        float f;
        memcpy(&f, &x, 4);
        return Float(f);
      }
      case GgufValueType::kF64: {
        uint64_t x = U64();
        double d;
        memcpy(&d, &x, 8);
        return Float(d);
      }
      case GgufValueType::kString: {
        uint64_t len = U64();
        std::string s(reinterpret_cast<const char*>(p_), len > kMaxString ? kMaxString : len);
        p_ += len;
        if (len > kMaxString) s += "...";
        return json_ ? JsonString(s) : Quote(s);
      }
      case GgufValueType::kArray: {
        uint32_t elem = U32();
        uint64_t count = U64();
        std::string items;
        for (uint64_t i = 0; i < count; ++i) {
          std::string v = Value(elem);
          if (i < max_items_) items += (i ? ", " : "") + v;
        }
        if (json_) {
          return std::string("{\"type\": \"") + GgufValueTypeName(elem) + "\", \"count\": " + std::to_string(count) +
                 ", \"items\": [" + items + "]}";
        }
        return "[" + items + (count > max_items_ ? ", ..." : "") + "] (" + std::to_string(count) + " " +
               GgufValueTypeName(elem) + ")";
      }
    }
    return "?";
  }

 private:
  uint16_t U16() { uint16_t v = be_ ? LoadU16BE(p_) : LoadU16LE(p_); p_ += 2; return v; }
  uint32_t U32() { uint32_t v = be_ ? LoadU32BE(p_) : LoadU32LE(p_); p_ += 4; return v; }
  uint64_t U64() { uint64_t v = be_ ? LoadU64BE(p_) : LoadU64LE(p_); p_ += 8; return v; }
  std::string Float(double d) const {
    if (json_ && (d != d || d == 1.0 / 0.0 || d == -1.0 / 0.0)) return "null";
    char buf[64];
    snprintf(buf, sizeof buf, "%.9g", d);
    return buf;
  }
  static std::string Quote(const std::string& s) {
    std::string out = "'";
    for (unsigned char c : s) {
      if (c == '\n') out += "\\n";
      else if (c < 0x20) { char b[8]; snprintf(b, sizeof b, "\\x%02x", c); out += b; }
      else out += static_cast<char>(c);
    }
    return out + "'";
  }

  const uint8_t* p_;
  bool be_;
  size_t max_items_;
  bool json_;
};

}  // namespace

std::string FormatGgufValue(const uint8_t* header, const GgufKv& kv, bool big_endian, size_t max_items) {
  return ValueWriter(header + kv.value_offset, big_endian, max_items, false).Value(kv.type);
}

std::string GgufValueJson(const uint8_t* header, const GgufKv& kv, bool big_endian, size_t max_items) {
  return ValueWriter(header + kv.value_offset, big_endian, max_items, true).Value(kv.type);
}

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

}  // namespace sgz::internal
