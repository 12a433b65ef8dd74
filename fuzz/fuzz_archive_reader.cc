// Decode-only target for the archive readers: Archive (random access) and
// UnpackStream (one pass) over untrusted bytes. Neither may crash, read or
// write out of bounds, or allocate more than the input justifies; errors are
// Statuses.
//
// Checksums (manifest, chunks, whole file) are not forgeable by a fuzzer: the
// fuzzing build defines FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, under which
// the library accepts any (common/checksum.h), so mutations reach the
// manifest decoder, the chunk decoders and everything behind them. The
// *_replay programs of ordinary builds check checksums as the product does.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

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
constexpr size_t kMaxMembers = 8;

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

  // What `sgz info` reads: the GGUF header (its size comes from the
  // manifest's data_offset) and every chunk header.
  std::vector<uint8_t> header;
  sgz::internal::GgufLayout layout;
  if (a->ReadGgufHeader(&header, &layout).ok()) Check(layout.data_offset == f.data_offset);
  std::map<std::string, sgz::internal::StreamTotals> stats;
  (void)a->StreamStats(&stats);

  DiscardSink sink;
  if (a->Unpack(&sink).ok()) Check(sink.bytes == size);

  // The later members, whose chunks are where copies and referencing chunks
  // (coded against an earlier member's metadata) are: each one alone.
  for (uint32_t i = 1; i < m.files.size() && i < kMaxMembers; ++i) {
    sgz::internal::Result<sgz::internal::FileView*> v = a->view(i);
    if (!v.ok()) continue;
    DiscardSink member;
    if ((*v)->Unpack(&member).ok()) Check(member.bytes == (*v)->file().original_size);
  }
}

// Returns the name of the archive's last member, for the streaming reader to
// select ("m/b" when it does not open).
std::string RunArchive(const uint8_t* data, size_t size) {
  // As the library opens files: recovering from an interrupted add.
  sgz::internal::ChunkStoreOptions options;
  options.recover = true;
  sgz::internal::Result<std::unique_ptr<sgz::internal::Archive>> a =
      sgz::internal::Archive::Open(sgz::internal::NewMemorySource(data, size), options);
  if (!a.ok()) return "m/b";
  // Opened at an earlier footer (an interrupted add): what was ignored and
  // what is read make up the input.
  sgz::internal::ChunkStore& store = (*a)->store();
  Check(store.source().Size() + store.ignored_bytes() == size);
  Exercise(a->get());
  return (*a)->manifest().files.back().name;
}

void RunStream(const uint8_t* data, size_t size, const std::string& name) {
  std::unique_ptr<sgz::internal::InputStream> in = sgz::internal::NewMemoryInputStream(data, size);
  DiscardSink sink;
  sgz::internal::StreamUnpackStats stats;
  if (sgz::internal::UnpackStream(in.get(), &sink, &stats).ok()) Check(sink.bytes == stats.original_bytes);
  // Every member (member records, copies served from the spool, manifests
  // superseded by an append), and one member by name (the last one).
  std::unique_ptr<sgz::internal::InputStream> all = sgz::internal::NewMemoryInputStream(data, size);
  (void)sgz::internal::VerifyStream(all.get(), &stats, 1);
  std::unique_ptr<sgz::internal::InputStream> one = sgz::internal::NewMemoryInputStream(data, size);
  DiscardSink member;
  if (sgz::internal::UnpackStream(one.get(), &member, &stats, 1, name).ok()) Check(member.bytes == stats.original_bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string name = RunArchive(data, size);
  RunStream(data, size, name);
  return 0;
}
