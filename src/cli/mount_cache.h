// What the threads of a FUSE mount share (sgz mount, mount_fs.cc): a bounded
// cache of decoded blocks of the members, and a pool of Readers. Both are
// thread-safe; the sgz::Reader is not (one Reader per thread, sgz/sgz.h), so
// each read borrows a Reader of the pool for as long as it decodes.
#ifndef SGZ_CLI_MOUNT_CACHE_H_
#define SGZ_CLI_MOUNT_CACHE_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "sgz/sgz.h"

namespace sgz::cli {

// Original bytes of a member in blocks of kMountBlockSize (the last one
// shorter), the unit the cache keeps: the default chunk size, so that a
// block touches at most two chunks and a small read decodes little more
// than the chunks that hold it.
constexpr uint64_t kMountBlockSize = 4ull << 20;

// Least-recently-used decoded blocks, keyed by (member, block), bounded in
// bytes. A block handed out stays valid after its eviction (shared). Two
// readers missing the same block at once decode it once: the second waits
// for the first.
class BlockCache {
 public:
  using Block = std::shared_ptr<const std::vector<uint8_t>>;
  using Loader = std::function<ErrorOr<std::vector<uint8_t>>()>;

  // max_bytes 0: nothing is kept (every read decodes).
  explicit BlockCache(uint64_t max_bytes) : max_bytes_(max_bytes) {}

  // The block `key`, from the cache or else from `load` (called without
  // the lock held). An error of `load` is returned and nothing is kept.
  ErrorOr<Block> Get(uint64_t key, const Loader& load);

  uint64_t bytes() const;

 private:
  using Entry = std::pair<uint64_t, Block>;
  mutable std::mutex mu_;
  std::condition_variable loaded_;
  const uint64_t max_bytes_;
  uint64_t bytes_ = 0;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<uint64_t, std::list<Entry>::iterator> index_;
  std::set<uint64_t> loading_;  // keys some thread is decoding now
};

// Opens the archive for one Reader of the pool. The mount opens the
// archive file (Reader::Open(path)); another source (a URL) only needs a
// different one of these.
using ReaderOpener = std::function<ErrorOr<Reader>()>;

// Up to `size` Readers of the archive, each opened on first need and
// reused; a read waits for a free one. size 1 is a lock around all reads.
class ReaderPool {
 public:
  // `members`: the names of the archive's members; a one-member archive
  // is read by the archive's Reader itself.
  ReaderPool(ReaderOpener open, std::vector<std::string> members, unsigned size);
  ~ReaderPool();

  // Makes `reader` (opened already, e.g. to list the members) the pool's first.
  void Adopt(Reader reader);

  // Runs `fn` with a Reader of member `member` borrowed for the call.
  Error With(size_t member, const std::function<Error(Reader&)>& fn);

 private:
  struct Slot;
  ReaderOpener open_;
  std::vector<std::string> members_;
  unsigned size_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Slot>> free_;  // taken from the back (the last used)
  unsigned created_ = 0;
};

}  // namespace sgz::cli

#endif  // SGZ_CLI_MOUNT_CACHE_H_
