// context_split_bench FILE.gguf...: speed of transform 5 on the tensors of the
// types it re-expresses (Q4_K, Q5_K, BF16), in 4 MiB chunks as the packer cuts
// them: Split, Join, and Join + ComputeContexts (what a decoder runs per chunk),
// against transform 1's Join on the same bytes. Median of 7 runs, MB/s of
// chunk bytes, one core.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <vector>

#include "context_entropy.h"
#include "streams/context_split.h"
#include "streams/gguf_reader.h"
#include "streams/transform.h"

namespace {

using namespace sgz::internal;
using Clock = std::chrono::steady_clock;

template <typename F>
double MedianSeconds(F f) {
  std::vector<double> t;
  for (int r = 0; r < 7; ++r) {
    const auto t0 = Clock::now();
    f();
    t.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  for (int a = 1; a < argc; ++a) {
    std::vector<uint8_t> data;
    if (!context_entropy::ReadWholeFile(argv[a], &data)) return 1;
    auto layout = ParseGguf(data.data(), data.size());
    if (!layout.ok()) return 1;
    // Per type: the chunks (offset, length).
    std::map<uint32_t, std::vector<std::pair<uint64_t, uint64_t>>> chunks;
    uint64_t max_len = 0;
    for (const GgufTensor& t : layout.value().tensors) {
      if (!HasContextSplit(t.type)) continue;
      const uint64_t bb = FindGgmlType(t.type)->block_bytes;
      const uint64_t step = (4ull << 20) / bb * bb;
      for (uint64_t at = 0; at < t.size; at += step) {
        chunks[t.type].push_back({t.offset + at, std::min(step, t.size - at)});
        max_len = std::max(max_len, std::min(step, t.size - at));
      }
    }
    std::vector<uint8_t> split(max_len), out(max_len), ctx(max_len);
    for (auto& [type_id, list] : chunks) {
      const GgmlType* t = FindGgmlType(type_id);
      uint64_t bytes = 0;
      for (auto& c : list) bytes += c.second;
      // Each chunk's streams under both transforms, for the joins to start from.
      std::vector<std::vector<uint8_t>> split1, split5;
      for (auto& c : list) {
        split1.emplace_back(c.second);
        split5.emplace_back(c.second);
        SplitStreams(Transform::kSplit, t, data.data() + c.first, c.second, split1.back().data());
        SplitStreams(Transform::kContextSplit, t, data.data() + c.first, c.second, split5.back().data());
      }
      auto run = [&](bool context_split, bool join, bool contexts) {
        for (size_t ci = 0; ci < list.size(); ++ci) {
          const auto& c = list[ci];
          const uint8_t* in = join ? (context_split ? split5[ci] : split1[ci]).data() : data.data() + c.first;
          if (!join) {
            SplitStreams(context_split ? Transform::kContextSplit : Transform::kSplit, t, in, c.second, split.data());
            continue;
          }
          if (contexts) {
            const std::vector<uint64_t> sizes = StreamSizes(Transform::kContextSplit, t, c.second);
            for (size_t i = 0; i < sizes.size(); ++i) {
              if (StreamContexts(t, i) > 0) ComputeContexts(t, in, c.second, i, ctx.data());
            }
          }
          JoinStreams(context_split ? Transform::kContextSplit : Transform::kSplit, t, in, c.second, out.data());
        }
      };
      const double mb = bytes / 1e6;
      printf("%s %s: %.1f MB | split1 %.0f | split5 %.0f | join1 %.0f | join5 %.0f | join5+ctx %.0f MB/s\n",
             argv[a], t->name, mb, mb / MedianSeconds([&] { run(false, false, false); }),
             mb / MedianSeconds([&] { run(true, false, false); }), mb / MedianSeconds([&] { run(false, true, false); }),
             mb / MedianSeconds([&] { run(true, true, false); }), mb / MedianSeconds([&] { run(true, true, true); }));
    }
  }
  return 0;
}
