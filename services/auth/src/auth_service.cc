#include "services/auth/src/auth_service.h"

#include "absl/strings/str_cat.h"
#include "libs/proto_time/proto_time.h"
#include "services/auth/src/convert.h"

namespace crm::auth_service {
namespace {

void FillTokens(const TokenPair& t, v1::Tokens* out) {
  out->set_access_token(t.access_token);
  proto_time::SetTimestamp(t.access_expires_at, out->mutable_access_token_expire_time());
  out->set_refresh_token(t.refresh_token);
  proto_time::SetTimestamp(t.refresh_expires_at, out->mutable_refresh_token_expire_time());
  out->set_token_type("Bearer");
}

}  // namespace

RequestMeta MetaOf(const rpc::Call& call) {
  RequestMeta meta;
  meta.request_id = call.request_id();
  meta.peer = call.peer();
  if (call.principal_ptr()) meta.actor_id = call.principal().user_id;
  return meta;
}

template <typename Done>
void AuthServiceImpl::SignIn(std::shared_ptr<rpc::Call> call, std::string username,
                             std::string password, LoginKind kind, Done done) {
  // Guessing passwords (or secrets) costs a hash each: limited per peer before any work.
  if (absl::Duration wait = sign_in_limit_->Take(rpc::PeerAddress(call->peer()));
      wait > absl::ZeroDuration()) {
    return call->Finish(absl::ResourceExhaustedError(
        absl::StrCat("too many sign-ins from this address; retry in ",
                     absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1))), " s")));
  }
  calls_.OnDb(call, [this, call, username, password, kind, done](rpc::Call& c, db::Conn& conn) {
    auto attempt = sessions_->BeginLogin(conn, username, MetaOf(c));
    if (!attempt.ok()) return c.Finish(attempt.status());
    calls_.OnCpu(call, [this, call, attempt = *std::move(attempt), password, kind,
                        done](rpc::Call&) {
      PasswordCheck check = sessions_->CheckPassword(attempt, password);
      calls_.OnDb(call,
                  [this, attempt, check, kind, done](rpc::Call& c, db::Conn& conn) -> absl::Status {
                    auto result = sessions_->FinishLogin(conn, attempt, check, kind, MetaOf(c));
                    if (!result.ok()) return result.status();
                    c.SetUserForLog(result->user.id);
                    done(*result);
                    return absl::OkStatus();
                  });
    });
  });
}

grpc::ServerUnaryReactor* AuthServiceImpl::Login(grpc::CallbackServerContext* ctx,
                                                 const v1::LoginRequest* req,
                                                 v1::LoginResponse* resp) {
  auto call = calls_.Begin(ctx, __func__, rpc::Auth::kNone);
  grpc::ServerUnaryReactor* reactor = call->reactor();
  if (call->finished()) return reactor;
  if (absl::Status s =
          Sessions::ValidateLogin(req->username(), req->password(), "username", "password");
      !s.ok()) {
    call->Finish(s);
    return reactor;
  }
  SignIn(call, req->username(), req->password(), LoginKind::kHuman, [resp](const LoginResult& r) {
    FillTokens(r.tokens, resp->mutable_tokens());
    *resp->mutable_user() = ToProto(r.user);
  });
  return reactor;
}

grpc::ServerUnaryReactor* AuthServiceImpl::IssueServiceToken(
    grpc::CallbackServerContext* ctx, const v1::IssueServiceTokenRequest* req,
    v1::IssueServiceTokenResponse* resp) {
  auto call = calls_.Begin(ctx, __func__, rpc::Auth::kNone);
  grpc::ServerUnaryReactor* reactor = call->reactor();
  if (call->finished()) return reactor;
  if (absl::Status s = Sessions::ValidateLogin(req->client_id(), req->client_secret(), "client_id",
                                               "client_secret");
      !s.ok()) {
    call->Finish(s);
    return reactor;
  }
  SignIn(call, req->client_id(), req->client_secret(), LoginKind::kServiceAccount,
         [resp](const LoginResult& r) {
           resp->set_access_token(r.tokens.access_token);
           proto_time::SetTimestamp(r.tokens.access_expires_at,
                                    resp->mutable_access_token_expire_time());
           resp->set_token_type("Bearer");
         });
  return reactor;
}

grpc::ServerUnaryReactor* AuthServiceImpl::RefreshToken(grpc::CallbackServerContext* ctx,
                                                        const v1::RefreshTokenRequest* req,
                                                        v1::RefreshTokenResponse* resp) {
  return calls_.Unary(
      ctx, __func__,
      [this, req, resp](rpc::Call& call, db::Conn& conn) -> absl::Status {
        auto tokens = sessions_->Refresh(conn, req->refresh_token(), MetaOf(call));
        if (!tokens.ok()) return tokens.status();
        FillTokens(*tokens, resp->mutable_tokens());
        return absl::OkStatus();
      },
      rpc::Auth::kNone);
}

grpc::ServerUnaryReactor* AuthServiceImpl::Logout(grpc::CallbackServerContext* ctx,
                                                  const v1::LogoutRequest* req,
                                                  v1::LogoutResponse*) {
  return calls_.Unary(
      ctx, __func__,
      [this, req](rpc::Call& call, db::Conn& conn) {
        return sessions_->Logout(conn, req->refresh_token(), MetaOf(call));
      },
      rpc::Auth::kNone);
}

grpc::ServerUnaryReactor* AuthServiceImpl::ChangePassword(grpc::CallbackServerContext* ctx,
                                                          const v1::ChangePasswordRequest* req,
                                                          v1::ChangePasswordResponse*) {
  auto call = calls_.Begin(ctx, __func__, rpc::Auth::kRequired);
  grpc::ServerUnaryReactor* reactor = call->reactor();
  if (call->finished()) return reactor;
  if (absl::Status s = Sessions::ValidatePasswordChange(
          req->current_password(), req->new_password(), call->principal().username);
      !s.ok()) {
    call->Finish(s);
    return reactor;
  }
  calls_.OnDb(call, [this, call, req](rpc::Call& c, db::Conn& conn) {
    auto attempt = sessions_->BeginPasswordChange(conn, c.principal().user_id, MetaOf(c));
    if (!attempt.ok()) return c.Finish(attempt.status());
    calls_.OnCpu(call, [this, call, req, attempt = *std::move(attempt)](rpc::Call&) {
      PasswordCheck check =
          sessions_->CheckPasswordChange(attempt, req->current_password(), req->new_password());
      calls_.OnDb(call, [this, attempt, check](rpc::Call& c, db::Conn& conn) {
        return sessions_->FinishPasswordChange(conn, attempt, check, MetaOf(c));
      });
    });
  });
  return reactor;
}

grpc::ServerUnaryReactor* AuthServiceImpl::ListPublicKeys(grpc::CallbackServerContext* ctx,
                                                          const v1::ListPublicKeysRequest*,
                                                          v1::ListPublicKeysResponse* resp) {
  auto call = calls_.Begin(ctx, __func__, rpc::Auth::kNone);
  grpc::ServerUnaryReactor* reactor = call->reactor();
  if (call->finished()) return reactor;
  auto* key = resp->add_keys();
  key->set_key_id(signer_->key_id());
  key->set_algorithm("ES256");
  key->set_public_key_pem(signer_->public_key_pem());
  key->set_active(true);
  call->Finish(absl::OkStatus());
  return reactor;
}

grpc::ServerUnaryReactor* AuthServiceImpl::GetCurrentUser(grpc::CallbackServerContext* ctx,
                                                          const v1::GetCurrentUserRequest*,
                                                          v1::User* resp) {
  return calls_.Async(ctx, __func__, [this, resp](std::shared_ptr<rpc::Call> call) {
    const auth::Principal& caller = call->principal();
    directory_->GetUser(
        calls_.reader(), caller, caller.user_id,
        rpc::Reply<User>(std::move(call), [resp](const User& u) { *resp = ToProto(u); }));
  });
}

grpc::ServerWriteReactor<common::v1::Event>* AuthServiceImpl::WatchEvents(
    grpc::CallbackServerContext* ctx, const common::v1::WatchEventsRequest* req) {
  return events_->Watch(ctx, req);
}

}  // namespace crm::auth_service
