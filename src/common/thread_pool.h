// A fixed pool of worker threads and an in-order pipeline on top of it.
//
// OrderedPipeline runs the work of each pushed item on the pool and hands the
// items back to the caller's thread strictly in push order, with at most
// `threads` items worked on and 2 x `threads` outstanding: memory stays
// bounded whatever the input size,
// and output is written in order even though work finishes out of order.
#ifndef SGZ_COMMON_THREAD_POOL_H_
#define SGZ_COMMON_THREAD_POOL_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.h"

namespace sgz::internal {

// Number of worker threads to use for `requested` (0 = all cores).
unsigned ResolveThreads(unsigned requested);

class ThreadPool;
// The process-wide pool (one worker per core), created on first use. Every
// pipeline shares it, so repeated calls create no threads and the workers'
// reusable buffers stay bounded by (workers x largest chunk).
ThreadPool* SharedThreadPool();

class ThreadPool {
 public:
  explicit ThreadPool(unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  void Submit(std::function<void()> task);
  unsigned size() const { return static_cast<unsigned>(workers_.size()); }

 private:
  void Loop();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

template <typename Item>
class OrderedPipeline {
 public:
  using Work = std::function<Status(Item&)>;
  using Consume = std::function<Status(Item&)>;

  // `threads` (at least 1) is what "-T N" means: at most N items are worked
  // on at once, however many workers the pool has, so N chunks are being
  // compressed or decoded. Up to `window` items (default and at least 2N) are
  // outstanding (being filled, queued, worked on, or done and waiting for
  // their turn), so that workers keep busy while one slow item holds up the
  // in-order consumer. pool == nullptr runs everything on the caller's
  // thread, one item at a time.
  OrderedPipeline(ThreadPool* pool, size_t threads, Work work, Consume consume, size_t window = 0,
                  bool caller_works = false)
      : pool_(pool),
        caller_works_(caller_works && pool != nullptr && threads > 1),
        concurrency_(threads < 1 ? 1 : caller_works_ ? threads - 1 : threads),
        window_(window > 2 * concurrency_ ? window : 2 * concurrency_),
        work_(std::move(work)),
        consume_(std::move(consume)) {}
  // Waits for work still running or queued (it references items the
  // pipeline owns); consumes nothing more. Returning early on an error is
  // therefore safe.
  ~OrderedPipeline() {
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [this] { return running_ == 0; });
  }

  // An item to fill and Push. First consumes the oldest items, in order,
  // until one more fits in the window (their first error is returned). A
  // consumed item is handed out again when available, so buffers inside items
  // are reused instead of allocated (and zeroed) per item.
  Result<std::unique_ptr<Item>> NewItem() {
    if (!failed_.ok()) return failed_;
    while (pending_.size() >= window_) SGZ_RETURN_IF_ERROR(PopOne());
    if (spares_.empty()) return std::unique_ptr<Item>(new Item);
    std::unique_ptr<Item> item = std::move(spares_.back());
    spares_.pop_back();
    return item;
  }

  // Queues an item from NewItem for work, then consume in push order.
  // Returns the first error from work or consume; after an error every call
  // returns it and nothing more is consumed.
  Status Push(std::unique_ptr<Item> item) {
    if (!failed_.ok()) return failed_;
    if (pool_ == nullptr) {
      Status s = work_(*item);
      if (s.ok()) s = consume_(*item);
      if (!s.ok()) return failed_ = s;
      spares_.push_back(std::move(item));
      return Status::Ok();
    }
    while (pending_.size() >= window_) SGZ_RETURN_IF_ERROR(PopOne());
    auto task = std::make_shared<Task>([this, p = item.get()] { return work_(*p); });
    pending_.push_back({std::move(item), task->get_future()});
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (running_ >= concurrency_) {
        waiting_.push_back(std::move(task));  // a runner takes it when one finishes
        return Status::Ok();
      }
      ++running_;
    }
    pool_->Submit([this, task] { RunFrom(task); });
    return Status::Ok();
  }

  // Consumes everything still in flight, in order.
  Status Finish() {
    if (!failed_.ok()) return failed_;
    while (!pending_.empty()) SGZ_RETURN_IF_ERROR(PopOne());
    return Status::Ok();
  }

 private:
  using Task = std::packaged_task<Status()>;
  struct Pending {
    std::unique_ptr<Item> item;
    std::future<Status> done;
  };

  // One of at most `concurrency_` runners on the pool: runs its task, then
  // the pipeline's waiting ones, until none is left.
  void RunFrom(std::shared_ptr<Task> task) {
    for (;;) {
      (*task)();
      std::lock_guard<std::mutex> lock(mu_);
      if (waiting_.empty()) {
        --running_;
        idle_.notify_all();  // under the lock: the destructor cannot return before this ends
        return;
      }
      task = std::move(waiting_.front());
      waiting_.pop_front();
    }
  }

  Status PopOne() {
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    // The caller as one of the `threads`: while the oldest item is not done,
    // it works on the queued ones itself.
    while (caller_works_ && p.done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      std::shared_ptr<Task> task;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (waiting_.empty()) break;
        task = std::move(waiting_.front());
        waiting_.pop_front();
      }
      (*task)();
    }
    Status s = p.done.get();
    if (s.ok()) s = consume_(*p.item);
    if (!s.ok()) return failed_ = s;
    spares_.push_back(std::move(p.item));
    return Status::Ok();
  }

  ThreadPool* pool_;
  bool caller_works_;
  size_t concurrency_;
  size_t window_;
  Work work_;
  Consume consume_;
  std::deque<Pending> pending_;
  std::vector<std::unique_ptr<Item>> spares_;
  Status failed_;
  std::mutex mu_;  // guards waiting_ and running_, shared with the runners
  std::condition_variable idle_;
  std::deque<std::shared_ptr<Task>> waiting_;
  size_t running_ = 0;
};

}  // namespace sgz::internal

#endif  // SGZ_COMMON_THREAD_POOL_H_
