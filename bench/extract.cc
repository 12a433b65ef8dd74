// Extraction timing: the largest tensor out of a whole-file zstd frame and
// out of an sgz archive (the per-stream method cannot: its streams span the
// whole file).
#include <algorithm>
#include <cstring>

#include "bench.h"
#include "zstd_frame.h"

namespace sgz_bench {

void ExtractFromZstd(const Input& in, const Config& cfg, int level, const Buffer& frame, Report* r) {
  if (in.largest < 0) return;
  r->extract_supported = true;
  const sgz::internal::GgufTensor& t = in.layout.tensors[in.largest];
  const uint8_t* data = in.bytes.data();
  Buffer dst(t.size);
  memset(dst.data(), 0, dst.size());
  for (int i = 0; i < cfg.reps; ++i) {
    const uint64_t begin = t.offset, end = t.offset + t.size;
    auto t0 = Clock::now();
    ZstdDecompressStream(frame.data(), frame.size(), [&](uint64_t off, const uint8_t* p, size_t n) {
      const uint64_t lo = std::max(off, begin), hi = std::min<uint64_t>(off + n, end);
      if (lo < hi) memcpy(dst.data() + (lo - begin), p + (lo - off), hi - lo);
      return off + n < end;
    });
    r->extract.push_back(Since(t0));
    if (memcmp(dst.data(), data + t.offset, t.size) != 0) {
      ChildFail(kExitMismatch, "zstd -%d: extracted tensor '%s' differs", level, t.name.c_str());
    }
  }
}

void ExtractFromSgz(const Input& in, const Config& cfg, int level, const std::string& archive, Report* r) {
  if (in.largest < 0) return;
  const sgz::internal::GgufTensor& t = in.layout.tensors[in.largest];
  auto probe = OpenArchive(archive, cfg);
  if (!probe->FindTensor(t.name).ok()) return;
  r->extract_supported = true;
  Buffer dst(t.size);
  memset(dst.data(), 0, dst.size());
  for (int i = 0; i < cfg.reps; ++i) {
    auto t0 = Clock::now();
    {
      auto a = OpenArchive(archive, cfg);
      CheckStatus(a->ReadTensor(t.name, dst.data(), dst.size()), "ReadTensor");
    }
    r->extract.push_back(Since(t0));
    if (memcmp(dst.data(), in.bytes.data() + t.offset, t.size) != 0) {
      ChildFail(kExitMismatch, "sgz -%d: extracted tensor '%s' differs", level, t.name.c_str());
    }
  }
}

}  // namespace sgz_bench
