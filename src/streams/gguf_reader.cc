#include "streams/gguf_reader.h"

#include <unordered_set>

#include "common/checked_math.h"
#include "common/coding.h"
#include "streams/ggml_types.h"

namespace sgz::internal {

const char* GgufValueTypeName(uint32_t type) {
  static const char* const kNames[kGgufValueTypeCount] = {
      "UINT8", "INT8", "UINT16", "INT16", "UINT32", "INT32", "FLOAT32",
      "BOOL", "STRING", "ARRAY", "UINT64", "INT64", "FLOAT64"};
  return type < kGgufValueTypeCount ? kNames[type] : "INVALID";
}

namespace {

// Encoded size of a scalar value type, 0 for string/array/invalid.
uint64_t ScalarSize(uint32_t type) {
  switch (static_cast<GgufValueType>(type)) {
    case GgufValueType::kU8: case GgufValueType::kI8: case GgufValueType::kBool: return 1;
    case GgufValueType::kU16: case GgufValueType::kI16: return 2;
    case GgufValueType::kU32: case GgufValueType::kI32: case GgufValueType::kF32: return 4;
    case GgufValueType::kU64: case GgufValueType::kI64: case GgufValueType::kF64: return 8;
    default: return 0;
  }
}

// Smallest possible encoding of one value of `type` (for count checks).
uint64_t MinValueSize(uint32_t type) {
  if (type == static_cast<uint32_t>(GgufValueType::kString)) return 8;
  if (type == static_cast<uint32_t>(GgufValueType::kArray)) return 12;
  return ScalarSize(type);
}

class Parser {
 public:
  Parser(const uint8_t* data, uint64_t size, bool at_eof) : data_(data), size_(size), at_eof_(at_eof) {}

  // Reads everything up to the end of the tensor infos and lays the tensors
  // out; does not look at the data section.
  Status ParseHeader(GgufLayout* layout);
  bool need_more() const { return need_more_; }

 private:
  uint64_t remaining() const { return size_ - pos_; }
  // An error caused by running out of bytes: with more input it might pass.
  Status Short(Status s) {
    if (!at_eof_) need_more_ = true;
    return s;
  }
  Status Truncated(const std::string& what) {
    return Short( Status::Corruption("unexpected end of file reading " + what + " at offset " +
                              std::to_string(pos_) + " (file size " + std::to_string(size_) + ")"));
  }
  bool U32(uint32_t* v) {
    if (remaining() < 4) return false;
    *v = be_ ? LoadU32BE(data_ + pos_) : LoadU32LE(data_ + pos_);
    pos_ += 4;
    return true;
  }
  bool U64(uint64_t* v) {
    if (remaining() < 8) return false;
    *v = be_ ? LoadU64BE(data_ + pos_) : LoadU64LE(data_ + pos_);
    pos_ += 8;
    return true;
  }
  Status ReadString(const std::string& what, std::string* out);
  Status SkipValue(const std::string& key, uint32_t type, uint32_t depth);

  const uint8_t* data_;
  uint64_t size_;
  uint64_t pos_ = 0;
  bool be_ = false;
  bool at_eof_;
  bool need_more_ = false;
};

Status Parser::ReadString(const std::string& what, std::string* out) {
  uint64_t len;
  if (!U64(&len)) return Truncated(what + " length");
  if (len > remaining()) {
    return Short(Status::Corruption(what + ": string length " + std::to_string(len) + " exceeds the " +
                                    std::to_string(remaining()) + " bytes remaining"));
  }
  out->assign(reinterpret_cast<const char*>(data_ + pos_), len);
  pos_ += len;
  return Status::Ok();
}

Status Parser::SkipValue(const std::string& key, uint32_t type, uint32_t depth) {
  // Built only on the error path: arrays may hold millions of elements.
  auto what = [&key] { return "metadata '" + key + "'"; };
  if (type >= kGgufValueTypeCount) {
    return Status::Corruption(what() + ": invalid value type " + std::to_string(type));
  }
  if (type == static_cast<uint32_t>(GgufValueType::kString)) {
    uint64_t len;
    if (!U64(&len)) return Truncated(what() + " length");
    if (len > remaining()) {
      return Short(Status::Corruption(what() + ": string length " + std::to_string(len) + " exceeds the " +
                                      std::to_string(remaining()) + " bytes remaining"));
    }
    pos_ += len;
    return Status::Ok();
  }
  if (type != static_cast<uint32_t>(GgufValueType::kArray)) {
    uint64_t n = ScalarSize(type);
    if (n > remaining()) return Truncated(what() + " value");
    pos_ += n;
    return Status::Ok();
  }
  if (depth >= kGgufMaxArrayDepth) {
    return Status::Corruption(what() + ": arrays nested deeper than " + std::to_string(kGgufMaxArrayDepth));
  }
  uint32_t elem_type;
  uint64_t count;
  if (!U32(&elem_type)) return Truncated(what() + " array type");
  if (!U64(&count)) return Truncated(what() + " array count");
  if (elem_type >= kGgufValueTypeCount) {
    return Status::Corruption(what() + ": invalid array element type " + std::to_string(elem_type));
  }
  uint64_t min_size = MinValueSize(elem_type);
  if (count > remaining() / min_size) {
    return Short(Status::Corruption(what() + ": array of " + std::to_string(count) + " " +
                                    GgufValueTypeName(elem_type) + " exceeds the " +
                                    std::to_string(remaining()) + " bytes remaining"));
  }
  uint64_t scalar = ScalarSize(elem_type);
  if (scalar != 0) {
    pos_ += count * scalar;  // checked above: count * scalar <= remaining
    return Status::Ok();
  }
  for (uint64_t i = 0; i < count; ++i) SGZ_RETURN_IF_ERROR(SkipValue(key, elem_type, depth + 1));
  return Status::Ok();
}

Status Parser::ParseHeader(GgufLayout* out) {
  GgufLayout& layout = *out;
  if (size_ < 24) {
    return Short(Status::Corruption("file is " + std::to_string(size_) +
                                    " bytes, shorter than the 24-byte GGUF header"));
  }
  if (data_[0] != 'G' || data_[1] != 'G' || data_[2] != 'U' || data_[3] != 'F') {
    char hex[16];
    snprintf(hex, sizeof hex, "0x%08x", LoadU32LE(data_));
    return Status::Corruption(std::string("bad magic ") + hex + ", expected \"GGUF\"");
  }
  pos_ = 4;
  uint32_t version = LoadU32LE(data_ + 4);
  // GGUF has no byte-order flag: a version whose low half is zero is a
  // big-endian file (as gguf-py decides).
  if ((version & 0xFFFF) == 0 && LoadU32BE(data_ + 4) != 0) {
    be_ = true;
    version = LoadU32BE(data_ + 4);
  }
  pos_ = 8;
  if (version == 1) return Status::NotSupported("GGUF version 1 is obsolete and not supported (only 2 and 3)");
  if (version != 2 && version != 3) {
    return Status::NotSupported("GGUF version " + std::to_string(version) + " is not supported (only 2 and 3)");
  }
  layout.version = version;
  layout.big_endian = be_;

  uint64_t n_tensors, n_kv;
  U64(&n_tensors);
  U64(&n_kv);
  // A tensor info takes at least 24 bytes, a key/value pair at least 13.
  if (n_tensors > kGgufMaxTensors) {
    return Status::Corruption("tensor count " + std::to_string(n_tensors) + " exceeds the limit " +
                              std::to_string(kGgufMaxTensors));
  }
  if (n_tensors > remaining() / 24) {
    return Short(Status::Corruption("tensor count " + std::to_string(n_tensors) + " exceeds the " +
                                    std::to_string(remaining()) + " bytes remaining"));
  }
  if (n_kv > kGgufMaxKvs) {
    return Status::Corruption("metadata count " + std::to_string(n_kv) + " exceeds the limit " +
                              std::to_string(kGgufMaxKvs));
  }
  if (n_kv > remaining() / 13) {
    return Short(Status::Corruption("metadata count " + std::to_string(n_kv) + " exceeds the " +
                                    std::to_string(remaining()) + " bytes remaining"));
  }

  std::unordered_set<std::string> keys;
  for (uint64_t i = 0; i < n_kv; ++i) {
    GgufKv kv;
    SGZ_RETURN_IF_ERROR(ReadString("metadata key #" + std::to_string(i), &kv.key));
    if (!keys.insert(kv.key).second) return Status::Corruption("duplicate metadata key '" + kv.key + "'");
    if (!U32(&kv.type)) return Truncated("metadata '" + kv.key + "' type");
    kv.value_offset = pos_;
    SGZ_RETURN_IF_ERROR(SkipValue(kv.key, kv.type, 0));
    kv.value_size = pos_ - kv.value_offset;
    if (kv.key == "general.alignment") {
      if (kv.type != static_cast<uint32_t>(GgufValueType::kU32)) {
        return Status::Corruption(std::string("general.alignment has type ") + GgufValueTypeName(kv.type) +
                                  ", expected UINT32");
      }
      const uint8_t* p = data_ + kv.value_offset;
      uint32_t a = be_ ? LoadU32BE(p) : LoadU32LE(p);
      if (a == 0 || (a & (a - 1)) != 0) {
        return Status::Corruption("general.alignment " + std::to_string(a) + " is not a power of two");
      }
      layout.alignment = a;
    }
    layout.kvs.push_back(std::move(kv));
  }

  std::unordered_set<std::string> names;
  for (uint64_t i = 0; i < n_tensors; ++i) {
    GgufTensor t;
    const std::string what = "tensor #" + std::to_string(i);
    SGZ_RETURN_IF_ERROR(ReadString(what + " name", &t.name));
    if (t.name.size() > kGgufMaxNameLength) {
      return Status::Corruption(what + ": name length " + std::to_string(t.name.size()) + " exceeds " +
                                std::to_string(kGgufMaxNameLength));
    }
    if (!names.insert(t.name).second) return Status::Corruption("duplicate tensor name '" + t.name + "'");
    const std::string tw = "tensor '" + t.name + "'";
    if (!U32(&t.n_dims)) return Truncated(tw + " n_dims");
    if (t.n_dims > kGgufMaxDims) {
      return Status::Corruption(tw + ": n_dims " + std::to_string(t.n_dims) + " exceeds " +
                                std::to_string(kGgufMaxDims));
    }
    for (uint32_t d = 0; d < t.n_dims; ++d) {
      uint64_t v;
      if (!U64(&v)) return Truncated(tw + " dimensions");
      t.ne[d] = static_cast<int64_t>(v);
      if (t.ne[d] < 0) {
        return Status::Corruption(tw + ": dimension " + std::to_string(d) + " is negative (" +
                                  std::to_string(t.ne[d]) + ")");
      }
    }
    uint64_t elements = 1;
    for (uint32_t d = 0; d < kGgufMaxDims; ++d) {
      if (!CheckedMul(elements, static_cast<uint64_t>(t.ne[d]), &elements) || elements > INT64_MAX) {
        return Status::Corruption(tw + ": element count overflows int64");
      }
    }
    uint64_t rel_offset;
    if (!U32(&t.type)) return Truncated(tw + " type");
    if (!U64(&rel_offset)) return Truncated(tw + " offset");
    const GgmlType* type = FindGgmlType(t.type);
    if (type == nullptr) return Status::Corruption(tw + ": invalid ggml type " + std::to_string(t.type));
    if (t.ne[0] % type->block_weights != 0) {
      return Status::Corruption(tw + ": ne[0]=" + std::to_string(t.ne[0]) + " is not a multiple of the " +
                                type->name + " block size " + std::to_string(type->block_weights));
    }
    // elements / block_weights * block_bytes; elements is a multiple of ne[0].
    if (!CheckedMul(elements / type->block_weights, type->block_bytes, &t.size)) {
      return Status::Corruption(tw + ": byte size overflows");
    }
    t.offset = rel_offset;  // made absolute below
    layout.tensors.push_back(std::move(t));
  }

  // The data section starts at the next multiple of the alignment.
  const uint64_t align = layout.alignment;
  layout.data_offset = (pos_ + align - 1) / align * align;
  layout.header_size = pos_;
  // ggml requires tensors stored in order, each at the running padded offset.
  uint64_t expected = 0;
  for (GgufTensor& t : layout.tensors) {
    const std::string tw = "tensor '" + t.name + "'";
    if (t.offset != expected) {
      return Status::Corruption(tw + ": offset " + std::to_string(t.offset) + " is not the expected " +
                                std::to_string(expected));
    }
    uint64_t padded;
    if (!CheckedAdd(t.size, align - 1, &padded)) return Status::Corruption(tw + ": byte size overflows");
    padded = padded / align * align;
    if (!CheckedAdd(layout.data_offset, expected, &t.offset) || !CheckedAdd(expected, padded, &expected) ||
        !CheckedAdd(layout.data_offset, expected, &layout.data_end)) {
      return Status::Corruption(tw + ": data offset overflows");
    }
  }
  layout.data_end = layout.data_offset + expected;
  return Status::Ok();
}

}  // namespace

Result<GgufLayout> ParseGgufHeader(const uint8_t* data, uint64_t available, bool at_eof, bool* need_more) {
  Parser parser(data, available, at_eof);
  GgufLayout layout;
  Status s = parser.ParseHeader(&layout);
  if (need_more != nullptr) *need_more = parser.need_more();
  if (!s.ok()) return s;
  return layout;
}

Status FinishGgufLayout(GgufLayout* layout, uint64_t size) {
  // ggml seeks past the padding without reading it; a file without tensors
  // may end before the padded offset.
  if (layout->data_offset > size && layout->tensors.empty()) layout->data_offset = size;
  if (layout->data_offset > size) {
    return Status::Corruption("data section offset " + std::to_string(layout->data_offset) +
                              " is past the end of the file (size " + std::to_string(size) + ")");
  }
  if (layout->tensors.empty()) layout->data_end = layout->data_offset;
  layout->regions.clear();
  layout->regions.push_back({RegionKind::kMeta, 0, layout->data_offset, 0});
  const uint64_t align = layout->alignment;
  for (uint32_t i = 0; i < layout->tensors.size(); ++i) {
    const GgufTensor& t = layout->tensors[i];
    const uint64_t padded = (t.size + align - 1) / align * align;  // no overflow: checked by the parser
    if (!RangeWithin(t.offset, padded, size)) {
      return Status::Corruption("tensor '" + t.name + "': data [" + std::to_string(t.offset) + ", +" +
                                std::to_string(padded) + ") extends past the end of the file (size " +
                                std::to_string(size) + ")");
    }
    if (t.size > 0) layout->regions.push_back({RegionKind::kTensor, t.offset, t.size, i});
    if (padded > t.size) layout->regions.push_back({RegionKind::kPadding, t.offset + t.size, padded - t.size, i});
  }
  if (layout->data_end < size) {
    layout->regions.push_back({RegionKind::kTail, layout->data_end, size - layout->data_end, 0});
  }
  return Status::Ok();
}

Result<GgufLayout> ParseGguf(const uint8_t* data, uint64_t size) {
  SGZ_ASSIGN_OR_RETURN(GgufLayout layout, ParseGgufHeader(data, size, /*at_eof=*/true, nullptr));
  SGZ_RETURN_IF_ERROR(FinishGgufLayout(&layout, size));
  return layout;
}

}  // namespace sgz::internal
