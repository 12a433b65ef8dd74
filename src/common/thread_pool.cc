#include "common/thread_pool.h"

#include <signal.h>

namespace sgz::internal {

unsigned ResolveThreads(unsigned requested) {
  if (requested > 0) return requested;
  // Read once: each call reads /sys (an open, a read and a close).
  static const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

ThreadPool* SharedThreadPool() {
  static ThreadPool pool(ResolveThreads(0));
  return &pool;
}

ThreadPool::ThreadPool(unsigned threads) {
  // Workers never run signal handlers: the handler that cuts back an archive
  // being appended to (output_cleanup.h) then runs on a thread that writes
  // to it, which writes nothing more after it.
  sigset_t block, old;
  sigemptyset(&block);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&block, sig);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([this] { Loop(); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::Submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void ThreadPool::Loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
      if (stop_ && tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace sgz::internal
