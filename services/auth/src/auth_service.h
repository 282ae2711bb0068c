#pragma once
// gRPC glue of the auth service: crm.auth.v1.AuthService (auth_service.cc) and
// crm.auth.v1.DirectoryService (directory_service.cc), over the same logic objects.

#include <memory>

#include "crm/auth/v1/auth_service.grpc.pb.h"
#include "crm/auth/v1/directory_service.grpc.pb.h"
#include "libs/events/watch.h"
#include "libs/rpc/glue.h"
#include "libs/rpc/rate_limiter.h"
#include "services/auth/src/directory.h"
#include "services/auth/src/sessions.h"

namespace crm::auth_service {

// What the service is made of.
struct Parts {
  const rpc::Calls* calls;
  const Sessions* sessions;
  const Directory* directory;
  const auth::TokenSigner* signer;
  events::EventStream* events;
  rpc::RateLimiter* sign_in_limit;  // per peer address
  bool trust_forwarded_for;         // the peer address is the x-forwarded-for one
  const PasswordParams* password_params;
};

std::unique_ptr<grpc::Service> NewAuthService(const Parts& parts);
std::unique_ptr<grpc::Service> NewDirectoryService(const Parts& parts);

// The request's identity for audit events.
RequestMeta MetaOf(const rpc::Call& call);

}  // namespace crm::auth_service
