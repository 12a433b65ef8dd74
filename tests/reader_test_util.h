// Helpers for the reader's unit tests (chunk store, file views, opening): a
// byte source that records every read, and a packed demo model.
#ifndef SGZ_TESTS_READER_TEST_UTIL_H_
#define SGZ_TESTS_READER_TEST_UTIL_H_

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "container/byte_source.h"
#include "container/chunk_store.h"
#include "fixture_set.h"
#include "test_util.h"

namespace sgz::internal {
namespace testing {

// An archive in memory whose reads are recorded as (offset, length); reads
// from the `fail_from`-th on (1-based; 0 = never) fail with IOError.
class RecordingSource : public ByteSource {
 public:
  struct Log {
    std::vector<std::pair<uint64_t, uint64_t>> reads;
    uint64_t fail_from = 0;
  };
  RecordingSource(const std::string& bytes, std::shared_ptr<Log> log) : bytes_(bytes), log_(std::move(log)) {}
  uint64_t Size() const override { return bytes_.size(); }

 protected:
  Status DoRead(uint64_t offset, uint64_t n, uint8_t* dst) override {
    log_->reads.push_back({offset, n});
    if (log_->fail_from != 0 && log_->reads.size() >= log_->fail_from) {
      return Status::IOError("recording source: read " + std::to_string(log_->reads.size()) + " refused");
    }
    memcpy(dst, bytes_.data() + offset, n);
    return Status::Ok();
  }

 private:
  const std::string& bytes_;  // owned by the test
  std::shared_ptr<Log> log_;
};

inline std::unique_ptr<ByteSource> Record(const std::string& bytes, std::shared_ptr<RecordingSource::Log> log) {
  return std::make_unique<RecordingSource>(bytes, std::move(log));
}

// Member `index` of `archive` unpacked alone on one thread through a
// recording source: its bytes, the reads made after opening, and the chunks
// decoded (what reading one member costs).
struct MemberRead {
  std::string bytes;
  std::vector<std::pair<uint64_t, uint64_t>> reads;
  uint64_t chunks_decoded = 0;
};
inline MemberRead ReadMemberRecorded(const std::string& archive, uint32_t index) {
  MemberRead out;
  auto log = std::make_shared<RecordingSource::Log>();
  Result<std::unique_ptr<Archive>> a = Archive::Open(Record(archive, log));
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  if (!a.ok()) return out;
  (*a)->set_threads(1);
  const size_t opening_reads = log->reads.size();
  Result<FileView*> v = (*a)->view(index);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  if (!v.ok()) return out;
  StringSink sink;
  Status s = (*v)->Unpack(&sink);
  EXPECT_TRUE(s.ok()) << s.ToString();
  out.bytes = std::move(sink.out);
  out.reads.assign(log->reads.begin() + opening_reads, log->reads.end());
  out.chunks_decoded = (*a)->chunks_decoded();
  return out;
}

// The demo model and its archive with 4 KiB chunks: a few hundred chunks,
// tensors of several chunks each.
struct PackedDemo {
  std::string original = fixtures::DemoModel();
  std::string archive;
  explicit PackedDemo(uint64_t chunk_size = kMinChunkSize) {
    PackOptions o;
    o.chunk_size = chunk_size;
    archive = Pack(original, o);
  }
};

// Decodes `indices` through the store; returns the concatenated bytes and
// the positions k handed to the consumer.
struct BatchResult {
  Status status;
  std::string bytes;
  std::vector<size_t> order;
};

inline BatchResult ReadBatch(ChunkStore* store, const std::vector<uint32_t>& indices, CacheKeep keep) {
  BatchResult r;
  r.status = store->ReadChunks(indices.data(), indices.size(), keep, [&](size_t k, const std::vector<uint8_t>& d) {
    r.order.push_back(k);
    r.bytes.append(reinterpret_cast<const char*>(d.data()), d.size());
    return Status::Ok();
  });
  return r;
}

}  // namespace testing
}  // namespace sgz::internal

#endif  // SGZ_TESTS_READER_TEST_UTIL_H_
