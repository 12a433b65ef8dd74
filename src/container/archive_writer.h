// The archive frame the writer fills: the header (held back until its minor
// version is known), the chunks in order, then the manifest and the footer.
#ifndef SGZ_CONTAINER_ARCHIVE_WRITER_H_
#define SGZ_CONTAINER_ARCHIVE_WRITER_H_

#include <cstdint>
#include <string>

#include "common/status.h"
#include "container/byte_sink.h"
#include "container/chunk_encoder.h"
#include "container/format.h"
#include "container/pack_options.h"

namespace sgz::internal {

// The writer holds the archive in memory, header first, until it passes this
// size: the header's minor version depends on the manifest's form, which is
// known only at the end. An archive that ends within it may get the
// compressed manifest (section ZSEC, format 2.1); a larger one keeps the plain
// form, in which the manifest is a negligible share (0.3% at most on the
// corpus, 0.004% of bench/big_file.sh's 2.1 GB archive) and which 2.0
// readers read.
constexpr uint64_t kHoldBytes = 1 << 20;

// Writes the header and encoded chunks in order and records them (on the
// caller's thread). Output goes to the sink once it passes kHoldBytes, with
// the header's minor as given then; before that it is held.
class ArchiveWriter {
 public:
  // A new archive: `header` is encoded first and held.
  ArchiveWriter(ByteSink* sink, PackStats* stats, const FileHeader& header);
  // Continues an archive of version `header` whose bytes end at `offset`:
  // nothing is held, and Release only raises the minor version the footer
  // gets (the caller rewrites the header).
  ArchiveWriter(ByteSink* sink, PackStats* stats, const FileHeader& header, uint64_t offset);

  // Appends `bytes` (held, or written once past kHoldBytes).
  Status Emit(const std::string& bytes);

  // Appends `chunk`, adds its streams to the stream totals (named as the
  // reader names them; `metadata`: the chunk is GGUF metadata) and fills
  // *entry, its chunk-table entry, with the offset it was written at.
  Status EmitChunk(const EncodedChunk& chunk, bool metadata, ChunkEntry* entry);

  // True while nothing has reached the sink: the header's minor may change.
  bool holding() const { return holding_; }

  // Writes what is held with the header's minor set to `minor`.
  Status Release(uint16_t minor);

  uint16_t minor() const { return header_.minor; }
  // The lowest minor version that holds every chunk emitted so far (their
  // transforms' and codecs' versions).
  uint16_t chunks_minor() const { return chunks_minor_; }
  // Whether a chunk emitted so far carries transform 4's flag ESTIMATE.
  bool estimate() const { return estimate_; }
  // Appending to an archive: its header is rewritten at the end with the
  // minor the chunks need.
  bool appending() const { return appending_; }
  // The archive's size so far (the next byte's offset).
  uint64_t offset() const { return offset_; }
  // Stream totals go to *stats from now on (one member's).
  void set_stats(PackStats* stats) { stats_ = stats; }

 private:
  ByteSink* sink_;
  PackStats* stats_;
  FileHeader header_;
  std::string held_;
  bool holding_ = true;
  bool appending_ = false;
  uint64_t offset_ = 0;
  uint16_t chunks_minor_ = 0;
  bool estimate_ = false;
};

// Writes the manifest and the footer after the last chunk; the header's minor
// version becomes the lowest that holds the archive (written now if the
// archive is still held, see kHoldBytes). The manifest is compressed (ZSEC)
// only while the archive is held and where that pays; `meta_level`: its zstd
// level. Sets manifest->estimated_scales when a chunk carries ESTIMATE.
Status FinishArchive(Manifest* manifest, int meta_level, ArchiveWriter* writer);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_ARCHIVE_WRITER_H_
