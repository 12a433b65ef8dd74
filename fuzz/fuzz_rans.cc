// Codec 2 "rans" target. Input layout:
//   byte 0      bits 0-5: contexts - 1 (1..64); bit 6: with a context array;
//               bit 7: the array may hold the value `contexts` (one past
//               the last table, which the decoder must reject)
//   byte 1      seed of the context array
//   bytes 2..4  raw size, little-endian, reduced to 0..256 KiB
//   rest        the payload
// Decode-only part: RansDecode of the rest into exactly the raw size, with
// the portable loop and with the best one: both return Ok or Corruption,
// agree on which, and on every byte when Ok. Round-trip part: the rest as
// data (contexts from the same seed, all valid) encodes to the same payload
// with the portable and the best encoder loop, decodes back with both
// decoder loops, and RansEncode keeps only payloads smaller than the data.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "streams/rans.h"

namespace {

constexpr uint64_t kMaxRawSize = 256u << 10;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

std::vector<uint8_t> Contexts(uint64_t n, uint8_t seed, unsigned values) {
  std::vector<uint8_t> ctx(n);
  uint32_t s = seed * 2654435761u + 1;
  for (uint64_t i = 0; i < n; ++i) {
    s = s * 1103515245u + 12345u;
    // Runs of one context, as real context arrays have.
    ctx[i] = static_cast<uint8_t>(((s >> 16) & 7) == 0 ? (s >> 20) % values : (i ? ctx[i - 1] % values : 0));
  }
  return ctx;
}

struct Result {
  bool ok;
  std::vector<uint8_t> out;
};

Result Decode(bool portable, const uint8_t* src, uint64_t n_src, const uint8_t* ctx, unsigned contexts, uint64_t n) {
  sgz::internal::rans_internal::ForcePortable(portable);
  Result r{false, std::vector<uint8_t>(n)};
  const sgz::internal::Status s = sgz::internal::RansDecode(src, n_src, ctx, contexts, r.out.data(), n);
  sgz::internal::rans_internal::ForcePortable(false);
  r.ok = s.ok();
  Check(s.ok() || s.code() == sgz::internal::Status::Code::kCorrupt);
  return r;
}

void DecodeBoth(const uint8_t* src, uint64_t n_src, const uint8_t* ctx, unsigned contexts, uint64_t n,
                const uint8_t* want) {
  const Result a = Decode(true, src, n_src, ctx, contexts, n);
  const Result b = Decode(false, src, n_src, ctx, contexts, n);
  Check(a.ok == b.ok);
  if (a.ok) Check(a.out == b.out);
  if (want != nullptr) Check(a.ok && (n == 0 || memcmp(a.out.data(), want, n) == 0));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 5) return 0;
  const unsigned contexts = (data[0] & 63) + 1;
  const bool with_ctx = (data[0] & 64) != 0;
  const bool bad_ctx = (data[0] & 128) != 0;
  const uint64_t raw = (data[2] | data[3] << 8 | uint64_t{data[4]} << 16) % (kMaxRawSize + 1);
  const uint8_t* rest = data + 5;
  const uint64_t n = size - 5;

  // Decode-only: the payload copied to a buffer of its exact size.
  std::unique_ptr<uint8_t[]> payload(new uint8_t[n + 1]);
  if (n) memcpy(payload.get(), rest, n);
  const std::vector<uint8_t> ctx = Contexts(raw, data[1], contexts + (bad_ctx ? 1 : 0));
  DecodeBoth(payload.get(), n, with_ctx ? ctx.data() : nullptr, contexts, raw, nullptr);

  // Round trip of the rest.
  const std::vector<uint8_t> data_ctx = Contexts(n, data[1], contexts);
  const uint8_t* c = with_ctx ? data_ctx.data() : nullptr;
  std::string coded, portable;
  sgz::internal::rans_internal::EncodeAlways(rest, n, c, contexts, 0, &coded);
  sgz::internal::rans_internal::ForcePortable(true);
  sgz::internal::rans_internal::EncodeAlways(rest, n, c, contexts, 0, &portable);
  sgz::internal::rans_internal::ForcePortable(false);
  Check(coded == portable);
  DecodeBoth(reinterpret_cast<const uint8_t*>(coded.data()), coded.size(), c, contexts, n, rest);
  std::string kept;
  if (sgz::internal::RansEncode(rest, n, c, contexts, &kept)) {
    Check(kept.size() < n && kept == coded);
  } else {
    Check(kept.empty() && (n == 0 || coded.size() >= n));
  }
  // With a limit: the payload when it is below the limit, else nothing (the
  // estimate may give up on payloads just below it).
  kept.clear();
  const uint64_t limit = coded.size() + (data[1] & 3) - 1;
  if (sgz::internal::RansEncode(rest, n, c, contexts, &kept, limit)) {
    Check(kept == coded && kept.size() < limit && kept.size() < n);
  } else {
    Check(kept.empty());
  }
  return 0;
}
