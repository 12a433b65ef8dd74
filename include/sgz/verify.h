// Checking archives (part of sgz/sgz.h): the damaged chunks a pass finds
// (Reader::VerifyAll, VerifyFile) and VerifyFile, which decodes a whole
// archive and compares it with a file.
#ifndef SGZ_PUBLIC_VERIFY_H_
#define SGZ_PUBLIC_VERIFY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sgz/error.h"
#include "sgz/io.h"

namespace sgz {

// A chunk of an archive that failed its checks (Reader::VerifyAll,
// VerifyFile), and what of the original file it held.
struct Damage {
  uint64_t chunk = 0;   // index in the archive's chunk table ("chunk N" in messages)
  uint64_t offset = 0;  // the original bytes [offset, offset + length) it holds
  uint64_t length = 0;
  ErrorCode code = ErrorCode::kCorrupt;  // kChecksumMismatch or kCorrupt
  std::string message;                   // what failed (without the chunk's name)
  std::vector<std::string> tensors;      // tensors whose payload overlaps the range, in header order
  bool metadata = false;                 // the range overlaps the GGUF header, [0, data_offset)
};
// Receives damaged chunks; a non-ok return stops the operation, which
// returns that Error unchanged. The callback must not throw.
using DamageCallback = std::function<Error(const Damage& damage)>;

struct VerifyOptions {
  std::string against;  // a file to compare the original with ("-": standard input); empty: none
  unsigned threads = 0;
  ProgressCallback progress;
  // The member to verify (Reader::OpenMember; not from standard input);
  // empty: member 0, the only one of a one-file archive.
  std::string member;
};

struct VerifyResult {
  bool against_opened = false;  // VerifyOptions::against opened (it is opened first)
  bool opened = false;          // the archive opened (original_size is known)
  uint64_t original_size = 0;
  uint64_t chunks_checked = 0;  // chunks decoded and checked, also on failure
  uint64_t archive_bytes = 0;   // the archive's size (streamed: the bytes read), once known
  // Bytes after the last valid footer that the archive was opened without
  // (ArchiveInfo::ignored_bytes): not damage to any member, and not counted
  // as such by the return value; the file is not as a writer left it.
  uint64_t ignored_bytes = 0;
  // With `against`: whether the decoded bytes equal the file's, and where
  // they first differ (the shorter length when one is a prefix of the other).
  bool matches = true;
  uint64_t first_difference = UINT64_MAX;
  // With `against`: the tensors with a byte that differs or that the file
  // lacks, in header order, and whether bytes outside every tensor differ.
  // Bytes of damaged chunks are not compared.
  std::vector<std::string> differing_tensors;
  bool differs_outside_tensors = false;
  // Every chunk that failed its checks, in file order: VerifyFile goes on
  // past them (Reader::VerifyAll) and returns the first one's error.
  std::vector<Damage> damaged;
};

// Decodes the archive `archive` ("-": standard input, read once in order as
// UnpackFile does; `against` may then not be "-" too), checking every
// checksum, and compares it with options.against (opened first, read once
// in order). A difference is not an error: the call returns ok with
// matches == false. A damaged chunk of an archive file does not stop the
// pass (Reader::VerifyAll): every one is listed in result->damaged and the
// first one's error is returned (from standard input, the first damage
// ends the pass). *result is filled as far as the call got, also on error.
Error VerifyFile(const std::string& archive, const VerifyOptions& options, VerifyResult* result);

}  // namespace sgz

#endif  // SGZ_PUBLIC_VERIFY_H_
