#pragma once
// The database executor: a fixed set of worker threads, each owning one PostgreSQL session.
//
// gRPC handlers never wait on the database: they submit the database part of a request as a
// task and return; a worker runs it on its own session and completes the RPC. The number of
// sessions bounds the load on PostgreSQL, the queue absorbs bursts, and a slow query occupies
// one worker, never a gRPC thread. See docs/architecture.md.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "libs/db/conn.h"

namespace prometheus {
class Registry;
class Histogram;
class Gauge;
class Counter;
}  // namespace prometheus

namespace crm::db {

struct PoolOptions {
  // libpq connection string or URI.
  std::string url;
  // Number of sessions (and worker threads).
  int size = 4;
  // Label for metrics and logs.
  std::string name = "main";
  // Tasks waiting beyond this are refused with RESOURCE_EXHAUSTED by SubmitOrReject.
  size_t max_queue = 10000;
  // Sends the notifications of the workers' transactions (Conn::SetNotifier); null: each
  // transaction sends its own with its commit.
  Notifier* notifier = nullptr;
};

class Pool {
 public:
  using Task = absl::AnyInvocable<void(Conn&)>;

  // registry may be null (no metrics).
  Pool(PoolOptions options, prometheus::Registry* registry);
  // Runs the tasks already queued, then stops the workers.
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Queues task to run on some worker's session.
  void Submit(Task task);
  // Like Submit, but refuses (returns false) when the queue is full, so an overloaded
  // service sheds load instead of queueing without bound.
  bool TrySubmit(Task task);

  // Runs fn(Conn&) on a worker and waits for its result. For start-up work and tests.
  template <typename Fn>
  auto Run(Fn fn) -> decltype(fn(std::declval<Conn&>())) {
    using Result = decltype(fn(std::declval<Conn&>()));
    std::promise<Result> promise;
    std::future<Result> future = promise.get_future();
    Submit([&](Conn& conn) { promise.set_value(fn(conn)); });
    return future.get();
  }

  const PoolOptions& options() const { return options_; }
  size_t queue_depth() const;

 private:
  struct Queued {
    Task task;
    std::chrono::steady_clock::time_point queued_at;
  };
  void Work(int index);
  void Push(Task task);

  PoolOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Queued> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;

  prometheus::Gauge* queue_gauge_ = nullptr;
  prometheus::Gauge* busy_gauge_ = nullptr;
  prometheus::Histogram* wait_histogram_ = nullptr;
  prometheus::Histogram* task_histogram_ = nullptr;
  prometheus::Counter* rejected_counter_ = nullptr;
};

}  // namespace crm::db
