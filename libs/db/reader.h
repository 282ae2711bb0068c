#pragma once
// The pipelined read path: single-statement reads from many concurrent requests are sent to
// PostgreSQL together, in libpq's pipeline mode, and their results come back in one round
// trip. A request's read never waits for a round trip of its own and PostgreSQL wakes once
// per batch, not once per query: on a small machine this doubles point-read throughput over
// one-query-per-round-trip (see docs/architecture.md). A batch ends with one sync; a read that
// fails answers its own request, and the reads the failure aborted after it are sent again.
//
// Writes and multi-statement reads go through db::Pool (libpqxx transactions).

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "libs/db/conn.h"
#include "libs/db/rows.h"

namespace prometheus {
class Registry;
class Histogram;
class Gauge;
class Counter;
}  // namespace prometheus

namespace crm::db {

// Text-format parameters; nullopt is SQL NULL.
using Params = std::vector<std::optional<std::string>>;

// Where an asynchronous operation delivers its result.
template <typename T>
using Callback = absl::AnyInvocable<void(absl::StatusOr<T>)>;

// A statement with its parameters, ready for Reader::Submit.
struct Query {
  Statement stmt;
  Params params;
};

namespace params_internal {
inline std::optional<std::string> One(std::string s) { return s; }
inline std::optional<std::string> One(const char* s) { return std::string(s); }
inline std::optional<std::string> One(absl::string_view s) { return std::string(s); }
inline std::optional<std::string> One(bool b) { return std::string(b ? "true" : "false"); }
inline std::optional<std::string> One(std::nullopt_t) { return std::nullopt; }
// (Declared before the optional overload, which must see it for optional<int>.)
template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
std::optional<std::string> One(T v) {
  return absl::StrCat(v);
}
template <typename T>
std::optional<std::string> One(const std::optional<T>& v) {
  if (!v) return std::nullopt;
  return One(*v);
}
}  // namespace params_internal

// MakeParams("id", 42, std::optional<std::string>()) → {"id", "42", NULL}.
template <typename... Args>
Params MakeParams(Args&&... args) {
  return Params{params_internal::One(std::forward<Args>(args))...};
}

struct ReaderOptions {
  std::string url;
  // Sessions (and threads); each pipelines its own batches.
  int sessions = 1;
  // Reads sent in one round trip at most.
  int max_batch = 32;
  std::string name = "read";
  // Reads waiting beyond this are refused with UNAVAILABLE (load shedding).
  size_t max_queue = 10000;
};

class Reader {
 public:
  using Done = absl::AnyInvocable<void(absl::StatusOr<Rows>)>;

  Reader(ReaderOptions options, prometheus::Registry* registry);
  // Finishes the queued reads, then stops.
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Runs stmt with params; `done` runs on a reader thread with the rows or the mapped error.
  // The statement's strings must outlive the reader (they are constants).
  void Submit(const Statement& stmt, Params params, Done done);
  void Submit(Query query, Done done) {
    Submit(query.stmt, std::move(query.params), std::move(done));
  }

 private:
  struct Item {
    Statement stmt;
    Params params;
    Done done;
    std::chrono::steady_clock::time_point queued_at;
  };
  class Session;
  void Work(int index);

  ReaderOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;

  prometheus::Histogram* batch_histogram_ = nullptr;
  prometheus::Histogram* wait_histogram_ = nullptr;
  prometheus::Gauge* queue_gauge_ = nullptr;
  prometheus::Counter* rejected_counter_ = nullptr;
};

}  // namespace crm::db
