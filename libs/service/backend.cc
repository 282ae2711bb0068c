#include "libs/service/backend.h"

#include <grpcpp/create_channel.h>

#include "absl/strings/str_cat.h"
#include "libs/rpc/tls.h"

namespace crm::service {

std::shared_ptr<grpc::Channel> Backend::ChannelTo(const std::string& address) const {
  return grpc::CreateChannel(address, rpc::ChannelCredentials(config.client_tls));
}

BackendFlags::BackendFlags(config::Flags& flags, const Names& n)
    : name_(n.name),
      session_options_(n.session_options),
      common_(flags, n.name, n.db_env, n.grpc_port, n.metrics_port, /*with_public_keys=*/true),
      auth_address_(flags.String("auth-address", "CRM_AUTH_ADDRESS", "localhost:50051",
                                 absl::StrCat("the auth service (", n.auth_use, ")"))),
      zone_(flags.String("timezone", "CRM_TIMEZONE", "Asia/Shanghai",
                         absl::StrCat("business time zone (", n.zone_use, ")"))),
      account_(flags, n.account_use) {}

bool BackendFlags::has_account() const { return account_.configured(); }

absl::StatusOr<Backend> BackendFlags::Start(const std::vector<db::MigrationSet>& migrations) const {
  Backend b;
  if (!absl::LoadTimeZone(*zone_, &b.zone)) {
    return absl::InvalidArgumentError(absl::StrCat("--timezone: unknown time zone ", *zone_));
  }
  auto config = common_.Resolve();
  if (!config.ok()) return config.status();
  b.config = *std::move(config);
  ExitAfterMigrationsIfAsked(b.config, name_, migrations);
  auto verifier = VerifierFromConfig(b.config);
  if (!verifier.ok()) return verifier.status();
  b.verifier = *std::move(verifier);
  b.auth = b.ChannelTo(*auth_address_);
  auto tokens = account_.Load(b.auth);
  if (!tokens.ok()) return tokens.status();
  b.tokens = *std::move(tokens);
  auto runtime = Runtime::Start(b.config, name_, migrations, b.verifier.get(), 0, session_options_);
  if (!runtime.ok()) return runtime.status();
  b.runtime = *std::move(runtime);
  return b;
}

}  // namespace crm::service
