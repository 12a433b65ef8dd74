#include "mount_cache.h"

#include <utility>

namespace sgz::cli {

ErrorOr<BlockCache::Block> BlockCache::Get(uint64_t key, const Loader& load) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    auto it = index_.find(key);
    if (it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->second;
    }
    if (loading_.count(key) == 0) break;
    loaded_.wait(lock);
  }
  loading_.insert(key);
  lock.unlock();
  ErrorOr<std::vector<uint8_t>> loaded = load();
  Block block;
  if (loaded.ok()) block = std::make_shared<const std::vector<uint8_t>>(std::move(loaded).value());
  lock.lock();
  loading_.erase(key);
  if (block && block->size() <= max_bytes_) {
    lru_.emplace_front(key, block);
    index_[key] = lru_.begin();
    bytes_ += block->size();
    while (bytes_ > max_bytes_) {
      bytes_ -= lru_.back().second->size();
      index_.erase(lru_.back().first);
      lru_.pop_back();
    }
  }
  lock.unlock();
  // Waiters look again: they find the block, or (after an error) load it
  // themselves and get the error of their own read.
  loaded_.notify_all();
  if (!block) return loaded.error();
  return block;
}

uint64_t BlockCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

struct ReaderPool::Slot {
  std::unique_ptr<Reader> archive;
  std::vector<std::unique_ptr<Reader>> members;  // opened from `archive`, sharing its source and chunk cache
};

ReaderPool::ReaderPool(ReaderOpener open, std::vector<std::string> members, unsigned size)
    : open_(std::move(open)), members_(std::move(members)), size_(size == 0 ? 1 : size) {}

ReaderPool::~ReaderPool() = default;

void ReaderPool::Adopt(Reader reader) {
  auto slot = std::make_unique<Slot>();
  slot->archive = std::make_unique<Reader>(std::move(reader));
  slot->archive->set_threads(1);
  std::lock_guard<std::mutex> lock(mu_);
  free_.push_back(std::move(slot));
  ++created_;
}

Error ReaderPool::With(size_t member, const std::function<Error(Reader&)>& fn) {
  std::unique_ptr<Slot> slot;
  {
    std::unique_lock<std::mutex> lock(mu_);
    freed_.wait(lock, [this] { return !free_.empty() || created_ < size_; });
    if (!free_.empty()) {
      slot = std::move(free_.back());
      free_.pop_back();
    } else {
      slot = std::make_unique<Slot>();
      ++created_;
    }
  }
  Error result;
  // Readers decode on the calling thread: FUSE's threads are the parallelism.
  if (!slot->archive) {
    ErrorOr<Reader> opened = open_();
    if (opened.ok()) {
      slot->archive = std::make_unique<Reader>(std::move(opened).value());
      slot->archive->set_threads(1);
    } else {
      result = opened.error();
    }
  }
  Reader* reader = slot->archive.get();
  if (result.ok() && members_.size() > 1) {
    if (slot->members.size() != members_.size()) slot->members.resize(members_.size());
    if (!slot->members[member]) {
      ErrorOr<Reader> opened = slot->archive->OpenMember(members_[member]);
      if (opened.ok()) {
        slot->members[member] = std::make_unique<Reader>(std::move(opened).value());
        slot->members[member]->set_threads(1);
      } else {
        result = opened.error();
      }
    }
    reader = slot->members[member].get();
  }
  if (result.ok()) result = fn(*reader);
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(slot));
  }
  freed_.notify_one();
  return result;
}

}  // namespace sgz::cli
