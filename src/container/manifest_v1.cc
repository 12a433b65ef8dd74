// The format 1.0 manifest (spec "Appendix: the format 1.0 manifest"): chunk
// count, file count, 32-byte chunk entries, file entries, no sections and no
// entry sizes. Read only; the writer writes format 2.
#include "common/num.h"
#include "container/manifest_internal.h"

namespace sgz::internal {
namespace {

// Smallest 1.0 file entry: name_len, original_size, checksum, kind, flags,
// note_len, chunk_ref_count.
constexpr uint64_t kMinFileEntryV1 = 2 + 8 + 8 + 1 + 1 + 2 + 4;

}  // namespace

Result<Manifest> DecodeManifestV1(const uint8_t* p, size_t n, uint64_t limit_offset, FormatVersion version) {
  ByteReader r(p, n);
  Manifest m;
  uint32_t n_chunks, n_files;
  if (!r.ReadU32(&n_chunks) || !r.ReadU32(&n_files)) return ManifestError("truncated reading counts");
  if (n_chunks > r.remaining() / ChunkEntry::kEncodedLength) {
    return ManifestError("chunk count " + Num(n_chunks) + " exceeds the bytes remaining");
  }
  if (n_files == 0 || n_files > kMaxFiles) {
    return ManifestError("file count " + Num(n_files) + " outside 1.." + Num(kMaxFiles));
  }
  if (n_files > (r.remaining() - uint64_t{n_chunks} * ChunkEntry::kEncodedLength) / kMinFileEntryV1) {
    return ManifestError("file count " + Num(n_files) + " exceeds the bytes remaining");
  }
  m.chunks.resize(n_chunks);
  for (uint32_t i = 0; i < n_chunks; ++i) {
    const uint8_t* e = nullptr;
    r.ReadBytes(ChunkEntry::kEncodedLength, &e);  // within the count check above
    SGZ_RETURN_IF_ERROR(
        DecodeChunkEntry(e, i, version, limit_offset, i > 0 ? &m.chunks[i - 1] : nullptr, &m.chunks[i]));
  }
  m.files.resize(n_files);
  for (uint32_t i = 0; i < n_files; ++i) SGZ_RETURN_IF_ERROR(DecodeFileEntry(&r, i, version, m.chunks, &m.files[i]));
  if (r.remaining() != 0) return ManifestError(Num(r.remaining()) + " trailing bytes");
  return m;
}

}  // namespace sgz::internal
