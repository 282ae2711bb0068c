// crm-auth: sign-in, tokens, users, departments, roles.

#include <thread>

#include "libs/auth/tokens.h"
#include "libs/db/conn.h"
#include "libs/db/migrate.h"
#include "libs/db/pool.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "libs/events/watch.h"
#include "libs/log/log.h"
#include "libs/rpc/call.h"
#include "libs/rpc/server.h"
#include "services/auth/src/auth_service.h"
#include "services/auth/src/bootstrap.h"
#include "services/auth/src/config.h"
#include "services/auth/src/directory.h"
#include "services/auth/src/directory_service.h"
#include "services/auth/src/migrations.h"
#include "services/auth/src/passwords.h"
#include "services/auth/src/sessions.h"

namespace crm::auth_service {
namespace {

int Fatal(absl::string_view what, const absl::Status& status) {
  log::Error(what).Str("error", status.ToString());
  log::Flush();
  return 1;
}

// Applies migrations, waiting a while for the database to come up.
absl::Status MigrateWithRetry(const std::string& url) {
  db::Conn conn(url);
  absl::Status status;
  for (int attempt = 0; attempt < 30; ++attempt) {
    status = db::Migrate(conn, "auth", AllMigrations());
    if (!absl::IsUnavailable(status)) return status;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return status;
}

int Main(int argc, char** argv) {
  Config config = LoadConfig(argc, argv);
  // Never wait forever for a database that does not answer.
  config.db_url = db::WithConnectOption(config.db_url, "connect_timeout", "5");
  log::Level level = log::Level::kInfo;
  log::ParseLevel(config.log_level, &level);
  log::Configure("auth", level);
  if (absl::Status s = InitPasswords(); !s.ok()) return Fatal("startup failed", s);

  std::string key_pem = config.jwt_private_key_pem;
  if (key_pem.empty()) {
    key_pem = *auth::GenerateSigningKeyPem();
    log::Warn("development mode: signing with a throw-away key; tokens die with this process");
  }
  auto signer =
      auth::TokenSigner::Create(config.jwt_key_id, key_pem, config.jwt_issuer, config.jwt_audience);
  if (!signer.ok()) return Fatal("bad signing key", signer.status());
  auth::TokenVerifier verifier({config.jwt_issuer, config.jwt_audience, config.token_leeway});
  if (absl::Status s = verifier.AddKey(config.jwt_key_id, (*signer)->public_key_pem()); !s.ok()) {
    return Fatal("bad signing key", s);
  }
  if (absl::Status s = verifier.AddKeysFromSpec(config.jwt_extra_public_keys); !s.ok()) {
    return Fatal("bad --jwt-extra-public-keys", s);
  }

  if (config.migrate) {
    if (absl::Status s = MigrateWithRetry(config.db_url); !s.ok()) {
      return Fatal("migrations failed", s);
    }
  }
  events::Outbox outbox("auth");
  {
    db::Conn conn(config.db_url);
    if (absl::Status s = BootstrapAdmin(conn, outbox, config.bootstrap_admin_username,
                                        config.bootstrap_admin_password, config.sessions.password);
        !s.ok()) {
      return Fatal("bootstrap admin failed", s);
    }
  }

  rpc::Server server(config.server);
  db::Pool pool({config.db_url, config.db_pool_size, "main"}, &server.metrics());
  db::Reader reader({config.db_url, config.db_read_sessions, 32, "main"}, &server.metrics());
  rpc::ThreadPool cpu(config.cpu_threads);
  db::RequestLog request_log("auth");
  Sessions sessions(signer->get(), &outbox, config.sessions);
  Directory directory(&outbox, &request_log);
  rpc::Calls calls(&pool, &verifier, &reader, &cpu);
  events::EventStream events({"auth", config.db_url, "auth"}, &pool, &verifier, &server.metrics());
  AuthServiceImpl auth_service(&calls, &sessions, &directory, signer->get(), &events);
  DirectoryServiceImpl directory_service(&calls, &directory, &config.sessions.password);
  server.AddService(&auth_service);
  server.AddService(&directory_service);

  // Readiness: the database answers, on a session of its own with a short connect timeout.
  db::Conn probe(db::WithConnectOption(config.db_url, "connect_timeout", "2"));
  server.SetReadinessProbe([&probe] {
    return probe.Read([](db::Tx& tx) -> absl::Status {
      tx.exec("SELECT 1");
      return absl::OkStatus();
    });
  });
  server.OnShutdown([&events] { events.Shutdown(); });
  events.Start();
  if (absl::Status s = server.Run(); !s.ok()) return Fatal("server failed", s);
  return 0;
}

}  // namespace
}  // namespace crm::auth_service

int main(int argc, char** argv) { return crm::auth_service::Main(argc, argv); }
