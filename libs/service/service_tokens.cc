#include "libs/service/service_tokens.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "crm/auth/v1/auth_service.grpc.pb.h"
#include "libs/config/flags.h"
#include "libs/rpc/status_convert.h"

namespace crm::service {

ServiceTokens::ServiceTokens(std::shared_ptr<grpc::Channel> auth, std::string client_id,
                             std::string client_secret)
    : auth_(std::move(auth)),
      client_id_(std::move(client_id)),
      client_secret_(std::move(client_secret)) {}

absl::StatusOr<std::unique_ptr<ServiceTokens>> ServiceTokens::FromFile(
    std::shared_ptr<grpc::Channel> auth, std::string client_id, const std::string& secret_file) {
  auto content = config::ReadFile("service-client-secret-file", secret_file);
  if (!content.ok()) return content.status();
  std::string secret(absl::StripTrailingAsciiWhitespace(*content));
  if (secret.empty()) return absl::InvalidArgumentError(absl::StrCat(secret_file, " is empty"));
  return std::make_unique<ServiceTokens>(std::move(auth), std::move(client_id), std::move(secret));
}

absl::StatusOr<std::string> ServiceTokens::Get() {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Now() < renew_at_) return token_;
  auto stub = crm::auth::v1::AuthService::NewStub(auth_);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  crm::auth::v1::IssueServiceTokenRequest req;
  req.set_client_id(client_id_);
  req.set_client_secret(client_secret_);
  crm::auth::v1::IssueServiceTokenResponse resp;
  grpc::Status s = stub->IssueServiceToken(&ctx, req, &resp);
  if (!s.ok()) return rpc::FromGrpcStatus(s);
  token_ = resp.access_token();
  const absl::Time expires = absl::FromUnixSeconds(resp.access_token_expire_time().seconds());
  renew_at_ = std::max(absl::Now(), expires - absl::Minutes(1));
  return token_;
}

ServiceAccountFlags::ServiceAccountFlags(config::Flags& flags, const std::string& purpose)
    : id_(flags.String("service-client-id", "CRM_SERVICE_CLIENT_ID", "",
                       "service account that " + purpose)),
      secret_file_(flags.String("service-client-secret-file", "CRM_SERVICE_CLIENT_SECRET_FILE", "",
                                "file holding the service account's secret")) {}

absl::StatusOr<std::unique_ptr<ServiceTokens>> ServiceAccountFlags::Load(
    std::shared_ptr<grpc::Channel> auth) const {
  if (id_->empty()) return nullptr;
  auto tokens = ServiceTokens::FromFile(std::move(auth), *id_, *secret_file_);
  if (!tokens.ok()) {
    return absl::InvalidArgumentError(
        "--service-client-id needs a readable --service-client-secret-file");
  }
  return tokens;
}

}  // namespace crm::service
