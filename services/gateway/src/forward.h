#pragma once
// Forwarding over gRPC without per-method code: a generic service takes every call the gateway
// does not serve itself, admits it (token, rate limit), and relays its messages as bytes, unparsed,
// to the method's backend and back, with the caller's token, request id and remaining deadline.
// The caller's cancellation cancels the backend call. Unary, server-, client- and bidi-streaming
// methods alike, one message in flight each way.

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>

#include "absl/time/time.h"
#include "libs/rpc/observer.h"
#include "services/gateway/src/admission.h"
#include "services/gateway/src/routes.h"

namespace crm::gateway {

// Metadata a forwarded call carries: the caller's token and request id (generated when the
// caller sent none), every other header of the caller's that is not gRPC's own, and the
// caller's address as x-forwarded-for (whatever the caller sent there is dropped).
void CopyCallerMetadata(const std::multimap<grpc::string_ref, grpc::string_ref>& in,
                        const std::string& request_id, const std::string& peer,
                        grpc::ClientContext* out);

class Forwarder : public grpc::CallbackGenericService {
 public:
  // max_wait bounds a forwarded call that came without a deadline (streams excepted).
  // trust_forwarded_for: the caller's address is the first of its x-forwarded-for (behind an
  // ingress that sets it), for per-address limits and for the backends.
  Forwarder(const Routes* routes, Admission* admission, rpc::Observer* observer,
            absl::Duration max_wait, bool trust_forwarded_for)
      : routes_(routes),
        admission_(admission),
        observer_(observer),
        max_wait_(max_wait),
        trust_forwarded_for_(trust_forwarded_for) {}

  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override;

 private:
  class Relay;
  const Routes* routes_;
  Admission* admission_;
  rpc::Observer* observer_;
  absl::Duration max_wait_;
  bool trust_forwarded_for_;
};

}  // namespace crm::gateway
