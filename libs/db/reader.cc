#include "libs/db/reader.h"

#include <libpq-fe.h>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/container/flat_hash_set.h"
#include "libs/db/errors.h"
#include "libs/log/log.h"

namespace crm::db {

// One PostgreSQL session in pipeline mode, with the statements it has prepared.
class Reader::Session {
 public:
  explicit Session(std::string url) : url_(std::move(url)) {}
  ~Session() { Close(); }

  // Runs the batch in one round trip: every read gets its rows or its error, except reads
  // aborted because an earlier read of the batch failed, which are moved to `retry`.
  void Run(std::vector<Item>& batch, std::vector<Item>& retry) {
    if (absl::Status s = EnsureOpen(); !s.ok()) return FailAll(batch, 0, s);
    std::vector<bool> preparing(batch.size(), false);
    absl::flat_hash_set<std::string> preparing_now;
    for (size_t i = 0; i < batch.size(); ++i) {
      Item& item = batch[i];
      const std::string name(item.stmt.name);
      if (!prepared_.contains(name) && !preparing_now.contains(name)) {
        const std::string sql(item.stmt.sql);
        if (!PQsendPrepare(conn_, name.c_str(), sql.c_str(), 0, nullptr)) return Lost(batch, 0);
        preparing[i] = true;
        preparing_now.insert(name);
      }
      std::vector<const char*> values(item.params.size());
      for (size_t p = 0; p < item.params.size(); ++p) {
        values[p] = item.params[p] ? item.params[p]->c_str() : nullptr;
      }
      if (!PQsendQueryPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(),
                               nullptr, nullptr, 0)) {
        return Lost(batch, 0);
      }
    }
    // One sync for the batch: a single flush, and one implicit read-only transaction.
    if (!PQpipelineSync(conn_)) return Lost(batch, 0);

    // Each read is answered as soon as its result is in, not when the batch's last one is:
    // a result is final once received (the batch only reads), and the server sends results as
    // its output buffer fills, so a large result reaches its caller while later reads of the
    // batch still run.
    std::vector<bool> aborted(batch.size(), false);
    for (size_t i = 0; i < batch.size(); ++i) {
      absl::Status prepare_status;
      if (preparing[i]) {
        PGresult* r = PQgetResult(conn_);
        if (r == nullptr) return Lost(batch, 0);
        if (PQresultStatus(r) == PGRES_COMMAND_OK) {
          prepared_.insert(std::string(batch[i].stmt.name));
        } else if (PQresultStatus(r) != PGRES_PIPELINE_ABORTED) {
          prepare_status = ErrorOf(r, batch[i].stmt);
        }
        PQclear(r);
        if (PQgetResult(conn_) != nullptr) return Lost(batch, 0);
      }
      PGresult* r = PQgetResult(conn_);
      if (r == nullptr) return Lost(batch, 0);
      switch (PQresultStatus(r)) {
        case PGRES_TUPLES_OK:
        case PGRES_COMMAND_OK:
          Answer(batch[i], Rows(r));
          r = nullptr;
          break;
        case PGRES_PIPELINE_ABORTED:
          if (prepare_status.ok()) {
            aborted[i] = true;
          } else {
            Answer(batch[i], prepare_status);
          }
          break;
        default:
          Answer(batch[i], ErrorOf(r, batch[i].stmt));
      }
      if (r != nullptr) PQclear(r);
      if (PQgetResult(conn_) != nullptr) return Lost(batch, 0);
    }
    PGresult* sync = PQgetResult(conn_);
    const bool synced = sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
    if (sync != nullptr) PQclear(sync);
    if (!synced) return Lost(batch, 0);
    for (size_t i = 0; i < batch.size(); ++i) {
      if (aborted[i]) retry.push_back(std::move(batch[i]));
    }
  }

 private:
  absl::Status EnsureOpen() {
    if (conn_ != nullptr && !IdleSessionUsable(PQsocket(conn_), [&] {
          return PQconsumeInput(conn_) == 1 && PQstatus(conn_) == CONNECTION_OK;
        })) {
      log::Info("database read session closed by the server; reconnecting")
          .Str("error", PQerrorMessage(conn_));
      Close();
    }
    if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK) return absl::OkStatus();
    Close();
    conn_ = PQconnectdb(url_.c_str());
    if (PQstatus(conn_) != CONNECTION_OK || !PQenterPipelineMode(conn_)) {
      log::Warn("database connect failed").Str("error", PQerrorMessage(conn_));
      Close();
      return absl::UnavailableError("database unavailable");
    }
    return absl::OkStatus();
  }

  void Close() {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = nullptr;
    prepared_.clear();
  }

  static absl::Status ErrorOf(const PGresult* r, const Statement& stmt) {
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    return StatusFromSqlState(state != nullptr ? state : "", PQresultErrorMessage(r), stmt.sql);
  }

  // Answers a read once; a read already answered is left alone.
  static void Answer(Item& item, absl::StatusOr<Rows> result) {
    if (!item.done) return;
    Done done = std::move(item.done);
    item.done = nullptr;
    done(std::move(result));
  }

  void FailAll(std::vector<Item>& batch, size_t from, const absl::Status& status) {
    for (size_t i = from; i < batch.size(); ++i) Answer(batch[i], status);
  }

  // The session broke mid-batch: the reads not yet answered get UNAVAILABLE (a read is safe
  // to retry), and the next batch reconnects.
  void Lost(std::vector<Item>& batch, size_t from) {
    log::Warn("database read session lost").Str("error", conn_ ? PQerrorMessage(conn_) : "");
    Close();
    FailAll(batch, from, absl::UnavailableError("database unavailable"));
  }

  std::string url_;
  PGconn* conn_ = nullptr;
  absl::flat_hash_set<std::string> prepared_;
};

Reader::Reader(ReaderOptions options, prometheus::Registry* registry)
    : options_(std::move(options)) {
  if (registry != nullptr) {
    const prometheus::Labels labels{{"reader", options_.name}};
    batch_histogram_ =
        &prometheus::BuildHistogram()
             .Name("crm_db_read_batch_size")
             .Help("Reads sent to PostgreSQL in one pipelined round trip")
             .Register(*registry)
             .Add(labels, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64});
    wait_histogram_ = &prometheus::BuildHistogram()
                           .Name("crm_db_read_wait_seconds")
                           .Help("Time a read waited before its batch was sent")
                           .Register(*registry)
                           .Add(labels, prometheus::Histogram::BucketBoundaries{
                                            0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                            0.025, 0.05, 0.1, 0.25, 0.5, 1});
    queue_gauge_ = &prometheus::BuildGauge()
                        .Name("crm_db_read_queue_depth")
                        .Help("Reads waiting for a pipelined batch")
                        .Register(*registry)
                        .Add(labels);
    rejected_counter_ = &prometheus::BuildCounter()
                             .Name("crm_db_read_rejected_total")
                             .Help("Reads refused because the queue was full")
                             .Register(*registry)
                             .Add(labels);
  }
  for (int i = 0; i < options_.sessions; ++i) threads_.emplace_back([this, i] { Work(i); });
}

Reader::~Reader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void Reader::Submit(const Statement& stmt, Params params, Done done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() < options_.max_queue) {
      queue_.push_back(
          {stmt, std::move(params), std::move(done), std::chrono::steady_clock::now()});
      if (queue_gauge_) queue_gauge_->Increment();
      done = nullptr;
    } else if (rejected_counter_) {
      rejected_counter_->Increment();
    }
  }
  if (done) {
    done(absl::UnavailableError("server overloaded; retry with backoff"));
    return;
  }
  cv_.notify_one();
}

void Reader::Work(int index) {
  Session session(options_.url);
  std::vector<Item> batch;
  std::vector<Item> retry;
  for (;;) {
    batch.clear();
    {
      std::unique_lock<std::mutex> lock(mu_);
      // Reads aborted by another read's failure go first in the next batch.
      for (auto it = retry.rbegin(); it != retry.rend(); ++it) queue_.push_front(std::move(*it));
      if (queue_gauge_) queue_gauge_->Increment(static_cast<double>(retry.size()));
      retry.clear();
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      const auto now = std::chrono::steady_clock::now();
      while (!queue_.empty() && static_cast<int>(batch.size()) < options_.max_batch) {
        if (wait_histogram_) {
          wait_histogram_->Observe(
              std::chrono::duration<double>(now - queue_.front().queued_at).count());
        }
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (queue_gauge_) queue_gauge_->Decrement(static_cast<double>(batch.size()));
    }
    if (batch_histogram_) batch_histogram_->Observe(static_cast<double>(batch.size()));
    session.Run(batch, retry);
  }
}

}  // namespace crm::db
