// Writes a large GGUF for benchmarks: the tensors of a source GGUF repeated
// under new names ("r<k>.<name>") until the file reaches the target size.
// The metadata of the source is kept. The output is streamed, never held in
// memory.
//
// With ROWS > 1, every 2-D tensor is made ROWS times taller (its payload
// repeated), to get large tensors for extraction benchmarks.
//
// With "shuffle", every repetition of a quantized tensor's payload after the
// first has its blocks in another order (a fixed permutation per repetition):
// the statistics of every block stay those of the source, but no stretch
// longer than a block repeats, so neither a long-window compressor nor sgz's
// chunk deduplication can shortcut the data (a fair input for coding speed).
//
// usage: make_big_gguf SRC.gguf OUT.gguf TARGET_BYTES [ROWS] [shuffle]
#include <cstdio>
#include <cstring>
#include <numeric>
#include <cstdlib>
#include <string>

#include "container/io.h"
#include "gguf_builder.h"
#include "streams/ggml_types.h"
#include "streams/gguf_reader.h"

namespace {

// Writes the n blocks of `bytes` each at p in the order j -> (j * step + pass)
// mod n, a permutation when step and n are coprime; pass 0 as they are.
void WriteBlocks(const uint8_t* p, uint64_t size, uint32_t bytes, uint64_t pass, FILE* out) {
  const uint64_t n = bytes == 0 ? 0 : size / bytes;
  if (pass == 0 || n < 2) {
    fwrite(p, 1, size, out);
    return;
  }
  uint64_t step = n / 2 + 1 + pass;
  while (std::gcd(step, n) != 1) ++step;
  for (uint64_t j = 0; j < n; ++j) fwrite(p + ((j * step + pass) % n) * bytes, 1, bytes, out);
  fwrite(p + n * bytes, 1, size - n * bytes, out);
}

}  // namespace

int main(int argc, char** argv) {
  const bool shuffle = argc == 6 && std::strcmp(argv[5], "shuffle") == 0;
  if (argc < 4 || argc > 6 || (argc == 6 && !shuffle)) {
    fprintf(stderr, "usage: make_big_gguf SRC.gguf OUT.gguf TARGET_BYTES [ROWS] [shuffle]\n");
    return 1;
  }
  auto map = sgz::internal::MappedFile::Open(argv[1]);
  if (!map.ok()) return fprintf(stderr, "%s\n", map.status().ToString().c_str()), 1;
  const uint8_t* src = (*map)->data();
  auto layout = sgz::internal::ParseGguf(src, (*map)->size());
  if (!layout.ok()) return fprintf(stderr, "%s\n", layout.status().ToString().c_str()), 1;
  const uint64_t target = std::strtoull(argv[3], nullptr, 10);
  const uint64_t rows = argc >= 5 ? std::strtoull(argv[4], nullptr, 10) : 1;
  auto repeat = [&](const sgz::internal::GgufTensor& t) { return t.n_dims == 2 ? rows : 1; };
  uint64_t per_copy = 0;
  for (const auto& t : layout->tensors) per_copy += (t.size * repeat(t) + 31) / 32 * 32;
  const uint64_t copies = per_copy == 0 ? 1 : (target + per_copy - 1) / per_copy;

  sgz::internal::fixtures::GgufBuilder b;
  for (const sgz::internal::GgufKv& kv : layout->kvs) {
    if (kv.key == "general.alignment") continue;
    b.KvRaw(kv.key, kv.type, std::string(reinterpret_cast<const char*>(src + kv.value_offset), kv.value_size));
  }
  for (uint64_t k = 0; k < copies; ++k) {
    for (const auto& t : layout->tensors) {
      std::string name = "r" + std::to_string(k) + "." + t.name;
      if (name.size() > 63) name = name.substr(0, 63);
      std::vector<int64_t> dims(t.ne, t.ne + t.n_dims);
      if (t.n_dims == 2) dims[1] *= static_cast<int64_t>(rows);
      b.TensorInfo(name, t.type, dims, t.size * repeat(t));
    }
  }
  b.OmitData();
  std::string head = b.Build();
  head.resize(b.DataOffset(), '\0');
  FILE* out = fopen(argv[2], "wb");
  if (out == nullptr) return perror(argv[2]), 1;
  fwrite(head.data(), 1, head.size(), out);
  static const char kZeros[32] = {0};
  for (uint64_t k = 0; k < copies; ++k) {
    for (const auto& t : layout->tensors) {
      const sgz::internal::GgmlType* gt = sgz::internal::FindGgmlType(t.type);
      // Only block types are shuffled: a float tensor's elements are its blocks.
      const uint32_t block = shuffle && gt != nullptr && gt->block_weights > 1 ? gt->block_bytes : 0;
      for (uint64_t r = 0; r < repeat(t); ++r) WriteBlocks(src + t.offset, t.size, block, k * rows + r, out);
      fwrite(kZeros, 1, (32 - t.size * repeat(t) % 32) % 32, out);
    }
  }
  if (fclose(out) != 0) return perror(argv[2]), 1;
  fprintf(stderr, "%s: %llu copies of %zu tensors\n", argv[2], static_cast<unsigned long long>(copies),
          layout->tensors.size());
  return 0;
}
