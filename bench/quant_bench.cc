// Speed of the reference quantizers and of the prediction from stored scales
// (PredictQuantsNoSearch, what transform 4 decodes with), one core, on the
// quantized tensors of a model family's members (default corpus/zoo/):
// blocks per second and MB per second of quantized output, the median of
// --repeat runs per member and type.
//
//   quant_bench [ZOO_DIR] [--repeat N] [--only TYPE] [--mode plain|fma|predict|none] [--portable]
//
// --only/--mode run one type and one function (none: load only), so that a
// whole-process timer can subtract the loading. --portable runs the portable
// loops instead of the CPU's vector ones (quant_simd.h).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "streams/ggml_types.h"
#include "streams/gguf_reader.h"
#include "streams/quant/quant.h"
#include "streams/quant/quant_simd.h"

namespace {

using namespace sgz::internal;

struct File {
  std::string bytes;
  GgufLayout layout;
};

bool Load(const std::string& path, File* f) {
  std::ifstream in(path, std::ios::binary);
  f->bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  auto layout = ParseGguf(reinterpret_cast<const uint8_t*>(f->bytes.data()), f->bytes.size());
  if (!layout.ok()) {
    std::fprintf(stderr, "quant_bench: %s: %s\n", path.c_str(), layout.status().ToString().c_str());
    return false;
  }
  f->layout = std::move(layout).value();
  return true;
}

std::vector<float> Widen(const File& f, const GgufTensor& t) {
  std::vector<float> v(static_cast<size_t>(t.ne[0] * t.ne[1] * t.ne[2] * t.ne[3]));
  const uint8_t* p = reinterpret_cast<const uint8_t*>(f.bytes.data()) + t.offset;
  if (!WidenToFloat(t.type, p, static_cast<int64_t>(v.size()), v.data())) return {};
  return v;
}

struct Job {
  uint32_t type;
  int64_t n, rows;
  std::vector<float> x;
  std::vector<uint8_t> stored;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string zoo = "../shared/corpus/zoo";
  int repeat = 5;
  std::string only, mode_name;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
      only = argv[++i];
    } else if (std::strcmp(argv[i], "--mode") == 0 && i + 1 < argc) {
      mode_name = argv[++i];
    } else if (std::strcmp(argv[i], "--portable") == 0) {
      quant::ForcePortableKernels(true);
    } else {
      zoo = argv[i];
    }
  }
  File parent;
  if (!Load(zoo + "/esrgan-zoo-BF16.gguf", &parent)) return 1;
  std::map<std::string, const GgufTensor*> by_name;
  for (const GgufTensor& t : parent.layout.tensors) by_name[t.name] = &t;

  // All quantized tensors of all members, grouped by type (no imatrix: the
  // searches cost the same with one).
  std::map<uint32_t, std::vector<Job>> jobs;
  std::vector<std::string> paths;
  for (const auto& e : std::filesystem::directory_iterator(zoo)) paths.push_back(e.path().string());
  std::sort(paths.begin(), paths.end());
  for (const std::string& path : paths) {
    if (path.find("BF16") != std::string::npos || path.find("imatrix") != std::string::npos) continue;
    File m;
    if (!Load(path, &m)) return 1;
    for (const GgufTensor& t : m.layout.tensors) {
      if (!CanQuantize(t.type) || !by_name.count(t.name)) continue;
      Job j;
      j.type = t.type;
      j.x = Widen(parent, *by_name[t.name]);
      j.n = t.ne[0];
      j.rows = static_cast<int64_t>(j.x.size()) / j.n;
      const uint8_t* p = reinterpret_cast<const uint8_t*>(m.bytes.data()) + t.offset;
      j.stored.assign(p, p + t.size);
      jobs[t.type].push_back(std::move(j));
    }
  }
  std::printf("kernels: %s\n", quant::ActiveKernels().name);
  std::printf(
      "| type | blocks | plain search blocks/s | FMA search blocks/s | from stored scales blocks/s | plain MB/s "
      "| from scales MB/s |\n|---|---|---|---|---|---|---|\n");
  const char* kModes[] = {"plain", "fma", "predict"};
  for (auto& [type, list] : jobs) {
    const GgmlType* gt = FindGgmlType(type);
    if (!only.empty() && only != gt->name) continue;
    uint64_t blocks = 0;
    for (const Job& j : list) blocks += static_cast<uint64_t>(j.x.size() / gt->block_weights);
    double med[3];
    for (int mode = 0; mode < 3; ++mode) {
      med[mode] = 0;
      if (!mode_name.empty() && mode_name != kModes[mode]) continue;
      std::vector<double> secs;
      for (int r = 0; r < repeat; ++r) {
        auto start = std::chrono::steady_clock::now();
        for (Job& j : list) {
          std::vector<uint8_t> out = j.stored;
          const size_t row_bytes = out.size() / static_cast<size_t>(j.rows);
          for (int64_t row = 0; row < j.rows; ++row) {
            const float* x = j.x.data() + row * j.n;
            uint8_t* o = out.data() + row * row_bytes;
            if (mode == 2) {
              PredictQuantsNoSearch(type, x, j.n, FpRounding::kPlain, o);
            } else {
              QuantizeRow(type, x, j.n, nullptr, mode == 0 ? FpRounding::kPlain : FpRounding::kFma, o);
            }
          }
        }
        secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      }
      med[mode] = Median(secs);
    }
    const double bytes = static_cast<double>(blocks) * gt->block_bytes;
    std::printf("| %s | %llu | %.0f | %.0f | %.0f | %.1f | %.1f |\n", gt->name, static_cast<unsigned long long>(blocks),
                blocks / med[0], blocks / med[1], blocks / med[2], bytes / med[0] / 1e6, bytes / med[2] / 1e6);
  }
  return 0;
}
