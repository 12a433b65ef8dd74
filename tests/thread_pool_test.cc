// The ordered pipeline: results in push order, at most `threads` items worked
// on and 2 x `threads` outstanding, errors stop it, and stopping early never
// deadlocks.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <thread>

#include "common/thread_pool.h"

namespace sgz::internal {
namespace {

struct Item {
  int id = -1;
  std::vector<int> buffer;  // reused between items
};

// Work that finishes in reverse order within each group of four.
void Jitter(int id) { std::this_thread::sleep_for(std::chrono::microseconds(200 * (3 - id % 4))); }

// Pushes items with ids 0 .. n - 1 until the first error, then finishes if
// there was none. Returns the first error (or Ok); *pushed counts the Push
// calls made, the failing one included.
Status PushAllThenFinish(OrderedPipeline<Item>* pipeline, int n, int* pushed = nullptr) {
  Status s;
  for (int i = 0; i < n && s.ok(); ++i) {
    Result<std::unique_ptr<Item>> item = pipeline->NewItem();
    if (!item.ok()) return item.status();
    (*item)->id = i;
    s = pipeline->Push(std::move(*item));
    if (pushed != nullptr) ++*pushed;
  }
  return s.ok() ? pipeline->Finish() : s;
}

TEST(ThreadPool, ResolvesThreadCounts) {
  EXPECT_EQ(ResolveThreads(3), 3u);
  EXPECT_GE(ResolveThreads(0), 1u);
  EXPECT_GE(SharedThreadPool()->size(), 1u);
}

TEST(OrderedPipeline, ConsumesInPushOrder) {
  ThreadPool pool(4);
  for (ThreadPool* p : {&pool, static_cast<ThreadPool*>(nullptr)}) {
    std::vector<int> seen;
    OrderedPipeline<Item> pipeline(
        p, 4,
        [](Item& item) {
          Jitter(item.id);
          item.buffer.assign(3, item.id);
          return Status::Ok();
        },
        [&](Item& item) {
          EXPECT_EQ(item.buffer, std::vector<int>(3, item.id));
          seen.push_back(item.id);
          return Status::Ok();
        });
    for (int i = 0; i < 100; ++i) {
      Result<std::unique_ptr<Item>> item = pipeline.NewItem();
      ASSERT_TRUE(item.ok());
      (*item)->id = i;
      ASSERT_TRUE(pipeline.Push(std::move(*item)).ok());
    }
    ASSERT_TRUE(pipeline.Finish().ok());
    ASSERT_EQ(seen.size(), 100u);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(seen[i], i);
  }
}

TEST(OrderedPipeline, AtMostThreadsItemsAreWorkedOnAndTwiceThatOutstanding) {
  ThreadPool pool(8);  // more workers than the pipeline may use
  for (size_t threads : {1u, 2u, 3u}) {
    SCOPED_TRACE(threads);
    const size_t window = 2 * threads;
    std::atomic<int> working{0}, max_working{0};
    int outstanding = 0, max_outstanding = 0, created = 0;
    std::set<Item*> distinct;
    OrderedPipeline<Item> pipeline(
        &pool, threads,
        [&](Item& item) {
          const int now = ++working;
          for (int m = max_working; now > m && !max_working.compare_exchange_weak(m, now);) {
          }
          Jitter(item.id);
          --working;
          return Status::Ok();
        },
        [&](Item&) {
          --outstanding;
          return Status::Ok();
        });
    for (int i = 0; i < 60; ++i) {
      Result<std::unique_ptr<Item>> item = pipeline.NewItem();
      ASSERT_TRUE(item.ok());
      // From here the item counts: it is being filled.
      max_outstanding = std::max(max_outstanding, ++outstanding);
      if (distinct.insert(item->get()).second) ++created;
      (*item)->id = i;
      ASSERT_TRUE(pipeline.Push(std::move(*item)).ok());
    }
    ASSERT_TRUE(pipeline.Finish().ok());
    EXPECT_EQ(outstanding, 0);
    EXPECT_EQ(max_outstanding, static_cast<int>(window));
    // "-T N": N items worked on at once, though the pool has 8 workers and
    // the window holds 2N (with 3 N the work would overlap more: it sleeps).
    EXPECT_LE(max_working.load(), static_cast<int>(threads));
    EXPECT_EQ(created, static_cast<int>(window));  // items (and their buffers) are reused
  }
}

TEST(OrderedPipeline, AWorkErrorStopsThePipeline) {
  ThreadPool pool(4);
  for (ThreadPool* p : {&pool, static_cast<ThreadPool*>(nullptr)}) {
    std::vector<int> seen;
    std::atomic<int> worked{0};
    OrderedPipeline<Item> pipeline(
        p, 3,
        [&](Item& item) {
          ++worked;
          Jitter(item.id);
          return item.id == 10 ? Status::Corruption("item 10 is bad") : Status::Ok();
        },
        [&](Item& item) {
          seen.push_back(item.id);
          return Status::Ok();
        });
    int pushed = 0;
    const Status s = PushAllThenFinish(&pipeline, 100, &pushed);
    EXPECT_EQ(s.message(), "item 10 is bad");
    EXPECT_EQ(seen, std::vector<int>({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    EXPECT_LE(pushed, 10 + 6);  // found within a window (2 x 3)
    // Every later call returns the same error; nothing more is consumed.
    EXPECT_EQ(pipeline.NewItem().status().message(), "item 10 is bad");
    EXPECT_EQ(pipeline.Push(std::make_unique<Item>()).message(), "item 10 is bad");
    EXPECT_EQ(pipeline.Finish().message(), "item 10 is bad");
    EXPECT_EQ(seen.size(), 10u);
  }
}

TEST(OrderedPipeline, AConsumeErrorStopsThePipeline) {
  ThreadPool pool(2);
  int consumed = 0;
  OrderedPipeline<Item> pipeline(
      &pool, 2, [](Item&) { return Status::Ok(); },
      [&](Item& item) {
        ++consumed;
        return item.id == 3 ? Status::IOError("disk full") : Status::Ok();
      });
  const Status s = PushAllThenFinish(&pipeline, 50);
  EXPECT_EQ(s.code(), Status::Code::kIoError);
  EXPECT_EQ(consumed, 4);
  EXPECT_EQ(pipeline.Finish().code(), Status::Code::kIoError);
  EXPECT_EQ(consumed, 4);
}

TEST(OrderedPipeline, StoppingEarlyNeitherDeadlocksNorConsumes) {
  // The caller gives up with work queued and running (an input error): the
  // destructor waits for the work and consumes nothing. Shared by two
  // pipelines on two threads, the pool serves both.
  ThreadPool pool(2);
  auto run = [&pool](int stop_after) {
    int consumed = 0;
    std::atomic<int> worked{0};
    {
      OrderedPipeline<Item> pipeline(
          &pool, 2,
          [&](Item& item) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            item.buffer.assign(1000, item.id);
            ++worked;
            return Status::Ok();
          },
          [&](Item&) {
            ++consumed;
            return Status::Ok();
          });
      for (int i = 0; i < stop_after; ++i) {
        Result<std::unique_ptr<Item>> item = pipeline.NewItem();
        if (!item.ok()) return -1;
        (*item)->id = i;
        if (!pipeline.Push(std::move(*item)).ok()) return -1;
      }
    }  // no Finish
    return consumed * 1000 + worked;
  };
  std::future<int> a = std::async(std::launch::async, run, 6);
  std::future<int> b = std::async(std::launch::async, run, 3);
  ASSERT_EQ(a.wait_for(std::chrono::seconds(20)), std::future_status::ready) << "deadlock";
  ASSERT_EQ(b.wait_for(std::chrono::seconds(20)), std::future_status::ready) << "deadlock";
  // Six pushed through a window of four: two consumed to make room, all worked.
  EXPECT_EQ(a.get(), 2 * 1000 + 6);
  EXPECT_EQ(b.get(), 0 * 1000 + 3);
}

}  // namespace
}  // namespace sgz::internal
