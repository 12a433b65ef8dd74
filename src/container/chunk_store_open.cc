// Opening an archive: the one place where the header, footer and manifest
// are read, decoded and checked against each other (the structures' own
// rules are in format.cc). Spec: "Implementation notes", Opening.
#include <string.h>

#include <algorithm>

#include "common/num.h"
#include "common/checksum.h"
#include "container/chunk_store.h"
#include "container/member_names.h"

namespace sgz::internal {
namespace {


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

Status ChunkStore::OpenAt(ByteSource& source, uint64_t size) {
  if (size < FileHeader::kEncodedLength + Footer::kEncodedLength) {
    return Status::Corruption("archive is " + Num(size) + " bytes, too short for header and footer");
  }
  // Read 1: a suffix holding the footer, usually the manifest, and for a
  // small archive everything.
  const uint64_t suffix_size = std::min(size, std::max<uint64_t>(options_.open_suffix, Footer::kEncodedLength));
  const uint64_t suffix_offset = size - suffix_size;
  std::vector<uint8_t> suffix(suffix_size);
  SGZ_RETURN_IF_ERROR(source.Read(suffix_offset, suffix_size, suffix.data()));
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
    if (source.Read(0, sizeof head, head).ok()) SGZ_RETURN_IF_ERROR(FileHeader::DecodeFrom(head, sizeof head).status());
  }
  SGZ_ASSIGN_OR_RETURN(footer_, std::move(footer_or));
  const Footer& footer = footer_;
  header_ = FileHeader();
  header_.major = footer.major;
  header_.minor = footer.minor;
  header_checked_ = false;
  if (have_header) SGZ_RETURN_IF_ERROR(CheckHeader(suffix.data()));
  SGZ_RETURN_IF_ERROR(CheckManifestPosition(footer, size));

  // Read 2, only when the manifest starts before the suffix.
  const uint8_t* frame;
  std::vector<uint8_t> frame_bytes;
  if (footer.manifest_offset >= suffix_offset) {
    frame = suffix.data() + (footer.manifest_offset - suffix_offset);
  } else {
    frame_bytes.resize(footer.manifest_size);
    SGZ_RETURN_IF_ERROR(source.Read(footer.manifest_offset, frame_bytes.size(), frame_bytes.data()));
    frame = frame_bytes.data();
  }
  if (!ChecksumMatches(Xxh3(frame, footer.manifest_size), footer.manifest_checksum)) {
    return Status::ChecksumMismatch("manifest: checksum does not match its bytes");
  }
  SGZ_ASSIGN_OR_RETURN(manifest_, Manifest::DecodeFrom(frame, footer.manifest_size, footer.manifest_offset,
                                                       header_.version()));
  return CheckMemberNames(manifest_);
}

Result<uint64_t> ChunkStore::FindValidEnd(ByteSource& source, uint64_t end, const FileHeader& header) {
  constexpr uint64_t kBlock = 4 << 20;
  constexpr size_t kMagic = sizeof kFooterMagic;
  const uint64_t lowest = FileHeader::kEncodedLength + Footer::kEncodedLength;  // the smallest archive's end
  std::vector<uint8_t> block;
  std::vector<uint64_t> starts;
  // A candidate end e has a footer magic at [e - 8, e), e < end (the end
  // itself failed). Blocks of magic starts [lo, hi) are searched from the
  // end down, each read with the 7 bytes after it, so that a magic across
  // two blocks is found in the upper one's.
  const uint64_t min_start = lowest - kMagic;
  for (uint64_t hi = end - kMagic; hi > min_start;) {
    const uint64_t lo = hi - std::min(kBlock, hi - min_start);
    const uint64_t n = hi - lo + kMagic - 1;
    block.resize(n);
    SGZ_RETURN_IF_ERROR(source.Read(lo, n, block.data()));
    starts.clear();
    for (const uint8_t* p = block.data(); p < block.data() + (hi - lo);) {
      const void* hit = memmem(p, block.data() + n - p, kFooterMagic, kMagic);
      if (hit == nullptr) break;
      const uint8_t* h = static_cast<const uint8_t*>(hit);
      if (h >= block.data() + (hi - lo)) break;
      starts.push_back(lo + (h - block.data()));
      p = h + 1;
    }
    for (auto it = starts.rbegin(); it != starts.rend(); ++it) {
      const uint64_t e = *it + kMagic;
      // Cheap checks first: a magic that compressed bytes hold by chance
      // fails here, before any manifest is read.
      uint8_t raw[Footer::kEncodedLength];
      SGZ_RETURN_IF_ERROR(source.Read(e - sizeof raw, sizeof raw, raw));
      Result<Footer> f = Footer::DecodeFrom(raw, sizeof raw);
      if (!f.ok() || !CheckVersionsAgree(header, *f).ok() || !CheckManifestPosition(*f, e).ok()) continue;
      if (OpenAt(source, e).ok()) return e;
    }
    hi = lo;
  }
  return uint64_t{0};
}

Result<std::unique_ptr<ChunkStore>> ChunkStore::Open(std::unique_ptr<ByteSource> source,
                                                     const ChunkStoreOptions& options) {
  std::unique_ptr<ChunkStore> store(new ChunkStore(options));
  const uint64_t size = source->Size();
  Status status = store->OpenAt(*source, size);
  // A complete add whose header was not yet rewritten (interrupted between
  // its footer and its header) ends in a footer that disagrees with the
  // header: found here, with one 16-byte read when the suffix did not hold
  // the header, so that it is recovered like any other interrupted add
  // rather than failing at the first chunk read.
  if (status.ok() && options.recover && !store->header_checked_) {
    uint8_t head[FileHeader::kEncodedLength];
    status = source->Read(0, sizeof head, head);
    if (status.ok()) status = store->CheckHeader(head);
  }
  if (status.ok()) {
    store->source_ = std::move(source);
    return store;
  }
  const Status::Code code = status.code();
  if (!options.recover || size < FileHeader::kEncodedLength + Footer::kEncodedLength ||
      (code != Status::Code::kCorrupt && code != Status::Code::kChecksumMismatch &&
       code != Status::Code::kResourceExhausted)) {
    return status;
  }
  // Not a footer and manifest at the end: an add that did not finish leaves
  // the archive as it was, followed by some of what it wrote (spec:
  // "Appending"). Only a file with a valid header is searched.
  uint8_t head[FileHeader::kEncodedLength];
  if (!source->Read(0, sizeof head, head).ok()) return status;
  Result<FileHeader> header = FileHeader::DecodeFrom(head, sizeof head);
  if (!header.ok()) return status;
  SGZ_ASSIGN_OR_RETURN(const uint64_t end, store->FindValidEnd(*source, size, *header));
  if (end == 0) return status;
  // FindValidEnd's last OpenAt succeeded: the store holds that archive.
  store->ignored_bytes_ = size - end;
  store->source_ = NewPrefixSource(std::move(source), end);
  if (!store->header_checked_) SGZ_RETURN_IF_ERROR(store->CheckHeader(head));
  return store;
}

}  // namespace sgz::internal
