// Decode-only target for the archive readers: Archive (random access) and
// UnpackStream (one pass) over untrusted bytes. Neither may crash, read or
// write out of bounds, or allocate more than the input justifies; errors are
// Statuses.
//
// The manifest is guarded by a checksum the fuzzer cannot forge, so an input
// whose footer decodes but whose manifest checksum is wrong is also run with
// the checksum recomputed: mutations of the manifest then reach its decoder
// and everything behind it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/checksum.h"
#include "container/format.h"
#include "container/io.h"
#include "container/reader.h"
#include "container/stream_reader.h"

namespace {

// Largest buffer allocated for one tensor or range; larger ones are skipped
// (a real archive may hold them, but the fuzzer's memory limit would trip).
constexpr uint64_t kMaxBuffer = 64ull << 20;
constexpr uint64_t kMaxRange = 1ull << 20;
constexpr size_t kMaxChunksDecoded = 16;

using sgz::internal::DiscardSink;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

void ReadSomeRange(sgz::internal::Archive* a, uint64_t offset, uint64_t n) {
  n = std::min(n, kMaxRange);
  std::unique_ptr<uint8_t[]> buf(new uint8_t[n]);
  sgz::internal::Status s = a->ReadRange(offset, n, buf.get());
  const uint64_t size = a->file().original_size;
  if (offset > size || n > size - offset) Check(!s.ok());
}

void Exercise(sgz::internal::Archive* a) {
  const sgz::internal::Manifest& m = a->manifest();
  const sgz::internal::FileEntry& f = a->file();

  for (const sgz::internal::TensorEntry& t : f.tensors) {
    (void)a->TensorStoredBytes(t);
    sgz::internal::Result<const sgz::internal::TensorEntry*> found = a->FindTensor(t.name);
    Check(found.ok() && (*found)->name == t.name);
    // The manifest decoder lets a name repeat; lookups then find the first.
    const bool first = *found == &t;
    if (t.size > kMaxBuffer) continue;
    std::unique_ptr<uint8_t[]> buf(new uint8_t[t.size]);
    (void)a->ReadTensor(t.name, buf.get(), t.size);
    if (first && t.size > 0) Check(!a->ReadTensor(t.name, buf.get(), t.size - 1).ok());
  }
  // A name that is not there, close to one that is (the suggestion path).
  std::string missing = f.tensors.empty() ? std::string("output.weight") : f.tensors[0].name + "x";
  (void)a->FindTensor(missing);

  std::vector<uint8_t> chunk;
  for (size_t i = 0; i < m.chunks.size() && i < kMaxChunksDecoded; ++i) {
    (void)a->DecodeChunk(static_cast<uint32_t>(i), &chunk);
    (void)a->DescribeChunk(static_cast<uint32_t>(i));
  }

  const uint64_t size = f.original_size;
  ReadSomeRange(a, 0, size);
  ReadSomeRange(a, size / 2, 4097);
  ReadSomeRange(a, size > 100 ? size - 100 : 0, 100);
  ReadSomeRange(a, size, 0);
  ReadSomeRange(a, size, 1);          // past the end: must fail
  ReadSomeRange(a, UINT64_MAX, 2);    // offset + n overflows: must fail

  DiscardSink sink;
  if (a->Unpack(&sink).ok()) Check(sink.bytes == size);
}

void RunArchive(const uint8_t* data, size_t size) {
  sgz::internal::Result<std::unique_ptr<sgz::internal::Archive>> a = sgz::internal::Archive::Open(sgz::internal::NewMemorySource(data, size));
  if (a.ok()) Exercise(a->get());
}

void RunStream(const uint8_t* data, size_t size) {
  std::unique_ptr<sgz::internal::InputStream> in = sgz::internal::NewMemoryInputStream(data, size);
  DiscardSink sink;
  sgz::internal::StreamUnpackStats stats;
  if (sgz::internal::UnpackStream(in.get(), &sink, &stats).ok()) Check(sink.bytes == stats.original_bytes);
}

// If the input has a decodable footer whose manifest lies in the input but
// whose checksum is wrong, stores a copy with the checksum recomputed.
bool FixManifestChecksum(const uint8_t* data, size_t size, std::vector<uint8_t>* fixed) {
  if (size < sgz::internal::Footer::kEncodedLength) return false;
  const uint8_t* fp = data + size - sgz::internal::Footer::kEncodedLength;
  sgz::internal::Result<sgz::internal::Footer> footer = sgz::internal::Footer::DecodeFrom(fp, sgz::internal::Footer::kEncodedLength);
  if (!footer.ok()) return false;
  const uint64_t limit = size - sgz::internal::Footer::kEncodedLength;
  if (footer->manifest_offset > limit || footer->manifest_size > limit - footer->manifest_offset) return false;
  const uint64_t sum = sgz::internal::Xxh3(data + footer->manifest_offset, footer->manifest_size);
  if (sum == footer->manifest_checksum) return false;
  footer->manifest_checksum = sum;
  std::string encoded;
  footer->EncodeTo(&encoded);
  fixed->assign(data, data + size);
  memcpy(fixed->data() + limit, encoded.data(), encoded.size());
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  RunArchive(data, size);
  std::vector<uint8_t> fixed;
  if (FixManifestChecksum(data, size, &fixed)) {
    RunArchive(fixed.data(), fixed.size());
    RunStream(fixed.data(), fixed.size());
  } else {
    RunStream(data, size);
  }
  return 0;
}
