// One input's way into an archive: its GGUF header parsed from a prefix,
// its regions cut into chunks, the chunks split and compressed on worker
// threads and written in order, and its file entry.
#ifndef SGZ_CONTAINER_PACK_MEMBER_H_
#define SGZ_CONTAINER_PACK_MEMBER_H_

#include <cstdint>
#include <string>

#include "common/status.h"
#include "container/archive_writer.h"
#include "container/format.h"
#include "container/input_stream.h"
#include "container/pack_options.h"

namespace sgz::internal {

class ChunkDedup;
class MetaReferences;

// Padding up to this size joins its tensor's last chunk (and is split with
// it: whole blocks' worth go through the field streams, the rest into the
// tail stream); larger gaps (huge alignments) are chunked on their own. A
// chunk may thus exceed the chunk size by this much (ValidatePackOptions).
constexpr uint64_t kMaxMergedPadding = 64 * 1024;

// The zstd level of the GGUF metadata: options.meta_level, or by default
// the tensor level but at least kDefaultMetaLevel.
int MetaLevel(const PackOptions& options);

// Appends the chunks of one input, read once in order, to the archive being
// written, and its file entry to *manifest. `consumed_before`: input bytes
// of earlier members, for progress. *stats receives this member's figures
// (not archive_size and chunks, which the caller knows).
// With `dedup`, a chunk whose bytes an earlier chunk holds is written as a
// copy of it, and small data sections are not grouped. With `refs`, GGUF
// metadata may be coded against an earlier member's (transform 3).
// REQUIRES: ValidatePackOptions(options) is ok.
Status PackMember(InputStream* in, const std::string& name, const PackOptions& options, ArchiveWriter* writer,
                  Manifest* manifest, uint64_t consumed_before, ChunkDedup* dedup, MetaReferences* refs,
                  PackStats* stats);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_PACK_MEMBER_H_
