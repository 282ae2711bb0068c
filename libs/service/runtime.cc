#include "libs/service/runtime.h"

#include <cstdlib>
#include <thread>

#include "libs/db/retention.h"
#include "libs/log/log.h"
#include "libs/service/periodic.h"

namespace crm::service {

namespace {

// Waits up to 30 s for the database. The role's lock and statement timeouts (10 s, 30 s) are
// for requests: a replica waits for another's migrations, and a migration may take longer.
absl::Status ApplyMigrations(const CommonConfig& config, const std::string& schema,
                             const std::vector<db::MigrationSet>& sets) {
  db::Conn conn(
      db::WithConnectOption(config.db_url, "options", "-c lock_timeout=0 -c statement_timeout=0"));
  absl::Status status;
  for (int attempt = 0; attempt < 30; ++attempt) {
    status = db::Migrate(conn, schema, sets);
    if (!absl::IsUnavailable(status)) break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return status;
}

}  // namespace

void ExitAfterMigrationsIfAsked(const CommonConfig& config, const std::string& schema,
                                const std::vector<db::MigrationSet>& sets) {
  if (!config.migrate_only) return;
  log::Configure(config.name, config.log_level);
  const absl::Status s = ApplyMigrations(config, schema, sets);
  if (s.ok()) {
    log::Info("migrations applied; exiting").Str("schema", schema);
  } else {
    log::Error("migrations failed").Str("schema", schema).Str("error", s.ToString());
  }
  log::Flush();
  std::exit(s.ok() ? 0 : 1);
}

Runtime::Runtime(const CommonConfig& config, const std::string& schema)
    : config_(config), schema_(schema), outbox_(schema), request_log_(schema) {}

Runtime::~Runtime() {
  // Streams reference the pool; the pool's workers reference nothing of ours.
  events_.reset();
  calls_.reset();
  cpu_.reset();
  reader_.reset();
  pool_.reset();
  notifier_.reset();
  server_.reset();
}

absl::StatusOr<std::unique_ptr<Runtime>> Runtime::Start(const CommonConfig& config,
                                                        const std::string& schema,
                                                        const std::vector<db::MigrationSet>& sets,
                                                        const auth::TokenVerifier* verifier,
                                                        int cpu_threads,
                                                        const std::string& session_options) {
  log::Configure(config.name, config.log_level);
  if (config.migrate) {
    if (absl::Status s = ApplyMigrations(config, schema, sets); !s.ok()) return s;
  }
  std::unique_ptr<Runtime> r(new Runtime(config, schema));
  for (const db::MigrationSet& set : sets) {
    r->has_outbox_ = r->has_outbox_ || set.component == events::Outbox::Migrations().component;
    r->has_request_log_ =
        r->has_request_log_ || set.component == db::RequestLog::Migrations().component;
  }
  if (r->has_outbox_) {
    // Refuses to start over an outbox ahead of its database; a database that does not answer
    // yet is the readiness probe's business.
    db::Conn conn(config.db_url);
    if (absl::Status s = r->outbox_.CheckOrder(conn); absl::IsFailedPrecondition(s)) {
      return s;
    } else if (!s.ok()) {
      log::Warn("the outbox's order was not checked").Str("status", s.ToString());
    }
  }
  r->server_ = std::make_unique<rpc::Server>(config.server);
  r->notifier_ = std::make_unique<db::Notifier>(config.db_url);
  const std::string sessions =
      session_options.empty() ? config.db_url
                              : db::WithConnectOption(config.db_url, "options", session_options);
  r->pool_ = std::make_unique<db::Pool>(
      db::PoolOptions{sessions, config.db_pool_size, "main", 10000, r->notifier_.get()},
      &r->server_->metrics());
  r->reader_ = std::make_unique<db::Reader>(
      db::ReaderOptions{sessions, config.db_read_sessions, 32, "main"}, &r->server_->metrics());
  if (cpu_threads > 0) r->cpu_ = std::make_unique<rpc::ThreadPool>(cpu_threads);
  r->calls_ = std::make_unique<rpc::Calls>(r->pool_.get(), verifier, r->reader_.get(),
                                           r->cpu_.get(), &r->server_->observer());
  r->events_ = std::make_unique<events::EventStream>(
      events::EventStream::Options{schema, config.db_url, config.name}, r->pool_.get(), verifier,
      &r->server_->metrics());
  return r;
}

void Runtime::AddRetention(db::Retention::Table table) { retention_.push_back(std::move(table)); }

void Runtime::AddReadinessCheck(std::function<absl::Status()> check) {
  readiness_checks_.push_back(std::move(check));
}

int Runtime::Run() {
  // Readiness: the database answers, on a session of its own with a short connect timeout.
  probe_ =
      std::make_unique<db::Conn>(db::WithConnectOption(config_.db_url, "connect_timeout", "2"));
  server_->SetReadinessProbe([this] {
    absl::Status s = probe_->Read([](db::Tx& tx) -> absl::Status {
      tx.exec("SELECT 1");
      return absl::OkStatus();
    });
    for (const auto& check : readiness_checks_) {
      if (!s.ok()) break;
      s = check();
    }
    return s;
  });
  server_->OnShutdown([this] { events_->Shutdown(); });
  events_->Start();
  // Retention, hourly, on a session of its own; safe to run on every replica at once (each
  // batch deletes what it finds).
  db::Retention retention(&server_->metrics());
  // Only the tables this schema has (analytics keeps neither an outbox nor a request log).
  if (has_outbox_) retention.Add(outbox_.RetentionTable(config_.outbox_retention));
  if (has_request_log_) retention.Add(request_log_.RetentionTable(config_.request_log_retention));
  for (auto& t : retention_) retention.Add(std::move(t));
  db::Conn retention_conn(config_.db_url);
  Periodic purge("retention", absl::Hours(1),
                 [&]() { return retention.Run(retention_conn).status(); });
  purge.Start();
  absl::Status served = server_->Run();
  purge.Stop();
  if (!served.ok()) return Fatal("server failed", served);
  return 0;
}

absl::StatusOr<std::unique_ptr<auth::TokenVerifier>> VerifierFromConfig(const CommonConfig& c) {
  auto verifier = std::make_unique<auth::TokenVerifier>(c.tokens);
  if (absl::Status s = verifier->AddKeysFromSpec(c.public_keys); !s.ok()) return s;
  if (verifier->key_count() == 0) {
    return absl::InvalidArgumentError("no token verification keys (--jwt-public-keys)");
  }
  return verifier;
}

}  // namespace crm::service
