#pragma once
// gRPC glue of crm.contracts.v1.ContractsService.

#include <memory>

#include "crm/auth/v1/directory_service.grpc.pb.h"
#include "crm/contracts/v1/contracts_service.grpc.pb.h"
#include "crm/customers/v1/customers_service.grpc.pb.h"
#include "crm/pipeline/v1/pipeline_service.grpc.pb.h"
#include "libs/events/watch.h"
#include "libs/rpc/glue.h"
#include "libs/salesys/client.h"
#include "services/contracts/src/contracts.h"
#include "services/contracts/src/convert.h"
#include "services/contracts/src/files.h"

namespace crm::contracts_service {

// What the service is made of.
struct Parts {
  const rpc::Calls* calls;
  const Contracts* contracts;
  const Files* files;
  events::EventStream* events;
  // Called on the caller's behalf: the auth directory (our signer), the customers service
  // (the customer, the customer's signer), the pipeline (the originating opportunity).
  crm::auth::v1::DirectoryService::Stub* directory;
  crm::customers::v1::CustomersService::Stub* customers;
  crm::customers::v1::ContactsService::Stub* contacts;
  crm::pipeline::v1::PipelineService::Stub* pipeline;
  // The product catalogue.
  salesys::SalesSystem* sales_system;
};

// crm.contracts.v1.ContractsService (contracts_service.cc).
std::unique_ptr<grpc::Service> NewContractsService(const Parts& parts);

}  // namespace crm::contracts_service
