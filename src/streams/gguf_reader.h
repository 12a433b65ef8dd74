// GGUF reader: validates an untrusted GGUF file (versions 2 and 3, little- or
// big-endian) by the rules ggml's own reader enforces and describes its
// layout as an ordered list of regions that covers the file exactly.
//
// The reader never allocates more than the input could justify: every count
// is checked against the bytes that remain before anything is reserved.
#ifndef SGZ_STREAMS_GGUF_READER_H_
#define SGZ_STREAMS_GGUF_READER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace sgz::internal {

// GGUF metadata value types.
enum class GgufValueType : uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
  kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};
constexpr uint32_t kGgufValueTypeCount = 13;
const char* GgufValueTypeName(uint32_t type);

// Limits enforced by the reader (and documented in format-spec/).
constexpr uint64_t kGgufMaxTensors = 1u << 24;
constexpr uint64_t kGgufMaxKvs = 1u << 24;
constexpr uint32_t kGgufMaxDims = 4;
constexpr uint32_t kGgufMaxNameLength = 63;  // GGML_MAX_NAME - 1
constexpr uint32_t kGgufMaxArrayDepth = 8;
constexpr uint64_t kGgufDefaultAlignment = 32;

struct GgufKv {
  std::string key;
  uint32_t type = 0;          // GgufValueType
  uint64_t value_offset = 0;  // absolute file offset of the encoded value
  uint64_t value_size = 0;    // encoded bytes of the value
};

struct GgufTensor {
  std::string name;
  uint32_t type = 0;  // ggml type id
  uint32_t n_dims = 0;
  int64_t ne[kGgufMaxDims] = {1, 1, 1, 1};
  uint64_t offset = 0;  // absolute offset of the payload in the file
  uint64_t size = 0;    // payload bytes (without padding)
};

enum class RegionKind : uint8_t {
  kMeta = 0,     // header, metadata, tensor infos, padding before the data
  kTensor = 1,   // one tensor's payload
  kPadding = 2,  // bytes between a tensor's end and the next aligned offset
  kTail = 3,     // anything after the padded data section
};

struct Region {
  RegionKind kind;
  uint64_t offset;
  uint64_t size;
  uint32_t tensor;  // index into tensors for kTensor / kPadding (its tensor)
};

struct GgufLayout {
  uint32_t version = 0;
  bool big_endian = false;
  uint64_t alignment = kGgufDefaultAlignment;
  uint64_t header_size = 0;  // end of the tensor infos
  uint64_t data_offset = 0;  // start of the tensor data section
  uint64_t data_end = 0;     // end of the padded tensor data section
  std::vector<GgufKv> kvs;
  std::vector<GgufTensor> tensors;
  std::vector<Region> regions;  // ordered, contiguous, covering [0, file size)
};

// Parses the header (magic through tensor infos) from the first `available`
// bytes of a file and lays out the tensors, without looking at the data
// section: `regions` stays empty. When `at_eof` is false the input may go on:
// a failure that more bytes could cure sets *need_more (if given).
Result<GgufLayout> ParseGgufHeader(const uint8_t* data, uint64_t available, bool at_eof, bool* need_more);

// Checks a header layout against the file's size (every tensor's padded data
// inside the file) and fills `regions`. The errors are ParseGguf's.
Status FinishGgufLayout(GgufLayout* layout, uint64_t size);

// Parses `data[0, size)` as a whole GGUF file: ParseGgufHeader then
// FinishGgufLayout. On failure returns Corruption
// (a rule violated or truncated) or NotSupported (magic fine, version not
// 2/3) with a message naming the rule, the field and the value.
Result<GgufLayout> ParseGguf(const uint8_t* data, uint64_t size);

}  // namespace sgz::internal

#endif  // SGZ_STREAMS_GGUF_READER_H_
