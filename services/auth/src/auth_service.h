#pragma once
// gRPC glue of crm.auth.v1.AuthService: parse, run the logic on the right executor, reply.

#include "crm/auth/v1/auth_service.grpc.pb.h"
#include "libs/events/watch.h"
#include "libs/rpc/call.h"
#include "libs/rpc/rate_limiter.h"
#include "services/auth/src/directory.h"
#include "services/auth/src/sessions.h"

namespace crm::auth_service {

class AuthServiceImpl : public v1::AuthService::CallbackService {
 public:
  AuthServiceImpl(const rpc::Calls* calls, const Sessions* sessions, const Directory* directory,
                  const auth::TokenSigner* signer, events::EventStream* events,
                  rpc::RateLimiter* sign_in_limit)
      : calls_(calls->ForService(v1::AuthService::service_full_name())),
        sessions_(sessions),
        directory_(directory),
        signer_(signer),
        events_(events),
        sign_in_limit_(sign_in_limit) {}

  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* ctx, const v1::LoginRequest* req,
                                  v1::LoginResponse* resp) override;
  grpc::ServerUnaryReactor* RefreshToken(grpc::CallbackServerContext* ctx,
                                         const v1::RefreshTokenRequest* req,
                                         v1::RefreshTokenResponse* resp) override;
  grpc::ServerUnaryReactor* Logout(grpc::CallbackServerContext* ctx, const v1::LogoutRequest* req,
                                   v1::LogoutResponse* resp) override;
  grpc::ServerUnaryReactor* ChangePassword(grpc::CallbackServerContext* ctx,
                                           const v1::ChangePasswordRequest* req,
                                           v1::ChangePasswordResponse* resp) override;
  grpc::ServerUnaryReactor* IssueServiceToken(grpc::CallbackServerContext* ctx,
                                              const v1::IssueServiceTokenRequest* req,
                                              v1::IssueServiceTokenResponse* resp) override;
  grpc::ServerUnaryReactor* ListPublicKeys(grpc::CallbackServerContext* ctx,
                                           const v1::ListPublicKeysRequest* req,
                                           v1::ListPublicKeysResponse* resp) override;
  grpc::ServerUnaryReactor* GetCurrentUser(grpc::CallbackServerContext* ctx,
                                           const v1::GetCurrentUserRequest* req,
                                           v1::User* resp) override;
  grpc::ServerWriteReactor<common::v1::Event>* WatchEvents(
      grpc::CallbackServerContext* ctx, const common::v1::WatchEventsRequest* req) override;

 private:
  // Password sign-in for people and the client-credentials exchange share these steps.
  template <typename Done>
  void SignIn(std::shared_ptr<rpc::Call> call, std::string username, std::string password,
              LoginKind kind, Done done);

  const rpc::Calls calls_;  // bound to this service
  const Sessions* sessions_;
  const Directory* directory_;
  const auth::TokenSigner* signer_;
  events::EventStream* events_;
  rpc::RateLimiter* sign_in_limit_;  // per peer address
};

// The request's identity for audit events.
RequestMeta MetaOf(const rpc::Call& call);

}  // namespace crm::auth_service
