#include "libs/service/common_config.h"

#include "absl/strings/str_cat.h"
#include "libs/config/flags.h"
#include "libs/db/conn.h"

namespace crm::service {

struct CommonFlags::Values {
  std::shared_ptr<rpc::ServerOptions::FlagValues> server;
  // Null for a service without a database (the gateway).
  std::string* db_url = nullptr;
  int64_t* pool = nullptr;
  int64_t* read_sessions = nullptr;
  bool* migrate = nullptr;
  bool* migrate_only = nullptr;
  std::string* log_level;
  std::string* issuer;
  std::string* audience;
  absl::Duration* leeway;
  absl::Duration* outbox_retention = nullptr;
  absl::Duration* request_log_retention = nullptr;
  std::string* public_keys = nullptr;
  std::unique_ptr<rpc::TlsFlags> tls;
};

CommonFlags::CommonFlags(config::Flags& flags, std::string name, std::string db_env, int grpc_port,
                         int metrics_port, bool with_public_keys)
    : name_(std::move(name)), v_(std::make_unique<Values>()) {
  v_->server = rpc::ServerOptions::DeclareFlags(flags, grpc_port, metrics_port);
  v_->tls = std::make_unique<rpc::TlsFlags>(flags);
  if (!db_env.empty()) {
    v_->db_url = flags.RequiredString(
        "db-url", std::move(db_env),
        absl::StrCat("PostgreSQL conninfo of the ", name_, " service's own role"));
    v_->pool = flags.Int("db-pool-size", "CRM_DB_POOL_SIZE", 8,
                         "database sessions for transactions", 1, 256);
    v_->read_sessions = flags.Int("db-read-sessions", "CRM_DB_READ_SESSIONS", 1,
                                  "database sessions for pipelined point reads", 1, 64);
    v_->migrate = flags.Bool("migrate", "CRM_MIGRATE", true, "apply schema migrations at start");
    v_->migrate_only = flags.Bool("migrate-only", "CRM_MIGRATE_ONLY", false,
                                  "apply schema migrations, then exit (a migration job)");
    v_->outbox_retention =
        flags.Duration("outbox-retention", "CRM_OUTBOX_RETENTION", absl::Hours(24 * 365),
                       "how long events stay in the outbox for followers (0: forever)");
    v_->request_log_retention =
        flags.Duration("request-log-retention", "CRM_REQUEST_LOG_RETENTION", absl::Hours(24 * 7),
                       "how long a request id is remembered for retries (0: forever)");
  }
  v_->log_level = flags.String("log-level", "CRM_LOG_LEVEL", "info", "debug | info | warn | error");
  v_->issuer = flags.String("jwt-issuer", "CRM_JWT_ISSUER", "crm-auth", "token issuer (iss)");
  v_->audience = flags.String("jwt-audience", "CRM_JWT_AUDIENCE", "crm", "token audience (aud)");
  v_->leeway = flags.Duration("token-leeway", "CRM_TOKEN_LEEWAY", absl::Seconds(30),
                              "clock difference tolerated when checking token expiry");
  if (with_public_keys) {
    v_->public_keys = flags.RequiredString(
        "jwt-public-keys", "CRM_JWT_PUBLIC_KEYS",
        "kid=path,… PEM public keys of the auth service that verify access tokens");
  }
}

CommonFlags::~CommonFlags() = default;

absl::StatusOr<CommonConfig> CommonFlags::Resolve() const {
  CommonConfig c;
  c.name = name_;
  if (absl::Status s = rpc::ServerOptions::FromFlags(*v_->server, name_, &c.server); !s.ok()) {
    return s;
  }
  if (absl::Status s = v_->tls->Resolve(&c.server.tls, &c.client_tls); !s.ok()) return s;
  if (v_->db_url != nullptr) {
    // Never wait forever for a database that does not answer.
    c.db_url = db::WithConnectOption(*v_->db_url, "connect_timeout", "5");
    c.db_pool_size = static_cast<int>(*v_->pool);
    c.db_read_sessions = static_cast<int>(*v_->read_sessions);
    c.migrate = *v_->migrate;
    c.migrate_only = *v_->migrate_only;
    c.outbox_retention = *v_->outbox_retention;
    c.request_log_retention = *v_->request_log_retention;
  }
  if (!log::ParseLevel(*v_->log_level, &c.log_level)) {
    return absl::InvalidArgumentError("--log-level must be debug, info, warn or error");
  }
  c.tokens.issuer = *v_->issuer;
  c.tokens.audience = *v_->audience;
  c.tokens.leeway = *v_->leeway;
  if (v_->public_keys != nullptr) c.public_keys = *v_->public_keys;
  return c;
}

int Fatal(absl::string_view what, const absl::Status& status) {
  log::Error(what).Str("error", status.ToString());
  log::Flush();
  return 1;
}

}  // namespace crm::service
