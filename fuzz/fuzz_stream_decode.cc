// Stream layer target. Input layout:
//   byte 0      bit 0: codec (0 stored, 1 zstd); bit 1: transform (kNone/kSplit);
//               bit 2: transform kReference (format 2.2; overrides bit 1)
//   byte 1      ggml type id (for kSplit; inputs naming an unsplittable type
//               are skipped); for kReference, the prefix's size in 16-byte units
//   bytes 2..4  raw size, little-endian, reduced to 0..1 MiB
//   rest        the stored stream
// Decode-only part: DecodeStream into a buffer of exactly the raw size must
// return a Status and never write outside it. Round-trip part: SplitStreams
// then JoinStreams gives the rest back, and the stream sizes add up to it;
// EncodeStream then DecodeStream gives it back too. With kReference the rest
// is the prefix (the reference's bytes), then the stored stream: decoded
// against the prefix, and round-tripped through EncodeStreamAgainst.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "streams/codec.h"
#include "streams/ggml_types.h"
#include "streams/transform.h"

namespace {

constexpr size_t kParamBytes = 5;
constexpr uint64_t kMaxRawSize = 1u << 20;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

// A stream of a referencing chunk: rest[0, p) is the reference, the rest
// the zstd frame coded against it.
int ReferenceStream(uint8_t units, uint64_t raw_size, const uint8_t* rest, uint64_t n) {
  const uint64_t p = std::min<uint64_t>(uint64_t{units} * 16, n);
  const sgz::internal::Prefix prefix{rest, p};
  std::unique_ptr<uint8_t[]> raw(new uint8_t[raw_size]);
  (void)sgz::internal::DecodeStreamAgainst(rest + p, n - p, raw.get(), raw_size, prefix);
  // What the writer makes of the bytes after the prefix decodes back.
  std::string stored;
  if (sgz::internal::EncodeStreamAgainst(rest + p, n - p, sgz::internal::kMinLevel, prefix, &stored)) {
    Check(stored.size() < n - p);
    std::unique_ptr<uint8_t[]> back(new uint8_t[n - p]);
    Check(sgz::internal::DecodeStreamAgainst(reinterpret_cast<const uint8_t*>(stored.data()), stored.size(), back.get(),
                                             n - p, prefix)
              .ok());
    Check(memcmp(back.get(), rest + p, n - p) == 0);
  }
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < kParamBytes) return 0;
  const sgz::internal::Codec codec = (data[0] & 1) ? sgz::internal::Codec::kZstd : sgz::internal::Codec::kStored;
  const sgz::internal::Transform transform = (data[0] & 2) ? sgz::internal::Transform::kSplit : sgz::internal::Transform::kNone;
  const sgz::internal::GgmlType* type = nullptr;
  if (transform == sgz::internal::Transform::kSplit) {
    type = sgz::internal::FindGgmlType(data[1]);
    if (type == nullptr || type->fields.empty()) return 0;
  }
  const uint64_t raw_size =
      (static_cast<uint64_t>(data[2]) | static_cast<uint64_t>(data[3]) << 8 | static_cast<uint64_t>(data[4]) << 16) %
      (kMaxRawSize + 1);
  const uint8_t* rest = data + kParamBytes;
  const uint64_t n = size - kParamBytes;
  if (data[0] & 4) return ReferenceStream(data[1], raw_size, rest, n);

  // Exactly raw_size bytes (new[0] is a valid, unreadable pointer), so ASan
  // sees any write past the end.
  std::unique_ptr<uint8_t[]> raw(new uint8_t[raw_size]);
  sgz::internal::Status s = sgz::internal::DecodeStream(codec, rest, n, raw.get(), raw_size);
  if (s.ok() && codec == sgz::internal::Codec::kStored) Check(raw_size == n && memcmp(raw.get(), rest, n) == 0);

  // Split and join are inverse permutations of the same length.
  const std::vector<uint64_t> sizes = sgz::internal::StreamSizes(transform, type, n);
  uint64_t total = 0;
  for (uint64_t v : sizes) total += v;
  Check(total == n);
  Check(sgz::internal::StreamNames(transform, type, false).size() == sizes.size());
  std::unique_ptr<uint8_t[]> split(new uint8_t[n]);
  std::unique_ptr<uint8_t[]> joined(new uint8_t[n]);
  sgz::internal::SplitStreams(transform, type, rest, n, split.get());
  sgz::internal::JoinStreams(transform, type, split.get(), n, joined.get());
  Check(n == 0 || memcmp(joined.get(), rest, n) == 0);

  // Each stream survives the codec, as the writer uses it.
  std::string stored;
  uint64_t pos = 0;
  for (uint64_t v : sizes) {
    stored.clear();
    const sgz::internal::Codec c = sgz::internal::EncodeStream(split.get() + pos, v, sgz::internal::kMinLevel, &stored);
    Check(stored.size() <= sgz::internal::MaxStoredSize(v));
    std::unique_ptr<uint8_t[]> back(new uint8_t[v]);
    Check(sgz::internal::DecodeStream(c, reinterpret_cast<const uint8_t*>(stored.data()), stored.size(), back.get(), v).ok());
    Check(v == 0 || memcmp(back.get(), split.get() + pos, v) == 0);
    pos += v;
  }
  return 0;
}
