// Unpacking from a non-seekable input: the archive is read once, in order.
// Chunks are self-describing, so each is decoded, checked and written as it
// arrives; the manifest and footer at the end are then checked against what
// was seen (chunk positions, sizes and checksums, and the whole-file
// checksum). Memory is bounded by the largest chunk and the manifest.
#ifndef SGZ_CONTAINER_STREAM_READER_H_
#define SGZ_CONTAINER_STREAM_READER_H_

#include <cstdint>

#include "common/status.h"
#include "container/byte_sink.h"
#include "container/format.h"
#include "container/input_stream.h"

namespace sgz::internal {

struct StreamUnpackStats {
  uint64_t archive_bytes = 0;  // bytes of the archive read
  uint64_t chunks = 0;         // chunks decoded
  uint64_t original_bytes = 0;
  FileAttributes attributes;  // of file 0, set once the manifest checked out
};

// Writes file 0 of the archive read from *in to *out. The output may already
// have received bytes when an error is returned; callers that write files
// discard them (OutputFile), callers writing to a pipe report the failure.
// Chunks are decoded on `threads` workers (0 = all cores) and written in order.
Status UnpackStream(InputStream* in, ByteSink* out, StreamUnpackStats* stats, unsigned threads = 0);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_STREAM_READER_H_
