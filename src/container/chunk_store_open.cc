// Opening an archive: the one place where the header, footer and manifest
// are read, decoded and checked against each other (the structures' own
// rules are in format.cc). Spec: "Implementation notes", Opening.
#include <algorithm>

#include "common/checksum.h"
#include "container/chunk_store.h"
#include "container/member_names.h"

namespace sgz::internal {
namespace {

std::string Num(uint64_t v) { return std::to_string(v); }

// The manifest must end where the footer begins, and stay under the limit
// before anything is allocated for it.
Status CheckManifestPosition(const Footer& footer, uint64_t archive_size) {
  const uint64_t limit = archive_size - Footer::kEncodedLength;
  if (footer.manifest_offset < FileHeader::kEncodedLength || footer.manifest_offset > limit ||
      footer.manifest_size != limit - footer.manifest_offset) {
    return Status::Corruption("footer: manifest at [" + Num(footer.manifest_offset) + ", +" +
                              Num(footer.manifest_size) + ") does not end at the footer (offset " + Num(limit) + ")");
  }
  if (footer.manifest_size > kMaxManifestSize) {
    return Status::ResourceExhausted("footer: manifest size " + Num(footer.manifest_size) + " exceeds the limit " +
                                     Num(kMaxManifestSize));
  }
  return Status::Ok();
}

}  // namespace

Status ChunkStore::CheckHeader(const uint8_t* p) {
  SGZ_ASSIGN_OR_RETURN(FileHeader h, FileHeader::DecodeFrom(p, FileHeader::kEncodedLength));
  SGZ_RETURN_IF_ERROR(CheckVersionsAgree(h, footer_));
  header_ = h;
  header_checked_ = true;
  return Status::Ok();
}

Result<std::unique_ptr<ChunkStore>> ChunkStore::Open(std::unique_ptr<ByteSource> source,
                                                     const ChunkStoreOptions& options) {
  std::unique_ptr<ChunkStore> store(new ChunkStore(options));
  const uint64_t size = source->Size();
  if (size < FileHeader::kEncodedLength + Footer::kEncodedLength) {
    return Status::Corruption("archive is " + Num(size) + " bytes, too short for header and footer");
  }
  // Read 1: a suffix holding the footer, usually the manifest, and for a
  // small archive everything.
  const uint64_t suffix_size = std::min(size, std::max<uint64_t>(options.open_suffix, Footer::kEncodedLength));
  const uint64_t suffix_offset = size - suffix_size;
  std::vector<uint8_t> suffix(suffix_size);
  SGZ_RETURN_IF_ERROR(source->Read(suffix_offset, suffix_size, suffix.data()));
  // Header errors come first when the header is at hand, as they did when
  // the header was read first.
  const bool have_header = suffix_offset == 0;
  if (have_header) SGZ_RETURN_IF_ERROR(FileHeader::DecodeFrom(suffix.data(), FileHeader::kEncodedLength).status());
  Result<Footer> footer_or = Footer::DecodeFrom(suffix.data() + suffix_size - Footer::kEncodedLength,
                                               Footer::kEncodedLength);
  if (!footer_or.ok() && footer_or.status().code() == Status::Code::kCorrupt && !have_header) {
    // Only on failure: a file that is not an archive at all is better named
    // by its header ("not an sgz archive") than by a truncated-looking footer.
    uint8_t head[FileHeader::kEncodedLength];
    if (source->Read(0, sizeof head, head).ok()) SGZ_RETURN_IF_ERROR(FileHeader::DecodeFrom(head, sizeof head).status());
  }
  SGZ_ASSIGN_OR_RETURN(store->footer_, std::move(footer_or));
  const Footer& footer = store->footer_;
  store->header_.major = footer.major;
  store->header_.minor = footer.minor;
  if (have_header) SGZ_RETURN_IF_ERROR(store->CheckHeader(suffix.data()));
  SGZ_RETURN_IF_ERROR(CheckManifestPosition(footer, size));

  // Read 2, only when the manifest starts before the suffix.
  const uint8_t* frame;
  std::vector<uint8_t> frame_bytes;
  if (footer.manifest_offset >= suffix_offset) {
    frame = suffix.data() + (footer.manifest_offset - suffix_offset);
  } else {
    frame_bytes.resize(footer.manifest_size);
    SGZ_RETURN_IF_ERROR(source->Read(footer.manifest_offset, frame_bytes.size(), frame_bytes.data()));
    frame = frame_bytes.data();
  }
  if (!ChecksumMatches(Xxh3(frame, footer.manifest_size), footer.manifest_checksum)) {
    return Status::ChecksumMismatch("manifest: checksum does not match its bytes");
  }
  SGZ_ASSIGN_OR_RETURN(store->manifest_, Manifest::DecodeFrom(frame, footer.manifest_size, footer.manifest_offset,
                                                                   store->header_.version()));
  SGZ_RETURN_IF_ERROR(CheckMemberNames(store->manifest_));
  store->source_ = std::move(source);
  return store;
}

}  // namespace sgz::internal
