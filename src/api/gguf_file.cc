// Plain GGUF files (not archives) through the public API: telling a file's
// kind by its magic, and reading a GGUF file's layout and metadata, so that
// programs (and the command line's ls and info) can list a GGUF file as an archive.
#include <algorithm>
#include <cstring>

#include "api/api_internal.h"
#include "container/byte_source.h"
#include "container/format.h"
#include "streams/gguf_reader.h"

namespace sgz {

using namespace internal;       // NOLINT: this file translates the internal library
using namespace internal::api;  // NOLINT

ErrorOr<FileKind> IdentifyFile(const std::string& path) {
  return Guarded([&]() -> ErrorOr<FileKind> {
    Result<std::unique_ptr<ByteSource>> source = OpenFileSource(path);
    if (!source.ok()) return ToError(source.status()).set_path(path);
    uint8_t magic[sizeof kHeaderMagic];
    const uint64_t n = std::min<uint64_t>((*source)->Size(), sizeof magic);
    Status s = (*source)->Read(0, n, magic);
    if (!s.ok()) return ToError(s).set_path(path);
    if (n == sizeof magic && memcmp(magic, kHeaderMagic, sizeof magic) == 0) return FileKind::kArchive;
    if (n >= 4 && memcmp(magic, "GGUF", 4) == 0) return FileKind::kGguf;
    return FileKind::kOther;
  });
}

ErrorOr<GgufFileInfo> ReadGgufFile(const std::string& path, const MetadataLimits& limits) {
  return Guarded([&]() -> ErrorOr<GgufFileInfo> {
    Result<std::unique_ptr<ByteSource>> opened = OpenFileSource(path);
    if (!opened.ok()) return ToError(opened.status()).set_path(path);
    ByteSource& source = **opened;
    const uint64_t size = source.Size();
    // The header's length is known only once parsed: read a prefix growing
    // from 64 KiB, bounded by the file and by the packer's header limit.
    const uint64_t cap = std::min(size, kMaxGgufHeaderBytes);
    std::vector<uint8_t> header;
    Result<GgufLayout> parsed = Status::Corruption("empty file");
    for (uint64_t want = std::min<uint64_t>(cap, 64 << 10);; want = std::min(want * 4, cap)) {
      const uint64_t have = header.size();
      header.resize(want);
      Status s = source.Read(have, want - have, header.data() + have);
      if (!s.ok()) return ToError(s).set_path(path);
      bool need_more = false;
      parsed = ParseGgufHeader(header.data(), want, /*at_eof=*/want == size, &need_more);
      if (parsed.ok() || !need_more) break;
      if (want == cap) {
        return Error(ErrorCode::kResourceExhausted, "GGUF header larger than the " +
                                                        std::to_string(kMaxGgufHeaderBytes >> 20) + " MiB limit")
            .set_path(path);
      }
    }
    Status s = parsed.ok() ? FinishGgufLayout(&*parsed, size) : parsed.status();
    if (!s.ok()) return Error(s.code(), "not a valid GGUF file: " + s.message()).set_path(path);
    const GgufLayout& layout = *parsed;
    GgufFileInfo info;
    info.size = size;
    info.tensors.reserve(layout.tensors.size());
    for (const GgufTensor& t : layout.tensors) info.tensors.push_back(PublicTensor(t));
    GgufInfo& g = info.gguf;
    g.version = layout.version;
    g.big_endian = layout.big_endian;
    g.alignment = layout.alignment;
    g.data_offset = layout.data_offset;
    g.kv_count = layout.kvs.size();
    g.tensor_count = layout.tensors.size();
    g.tensors_by_type = TensorsByType(info.tensors);
    info.metadata = DecodeMetadata(header.data(), layout, layout.big_endian, limits);
    return info;
  });
}

}  // namespace sgz
