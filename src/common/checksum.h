// Checksums used by the format: XXH3-64 (seed 0) of decoded bytes.
#ifndef SGZ_COMMON_CHECKSUM_H_
#define SGZ_COMMON_CHECKSUM_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/status.h"

namespace sgz::internal {

uint64_t Xxh3(const void* data, size_t size);

// Incremental XXH3-64 for the whole-file checksum.
class Xxh3Stream {
 public:
  Xxh3Stream();
  ~Xxh3Stream();
  Xxh3Stream(const Xxh3Stream&) = delete;
  Xxh3Stream& operator=(const Xxh3Stream&) = delete;
  void Update(const void* data, size_t size);
  uint64_t Digest() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Whether a `computed` checksum matches the `stored` one. Every comparison of
// a checksum read from an archive goes through here so that fuzzing builds
// (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, the libFuzzer convention; only
// fuzz/CMakeLists.txt defines it) can accept any: a fuzzer cannot forge
// XXH3, and without this it would never get past a checksum to the manifest
// decoder, the chunk decoders and what reads their output.
inline bool ChecksumMatches(uint64_t computed, uint64_t stored) {
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  (void)computed;
  (void)stored;
  return true;
#else
  return computed == stored;
#endif
}

// ChecksumMismatch unless `computed`, the XXH3-64 of every decoded byte of a
// file, is the checksum its manifest entry records: one message whether the
// file was unpacked, streamed or verified.
inline Status CheckWholeFileChecksum(uint64_t computed, uint64_t stored) {
  if (ChecksumMatches(computed, stored)) return Status::Ok();
  return Status::ChecksumMismatch("whole-file checksum does not match the decoded bytes");
}

}  // namespace sgz::internal

#endif  // SGZ_COMMON_CHECKSUM_H_
