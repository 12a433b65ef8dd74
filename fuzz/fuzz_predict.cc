// Round-trip target for transform 4 (predict): a float parent and its
// quantization, made from the fuzzer's bytes, packed as two members so that
// the writer predicts the quantized tensor from the parent; both readers must
// give every member back exactly. Input layout:
//   byte 0  the quantized type (kTypes[b % size])
//   byte 1  bits 0-1 the parent's type (BF16, F16, F32); bit 2 the quantizer's
//           rounding (plain, fused multiply-add); bit 3 the --max preset;
//           bits 4-7 how many quantized bytes to flip afterwards (a quantizer
//           sgz does not know: misses in scales and quants)
//   byte 2  rows of 256 weights, 1 + b % 4
//   rest    the parent's value bytes, repeated to fill the tensor (raw bits:
//           NaN, infinities and subnormals come with them); then the flips,
//           two bytes each (position, xor mask), taken from its start
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "container/io.h"
#include "container/reader.h"
#include "container/stream_reader.h"
#include "container/writer.h"
#include "gguf_builder.h"
#include "streams/quant/quant.h"

namespace {

using namespace sgz::internal;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

constexpr uint32_t kTypes[] = {2, 3, 6, 7, 8, 10, 11, 12, 13, 14, 1};  // Q4_0 .. Q6_K, F16
constexpr uint32_t kParentTypes[] = {30, 1, 0, 30};                      // BF16, F16, F32
constexpr int64_t kRow = 256;

uint32_t BytesPerValue(uint32_t type) { return type == 0 ? 4 : 2; }

std::string Gguf(uint32_t type, int64_t rows, const std::string& payload) {
  fixtures::GgufBuilder b;
  b.KvString("general.architecture", "fuzz");
  b.TensorWithPayload("w", type, {kRow, rows}, payload);
  return b.Build();
}

std::string Quantized(uint32_t type, const std::vector<float>& values, int64_t rows, bool fma) {
  if (type == 1) {
    std::string out(values.size() * 2, '\0');
    for (size_t i = 0; i < values.size(); ++i) {
      const uint16_t h = FloatToHalf(values[i]);
      out[2 * i] = static_cast<char>(h & 0xff);
      out[2 * i + 1] = static_cast<char>(h >> 8);
    }
    return out;
  }
  const uint64_t row_bytes = fixtures::TensorBytes(type, {kRow, 1});
  std::string out(row_bytes * rows, '\0');
  for (int64_t r = 0; r < rows; ++r) {
    QuantizeRow(type, values.data() + r * kRow, kRow, nullptr, fma ? FpRounding::kFma : FpRounding::kPlain,
                reinterpret_cast<uint8_t*>(&out[r * row_bytes]));
  }
  return out;
}

void CheckMembers(const std::string& archive, const std::vector<std::string>& inputs) {
  const uint8_t* ap = reinterpret_cast<const uint8_t*>(archive.data());
  Result<std::unique_ptr<Archive>> a = Archive::Open(NewMemorySource(ap, archive.size()));
  Check(a.ok());
  (*a)->set_threads(1);
  for (uint32_t i = 0; i < inputs.size(); ++i) {
    Result<FileView*> v = (*a)->view(i);
    Check(v.ok());
    StringSink sink;
    Check((*v)->Unpack(&sink).ok());
    Check(sink.out == inputs[i]);
    // One tensor alone: reads only what it needs, the same bytes.
    for (const TensorEntry& t : (*v)->file().tensors) {
      std::string buf(t.size, '\0');
      Check((*v)->ReadTensor(t.name, reinterpret_cast<uint8_t*>(&buf[0]), t.size).ok());
      Check(buf == inputs[i].substr(t.offset, t.size));
    }
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::unique_ptr<InputStream> in = NewMemoryInputStream(ap, archive.size());
    StringSink sink;
    StreamUnpackStats stats;
    Check(UnpackStream(in.get(), &sink, &stats, 1, "m" + std::to_string(i)).ok());
    Check(sink.out == inputs[i]);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const uint32_t type = kTypes[data[0] % (sizeof(kTypes) / sizeof(kTypes[0]))];
  const uint32_t parent_type = kParentTypes[data[1] & 3];
  const bool fma = (data[1] >> 2) & 1;
  const bool max_preset = (data[1] >> 3) & 1;
  const int flips = data[1] >> 4;
  const int64_t rows = 1 + data[2] % 4;
  const uint8_t* rest = data + 3;
  const size_t rest_size = size - 3;

  const uint64_t count = static_cast<uint64_t>(kRow * rows);
  std::string parent(count * BytesPerValue(parent_type), '\0');
  for (size_t i = 0; rest_size > 0 && i < parent.size(); ++i) parent[i] = static_cast<char>(rest[i % rest_size]);
  std::vector<float> values(count);
  Check(WidenToFloat(parent_type, reinterpret_cast<const uint8_t*>(parent.data()), count, values.data()));

  std::string quant = Quantized(type, values, rows, fma);
  for (size_t f = 0; f < static_cast<size_t>(flips) && rest_size >= 2 * (f + 1); ++f) {
    const size_t pos = (rest[2 * f] * 131u + f * 977u) % quant.size();
    quant[pos] = static_cast<char>(quant[pos] ^ (rest[2 * f + 1] | 1));
  }

  const std::vector<std::string> inputs = {Gguf(parent_type, rows, parent), Gguf(type, rows, quant)};
  std::vector<MemberInput> members;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string* bytes = &inputs[i];
    members.push_back({"m" + std::to_string(i), [bytes]() -> Result<std::unique_ptr<InputStream>> {
                         return NewMemoryInputStream(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size());
                       }});
  }
  PackOptions options;
  options.threads = 1;
  if (max_preset) options.predict_preset = PredictPreset::kMax;
  StringSink sink;
  PackStats total;
  std::vector<PackStats> stats;
  Check(PackMembers(members, options, &sink, &total, &stats).ok());
  CheckMembers(sink.out, inputs);
  return 0;
}
