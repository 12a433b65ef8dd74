// context_ratio FILE.gguf...: the bytes each stream actually costs under
// transform 1 and transform 5 (context split), per stream name, for the
// tensors transform 5 re-expresses (Q4_K, Q5_K, BF16), cut into 4 MiB chunks
// as the packer cuts them. Each stream is coded with zstd (level 1, the
// default), rans with one table, and rans with the stream's contexts (when
// transform 5 gives it a rule); "best" is the smallest per stream and chunk
// (stored when nothing is smaller), what a writer picking the codec per
// stream stores. Prints Markdown tables.
#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "context_entropy.h"
#include "streams/context_split.h"
#include "streams/gguf_reader.h"
#include "streams/rans.h"
#include "streams/transform.h"

namespace {

using namespace sgz::internal;

struct Cost {
  uint64_t raw = 0, zstd = 0, rans = 0, rans_ctx = 0, best = 0;
};

uint64_t ZstdSize(const uint8_t* s, uint64_t n) {
  if (n == 0) return 0;
  std::string out(ZSTD_compressBound(n), '\0');
  const size_t z = ZSTD_compress(&out[0], out.size(), s, n, 1);
  return ZSTD_isError(z) || z >= n ? n : z;
}

uint64_t RansSize(const uint8_t* s, uint64_t n, const uint8_t* ctx, unsigned contexts) {
  std::string out;
  return n > 0 && RansEncode(s, n, ctx, contexts, &out) ? out.size() : n;
}

}  // namespace

int main(int argc, char** argv) {
  for (int a = 1; a < argc; ++a) {
    std::vector<uint8_t> data;
    if (!context_entropy::ReadWholeFile(argv[a], &data)) return 1;
    auto layout = ParseGguf(data.data(), data.size());
    if (!layout.ok()) return 1;
    std::map<std::string, Cost> cost;
    std::vector<std::string> order;
    uint64_t total[2] = {0, 0}, zstd_only = 0;
    for (const GgufTensor& t : layout.value().tensors) {
      if (!HasContextSplit(t.type)) continue;
      const GgmlType* gt = FindGgmlType(t.type);
      const uint64_t step = (4ull << 20) / gt->block_bytes * gt->block_bytes;
      for (uint64_t at = 0; at < t.size; at += step) {
        const uint64_t len = std::min(step, t.size - at);
        for (Transform tr : {Transform::kSplit, Transform::kContextSplit}) {
          std::vector<uint8_t> split(len), ctx;
          SplitStreams(tr, gt, data.data() + t.offset + at, len, split.data());
          const std::vector<uint64_t> sizes = StreamSizes(tr, gt, len);
          const std::vector<std::string> names = StreamNames(tr, gt, false);
          uint64_t offset = 0;
          for (size_t i = 0; i < sizes.size(); ++i) {
            const uint8_t* s = split.data() + offset;
            const uint64_t n = sizes[i];
            offset += n;
            Cost c;
            c.raw = n;
            c.zstd = ZstdSize(s, n);
            c.rans = RansSize(s, n, nullptr, 1);
            c.rans_ctx = c.rans;
            const unsigned contexts = tr == Transform::kContextSplit ? StreamContexts(gt, i) : 0;
            if (contexts > 0 && n > 0) {
              ctx.resize(n);
              ComputeContexts(gt, split.data(), len, i, ctx.data());
              c.rans_ctx = RansSize(s, n, ctx.data(), contexts);
            }
            c.best = std::min({c.zstd, c.rans, c.rans_ctx});
            std::string key = names[i];
            const size_t plane = key.find("header.b");  // the 16 header planes as one row
            if (plane != std::string::npos) key = key.substr(0, plane) + "header.*";
            if (cost.count(key) == 0) order.push_back(key);
            Cost& sum = cost[key];
            sum.raw += c.raw;
            sum.zstd += c.zstd;
            sum.rans += c.rans;
            sum.rans_ctx += c.rans_ctx;
            sum.best += c.best;
            total[tr == Transform::kContextSplit] += c.best;
            if (tr == Transform::kSplit) zstd_only += c.zstd;
          }
        }
      }
    }
    printf("\n### %s\n\n| stream | raw | zstd -1 | rans, 1 table | rans, contexts | best | raw/best |\n"
           "|---|---:|---:|---:|---:|---:|---:|\n", argv[a]);
    for (const std::string& key : order) {
      const Cost& c = cost[key];
      if (c.raw == 0) continue;
      printf("| %s | %llu | %llu | %llu | %llu | %llu | %.4f |\n", key.c_str(), (unsigned long long)c.raw,
             (unsigned long long)c.zstd, (unsigned long long)c.rans, (unsigned long long)c.rans_ctx,
             (unsigned long long)c.best, static_cast<double>(c.raw) / c.best);
    }
    if (total[0] > 0) {
      printf("\ntransform 1 with zstd only %llu; transform 1 best %llu; transform 5 best %llu (%.2f%% below "
             "transform 1 best)\n",
             (unsigned long long)zstd_only, (unsigned long long)total[0], (unsigned long long)total[1],
             100.0 * (1.0 - static_cast<double>(total[1]) / total[0]));
    }
  }
  return 0;
}
