// Round-trip target: whatever the bytes, packing succeeds and both readers
// (Archive::Unpack and UnpackStream) give the input back exactly. Input
// layout:
//   byte 0  zstd level, 1..5
//   byte 1  chunk size, kMinChunkSize + (b % 253) KiB (4 KiB .. 256 KiB)
//   rest    the file to pack
// Also checks that the archive calls the input GGUF exactly when ParseGguf
// accepts it, and that every tensor reads back as the bytes at its offset.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "container/io.h"
#include "container/reader.h"
#include "container/stream_reader.h"
#include "container/writer.h"
#include "streams/gguf_reader.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  sgz::internal::PackOptions options;
  options.level = 1 + data[0] % 5;
  options.chunk_size = sgz::internal::kMinChunkSize + (data[1] % 253) * 1024ull;
  const uint8_t* input = data + 2;
  const size_t n = size - 2;

  sgz::internal::StringSink archive;
  sgz::internal::PackStats stats;
  Check(sgz::internal::PackBuffer(input, n, options, &archive, &stats).ok());
  Check(stats.original_size == n && stats.archive_size == archive.out.size());
  Check(stats.gguf == sgz::internal::ParseGguf(input, n).ok());
  const uint8_t* ap = reinterpret_cast<const uint8_t*>(archive.out.data());

  sgz::internal::Result<std::unique_ptr<sgz::internal::Archive>> a = sgz::internal::Archive::Open(sgz::internal::NewMemorySource(ap, archive.out.size()));
  Check(a.ok());
  sgz::internal::StringSink unpacked;
  Check((*a)->Unpack(&unpacked).ok());
  Check(unpacked.out.size() == n && memcmp(unpacked.out.data(), input, n) == 0);
  for (const sgz::internal::TensorEntry& t : (*a)->file().tensors) {
    Check(t.offset <= n && t.size <= n - t.offset);
    std::unique_ptr<uint8_t[]> buf(new uint8_t[t.size]);
    Check((*a)->ReadTensor(t.name, buf.get(), t.size).ok());
    Check(t.size == 0 || memcmp(buf.get(), input + t.offset, t.size) == 0);
  }

  std::unique_ptr<sgz::internal::InputStream> in = sgz::internal::NewMemoryInputStream(ap, archive.out.size());
  sgz::internal::StringSink streamed;
  sgz::internal::StreamUnpackStats stream_stats;
  Check(sgz::internal::UnpackStream(in.get(), &streamed, &stream_stats).ok());
  Check(streamed.out == unpacked.out);
  Check(stream_stats.archive_bytes == archive.out.size());
  return 0;
}
