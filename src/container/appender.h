// Appending members to an existing archive without rewriting its chunks
// (spec: "Appending"): new chunks, a new manifest and a new footer after the
// old footer, which becomes dead bytes.
#ifndef SGZ_CONTAINER_APPENDER_H_
#define SGZ_CONTAINER_APPENDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "container/writer.h"

namespace sgz::internal {

struct AppendStats {
  uint64_t old_size = 0;       // the archive's bytes before (without a dropped tail)
  uint64_t dropped_bytes = 0;  // the dead tail of an interrupted add, truncated first
  PackStats total;             // the members added (archive_size: the archive's new size)
  std::vector<PackStats> members;
  std::vector<std::string> replaced;  // names whose old file entry was dropped
  uint16_t old_minor = 0, new_minor = 0;  // the header's minor version before and after
};

// Appends `inputs` (names already checked by CheckMemberName, sorted or
// not, distinct) to the archive file at `path`:
//  - the archive is opened as readers open it (a dead tail after the last
//    valid footer, left by an interrupted add, is found and truncated before
//    anything is written); format 2 only (NotSupported for 1.x);
//  - a name already in the archive is refused (InvalidArgument, nothing
//    written) unless `replace`, which drops the old file entry (its chunks
//    stay in the chunk table, as dead bytes or copy targets); a name that
//    is the directory of another member's ("a" and "a/b") is refused; so is
//    adding to a one-file archive whose file has no name (packed from
//    standard input);
//  - chunks equal to one already in the archive, or to one written before
//    in this add, become copy chunks of it (confirmed by decoding it);
//  - the new end is written and synced, then, when the new manifest needs a
//    higher minor version (MEMB, copies, attributes), the header's minor is
//    rewritten and synced: until then readers open the old archive.
// On any error, the file is truncated back to its old size. A signal
// (SIGINT, SIGTERM, SIGHUP) does the same when InstallOutputCleanup() ran;
// any other interruption leaves a tail that readers skip (ChunkStoreOptions::
// recover) and the next add removes. An exclusive flock() on the archive
// refuses a second concurrent add.
Status AppendToArchive(const std::string& path, const std::vector<MemberInput>& inputs, bool replace,
                       const PackOptions& options, AppendStats* stats);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_APPENDER_H_
