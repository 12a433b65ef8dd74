// Method c: sgz through the library, packing at one level, then unpacking
// (Archive::Open on a memory source + Unpack into a discarding sink).
#include <algorithm>
#include <cinttypes>
#include <cstring>
#include <utility>

#include "bench.h"
#include "container/io.h"
#include "container/writer.h"

namespace sgz_bench {
namespace {

using sgz::internal::DiscardSink;

class CompareSink : public sgz::internal::ByteSink {
 public:
  CompareSink(const uint8_t* expect, uint64_t size) : expect_(expect), size_(size) {}
  sgz::internal::Status Write(const void* data, size_t n) override {
    if (pos > size_ || n > size_ - pos) return sgz::internal::Status::Corruption("output longer than the input");
    size_t d = FirstDifference(static_cast<const uint8_t*>(data), expect_ + pos, n);
    if (d != n) return sgz::internal::Status::Corruption("output differs at byte " + std::to_string(pos + d));
    pos += n;
    return sgz::internal::Status::Ok();
  }
  uint64_t pos = 0;

 private:
  const uint8_t* expect_;
  uint64_t size_;
};

}  // namespace

std::unique_ptr<sgz::internal::Archive> OpenArchive(const std::string& archive, const Config& cfg) {
  auto a = sgz::internal::Archive::Open(
      sgz::internal::NewMemorySource(reinterpret_cast<const uint8_t*>(archive.data()), archive.size()));
  CheckStatus(a.status(), "Archive::Open");
  a.value()->set_threads(static_cast<unsigned>(std::max(cfg.threads, 1)));
  return std::move(a).value();
}

void RunSgz(const Input& in, const Config& cfg, int level, Report* r) {
  const uint8_t* data = in.bytes.data();
  const size_t size = in.bytes.size();
  sgz::internal::PackOptions options;
  options.level = level;
  const size_t slash = in.path.find_last_of('/');
  options.name = slash == std::string::npos ? in.path : in.path.substr(slash + 1);
  options.threads = static_cast<unsigned>(std::max(cfg.threads, 1));
  CheckStatus(sgz::internal::ValidatePackOptions(options), "PackOptions");

  std::string archive;
  sgz::internal::PackStats stats;
  for (int i = 0; i < cfg.reps; ++i) {
    archive.clear();
    archive.shrink_to_fit();  // never hold two archives at once
    sgz::internal::StringSink sink;
    sgz::internal::PackStats st;
    auto t0 = Clock::now();
    CheckStatus(sgz::internal::PackBuffer(data, size, options, &sink, &st), "PackBuffer");
    r->pack.push_back(Since(t0));
    if (i > 0 && sink.out.size() != r->compressed) {
      r->note = "archive size varies between runs (" + std::to_string(r->compressed) + " vs " +
                std::to_string(sink.out.size()) + ")";
    }
    r->compressed = sink.out.size();
    archive = std::move(sink.out);
    stats = std::move(st);
  }
  if (!stats.notice.empty()) r->note = stats.notice;
  for (const auto& kv : stats.streams) r->streams.push_back({kv.first, kv.second.raw, kv.second.stored});

  {  // Verification (not timed).
    auto a = OpenArchive(archive, cfg);
    CompareSink cmp(data, size);
    sgz::internal::Status s = a->Unpack(&cmp);
    if (!s.ok()) ChildFail(kExitMismatch, "sgz -%d: unpack: %s", level, s.ToString().c_str());
    if (cmp.pos != size) ChildFail(kExitMismatch, "sgz -%d: output is %" PRIu64 " bytes, input %zu", level, cmp.pos, size);
  }
  for (int i = 0; i < cfg.reps; ++i) {
    DiscardSink sink;
    auto t0 = Clock::now();
    {
      auto a = OpenArchive(archive, cfg);
      CheckStatus(a->Unpack(&sink), "Unpack");
    }
    r->unpack.push_back(Since(t0));
    if (sink.bytes != size) ChildFail(kExitMismatch, "sgz -%d: unpacked %" PRIu64 " bytes, input %zu", level, sink.bytes, size);
  }

  ExtractFromSgz(in, cfg, level, archive, r);
}

}  // namespace sgz_bench
