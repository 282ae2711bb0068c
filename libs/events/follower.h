#pragma once
// Following another service's event stream: a background thread reads its WatchEvents from
// where this service left off and applies each event in a transaction that also stores the
// event's cursor (in <schema>.event_cursors), so every event takes effect exactly once
// across reconnections, restarts and crashes. Errors (the producer or the database down, a
// token refused, apply failing) are logged and retried with backoff from the stored cursor.
//
// Every replica of the following service runs a follower; one follows at a time (a session
// advisory lock per stream), the others retry with backoff and take over when it goes. Should
// two ever apply at once (the leader's session lost mid-stream), the cursor is compare-and-set:
// a transaction whose cursor moved since this follower last stored it rolls back, so an event
// still takes effect once and the cursor never moves backwards.
//
//   events::Follower orders({.stream = "orders", .channel = ch,
//                            .method = "/crm.contracts.v1.ContractsService/WatchEvents",
//                            .types = {"contracts.order.placed"}, .token = tokens},
//                           conninfo, "customers",
//                           [&](db::Tx& tx, const common::v1::Event& e) { ... });
//   orders.Start();

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crm/common/v1/events.pb.h"
#include "libs/db/conn.h"
#include "libs/db/migrate.h"

namespace prometheus {
class Counter;
class Gauge;
class Registry;
}  // namespace prometheus

namespace crm::events {

class Follower {
 public:
  struct Options {
    // The cursor's key, e.g. "orders".
    std::string stream;
    std::shared_ptr<grpc::Channel> channel;
    // The full method name of the producer's WatchEvents.
    std::string method;
    std::vector<std::string> types;
    // A service account's bearer token with the producer's "<source>.events.watch", asked for
    // at each connection (unset: none).
    std::function<absl::StatusOr<std::string>()> token;
    // More request headers (e.g. an external producer's API key).
    std::vector<std::pair<std::string, std::string>> metadata;
    // A producer whose stream is not a WatchEvents (the sales system's order stream): the
    // request (serialized) for the messages after `cursor`, and each message (serialized) read
    // as an event with its cursor. Unset: crm.common.v1 WatchEvents of `types`.
    std::function<std::string(const std::string& cursor)> request;
    std::function<absl::StatusOr<common::v1::Event>(const std::string& message)> decode;
    // Events applied in one transaction, at most: what the stream has delivered while the
    // previous transaction ran (1: each event in its own).
    int max_batch = 1;
    // Where crm_follower_events_applied_total, crm_follower_lag_seconds and
    // crm_follower_connected{stream} go (null: nowhere).
    prometheus::Registry* metrics = nullptr;
    absl::Duration min_backoff = absl::Milliseconds(200);
    absl::Duration max_backoff = absl::Seconds(30);
  };
  // Applies one event inside the transaction that stores its cursor (and those of the rest of
  // its batch).
  using Apply = std::function<absl::Status(db::Tx&, const common::v1::Event&)>;

  // Applies a batch of events (in the stream's order) inside the transaction that stores the
  // last one's cursor.
  using ApplyBatch =
      std::function<absl::Status(db::Tx&, const std::vector<const common::v1::Event*>&)>;

  Follower(Options options, std::string conninfo, std::string schema, Apply apply);
  Follower(Options options, std::string conninfo, std::string schema, ApplyBatch apply);
  ~Follower();

  void Start();
  // Ends the stream and waits for the thread.
  void Stop();

  // Events applied since Start (for tests and metrics).
  int64_t applied() const { return applied_.load(); }

  // The event_cursors table, applied into the following service's schema.
  static const db::MigrationSet& Migrations();
  // The stored cursor of `stream` ("" before its first event).
  static std::string LoadCursor(db::Tx& tx, const std::string& schema, const std::string& stream);

 private:
  void Run();
  // One connection, if this replica is the stream's leader: reads and applies until the
  // stream ends or fails.
  absl::Status Follow();
  absl::Status FollowAsLeader();
  absl::StatusOr<common::v1::Event> Decode(const grpc::ByteBuffer& message) const;

  Options options_;
  db::Conn conn_;
  std::string schema_;
  ApplyBatch apply_;
  std::atomic<int64_t> applied_{0};
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  grpc::ClientContext* current_ = nullptr;  // guarded by mu_
  prometheus::Counter* applied_total_ = nullptr;
  prometheus::Gauge* lag_seconds_ = nullptr;
  prometheus::Gauge* connected_ = nullptr;
};

}  // namespace crm::events
