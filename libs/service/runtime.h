#pragma once
// What every service binary builds around its own logic: migrations, the gRPC server, the
// database executors, the event stream, readiness. A service's main() is then its flags,
// its logic objects, its gRPC glue, and Run().

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/auth/tokens.h"
#include "libs/db/conn.h"
#include "libs/db/migrate.h"
#include "libs/db/notifier.h"
#include "libs/db/pool.h"
#include "libs/db/reader.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "libs/events/watch.h"
#include "libs/rpc/call.h"
#include "libs/rpc/server.h"
#include "libs/rpc/thread_pool.h"
#include "libs/service/common_config.h"

namespace crm::service {

// With --migrate-only (a migration job): configures logging, applies the migrations into
// `schema` and ends the process (exit 1 when they fail). Otherwise does nothing. Called before
// anything else is read, so a job needs nothing but its database.
void ExitAfterMigrationsIfAsked(const CommonConfig& config, const std::string& schema,
                                const std::vector<db::MigrationSet>& sets);

class Runtime {
 public:
  // Configures logging, applies the migrations into `schema` (waiting up to 30 s for the
  // database), and builds the runtime. cpu_threads 0: no CPU pool. session_options: the
  // `options` of the sessions that serve calls (e.g. "-c plan_cache_mode=force_generic_plan"),
  // unless the database URL sets its own.
  static absl::StatusOr<std::unique_ptr<Runtime>> Start(const CommonConfig& config,
                                                        const std::string& schema,
                                                        const std::vector<db::MigrationSet>& sets,
                                                        const auth::TokenVerifier* verifier,
                                                        int cpu_threads = 0,
                                                        const std::string& session_options = "");
  ~Runtime();

  rpc::Server& server() { return *server_; }
  const rpc::Calls& calls() const { return *calls_; }
  events::EventStream& events() { return *events_; }
  const events::Outbox& outbox() const { return outbox_; }
  const db::RequestLog& request_log() const { return request_log_; }
  const CommonConfig& config() const { return config_; }

  // One more condition for readiness, besides the database answering (e.g. a cache loaded).
  // Call before Run.
  void AddReadinessCheck(std::function<absl::Status()> check);

  // One more table to purge of rows older than its keep period (besides the outbox and the
  // request log), hourly. Call before Run.
  void AddRetention(db::Retention::Table table);

  // Serves until SIGTERM, then drains. Returns main's exit code.
  int Run();

 private:
  Runtime(const CommonConfig& config, const std::string& schema);

  CommonConfig config_;
  std::string schema_;
  events::Outbox outbox_;
  db::RequestLog request_log_;
  std::unique_ptr<rpc::Server> server_;
  // Sends the pool's transactions' notifications (the pool's sessions reference it).
  std::unique_ptr<db::Notifier> notifier_;
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<db::Reader> reader_;
  std::unique_ptr<rpc::ThreadPool> cpu_;
  std::unique_ptr<rpc::Calls> calls_;
  std::unique_ptr<events::EventStream> events_;
  std::unique_ptr<db::Conn> probe_;
  std::vector<std::function<absl::Status()>> readiness_checks_;
  std::vector<db::Retention::Table> retention_;
  // Whether the schema's migrations create these tables (then retention trims them).
  bool has_outbox_ = false, has_request_log_ = false;
};

// Loads the verifier's keys from a CommonConfig's --jwt-public-keys.
absl::StatusOr<std::unique_ptr<auth::TokenVerifier>> VerifierFromConfig(const CommonConfig& c);

}  // namespace crm::service
