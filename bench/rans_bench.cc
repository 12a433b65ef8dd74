// rans_bench: codec 2 "rans" against htscodecs' rANS 4x16 (order 0 and 1,
// 32-way with its SIMD decoders) and zstd levels 1 and 3, on real streams of
// a chunk (4 MiB of blocks) taken from the middle of a GGUF file's tensors of
// one type: Q4_K qs (without and with contexts), Q6_K ql and qh, the BF16
// high byte plane. One core; speeds are medians of several runs, MB/s of
// raw (decoded) bytes.
//
// usage: rans_bench CORPUS_DIR [runs]
#include <htscodecs/rANS_static4x16.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "streams/ggml_types.h"
#include "streams/gguf_reader.h"
#include "streams/rans.h"
#include "streams/transform.h"

namespace sgz::internal {
namespace {

using Bytes = std::vector<uint8_t>;
int g_runs = 7;

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

double Seconds(const std::function<void()>& fn) {
  std::vector<double> t;
  for (int r = 0; r < g_runs; ++r) {
    const auto a = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// One chunk (whole blocks, about 4 MiB) of the tensors of `type_id`, taken
// from the middle of their concatenation, split by transform 1.
struct Chunk {
  const GgmlType* type = nullptr;
  Bytes raw, split;
  std::vector<uint64_t> sizes;
  std::vector<std::string> names;
  Bytes Stream(const std::string& name) const {
    uint64_t at = 0;
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return Bytes(split.begin() + at, split.begin() + at + sizes[i]);
      at += sizes[i];
    }
    fprintf(stderr, "no stream %s\n", name.c_str());
    exit(1);
  }
};

Chunk LoadChunk(const std::string& path, uint32_t type_id) {
  const std::string file = ReadAll(path);
  const uint8_t* data = reinterpret_cast<const uint8_t*>(file.data());
  auto layout = ParseGguf(data, file.size());
  if (!layout.ok()) {
    fprintf(stderr, "%s: %s\n", path.c_str(), layout.status().ToString().c_str());
    exit(1);
  }
  Chunk c;
  c.type = FindGgmlType(type_id);
  Bytes all;
  for (const GgufTensor& t : layout.value().tensors) {
    if (t.type == type_id) all.insert(all.end(), data + t.offset, data + t.offset + t.size);
  }
  const uint64_t block = c.type->block_bytes;
  const uint64_t len = std::min<uint64_t>(all.size(), (4u << 20) / block * block);
  const uint64_t start = (all.size() - len) / 2 / block * block;
  c.raw.assign(all.begin() + start, all.begin() + start + len);
  c.split.resize(len);
  SplitStreams(Transform::kSplit, c.type, c.raw.data(), len, c.split.data());
  c.sizes = StreamSizes(Transform::kSplit, c.type, len);
  c.names = StreamNames(Transform::kSplit, c.type, false);
  return c;
}

float Half(const uint8_t* p) {
  const uint16_t h = static_cast<uint16_t>(p[0] | p[1] << 8);
  const int e = (h >> 10) & 31, m = h & 1023;
  const float v = e == 0 ? std::ldexp(static_cast<float>(m), -24) : std::ldexp(static_cast<float>(m | 1024), e - 25);
  return (h & 0x8000) ? -v : v;
}

// Contexts for the Q4_K qs stream. "pos8": the byte's position in its block
// (16-byte groups) mod 8, a stand-in. "zp16": the zero points dmin*m/(d*sc)
// of the byte's two sub-blocks (low nibble: sub-block 2g, high: 2g + 1),
// each bucketed by its quartile over the chunk, 4 x 4 = 16 contexts.
Bytes Q4kContexts(const Chunk& c, bool zero_points) {
  const uint64_t blocks = c.raw.size() / 144;
  Bytes ctx(blocks * 128);
  if (!zero_points) {
    for (uint64_t i = 0; i < ctx.size(); ++i) ctx[i] = static_cast<uint8_t>((i % 128) / 16 % 8);
    return ctx;
  }
  std::vector<float> z(blocks * 8);
  for (uint64_t b = 0; b < blocks; ++b) {
    const uint8_t* blk = &c.raw[b * 144];
    const float d = Half(blk), dmin = Half(blk + 2);
    const uint8_t* q = blk + 4;
    for (int j = 0; j < 8; ++j) {
      int sc, m;
      if (j < 4) {
        sc = q[j] & 63;
        m = q[j + 4] & 63;
      } else {
        sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
      }
      z[b * 8 + j] = d * sc != 0 ? dmin * m / (d * sc) : 0;
    }
  }
  std::vector<float> sorted = z;
  std::sort(sorted.begin(), sorted.end());
  const float q1 = sorted[sorted.size() / 4], q2 = sorted[sorted.size() / 2], q3 = sorted[sorted.size() * 3 / 4];
  auto bucket = [&](float v) { return v < q1 ? 0 : v < q2 ? 1 : v < q3 ? 2 : 3; };
  for (uint64_t b = 0; b < blocks; ++b) {
    for (int i = 0; i < 128; ++i) {
      const int g = i / 32;
      ctx[b * 128 + i] = static_cast<uint8_t>(bucket(z[b * 8 + 2 * g]) * 4 + bucket(z[b * 8 + 2 * g + 1]));
    }
  }
  return ctx;
}

void Row(const char* stream, const char* coder, uint64_t raw, uint64_t stored, double enc_s, double dec_s) {
  printf("| %s | %s | %.4f | %.1f | %.0f | %.0f |\n", stream, coder, static_cast<double>(raw) / stored,
         100.0 * stored / raw, raw / enc_s / 1e6, raw / dec_s / 1e6);
  fflush(stdout);
}

void Ours(const char* stream, const Bytes& data, const Bytes* ctx, unsigned contexts, unsigned precision,
          bool portable, const char* label) {
  std::string out;
  const uint8_t* c = ctx ? ctx->data() : nullptr;
  rans_internal::ForcePortable(portable);  // encoder and decoder loops
  const double enc = Seconds([&] {
    out.clear();
    rans_internal::EncodeAlways(data.data(), data.size(), c, contexts, precision, &out);
  });
  Bytes back(data.size());
  const double dec = Seconds([&] {
    Status s = RansDecode(reinterpret_cast<const uint8_t*>(out.data()), out.size(), c, contexts, back.data(),
                          back.size());
    if (!s.ok()) {
      fprintf(stderr, "decode failed: %s\n", s.ToString().c_str());
      exit(1);
    }
  });
  rans_internal::ForcePortable(false);
  if (back != data) {
    fprintf(stderr, "%s %s: round trip differs\n", stream, label);
    exit(1);
  }
  unsigned precision_used = 0;
  uint64_t table_bytes = 0;
  std::vector<uint32_t> freq;
  (void)rans_internal::ParseTables(reinterpret_cast<const uint8_t*>(out.data()), out.size(), &precision_used, &freq,
                                   &table_bytes);
  char name[160];
  snprintf(name, sizeof(name), "sgz rans %s (C=%u, P=%u, tables %llu B)", label, static_cast<unsigned>(out[0]),
           precision_used, static_cast<unsigned long long>(table_bytes));
  Row(stream, name, data.size(), out.size(), enc, dec);
}

void Hts(const char* stream, const Bytes& data, int order, const char* label) {
  unsigned char* out = nullptr;
  unsigned int out_size = 0;
  const double enc = Seconds([&] {
    free(out);
    out = rans_compress_4x16(const_cast<uint8_t*>(data.data()), data.size(), &out_size, order);
  });
  Bytes back(data.size());
  const double dec = Seconds([&] {
    unsigned int n = back.size();
    rans_uncompress_to_4x16(out, out_size, back.data(), &n);
  });
  if (back != data) {
    fprintf(stderr, "htscodecs %s: round trip differs\n", label);
    exit(1);
  }
  free(out);
  Row(stream, label, data.size(), out_size, enc, dec);
}

void Zstd(const char* stream, const Bytes& data, int level) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t r = 0;
  const double enc = Seconds([&] { r = ZSTD_compress(&out[0], out.size(), data.data(), data.size(), level); });
  Bytes back(data.size());
  const double dec = Seconds([&] { ZSTD_decompress(back.data(), back.size(), out.data(), r); });
  char name[32];
  snprintf(name, sizeof(name), "zstd -%d", level);
  Row(stream, name, data.size(), std::min<size_t>(r, data.size()), enc, dec);
}

double Entropy(const Bytes& data) {
  double count[256] = {}, bits = 0;
  for (uint8_t b : data) ++count[b];
  for (double c : count) bits += c > 0 ? c * std::log2(data.size() / c) : 0;
  return bits / data.size();
}

double ConditionalEntropy(const Bytes& data, const Bytes& ctx) {
  std::vector<double> count(256 * 256, 0), total(256, 0);
  for (size_t i = 0; i < data.size(); ++i) {
    ++count[ctx[i] * 256 + data[i]];
    ++total[ctx[i]];
  }
  double bits = 0;
  for (int c = 0; c < 256; ++c) {
    for (int s = 0; s < 256; ++s) {
      const double v = count[c * 256 + s];
      if (v > 0) bits += v * std::log2(total[c] / v);
    }
  }
  return bits / data.size();
}

void All(const char* stream, const Bytes& data) {
  printf("\n%s: %zu bytes, order-0 entropy %.4f bits/byte (ratio bound %.4f)\n\n", stream, data.size(),
         Entropy(data), 8 / Entropy(data));
  printf("| stream | coder | ratio | %% of raw | enc MB/s | dec MB/s |\n|---|---|---|---|---|---|\n");
  Ours(stream, data, nullptr, 1, 0, false, "avx2");
  Ours(stream, data, nullptr, 1, 0, true, "portable");
  Hts(stream, data, 0, "htscodecs 4x16 o0");
  Hts(stream, data, RANS_ORDER_X32, "htscodecs 32x16 o0 (SIMD)");
  Hts(stream, data, 1 | RANS_ORDER_X32, "htscodecs 32x16 o1 (SIMD)");
  Zstd(stream, data, 1);
  Zstd(stream, data, 3);
}

}  // namespace
}  // namespace sgz::internal

int main(int argc, char** argv) {
  using namespace sgz::internal;
  if (argc < 2) {
    fprintf(stderr, "usage: rans_bench CORPUS_DIR [runs]\n");
    return 2;
  }
  const std::string dir = argv[1];
  if (argc > 2) g_runs = atoi(argv[2]);
  const Chunk q4 = LoadChunk(dir + "/llm-mix/esrgan-thick-llm-mix-Q4_K_M.gguf", 12);
  const Bytes qs = q4.Stream("Q4_K.qs");
  All("Q4_K.qs", qs);
  for (bool zp : {false, true}) {
    const Bytes ctx = Q4kContexts(q4, zp);
    const char* label = zp ? "Q4_K.qs ctx zp16" : "Q4_K.qs ctx pos8";
    if (const char* dump = getenv("RANS_BENCH_DUMP")) {  // the stream and its contexts, for experiments
      std::ofstream(std::string(dump) + (zp ? "/qs.zp16" : "/qs.pos8"), std::ios::binary)
          .write(reinterpret_cast<const char*>(ctx.data()), ctx.size());
      std::ofstream(std::string(dump) + "/qs", std::ios::binary)
          .write(reinterpret_cast<const char*>(qs.data()), qs.size());
    }
    printf("\n%s: conditional entropy %.4f bits/byte\n\n", label, ConditionalEntropy(qs, ctx));
    printf("| stream | coder | ratio | %% of raw | enc MB/s | dec MB/s |\n|---|---|---|---|---|---|\n");
    const unsigned contexts = zp ? 16 : 8;
    Ours(label, qs, &ctx, contexts, 0, false, "avx2");
    for (unsigned p : {10u, 11u, 12u}) Ours(label, qs, &ctx, contexts, p, false, "avx2 fixed P");
    Ours(label, qs, &ctx, contexts, 0, true, "portable");
  }
  const Chunk q6 = LoadChunk(dir + "/llm-mix/esrgan-thick-llm-mix-Q4_K_M.gguf", 14);
  All("Q6_K.ql", q6.Stream("Q6_K.ql"));
  All("Q6_K.qh", q6.Stream("Q6_K.qh"));
  const Chunk bf = LoadChunk(dir + "/llm-mix/esrgan-thick-llm-mix-BF16.gguf", 30);
  for (const std::string& n : bf.names) fprintf(stderr, "BF16 stream %s\n", n.c_str());
  All("BF16 high byte", bf.Stream(bf.names[1]));
  return 0;
}
