// Byte buffers that return to a pool when their last holder lets go, for the
// chunk store's parent chunks (stored and decoded). A predicted member reads
// a parent chunk per tensor, each a few hundred KiB: fresh buffers for each
// cost a page fault per 4 KiB on first touch (and glibc hands large blocks
// back to the kernel when they are freed), which was most of the kernel time
// of unpacking one predicted member.
#ifndef SGZ_CONTAINER_CHUNK_STORE_BUFFERS_H_
#define SGZ_CONTAINER_CHUNK_STORE_BUFFERS_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace sgz::internal {

// Thread-safe. Buffers may outlive the pool's owner (they keep the pool).
class BufferPool : public std::enable_shared_from_this<BufferPool> {
 public:
  // Keeps free buffers of at most `max_bytes` capacity in all.
  static std::shared_ptr<BufferPool> Make(uint64_t max_bytes) {
    return std::shared_ptr<BufferPool>(new BufferPool(max_bytes));
  }

  // A buffer of at least `capacity` bytes' capacity (its size and bytes are
  // what its last user left: resize it): the smallest free one that holds
  // it, else a new one, so that no buffer grows by reallocation (a new
  // block of fresh pages). It goes back to the pool when the last copy of
  // the pointer is destroyed, unless the pool is full.
  std::shared_ptr<std::vector<uint8_t>> Take(uint64_t capacity) {
    std::unique_ptr<std::vector<uint8_t>> v;
    {
      std::lock_guard<std::mutex> lock(mu_);
      size_t best = free_.size();
      for (size_t i = 0; i < free_.size(); ++i) {
        const uint64_t c = free_[i]->capacity();
        if (c >= capacity && (best == free_.size() || c < free_[best]->capacity())) best = i;
      }
      if (best < free_.size()) {
        v = std::move(free_[best]);
        free_.erase(free_.begin() + static_cast<std::ptrdiff_t>(best));
        free_bytes_ -= v->capacity();
      }
    }
    if (!v) {
      v.reset(new std::vector<uint8_t>);
      v->reserve(capacity);
    }
    std::shared_ptr<BufferPool> self = shared_from_this();
    return std::shared_ptr<std::vector<uint8_t>>(v.release(), [self](std::vector<uint8_t>* b) { self->Give(b); });
  }

  // Capacity of the free buffers, in all.
  uint64_t free_bytes() {
    std::lock_guard<std::mutex> lock(mu_);
    return free_bytes_;
  }

 private:
  explicit BufferPool(uint64_t max_bytes) : max_bytes_(max_bytes) {}

  void Give(std::vector<uint8_t>* b) {
    std::unique_ptr<std::vector<uint8_t>> owned(b);
    std::lock_guard<std::mutex> lock(mu_);
    // Full: the smallest buffers make room for a larger one.
    while (!free_.empty() && free_bytes_ + b->capacity() > max_bytes_) {
      auto smallest = std::min_element(free_.begin(), free_.end(), [](const auto& x, const auto& y) {
        return x->capacity() < y->capacity();
      });
      if ((*smallest)->capacity() >= b->capacity()) break;
      free_bytes_ -= (*smallest)->capacity();
      free_.erase(smallest);
    }
    if (free_bytes_ + b->capacity() > max_bytes_) return;
    free_bytes_ += b->capacity();
    free_.push_back(std::move(owned));
  }

  std::mutex mu_;
  std::vector<std::unique_ptr<std::vector<uint8_t>>> free_;
  uint64_t free_bytes_ = 0;
  const uint64_t max_bytes_;
};

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_CHUNK_STORE_BUFFERS_H_
