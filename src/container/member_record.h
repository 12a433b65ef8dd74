// In-band member records (format 2.2, spec: "Member records"): a small
// self-describing record the writer puts before the first chunk of each
// member of an archive of several members, in the gap between chunks that
// random-access readers never read. A reader that streams the archive learns
// from it which member the chunks that follow belong to, before the
// manifest at the end says so.
#ifndef SGZ_CONTAINER_MEMBER_RECORD_H_
#define SGZ_CONTAINER_MEMBER_RECORD_H_

#include <cstdint>
#include <string>

#include "common/status.h"
#include "container/format.h"

namespace sgz::internal {

constexpr uint32_t kRecordTag = 0x525A4753;  // "SGZR"

// The 20-byte part before a record's content.
struct RecordHeader {
  static constexpr size_t kEncodedLength = 20;
  // Content above this is refused before it is read: a member record is at
  // most 4 + 2 + 4096 + 16 bytes, and later kinds or fields stay small.
  static constexpr uint32_t kMaxContent = 1 << 16;
  static constexpr uint16_t kMember = 1;  // record kind: a member begins
  uint16_t kind = 0;
  uint32_t size = 0;       // bytes of content after the header
  uint64_t checksum = 0;   // XXH3-64 of the content
  // Checks the tag, the reserved flags and the size limit.
  static Result<RecordHeader> DecodeFrom(const uint8_t* p);
};

// Record kind 1: the member whose chunks follow.
struct MemberRecord {
  uint32_t first_chunk = 0;  // index of its first chunk (chunks before the record)
  std::string name;
  FileAttributes attributes;
  // The whole record, header and content.
  void EncodeTo(std::string* dst) const;
  // The content of a kMember record whose header is `h` (checksum first,
  // then the fields; bytes after them are a later version's and skipped).
  static Result<MemberRecord> DecodeContent(const RecordHeader& h, const uint8_t* content);
};

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_MEMBER_RECORD_H_
