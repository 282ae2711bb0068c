#pragma once
// WatchEvents for any service: a resumable server-streaming RPC over the service's outbox.
//
// One listener per process holds a LISTEN session and wakes the streams when a transaction
// that wrote events commits; a stream then reads the next events after its cursor on a
// pooled session and writes them one at a time, so a slow consumer only slows itself.
// Streams never poll in a loop: besides notifications they re-check only while events are
// held back behind an older running transaction (briefly, with backoff) and every
// `heartbeat` in case a notification was missed while the listener reconnected.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/common/v1/events.pb.h"
#include "libs/auth/tokens.h"
#include "libs/db/pool.h"

namespace prometheus {
class Registry;
class Gauge;
class Counter;
}  // namespace prometheus

namespace crm::events {

// The permission WatchEvents of the service named `source` requires, "<source>.events.watch".
// Streams carry every event of every record, so they are for service accounts only: a person
// reads records through the scoped RPCs.
std::string WatchPermission(absl::string_view source);

class EventStream {
 public:
  struct Options {
    std::string schema;
    // Conninfo for the LISTEN session.
    std::string conninfo;
    // The service name put in Event.source.
    std::string source;
    int batch_size = 500;
    absl::Duration heartbeat = absl::Seconds(5);
  };

  // The pool must outlive this object.
  EventStream(Options options, db::Pool* pool, const auth::TokenVerifier* verifier,
              prometheus::Registry* registry);
  ~EventStream();

  // Starts the listener thread.
  void Start();
  // Ends every open stream with UNAVAILABLE (clients resume elsewhere) and stops listening.
  // (A stream also ends, UNAUTHENTICATED, when its token expires: the client resumes with a
  // fresh one.)
  void Shutdown();

  // The WatchEvents handler body.
  grpc::ServerWriteReactor<common::v1::Event>* Watch(grpc::CallbackServerContext* ctx,
                                                     const common::v1::WatchEventsRequest* req);

  class Watcher;

 private:
  friend class Watcher;
  void Listen();
  void WakeAll();
  void Register(Watcher* w);
  void Unregister(Watcher* w);
  // Wakes w once after delay (used while events are held back).
  void WakeLater(Watcher* w, absl::Duration delay);

  Options options_;
  db::Pool* pool_;
  const auth::TokenVerifier* verifier_;
  std::string fetch_all_name_, fetch_all_sql_, fetch_types_name_, fetch_types_sql_;
  std::string held_back_name_, held_back_sql_;
  std::string ahead_name_, ahead_sql_;  // whether a cursor is ahead of the database

  std::mutex mu_;
  std::set<Watcher*> watchers_;
  std::multimap<absl::Time, Watcher*> timers_;
  bool stopping_ = false;
  std::atomic<int> live_watchers_{0};
  std::condition_variable all_gone_;
  int wake_fd_ = -1;
  std::thread listener_;

  prometheus::Gauge* watchers_gauge_ = nullptr;
  prometheus::Counter* delivered_counter_ = nullptr;
};

}  // namespace crm::events
