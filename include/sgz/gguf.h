// GGUF files as the library describes them (part of sgz/sgz.h): tensors,
// header facts and metadata values, for an archive (Reader) and for a plain
// GGUF file (ReadGgufFile), and telling the two apart (IdentifyFile).
#ifndef SGZ_PUBLIC_GGUF_H_
#define SGZ_PUBLIC_GGUF_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sgz/error.h"

namespace sgz {

// One tensor of a GGUF file: of the archived one (Reader::tensors()), or of
// a plain GGUF file (ReadGgufFile; its stored fields are 0).
struct TensorInfo {
  std::string name;
  std::string type;            // ggml type name: "F32", "Q4_K", ...
  std::vector<int64_t> shape;  // ne[0], ne[1], ... (innermost first, as GGUF)
  uint64_t offset = 0;         // of the payload in the original file
  uint64_t size = 0;           // payload bytes in the original file
  uint64_t stored_size = 0;    // compressed bytes of the chunks holding it (a chunk shared
                               // with other tensors: in proportion to its bytes there)
  uint64_t shared_size = 0;    // its payload bytes in copies of earlier chunks (stored once,
                               // by another member; format 2.1): size when all of it is
  uint64_t first_chunk = 0;    // the chunks holding it: [first_chunk, first_chunk + chunks)
  uint64_t chunks = 0;         // in the file's order; 0 for an empty tensor
};

// Facts of a GGUF header (for an archive recorded in the manifest: reading
// them decodes nothing).
struct GgufInfo {
  uint32_t version = 0;      // GGUF version, 2 or 3
  bool big_endian = false;
  uint64_t alignment = 0;    // of the tensor data
  uint64_t data_offset = 0;  // where the tensor data section starts
  uint64_t kv_count = 0;     // metadata key/value pairs
  uint64_t tensor_count = 0;
  // Tensor count per ggml type name, sorted by name.
  std::vector<std::pair<std::string, uint64_t>> tensors_by_type;
};

// GGUF metadata value types, numbered as in GGUF.
enum class MetadataType : uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
  kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};
// GGUF's names: "UINT8", "INT8", ..., "STRING", "ARRAY", ..., "FLOAT64".
const char* MetadataTypeName(MetadataType type);

// One decoded GGUF metadata value. Exactly the fields of its type are set.
struct MetadataValue {
  MetadataType type = MetadataType::kU8;
  uint64_t u = 0;    // kU8, kU16, kU32, kU64; kBool: 0 or 1
  int64_t i = 0;     // kI8, kI16, kI32, kI64
  double f = 0;      // kF32, kF64 (may be NaN or infinite)
  // kString: the bytes (not necessarily UTF-8, may hold NULs), at most
  // MetadataLimits::max_string of them; string_size is the full length.
  std::string str;
  uint64_t string_size = 0;
  // kArray: element type, element count, and the first
  // min(count, MetadataLimits::max_items) elements.
  MetadataType element_type = MetadataType::kU8;
  uint64_t count = 0;
  std::vector<MetadataValue> items;
};

struct MetadataEntry {
  std::string key;
  MetadataValue value;
};

// How much of each value Reader::Metadata decodes (also inside nested arrays).
struct MetadataLimits {
  size_t max_items = 16;          // array elements kept
  size_t max_string = SIZE_MAX;   // string bytes kept
};

// The value as `sgz info` shows it, in the style of gguf-dump: numbers in
// decimal (floats "%.9g"), bools true/false, strings single-quoted with
// control bytes escaped and "..." after a cut string, arrays as
// "[a, b, ...] (COUNT TYPE)" with at most `max_items` elements (nested
// arrays alike).
std::string MetadataValueText(const MetadataValue& value, size_t max_items = 8);

// What a file is, by its first bytes.
enum class FileKind {
  kArchive,  // starts with the sgz header magic
  kGguf,     // starts with "GGUF" (either byte order)
  kOther,    // neither, or shorter than a magic
};
// Reads the first bytes of the file at `path` (kIoError, path() set, when it
// cannot be opened or read).
ErrorOr<FileKind> IdentifyFile(const std::string& path);

// A plain GGUF file (not an archive) as the packer parses it: what `sgz ls`
// and `sgz info` show for a GGUF file.
struct GgufFileInfo {
  uint64_t size = 0;                    // bytes of the file
  GgufInfo gguf;
  std::vector<TensorInfo> tensors;      // in header order; stored_size is 0
  std::vector<MetadataEntry> metadata;  // in file order, cut by `limits`
};
// Reads and checks the header (magic through tensor infos; at most the
// 64 MiB the packer parses) of the GGUF file at `path` against the file's
// size; the tensor data is not read. kCorrupt or kNotSupported (a GGUF
// version other than 2 and 3) naming the rule broken; kResourceExhausted for
// a larger header; kIoError when the file cannot be read. Errors carry
// `path` in path().
ErrorOr<GgufFileInfo> ReadGgufFile(const std::string& path, const MetadataLimits& limits = MetadataLimits());

}  // namespace sgz

#endif  // SGZ_PUBLIC_GGUF_H_
