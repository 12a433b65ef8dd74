#include "streams/gguf_values.h"

#include <cstring>

#include "common/coding.h"

namespace sgz::internal {
namespace {

class ValueDecoder {
 public:
  ValueDecoder(const uint8_t* p, bool be, size_t max_items, size_t max_string)
      : p_(p), be_(be), max_items_(max_items), max_string_(max_string) {}

  // Decodes one value of `type` at p_ and advances past it. With `keep`
  // false the value is only skipped (array elements past max_items).
  void Value(uint32_t type, bool keep, GgufValue* v) {
    if (keep) v->type = type;
    switch (static_cast<GgufValueType>(type)) {
      case GgufValueType::kU8: v->u = *p_; p_ += 1; return;
      case GgufValueType::kI8: v->i = static_cast<int8_t>(*p_); p_ += 1; return;
      case GgufValueType::kBool: v->u = *p_ != 0; p_ += 1; return;
      case GgufValueType::kU16: v->u = U16(); return;
      case GgufValueType::kI16: v->i = static_cast<int16_t>(U16()); return;
      case GgufValueType::kU32: v->u = U32(); return;
      case GgufValueType::kI32: v->i = static_cast<int32_t>(U32()); return;
      case GgufValueType::kU64: v->u = U64(); return;
      case GgufValueType::kI64: v->i = static_cast<int64_t>(U64()); return;
      case GgufValueType::kF32: {
        const uint32_t x = U32();
        float f;
        memcpy(&f, &x, 4);
        v->f = f;
        return;
      }
      case GgufValueType::kF64: {
        const uint64_t x = U64();
        memcpy(&v->f, &x, 8);
        return;
      }
      case GgufValueType::kString: {
        const uint64_t len = U64();
        if (keep) {
          v->string_size = len;
          v->str.assign(reinterpret_cast<const char*>(p_), len > max_string_ ? max_string_ : len);
        }
        p_ += len;
        return;
      }
      case GgufValueType::kArray: {
        const uint32_t elem = U32();
        const uint64_t count = U64();
        if (keep) {
          v->element_type = elem;
          v->count = count;
          v->items.resize(count < max_items_ ? count : max_items_);
        }
        // Every element is walked: the encoding has no skip lengths.
        GgufValue skipped;
        for (uint64_t i = 0; i < count; ++i) {
          const bool keep_item = keep && i < max_items_;
          Value(elem, keep_item, keep_item ? &v->items[i] : &skipped);
        }
        return;
      }
    }
  }

 private:
  uint16_t U16() { uint16_t v = be_ ? LoadU16BE(p_) : LoadU16LE(p_); p_ += 2; return v; }
  uint32_t U32() { uint32_t v = be_ ? LoadU32BE(p_) : LoadU32LE(p_); p_ += 4; return v; }
  uint64_t U64() { uint64_t v = be_ ? LoadU64BE(p_) : LoadU64LE(p_); p_ += 8; return v; }

  const uint8_t* p_;
  bool be_;
  size_t max_items_;
  size_t max_string_;
};

}  // namespace

GgufValue DecodeGgufValue(const uint8_t* header, const GgufKv& kv, bool big_endian, size_t max_items,
                          size_t max_string) {
  GgufValue v;
  ValueDecoder(header + kv.value_offset, big_endian, max_items, max_string).Value(kv.type, true, &v);
  return v;
}

}  // namespace sgz::internal
