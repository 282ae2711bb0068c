#pragma once
// gRPC glue of crm.service.v1.TicketsService.

#include <memory>

#include "crm/auth/v1/directory_service.grpc.pb.h"
#include "crm/customers/v1/customers_service.grpc.pb.h"
#include "crm/service/v1/tickets_service.grpc.pb.h"
#include "libs/events/watch.h"
#include "libs/rpc/glue.h"
#include "services/service/src/attachments.h"
#include "services/service/src/convert.h"
#include "services/service/src/tickets.h"

namespace crm::tickets_service {

// What the service is made of.
struct Parts {
  const rpc::Calls* calls;
  const Tickets* tickets;
  const Attachments* attachments;
  const Settings* settings;
  events::EventStream* events;
  // Called on the caller's behalf: the auth directory (assignees), the customers service (the
  // ticket's customer and contact).
  crm::auth::v1::DirectoryService::Stub* directory;
  crm::customers::v1::CustomersService::Stub* customers;
  crm::customers::v1::ContactsService::Stub* contacts;
};

// crm.service.v1.TicketsService (tickets_service.cc).
std::unique_ptr<grpc::Service> NewTicketsService(const Parts& parts);

}  // namespace crm::tickets_service
