#pragma once
// The gateway's own services (crm.gateway.v1): views composed from several backends in one call
// (Customer 360, the workbench, the team view) and the company's sales system through
// libs/salesys. Every backend call is made as the caller (their token and request id) within
// what is left of the caller's deadline.

#include <memory>

#include <grpcpp/impl/service_type.h>

#include "absl/time/time.h"
#include "crm/contracts/v1/contracts_service.grpc.pb.h"
#include "crm/customers/v1/customers_service.grpc.pb.h"
#include "crm/payments/v1/payments_service.grpc.pb.h"
#include "crm/pipeline/v1/pipeline_service.grpc.pb.h"
#include "crm/service/v1/tickets_service.grpc.pb.h"
#include "libs/rpc/call.h"
#include "libs/salesys/client.h"
#include "services/gateway/src/admission.h"

namespace crm::gateway {

struct ViewsDeps {
  const rpc::Calls* calls;
  Admission* admission;
  customers::v1::CustomersService::StubInterface* customers;
  customers::v1::ContactsService::StubInterface* contacts;
  customers::v1::ChurnService::StubInterface* churn;
  pipeline::v1::PipelineService::StubInterface* pipeline;
  contracts::v1::ContractsService::StubInterface* contracts;
  payments::v1::PaymentsService::StubInterface* payments;
  service::v1::TicketsService::StubInterface* tickets;
  salesys::SalesSystem* sales_system;
  // The longest a section's backend call may take; a section gets at most 80% of what is left
  // of the caller's deadline, so that the view answers in time with the sections it has.
  absl::Duration section_timeout = absl::Seconds(5);
};

std::unique_ptr<grpc::Service> NewViewsService(const ViewsDeps& deps);
std::unique_ptr<grpc::Service> NewCatalogService(const ViewsDeps& deps);

}  // namespace crm::gateway
