#include "container/member_record.h"

#include "common/checksum.h"
#include "common/coding.h"

namespace sgz::internal {
namespace {

Status Bad(const std::string& what) { return Status::Corruption(what); }

}  // namespace

Result<RecordHeader> RecordHeader::DecodeFrom(const uint8_t* p) {
  if (LoadU32LE(p) != kRecordTag) return Bad("bad tag");
  RecordHeader h;
  h.kind = LoadU16LE(p + 4);
  if (LoadU16LE(p + 6) != 0) return Bad("reserved flags are set");
  h.size = LoadU32LE(p + 8);
  h.checksum = LoadU64LE(p + 12);
  if (h.size > kMaxContent) {
    return Status::ResourceExhausted("size " + std::to_string(h.size) + " exceeds the limit " +
                                     std::to_string(kMaxContent));
  }
  return h;
}

void MemberRecord::EncodeTo(std::string* dst) const {
  std::string content;
  PutU32(&content, first_chunk);
  PutU16(&content, static_cast<uint16_t>(name.size()));
  content += name;
  const FileAttributes& a = attributes;
  PutU16(&content, static_cast<uint16_t>((a.has_mode ? FileAttributes::kHasMode : 0) |
                                         (a.has_mtime ? FileAttributes::kHasMtime : 0)));
  PutU16(&content, static_cast<uint16_t>(a.has_mode ? a.mode : 0));
  PutU64(&content, a.has_mtime ? static_cast<uint64_t>(a.mtime_sec) : 0);
  PutU32(&content, a.has_mtime ? a.mtime_nsec : 0);
  PutU32(dst, kRecordTag);
  PutU16(dst, RecordHeader::kMember);
  PutU16(dst, 0);
  PutU32(dst, static_cast<uint32_t>(content.size()));
  PutU64(dst, Xxh3(content.data(), content.size()));
  *dst += content;
}

Result<MemberRecord> MemberRecord::DecodeContent(const RecordHeader& h, const uint8_t* content) {
  if (!ChecksumMatches(Xxh3(content, h.size), h.checksum)) {
    return Status::ChecksumMismatch("checksum does not match its bytes");
  }
  ByteReader r(content, h.size);
  MemberRecord m;
  uint16_t name_len, flags, mode;
  const uint8_t* name;
  uint64_t sec;
  uint32_t nsec;
  if (!r.ReadU32(&m.first_chunk) || !r.ReadU16(&name_len) || name_len > kMaxNameBytes ||
      !r.ReadBytes(name_len, &name)) {
    return Bad("name runs past the record or exceeds " + std::to_string(kMaxNameBytes) + " bytes");
  }
  m.name.assign(reinterpret_cast<const char*>(name), name_len);
  if (!r.ReadU16(&flags) || !r.ReadU16(&mode) || !r.ReadU64(&sec) || !r.ReadU32(&nsec)) {
    return Bad("attributes run past the record");
  }
  FileAttributes& a = m.attributes;
  a.has_mode = (flags & FileAttributes::kHasMode) != 0;
  a.has_mtime = (flags & FileAttributes::kHasMtime) != 0;
  if ((flags & ~(FileAttributes::kHasMode | FileAttributes::kHasMtime)) != 0 ||
      (mode & ~FileAttributes::kModeBits) != 0 || (!a.has_mode && mode != 0) || nsec > 999999999 ||
      (!a.has_mtime && (sec != 0 || nsec != 0))) {
    return Bad("attributes are invalid");
  }
  a.mode = mode;
  a.mtime_sec = static_cast<int64_t>(sec);
  a.mtime_nsec = nsec;
  return m;
}

}  // namespace sgz::internal
