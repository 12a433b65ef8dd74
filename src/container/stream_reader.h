// Unpacking from a non-seekable input: the archive is read once, in order.
// Chunks are self-describing, so each is decoded, checked and written as it
// arrives; member records (member_record.h) say which member the chunks
// after them belong to; copies and other references to earlier chunks are
// served by a StreamChunkLog (earlier_chunks.h). The last manifest and
// footer are then checked against everything seen (chunk positions, sizes
// and checksums, the records against the file entries, each decoded member's
// size and whole-file checksum), and only then does the target make its
// output final. A manifest and footer followed by more chunks (an archive
// appended to) are superseded and stepped over (their minor may be below
// the header's: `sgz add` rewrites the header's last); an error after one
// says that the bytes before it are a complete archive. Memory: about the largest
// chunk per worker, the manifest, a few dozen bytes per chunk, and up to
// 16 MiB of parent chunks kept for predicted chunks (transform 4), which are
// decoded on the workers once their parent has been written.
#ifndef SGZ_CONTAINER_STREAM_READER_H_
#define SGZ_CONTAINER_STREAM_READER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "container/byte_sink.h"
#include "container/earlier_chunks.h"
#include "container/format.h"
#include "container/input_stream.h"
#include "container/member_record.h"

namespace sgz::internal {

struct StreamUnpackStats {
  uint64_t archive_bytes = 0;  // bytes of the archive read
  uint64_t chunks = 0;         // chunks decoded
  uint64_t original_bytes = 0; // bytes written to outputs
  uint64_t spooled_bytes = 0;  // stored bytes kept in the spool for later references
  uint64_t members = 0;        // file entries of the last manifest, once read
  FileAttributes attributes;   // UnpackStream: of the file written, once checked
};

// Where a member's bytes go. `sink` null: the member is passed over (its
// chunks are not decoded, only spooled in case a later chunk refers to
// them). `readback`: the bytes written to `sink` can be read again there
// (else decoded chunks are spooled too).
// `only`: the target refuses any member after this one, so no later chunk
// can refer to this one's: bytes written where they cannot be read back are
// not spooled either (an archive of one file to standard output).
struct MemberOutput {
  ByteSink* sink = nullptr;
  ReadableOutput* readback = nullptr;
  bool only = false;
};

// What a streamed archive's members become.
class StreamTarget {
 public:
  virtual ~StreamTarget() = default;
  // Member `index` (in stream order) begins. `record` is its member record,
  // or null for chunks met before any record (an archive of one file, or
  // the first file of one that members were appended to): a member whose
  // name only the manifest gives.
  virtual Result<MemberOutput> Begin(size_t index, const MemberRecord* record, uint64_t offset) = 0;
  // Members [0, end) have all their bytes written (not yet checked): their
  // outputs may let go of resources until Finish (called as the stream
  // moves on; `end` only grows).
  virtual void Written(size_t end) { (void)end; }
  // Everything checked out: file entry i of `manifest` is member
  // member_of_file[i]. The target makes its output final.
  virtual Status Finish(const Manifest& manifest, const std::vector<size_t>& member_of_file) = 0;
};

Status StreamArchive(InputStream* in, StreamTarget* target, StreamUnpackStats* stats, unsigned threads = 0);

// Writes one file of the archive read from *in to *out: the only one, or,
// with `member` not empty, the one of that name (chunks before any member
// record are decoded to an unlinked temporary file, read back for copies,
// and copied to *out at the end if they are that member: disk, not memory,
// of that member's size). The output may already have
// received bytes when an error is returned; callers that write files discard
// them (OutputFile), callers writing to a pipe report the failure. Chunks are
// decoded on `threads` workers (0 = all cores) and written in order.
Status UnpackStream(InputStream* in, ByteSink* out, StreamUnpackStats* stats, unsigned threads = 0,
                    const std::string& member = "");

// Decodes and checks every member of the archive read from *in, writing
// nothing.
Status VerifyStream(InputStream* in, StreamUnpackStats* stats, unsigned threads = 0);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_STREAM_READER_H_
