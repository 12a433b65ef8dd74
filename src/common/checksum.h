// Checksums used by the format: XXH3-64 (seed 0) of decoded bytes.
#ifndef SGZ_COMMON_CHECKSUM_H_
#define SGZ_COMMON_CHECKSUM_H_

#include <cstddef>
#include <cstdint>
#include <memory>

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

}  // namespace sgz::internal

#endif  // SGZ_COMMON_CHECKSUM_H_
