#pragma once
// gRPC glue of crm.payments.v1.PaymentsService.

#include <memory>

#include "crm/auth/v1/directory_service.grpc.pb.h"
#include "crm/payments/v1/payments_service.grpc.pb.h"
#include "libs/events/watch.h"
#include "libs/rpc/glue.h"
#include "services/payments/src/collection.h"
#include "services/payments/src/deliveries.h"
#include "services/payments/src/receivables.h"

namespace crm::payments_service {

// What the service is made of.
struct Parts {
  const rpc::Calls* calls;
  const Receivables* receivables;
  const Deliveries* deliveries;
  const Collection* collection;
  events::EventStream* events;
  // The auth directory, called on the caller's behalf (a payment's handler).
  crm::auth::v1::DirectoryService::Stub* directory;
};

// crm.payments.v1.PaymentsService (payments_service.cc).
std::unique_ptr<grpc::Service> NewPaymentsService(const Parts& parts);

}  // namespace crm::payments_service
