#pragma once
// The configuration every service binary shares: server ports, database, logging, token
// verification. Each flag has a CRM_* environment variable.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/auth/tokens.h"
#include "libs/log/log.h"
#include "libs/rpc/server.h"

namespace crm::config {
class Flags;
}

namespace crm::service {

struct CommonConfig {
  std::string name;  // "auth", "customers"
  rpc::ServerOptions server;
  // libpq conninfo of the service's own role, with a connect timeout added.
  std::string db_url;
  int db_pool_size = 8;
  int db_read_sessions = 1;
  bool migrate = true;
  // Apply the migrations and exit (a deployment's migration Job, before the rollout).
  bool migrate_only = false;
  log::Level log_level = log::Level::kInfo;
  auth::TokenVerifier::Options tokens;
  // "kid=path,…" public keys that verify access tokens (empty for the auth service itself,
  // which trusts its own signing key).
  std::string public_keys;
  // TLS for calls to other services (the server side is in server.tls).
  rpc::ClientTls client_tls;
  // How long the outbox keeps events and the request log its entries (zero: forever).
  absl::Duration outbox_retention = absl::Hours(24 * 365);
  absl::Duration request_log_retention = absl::Hours(24 * 7);
};

class CommonFlags {
 public:
  // Declares the flags. `db_env` names the variable of the database URL (CRM_<SVC>_DB_URL;
  // empty for a service without a database: no database flags); with_public_keys adds the
  // required --jwt-public-keys.
  CommonFlags(config::Flags& flags, std::string name, std::string db_env, int grpc_port,
              int metrics_port, bool with_public_keys);
  ~CommonFlags();
  // The values, after Flags::ParseOrExit.
  absl::StatusOr<CommonConfig> Resolve() const;

 private:
  struct Values;
  std::string name_;
  std::unique_ptr<Values> v_;
};

// Logs and flushes; returns 1 (for main's exit code).
int Fatal(absl::string_view what, const absl::Status& status);

}  // namespace crm::service
