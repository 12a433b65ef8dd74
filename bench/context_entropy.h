// Shared by context_entropy's files: the cost accounting and the fp16 and
// K-quant helpers (bench/context_entropy.cc has the tool's description).
#ifndef SGZ_BENCH_CONTEXT_ENTROPY_H_
#define SGZ_BENCH_CONTEXT_ENTROPY_H_

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace context_entropy {

// The whole file at `path` in *out (the benches read corpus files whole);
// false when it cannot be opened.
inline bool ReadWholeFile(const char* path, std::vector<uint8_t>* out) {
  FILE* f = fopen(path, "rb");
  if (f == nullptr) return false;
  uint8_t buf[1 << 16];
  size_t k;
  while ((k = fread(buf, 1, sizeof buf, f)) > 0) out->insert(out->end(), buf, buf + k);
  fclose(f);
  return true;
}

constexpr uint64_t kChunk = 4ull << 20;
constexpr double kTableBitsPerEntry = 9.0;

extern bool g_hist;
extern std::map<int, uint64_t> g_zhist;

// Cost of coding sym[0,n) with table ctx[i] (< nctx), or one table if ctx is
// empty, added to the row `key`. `bytes` is the stream bytes these symbols
// stand for.
void Account(const std::string& key, const std::vector<uint8_t>& sym, const std::vector<uint8_t>& ctx,
             unsigned nctx, uint64_t bytes);

inline uint16_t Le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
// floor(2 * (hn * a) / (hd * b)) for fp16 patterns, saturated to 255; 0 when undefined.
int HalfSteps(uint16_t hn, uint32_t a, uint16_t hd, uint32_t b);
void ScaleMinK4(int j, const uint8_t* q, uint32_t* sc, uint32_t* m);

// The per-type measurements (n whole blocks at p).
void Q4K(const uint8_t* p, uint64_t n);
void Q5K(const uint8_t* p, uint64_t n);
void Q6K(const uint8_t* p, uint64_t n);
void Legacy(const char* name, const uint8_t* p, uint64_t n, uint32_t bb, uint32_t qoff);
void Q2K(const uint8_t* p, uint64_t n);
void Q3K(const uint8_t* p, uint64_t n);
void Bf16(const uint8_t* p, uint64_t n);
void Fp16(const uint8_t* p, uint64_t n);
void F32(const uint8_t* p, uint64_t n);

}  // namespace context_entropy

#endif  // SGZ_BENCH_CONTEXT_ENTROPY_H_
