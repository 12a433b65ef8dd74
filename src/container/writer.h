// Packing: decomposes an input (GGUF or not) into chunks and streams and
// writes a complete .sgz archive to a sink.
#ifndef SGZ_CONTAINER_WRITER_H_
#define SGZ_CONTAINER_WRITER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "container/byte_sink.h"
#include "container/format.h"
#include "container/input_stream.h"

namespace sgz::internal {

// Levels chosen by measurement on the corpus (BENCHMARKS.md): for tensor
// streams zstd level 1 compresses as well as or better than level 3 and is
// faster; GGUF metadata (vocabularies) gains from a higher level and is small.
constexpr int kDefaultLevel = 1;
constexpr int kDefaultMetaLevel = 9;
constexpr int kMaxPresetLevel = 19;

struct PackOptions {
  int level = kDefaultLevel;                // zstd level of tensor and opaque streams
  int meta_level = 0;                       // zstd level of the GGUF metadata; 0: max(level, 9)
  uint64_t chunk_size = kDefaultChunkSize;  // original bytes per chunk (target)
  std::string name;                         // recorded as the file's name
  unsigned threads = 0;                     // worker threads, 0 = all cores
  // With several members, a GGUF member's metadata may be coded against an
  // earlier member's (transform 3, format 2.2) where that is smaller.
  bool metadata_references = true;
  // Called on the caller's thread after each chunk is written, with the input
  // bytes consumed and archive bytes written so far.
  std::function<void(uint64_t in, uint64_t out)> progress;
};

struct PackStats {
  uint64_t original_size = 0;
  uint64_t archive_size = 0;
  uint64_t chunks = 0;
  bool gguf = false;
  std::string notice;  // set when the input was packed as opaque bytes: why
  std::map<std::string, StreamTotals> streams;  // by stream name ("Q4_K.qs")
  // Original bytes written as copies of earlier chunks (several members).
  uint64_t shared_bytes = 0;
};

Status ValidatePackOptions(const PackOptions& options);

// Packs the input, read once in order, into a complete archive written to
// *sink. Memory stays bounded by the chunk size, the GGUF header and the
// first 1 MiB of output (held until the header's version is known), whatever
// the input size. Nothing reaches *sink before 1 MiB of output or the end.
Status Pack(InputStream* in, const PackOptions& options, ByteSink* sink, PackStats* stats);

// One input of a many-member archive, opened when its turn comes (so that
// no more than one input is open at a time).
struct MemberInput {
  std::string name;  // checked by the caller (CheckMemberName)
  std::function<Result<std::unique_ptr<InputStream>>()> open;
};

// Packs the inputs one after another, in the order given, as the members of
// one archive (chunks of member i before those of member i + 1, the file
// table in the same order), format 2.1 or 2.2. With several inputs a chunk
// whose bytes an earlier chunk holds is written as a copy of it (transform
// 2), and small data sections are not grouped, so that identical tensors make
// identical chunks; with metadata_references and two inputs or more that
// begin as GGUF, the archive is 2.2 and metadata may be coded against an
// earlier member's (`open` is then called twice: once to look at the first
// bytes). One input is written exactly as Pack writes it. *total: the whole archive;
// (*members)[i]: member i (archive_size: its chunks' stored bytes).
Status PackMembers(const std::vector<MemberInput>& inputs, const PackOptions& options, ByteSink* sink,
                   PackStats* total, std::vector<PackStats>* members);

class ChunkDedup;
class MetaReferences;

// Appends the members `inputs` to an existing archive (spec: "Appending"):
// its header says `header`, its bytes end at `offset`, and *manifest holds
// its chunk table and the file entries to keep. Writes to *sink, which
// continues the archive at `offset`, the members' chunks (a chunk whose
// bytes `dedup` finds, old or new, as a copy of it; GGUF metadata coded
// against a candidate of `refs` when that is smaller; refs may be null),
// then a plain manifest
// of all chunks and of the kept files followed by the new ones, and a
// footer. *minor: the minor version that footer declares (at least
// header.minor); the caller makes the header agree. *total: the members
// written (archive_size: the archive's new end; chunks: chunks written).
Status AppendMembers(const std::vector<MemberInput>& inputs, const PackOptions& options, const FileHeader& header,
                     uint64_t offset, ChunkDedup* dedup, MetaReferences* refs, Manifest* manifest, ByteSink* sink,
                     PackStats* total, std::vector<PackStats>* members, uint16_t* minor);

// Packs data[0, size) into a complete archive written to *sink.
Status PackBuffer(const uint8_t* data, uint64_t size, const PackOptions& options, ByteSink* sink,
                  PackStats* stats);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_WRITER_H_
