// The format 2 manifest frame and its sections: CHNK and FILE (their
// contents: manifest.cc), and since 2.1 MEMB (members) and ZSEC, which holds
// the others compressed.
#include <string>

#include "common/num.h"
#include "container/manifest_internal.h"
#include "streams/codec.h"

namespace sgz::internal {
namespace {

// What the walk has met so far, in the body and inside ZSEC alike: each known
// tag counts once in the whole manifest.
struct SectionWalk {
  Manifest m;
  bool have_chunks = false, have_files = false, have_compressed = false, have_members = false;
  uint32_t member_count = 0;  // of section MEMB
};

// Content of section MEMB: member_count, then that many entries, each a u32
// entry_size and that many bytes (2.1 defines no field: they are skipped).
// The count is checked against the file table once the walk is done.
Status DecodeMembers(const uint8_t* p, uint64_t n, SectionWalk* w) {
  const std::string sw = "section " + TagName(kMembersTag);
  ByteReader r(p, n);
  if (!r.ReadU32(&w->member_count)) return ManifestError("truncated reading " + sw);
  for (uint32_t i = 0; i < w->member_count; ++i) {
    uint32_t entry_size;
    const uint8_t* entry;
    if (!r.ReadU32(&entry_size) || !r.ReadBytes(entry_size, &entry)) {
      return ManifestError(sw + ": member entry " + Num(i) + " is truncated");
    }
  }
  if (r.remaining() != 0) {
    return ManifestError(sw + ": " + Num(r.remaining()) + " bytes after the last member entry");
  }
  return Status::Ok();
}

void EncodeMembers(const Manifest& m, std::string* dst) {
  PutU32(dst, static_cast<uint32_t>(m.files.size()));
  for (size_t i = 0; i < m.files.size(); ++i) PutU32(dst, 0);
}

// Where a walk runs, for messages.
struct WalkPlace {
  bool nested;        // inside ZSEC's decoded content
  std::string where;  // "body" / "section 'ZSEC' content"
};

Status WalkSections(const uint8_t* p, size_t n, const WalkPlace& place, uint64_t limit_offset,
                    FormatVersion version, SectionWalk* w);

// Content of section ZSEC: decoded_size, then one zstd frame that decodes to
// exactly that many bytes, which are sections (any but ZSEC) walked in place.
Status DecodeCompressedSections(const uint8_t* p, uint64_t n, uint64_t limit_offset, FormatVersion version,
                                SectionWalk* w) {
  const std::string sw = "section " + TagName(kCompressedSectionsTag);
  ByteReader r(p, n);
  uint64_t decoded_size;
  if (!r.ReadU64(&decoded_size)) return ManifestError("truncated reading " + sw);
  if (decoded_size > kMaxManifestSize) {
    return Status::ResourceExhausted("manifest: " + sw + ": decoded size " + Num(decoded_size) +
                                     " exceeds the limit " + Num(kMaxManifestSize));
  }
  if (r.remaining() >= decoded_size) {
    return ManifestError(sw + ": frame of " + Num(r.remaining()) + " bytes is not smaller than its decoded size " +
                         Num(decoded_size));
  }
  std::string decoded;
  Status s = DecodeFrameGrowing(r.pos(), r.remaining(), decoded_size, &decoded);
  if (!s.ok()) return s.WithContext("manifest: " + sw);
  return WalkSections(reinterpret_cast<const uint8_t*>(decoded.data()), decoded.size(), {true, sw + " content"},
                      limit_offset, version, w);
}

Status WalkSections(const uint8_t* p, size_t n, const WalkPlace& place, uint64_t limit_offset,
                    FormatVersion version, SectionWalk* w) {
  ByteReader r(p, n);
  while (r.remaining() > 0) {
    const uint64_t at = n - r.remaining();
    const uint8_t* header;
    const uint8_t* content;
    if (!r.ReadBytes(SectionHeader::kEncodedLength, &header)) {
      return ManifestError("truncated section header at " + place.where + " offset " + Num(at));
    }
    const SectionHeader h = SectionHeader::DecodeFrom(header);
    const uint32_t tag = h.tag;
    const uint16_t flags = h.flags, since_minor = h.since_minor;
    const uint64_t size = h.size;
    const std::string sw = "section " + TagName(tag);
    if ((flags & ~kSectionRequired) != 0) return ManifestError(sw + ": reserved flags are set");
    if (!r.ReadBytes(size, &content)) {
      return ManifestError(sw + ": size " + Num(size) + " exceeds the " + Num(r.remaining()) + " bytes left in the " +
                           place.where);
    }
    if (tag == kChunkTableTag || tag == kFileTableTag) {
      bool& seen = tag == kChunkTableTag ? w->have_chunks : w->have_files;
      if (seen) return ManifestError(sw + " appears twice");
      seen = true;
      if (tag == kChunkTableTag) {
        SGZ_RETURN_IF_ERROR(DecodeChunkTable(content, size, limit_offset, version, &w->m));
      } else {
        // File entries reference chunks by index.
        if (!w->have_chunks) return ManifestError(sw + " precedes section 'CHNK'");
        SGZ_RETURN_IF_ERROR(DecodeFileTable(content, size, version, &w->m));
      }
    } else if (tag == kMembersTag) {
      if (w->have_members) return ManifestError(sw + " appears twice");
      w->have_members = true;
      SGZ_RETURN_IF_ERROR(DecodeMembers(content, size, w));
    } else if (tag == kEstimateTag) {
      if (w->m.estimated_scales) return ManifestError(sw + " appears twice");
      if (size != 0) return ManifestError(sw + ": size " + Num(size) + ", not 0");
      w->m.estimated_scales = true;
    } else if (tag == kCompressedSectionsTag) {
      // One level: the decoded content is bounded by one frame's limit.
      if (place.nested) return ManifestError(sw + " inside " + sw);
      if (w->have_compressed) return ManifestError(sw + " appears twice");
      w->have_compressed = true;
      SGZ_RETURN_IF_ERROR(DecodeCompressedSections(content, size, limit_offset, version, w));
    } else if ((flags & kSectionRequired) != 0) {
      const FormatVersion reader{kFormatMajor, kFormatMinor};
      if (since_minor > kFormatMinor) {
        return Status::NotSupported("manifest section " + TagName(tag) + " needs a reader of format " +
                                    VersionString({kFormatMajor, since_minor}) + " or later; this reader reads " +
                                    VersionString(reader));
      }
      // A reader of since_minor knows every section that version defines.
      return ManifestError(sw + ": unknown, yet required since format " + VersionString({kFormatMajor, since_minor}) +
                           ", which this reader (" + VersionString(reader) + ") implements");
    }
    // An unknown optional section is skipped.
  }
  return Status::Ok();
}

void PutFrameHeader(uint64_t body_size, std::string* dst) {
  PutU32(dst, kManifestTag);
  PutU32(dst, 0);
  PutU64(dst, body_size);
}

// Sections CHNK and FILE, as the 2.0 writer writes them, then MEMB when there
// are several files (a one-file archive stays readable by 2.0 readers).
std::string TableSections(const Manifest& m) {
  std::string chunk_table, file_table, out;
  EncodeChunkTable(m, &chunk_table);
  EncodeFileTable(m, &file_table);
  SectionHeader{kChunkTableTag, kSectionRequired, 0, chunk_table.size()}.EncodeTo(&out);
  out += chunk_table;
  SectionHeader{kFileTableTag, kSectionRequired, 0, file_table.size()}.EncodeTo(&out);
  out += file_table;
  if (m.files.size() > 1) {
    std::string members;
    EncodeMembers(m, &members);
    SectionHeader{kMembersTag, kSectionRequired, kMembersSinceMinor, members.size()}.EncodeTo(&out);
    out += members;
  }
  if (m.estimated_scales) SectionHeader{kEstimateTag, kSectionRequired, kEstimateSinceMinor, 0}.EncodeTo(&out);
  return out;
}

}  // namespace

std::string TagName(uint32_t tag) {
  std::string s;
  for (int i = 0; i < 4; ++i) {
    const unsigned char c = static_cast<unsigned char>(tag >> (8 * i));
    if (c >= 0x20 && c < 0x7F && c != '\\' && c != '\'') {
      s += static_cast<char>(c);
    } else {
      static const char kHex[] = "0123456789abcdef";
      s += std::string("\\x") + kHex[c >> 4] + kHex[c & 15];
    }
  }
  return "'" + s + "'";
}

void SectionHeader::EncodeTo(std::string* dst) const {
  PutU32(dst, tag);
  PutU16(dst, flags);
  PutU16(dst, since_minor);
  PutU64(dst, size);
}

SectionHeader SectionHeader::DecodeFrom(const uint8_t* p) {
  SectionHeader h;
  h.tag = LoadU32LE(p);
  h.flags = LoadU16LE(p + 4);
  h.since_minor = LoadU16LE(p + 6);
  h.size = LoadU64LE(p + 8);
  return h;
}

void Manifest::EncodeTo(std::string* dst) const {
  const std::string body = TableSections(*this);
  PutFrameHeader(body.size(), dst);
  *dst += body;
}

bool Manifest::EncodeCompressedTo(int level, std::string* dst) const {
  const std::string tables = TableSections(*this);
  // Larger sections could get a window the reader refuses (zstd shrinks the
  // window to the input, at any level, only up to this size).
  if (tables.size() > (uint64_t{1} << kMaxGrowingWindowLog)) return false;
  std::string frame;
  if (EncodeStream(reinterpret_cast<const uint8_t*>(tables.data()), tables.size(), level, &frame) != Codec::kZstd) {
    return false;
  }
  std::string content;
  PutU64(&content, tables.size());
  content += frame;
  PutFrameHeader(SectionHeader::kEncodedLength + content.size(), dst);
  SectionHeader{kCompressedSectionsTag, kSectionRequired, kCompressedSectionsSinceMinor, content.size()}.EncodeTo(dst);
  *dst += content;
  return true;
}

Result<Manifest> Manifest::DecodeFrom(const uint8_t* p, size_t n, uint64_t limit_offset, FormatVersion version) {
  if (n < kManifestFrameHeader) return ManifestError("truncated frame header");
  if (LoadU32LE(p) != kManifestTag) return ManifestError("bad tag");
  if (LoadU32LE(p + 4) != 0) return ManifestError("reserved flags are set");
  if (LoadU64LE(p + 8) != n - kManifestFrameHeader) {
    return ManifestError("body size " + Num(LoadU64LE(p + 8)) + " disagrees with the footer (" +
                         Num(n - kManifestFrameHeader) + ")");
  }
  const uint8_t* body = p + kManifestFrameHeader;
  const size_t body_size = n - kManifestFrameHeader;
  if (version.major == 1) return DecodeManifestV1(body, body_size, limit_offset, version);
  SectionWalk w;
  SGZ_RETURN_IF_ERROR(WalkSections(body, body_size, {false, "body"}, limit_offset, version, &w));
  if (!w.have_chunks) return ManifestError("no section 'CHNK'");
  if (!w.have_files) return ManifestError("no section 'FILE'");
  // Without MEMB a reader that does not know members would show the first.
  if (w.m.files.size() > 1 && !w.have_members) {
    return ManifestError("no section " + TagName(kMembersTag) + " in an archive of " + Num(w.m.files.size()) +
                         " file entries");
  }
  if (w.have_members && w.member_count != w.m.files.size()) {
    return ManifestError("section " + TagName(kMembersTag) + ": member_count " + Num(w.member_count) +
                         " differs from the file table's file_count " + Num(w.m.files.size()));
  }
  return std::move(w.m);
}

}  // namespace sgz::internal
