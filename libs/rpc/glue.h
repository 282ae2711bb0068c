#pragma once
// The base of a service's gRPC glue classes. Each class serves one gRPC service of the
// service's API, is defined in its own *_service.cc, and reaches the logic objects through
// the service's Parts (a struct with at least `const rpc::Calls* calls`):
//
//   class ContactsServiceImpl final : public v1::ContactsService::CallbackService,
//                                     private rpc::Glue<Parts> {
//    public:
//     explicit ContactsServiceImpl(const Parts& parts)
//         : Glue(parts, v1::ContactsService::service_full_name()) {}
//     Unary* GetContact(Context* ctx, const v1::GetContactRequest* req,
//                       v1::Contact* resp) override { ... }
//   };

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include "libs/rpc/call.h"

namespace crm::rpc {

template <typename Parts>
class Glue : protected Parts {
 protected:
  // service: the gRPC service's service_full_name(); its calls report under it.
  Glue(const Parts& parts, const char* service)
      : Parts(parts), calls_(parts.calls->ForService(service)) {}

  // What every handler's signature spells.
  using Context = grpc::CallbackServerContext;
  using Unary = grpc::ServerUnaryReactor;

  const Calls calls_;
};

}  // namespace crm::rpc
