#include "libs/db/pool.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "libs/log/log.h"

namespace crm::db {
namespace {

const prometheus::Histogram::BucketBoundaries& Buckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
  return *buckets;
}

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

Pool::Pool(PoolOptions options, prometheus::Registry* registry) : options_(std::move(options)) {
  if (registry != nullptr) {
    const prometheus::Labels labels{{"pool", options_.name}};
    queue_gauge_ = &prometheus::BuildGauge()
                        .Name("crm_db_pool_queue_depth")
                        .Help("Database tasks waiting for a session")
                        .Register(*registry)
                        .Add(labels);
    busy_gauge_ = &prometheus::BuildGauge()
                       .Name("crm_db_pool_busy_sessions")
                       .Help("Database sessions running a task")
                       .Register(*registry)
                       .Add(labels);
    prometheus::BuildGauge()
        .Name("crm_db_pool_size")
        .Help("Database sessions in the pool")
        .Register(*registry)
        .Add(labels)
        .Set(options_.size);
    wait_histogram_ = &prometheus::BuildHistogram()
                           .Name("crm_db_pool_wait_seconds")
                           .Help("Time a database task waited for a session")
                           .Register(*registry)
                           .Add(labels, Buckets());
    task_histogram_ = &prometheus::BuildHistogram()
                           .Name("crm_db_task_seconds")
                           .Help("Time a database task held its session")
                           .Register(*registry)
                           .Add(labels, Buckets());
    rejected_counter_ = &prometheus::BuildCounter()
                             .Name("crm_db_pool_rejected_total")
                             .Help("Database tasks refused because the queue was full")
                             .Register(*registry)
                             .Add(labels);
  }
  workers_.reserve(options_.size);
  for (int i = 0; i < options_.size; ++i) workers_.emplace_back([this, i] { Work(i); });
}

Pool::~Pool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void Pool::Push(Task task) {
  queue_.push_back({std::move(task), std::chrono::steady_clock::now()});
  if (queue_gauge_) queue_gauge_->Increment();
}

void Pool::Submit(Task task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    Push(std::move(task));
  }
  cv_.notify_one();
}

bool Pool::TrySubmit(Task task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= options_.max_queue) {
      if (rejected_counter_) rejected_counter_->Increment();
      return false;
    }
    Push(std::move(task));
  }
  cv_.notify_one();
  return true;
}

size_t Pool::queue_depth() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void Pool::Work(int index) {
  Conn conn(options_.url);
  conn.SetNotifier(options_.notifier);
  for (;;) {
    Queued item;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has run
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    const auto started = std::chrono::steady_clock::now();
    if (queue_gauge_) {
      queue_gauge_->Decrement();
      busy_gauge_->Increment();
      wait_histogram_->Observe(Seconds(started - item.queued_at));
    }
    try {
      item.task(conn);
    } catch (const std::exception& e) {
      // Tasks report failures through their RPC; reaching here is a programming error.
      log::Error("database task threw").Str("error", e.what()).Int("worker", index);
    }
    if (task_histogram_) {
      task_histogram_->Observe(Seconds(std::chrono::steady_clock::now() - started));
      busy_gauge_->Decrement();
    }
  }
}

}  // namespace crm::db
