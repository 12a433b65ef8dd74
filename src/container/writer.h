// Packing: decomposes an input (GGUF or not) into chunks and streams and
// writes a complete .sgz archive to a sink.
#ifndef SGZ_CONTAINER_WRITER_H_
#define SGZ_CONTAINER_WRITER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "container/byte_sink.h"
#include "container/format.h"
#include "container/input_stream.h"
#include "container/pack_options.h"

namespace sgz::internal {

// Ok when the levels are zstd levels, the chunk size leaves room for merged
// padding within the chunk limit and the name fits; else InvalidArgument
// saying which.
Status ValidatePackOptions(const PackOptions& options);

// Packs the input, read once in order, into a complete archive written to
// *sink. Memory stays bounded by the chunk size, the GGUF header and the
// first 1 MiB of output (held until the header's version is known), whatever
// the input size. Nothing reaches *sink before 1 MiB of output or the end.
Status Pack(InputStream* in, const PackOptions& options, ByteSink* sink, PackStats* stats);

// Packs the inputs one after another, in the order given, as the members of
// one archive (chunks of member i before those of member i + 1, the file
// table in the same order), format 2.1 or 2.2. With several inputs a chunk
// whose bytes an earlier chunk holds is written as a copy of it (transform
// 2), and small data sections are not grouped, so that identical tensors make
// identical chunks; with metadata_references and two inputs or more that
// begin as GGUF, the archive is 2.2 and metadata may be coded against an
// earlier member's (`open` is then called twice: once to look at the first
// bytes). With predict as well, the archive is 2.3, quantized tensors may be
// predicted from earlier members (transform 4), and the inputs are written
// in PredictionOrder (container/member_order.h: parents and importance
// matrices first; `open` is called once more). One input is written exactly as Pack writes it. *total: the whole archive;
// (*members)[i]: inputs[i] (archive_size: its chunks' stored bytes).
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
// footer. With options.predict and `refs`, quantized tensors of the new
// members are predicted from float members old and new (transform 4; the
// minor becomes 2.3), the new members in PredictionOrder.
// *minor: the minor version that footer declares (at least
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
