// Writes codec 2 (rans) streams made by the C++ encoder for the reference
// reader's self-test (format-spec/reference/selftest_rans.py, run by
// tests/reference_rans_test.sh): one file per case, holding
//   u32 contexts K, u32 raw_size n, u32 payload size, the n bytes, the n
//   context bytes (only when K > 1), the payload
// (little-endian). usage: rans_samples DIR
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "common/coding.h"
#include "streams/rans.h"

namespace {

uint32_t g_seed = 12345;
uint32_t Next() {
  g_seed = g_seed * 1103515245u + 12345u;
  return g_seed >> 8;
}

bool Write(const std::string& path, unsigned contexts, const std::vector<uint8_t>& data,
           const std::vector<uint8_t>& ctx, const std::string& payload) {
  std::string out;
  sgz::internal::PutU32(&out, contexts);
  sgz::internal::PutU32(&out, static_cast<uint32_t>(data.size()));
  sgz::internal::PutU32(&out, static_cast<uint32_t>(payload.size()));
  out.append(data.begin(), data.end());
  if (contexts > 1) out.append(ctx.begin(), ctx.end());
  out += payload;
  FILE* f = fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  const bool ok = fwrite(out.data(), 1, out.size(), f) == out.size();
  return fclose(f) == 0 && ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: rans_samples DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  int written = 0;
  for (uint32_t n : {0u, 1u, 63u, 64u, 65u, 700u, 5000u}) {
    for (int kind = 0; kind < 4; ++kind) {
      for (unsigned contexts : {1u, 5u}) {
        for (unsigned precision : {0u, 8u, 12u}) {
          std::vector<uint8_t> data(n), ctx(n);
          for (uint32_t i = 0; i < n; ++i) {
            ctx[i] = static_cast<uint8_t>(contexts > 1 ? (i / 7 + Next() % 2) % contexts : 0);
            const double u = ((Next() & 0xFFFFFF) + 0.5) / 16777216.0;
            const double u2 = ((Next() & 0xFFFFFF) + 0.5) / 16777216.0;
            // 0: one byte value; 1: random; 2: skewed; 3: two skewed nibbles
            // (tables in the product mode).
            data[i] = kind == 0   ? 42
                      : kind == 1 ? static_cast<uint8_t>(Next())
                      : kind == 2 ? static_cast<uint8_t>(std::min(255.0, -std::log(u) * (2 + ctx[i])) + 3 * ctx[i])
                                  : static_cast<uint8_t>(std::min(15.0, -std::log(u) * 3) +
                                                         16 * std::min(15.0, -std::log(u2) * (2 + ctx[i])));
          }
          std::string payload;
          sgz::internal::rans_internal::EncodeAlways(data.data(), n, contexts > 1 ? ctx.data() : nullptr, contexts,
                                                     precision, &payload);
          const std::string name = dir + "/n" + std::to_string(n) + "-kind" + std::to_string(kind) + "-k" +
                                   std::to_string(contexts) + "-p" + std::to_string(precision) + ".bin";
          if (!Write(name, contexts, data, ctx, payload)) {
            fprintf(stderr, "cannot write %s\n", name.c_str());
            return 1;
          }
          ++written;
        }
      }
    }
  }
  printf("%d samples\n", written);
  return 0;
}
