#include "libs/rpc/call.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/ids/uuid.h"
#include "libs/rpc/observer.h"
#include "libs/rpc/status_convert.h"

namespace crm::rpc {
namespace {

absl::string_view Header(const grpc::ServerContextBase& ctx, const char* key) {
  const auto& md = ctx.client_metadata();
  auto it = md.find(key);
  if (it == md.end()) return {};
  return absl::string_view(it->second.data(), it->second.size());
}

}  // namespace

bool SaneRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::string RequestIdOf(const grpc::ServerContextBase& ctx) {
  absl::string_view id = Header(ctx, kRequestIdHeader);
  return SaneRequestId(id) ? std::string(id) : ids::NewUuidV7();
}

absl::StatusOr<std::shared_ptr<const auth::Principal>> Authenticate(
    const grpc::ServerContextBase& ctx, const auth::TokenVerifier& verifier) {
  return AuthenticateHeader(Header(ctx, "authorization"), verifier);
}

absl::StatusOr<std::shared_ptr<const auth::Principal>> AuthenticateHeader(
    absl::string_view value, const auth::TokenVerifier& verifier) {
  if (value.empty()) {
    return absl::UnauthenticatedError("missing \"authorization: Bearer <access token>\" metadata");
  }
  if (value.size() < 7 || !absl::EqualsIgnoreCase(value.substr(0, 7), "bearer ")) {
    return absl::UnauthenticatedError("authorization metadata must be \"Bearer <access token>\"");
  }
  return verifier.Verify(absl::StripAsciiWhitespace(value.substr(7)));
}

absl::Status ClientFacing(const absl::Status& status, const std::string& request_id) {
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      log::Error("request failed").Str("error", status.ToString()).Str("request_id", request_id);
      return absl::Status(status.code(),
                          absl::StrCat("internal error (request id ", request_id, ")"));
    default:
      return status;
  }
}

Call::Call(grpc::CallbackServerContext* ctx, grpc::ServerUnaryReactor* reactor,
           std::string request_id, std::shared_ptr<const auth::Principal> principal,
           Observer* observer, ObservedMethod* method)
    : ctx_(ctx),
      reactor_(reactor),
      request_id_(std::move(request_id)),
      principal_(std::move(principal)),
      observer_(method != nullptr ? observer : nullptr),
      method_(method) {
  ctx_->AddTrailingMetadata(kRequestIdHeader, request_id_);
  if (observer_ != nullptr) {
    start_ = std::chrono::steady_clock::now();
    observer_->Started(method_);
  }
}

absl::Time Call::deadline() const { return absl::FromChrono(ctx_->deadline()); }

bool Call::Expired() const {
  return ctx_->IsCancelled() || ctx_->deadline() < std::chrono::system_clock::now();
}

void Call::ForwardTo(grpc::ClientContext* out, absl::Duration max_wait) const {
  absl::string_view token = Header(*ctx_, "authorization");
  if (!token.empty()) out->AddMetadata("authorization", std::string(token));
  out->AddMetadata(kRequestIdHeader, request_id_);
  out->set_deadline(std::min(ctx_->deadline(), absl::ToChronoTime(absl::Now() + max_wait)));
}

void Call::SetUserForLog(const std::string& user_id) { log_user_id_ = user_id; }

void Call::Finish(const absl::Status& status) {
  if (finished_.exchange(true)) return;
  grpc::Status sent = ToGrpcStatus(ClientFacing(status, request_id_));
  if (observer_ != nullptr) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    observer_->Finished(method_, sent.error_code(), sent.error_message(), seconds, request_id_,
                        principal_ ? absl::string_view(principal_->user_id) : log_user_id_, ctx_);
  }
  reactor_->Finish(sent);
}

Calls Calls::ForService(const char* service) const {
  Calls bound = *this;
  bound.service_ = service;
  if (observer_ != nullptr) observer_->ReportedByHandlers(service);
  return bound;
}

std::shared_ptr<Call> Calls::Begin(grpc::CallbackServerContext* ctx, const char* method,
                                   Auth auth) const {
  ObservedMethod* observed =
      observer_ != nullptr && service_ != nullptr ? observer_->ForUnary(service_, method) : nullptr;
  absl::StatusOr<std::shared_ptr<const auth::Principal>> principal =
      std::shared_ptr<const auth::Principal>();
  if (auth == Auth::kRequired) principal = Authenticate(*ctx, *verifier_);
  auto call =
      std::make_shared<Call>(ctx, ctx->DefaultReactor(), RequestIdOf(*ctx),
                             principal.ok() ? *std::move(principal) : nullptr, observer_, observed);
  if (!principal.ok()) call->Finish(principal.status());
  return call;
}

}  // namespace crm::rpc
