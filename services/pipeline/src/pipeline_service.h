#pragma once
// gRPC glue of crm.pipeline.v1.PipelineService.

#include <memory>

#include "crm/auth/v1/directory_service.grpc.pb.h"
#include "crm/customers/v1/customers_service.grpc.pb.h"
#include "crm/pipeline/v1/pipeline_service.grpc.pb.h"
#include "libs/events/watch.h"
#include "libs/rpc/glue.h"
#include "services/pipeline/src/convert.h"
#include "services/pipeline/src/opportunities.h"
#include "services/pipeline/src/plans.h"

namespace crm::pipeline_service {

// What the service is made of.
struct Parts {
  const rpc::Calls* calls;
  const Opportunities* opportunities;
  const Plans* plans;
  events::EventStream* events;
  // The auth service's directory (assignees are looked up there) and the customers service
  // (customers are checked and created there), both called on the caller's behalf.
  crm::auth::v1::DirectoryService::Stub* directory;
  crm::customers::v1::CustomersService::Stub* customers;
};

// crm.pipeline.v1.PipelineService (pipeline_service.cc).
std::unique_ptr<grpc::Service> NewPipelineService(const Parts& parts);

}  // namespace crm::pipeline_service
