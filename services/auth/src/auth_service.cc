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

class AuthServiceImpl final : public v1::AuthService::CallbackService, private rpc::Glue<Parts> {
 public:
  explicit AuthServiceImpl(const Parts& parts)
      : Glue(parts, v1::AuthService::service_full_name()) {}

  Unary* Login(Context* ctx, const v1::LoginRequest* req, v1::LoginResponse* resp) override {
    auto call = calls_.Begin(ctx, __func__, rpc::Auth::kNone);
    Unary* reactor = call->reactor();
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

  Unary* IssueServiceToken(Context* ctx, const v1::IssueServiceTokenRequest* req,
                           v1::IssueServiceTokenResponse* resp) override {
    auto call = calls_.Begin(ctx, __func__, rpc::Auth::kNone);
    Unary* reactor = call->reactor();
    if (call->finished()) return reactor;
    if (absl::Status s = Sessions::ValidateLogin(req->client_id(), req->client_secret(),
                                                 "client_id", "client_secret");
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

  Unary* RefreshToken(Context* ctx, const v1::RefreshTokenRequest* req,
                      v1::RefreshTokenResponse* resp) override {
    return calls_.Unary(
        ctx, __func__,
        [=](rpc::Call& call, db::Conn& conn) {
          auto tokens = sessions->Refresh(conn, req->refresh_token(), MetaOf(call));
          if (!tokens.ok()) return tokens.status();
          FillTokens(*tokens, resp->mutable_tokens());
          return absl::OkStatus();
        },
        rpc::Auth::kNone);
  }

  Unary* Logout(Context* ctx, const v1::LogoutRequest* req, v1::LogoutResponse*) override {
    return calls_.Unary(
        ctx, __func__,
        [this, req](rpc::Call& call, db::Conn& conn) {
          return sessions->Logout(conn, req->refresh_token(), MetaOf(call));
        },
        rpc::Auth::kNone);
  }

  Unary* ChangePassword(Context* ctx, const v1::ChangePasswordRequest* req,
                        v1::ChangePasswordResponse*) override {
    auto call = calls_.Begin(ctx, __func__, rpc::Auth::kRequired);
    Unary* reactor = call->reactor();
    if (call->finished()) return reactor;
    if (absl::Status s = Sessions::ValidatePasswordChange(
            req->current_password(), req->new_password(), call->principal().username);
        !s.ok()) {
      call->Finish(s);
      return reactor;
    }
    calls_.OnDb(call, [this, call, req](rpc::Call& c, db::Conn& conn) {
      auto attempt = sessions->BeginPasswordChange(conn, c.principal().user_id, MetaOf(c));
      if (!attempt.ok()) return c.Finish(attempt.status());
      calls_.OnCpu(call, [this, call, req, attempt = *std::move(attempt)](rpc::Call&) {
        PasswordCheck check =
            sessions->CheckPasswordChange(attempt, req->current_password(), req->new_password());
        calls_.OnDb(call, [this, attempt, check](rpc::Call& c, db::Conn& conn) {
          return sessions->FinishPasswordChange(conn, attempt, check, MetaOf(c));
        });
      });
    });
    return reactor;
  }

  Unary* ListPublicKeys(Context* ctx, const v1::ListPublicKeysRequest*,
                        v1::ListPublicKeysResponse* resp) override {
    auto call = calls_.Begin(ctx, __func__, rpc::Auth::kNone);
    Unary* reactor = call->reactor();
    if (call->finished()) return reactor;
    auto* key = resp->add_keys();
    key->set_key_id(signer->key_id());
    key->set_algorithm("ES256");
    key->set_public_key_pem(signer->public_key_pem());
    key->set_active(true);
    call->Finish(absl::OkStatus());
    return reactor;
  }

  Unary* GetCurrentUser(Context* ctx, const v1::GetCurrentUserRequest*, v1::User* resp) override {
    return calls_.Async(ctx, __func__, [this, resp](std::shared_ptr<rpc::Call> call) {
      const auth::Principal& caller = call->principal();
      directory->GetUser(
          calls_.reader(), caller, caller.user_id,
          rpc::Reply<User>(std::move(call), [resp](const User& u) { *resp = ToProto(u); }));
    });
  }

  grpc::ServerWriteReactor<common::v1::Event>* WatchEvents(
      Context* ctx, const common::v1::WatchEventsRequest* req) override {
    return events->Watch(ctx, req);
  }

 private:
  // Password sign-in for people and the client-credentials exchange share these steps.
  template <typename Done>
  void SignIn(std::shared_ptr<rpc::Call> call, std::string username, std::string password,
              LoginKind kind, Done done) {
    // Guessing passwords (or secrets) costs a hash each: limited per peer before any work.
    std::string peer = rpc::PeerAddress(call->peer());
    if (trust_forwarded_for) {
      const auto& md = call->context()->client_metadata();
      if (auto it = md.find("x-forwarded-for"); it != md.end() && !it->second.empty()) {
        peer = std::string(it->second.data(), it->second.size());
      }
    }
    if (absl::Duration wait = sign_in_limit->Take(peer); wait > absl::ZeroDuration()) {
      return call->Finish(absl::ResourceExhaustedError(
          absl::StrCat("too many sign-ins from this address; retry in ",
                       absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1))), " s")));
    }
    // Sign-in events name the client's address, as the limit does (not the gateway's).
    RequestMeta meta = MetaOf(*call);
    meta.peer = peer;
    calls_.OnDb(
        call, [this, call, username, password, kind, done, meta](rpc::Call& c, db::Conn& conn) {
          auto attempt = sessions->BeginLogin(conn, username, meta);
          if (!attempt.ok()) return c.Finish(attempt.status());
          calls_.OnCpu(call, [this, call, attempt = *std::move(attempt), password, kind, done,
                              meta](rpc::Call&) {
            PasswordCheck check = sessions->CheckPassword(attempt, password);
            calls_.OnDb(call,
                        [this, attempt, check, kind, done, meta](rpc::Call& c,
                                                                 db::Conn& conn) -> absl::Status {
                          auto result = sessions->FinishLogin(conn, attempt, check, kind, meta);
                          if (!result.ok()) return result.status();
                          c.SetUserForLog(result->user.id);
                          done(*result);
                          return absl::OkStatus();
                        });
          });
        });
  }
};

}  // namespace

RequestMeta MetaOf(const rpc::Call& call) {
  RequestMeta meta;
  meta.request_id = call.request_id();
  meta.peer = call.peer();
  if (call.principal_ptr()) meta.actor_id = call.principal().user_id;
  return meta;
}

std::unique_ptr<grpc::Service> NewAuthService(const Parts& parts) {
  return std::make_unique<AuthServiceImpl>(parts);
}

}  // namespace crm::auth_service
