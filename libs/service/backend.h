#pragma once
// How a business service (every one but auth) starts: the common flags, the auth service's
// address, the business time zone and an optional service account of its own, resolved after
// the command line is parsed; then the runtime (migrations applied, server built).
//
//   service::BackendFlags backend(flags, {"pipeline", "CRM_PIPELINE_DB_URL", 50053, 9466,
//                                         "assignees are looked up there", "close dates",
//                                         "follows customers' hand-overs"});
//   flags.ParseOrExit(argc, argv);
//   auto started = backend.Start(AllMigrations());
//   if (!started.ok()) return service::Fatal("startup failed", started.status());

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/channel.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/auth/tokens.h"
#include "libs/config/flags.h"
#include "libs/db/migrate.h"
#include "libs/service/common_config.h"
#include "libs/service/runtime.h"
#include "libs/service/service_tokens.h"

namespace crm::service {

// What is running once a business service has started.
struct Backend {
  CommonConfig config;
  absl::TimeZone zone;
  std::unique_ptr<auth::TokenVerifier> verifier;
  // The auth service.
  std::shared_ptr<grpc::Channel> auth;
  // The service's own account; null without --service-client-id.
  std::unique_ptr<ServiceTokens> tokens;
  std::unique_ptr<Runtime> runtime;

  // A channel to another service, with the configured client TLS.
  std::shared_ptr<grpc::Channel> ChannelTo(const std::string& address) const;
};

class BackendFlags {
 public:
  struct Names {
    std::string name;    // the service and its schema, e.g. "pipeline"
    std::string db_env;  // CRM_<SVC>_DB_URL
    int grpc_port;
    int metrics_port;
    std::string auth_use;     // what the auth service is called for
    std::string zone_use;     // what the business time zone decides
    std::string account_use;  // what the service account is for
    // The `options` of the sessions that serve calls (Runtime::Start), if any.
    std::string session_options = "";
  };
  BackendFlags(config::Flags& flags, const Names& names);

  // Whether a service account is configured (before Start: to check the flags that need one).
  bool has_account() const;
  // After Flags::ParseOrExit: resolves the flags, applies the migrations and builds the
  // runtime. An error says what is wrong (for Fatal).
  absl::StatusOr<Backend> Start(const std::vector<db::MigrationSet>& migrations) const;

 private:
  std::string name_;
  std::string session_options_;
  CommonFlags common_;
  std::string* auth_address_;
  std::string* zone_;
  ServiceAccountFlags account_;
};

}  // namespace crm::service
