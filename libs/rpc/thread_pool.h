#pragma once
// A small fixed-size thread pool for CPU-heavy steps of a request (password hashing), so they
// occupy neither gRPC threads nor database sessions.

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"

namespace crm::rpc {

class ThreadPool {
 public:
  // At most max_queue tasks wait; TrySubmit refuses more.
  explicit ThreadPool(int threads, size_t max_queue = 256);
  // Runs what is queued, then joins.
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues the task; false (and nothing queued) when max_queue tasks already wait.
  bool TrySubmit(absl::AnyInvocable<void()> task);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<absl::AnyInvocable<void()>> queue_;
  bool stopping_ = false;
  size_t max_queue_;
  std::vector<std::thread> threads_;
};

}  // namespace crm::rpc
