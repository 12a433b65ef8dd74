#include "container/chunk_cache.h"

#include <algorithm>

namespace sgz::internal {

DecodedChunk ChunkCache::Get(uint32_t index) {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].index != index) continue;
    Entry e = std::move(entries_[i]);
    entries_.erase(entries_.begin() + i);
    entries_.push_back(std::move(e));
    ++hits_;
    return entries_.back().chunk;
  }
  return nullptr;
}

bool ChunkCache::Contains(uint32_t index) const {
  return std::any_of(entries_.begin(), entries_.end(), [index](const Entry& e) { return e.index == index; });
}

void ChunkCache::Put(uint32_t index, DecodedChunk chunk) {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].index != index) continue;
    bytes_ -= entries_[i].chunk->size();
    entries_.erase(entries_.begin() + i);
    break;
  }
  if (chunk == nullptr || max_chunks_ == 0 || chunk->size() > max_bytes_) return;
  bytes_ += chunk->size();
  entries_.push_back({index, std::move(chunk)});
  while (entries_.size() > max_chunks_ || bytes_ > max_bytes_) {
    bytes_ -= entries_.front().chunk->size();
    entries_.erase(entries_.begin());
  }
}

void ChunkCache::Clear() {
  entries_.clear();
  bytes_ = 0;
}

}  // namespace sgz::internal
