#pragma once
// gRPC glue of crm.pipeline.v1.PipelineService.

#include "crm/auth/v1/directory_service.grpc.pb.h"
#include "crm/customers/v1/customers_service.grpc.pb.h"
#include "crm/pipeline/v1/pipeline_service.grpc.pb.h"
#include "libs/events/watch.h"
#include "libs/rpc/call.h"
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

class PipelineServiceImpl : public v1::PipelineService::CallbackService {
 public:
  explicit PipelineServiceImpl(const Parts& parts)
      : calls_(parts.calls->ForService(v1::PipelineService::service_full_name())),
        opportunities_(parts.opportunities),
        plans_(parts.plans),
        events_(parts.events),
        directory_(parts.directory),
        customers_(parts.customers) {}

  grpc::ServerUnaryReactor* CreateOpportunity(grpc::CallbackServerContext* ctx,
                                              const v1::CreateOpportunityRequest* req,
                                              v1::Opportunity* resp) override;
  grpc::ServerUnaryReactor* GetOpportunity(grpc::CallbackServerContext* ctx,
                                           const v1::GetOpportunityRequest* req,
                                           v1::Opportunity* resp) override;
  grpc::ServerUnaryReactor* ListOpportunities(grpc::CallbackServerContext* ctx,
                                              const v1::ListOpportunitiesRequest* req,
                                              v1::ListOpportunitiesResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateOpportunity(grpc::CallbackServerContext* ctx,
                                              const v1::UpdateOpportunityRequest* req,
                                              v1::Opportunity* resp) override;
  grpc::ServerUnaryReactor* AssignOpportunity(grpc::CallbackServerContext* ctx,
                                              const v1::AssignOpportunityRequest* req,
                                              v1::Opportunity* resp) override;
  grpc::ServerUnaryReactor* ChangeOpportunityStage(grpc::CallbackServerContext* ctx,
                                                   const v1::ChangeOpportunityStageRequest* req,
                                                   v1::Opportunity* resp) override;
  grpc::ServerUnaryReactor* ListStageChanges(grpc::CallbackServerContext* ctx,
                                             const v1::ListStageChangesRequest* req,
                                             v1::ListStageChangesResponse* resp) override;
  grpc::ServerUnaryReactor* CreatePlanItem(grpc::CallbackServerContext* ctx,
                                           const v1::CreatePlanItemRequest* req,
                                           v1::PlanItem* resp) override;
  grpc::ServerUnaryReactor* UpdatePlanItem(grpc::CallbackServerContext* ctx,
                                           const v1::UpdatePlanItemRequest* req,
                                           v1::PlanItem* resp) override;
  grpc::ServerUnaryReactor* ExecutePlanItem(grpc::CallbackServerContext* ctx,
                                            const v1::ExecutePlanItemRequest* req,
                                            v1::PlanItem* resp) override;
  grpc::ServerUnaryReactor* ListPlanItems(grpc::CallbackServerContext* ctx,
                                          const v1::ListPlanItemsRequest* req,
                                          v1::ListPlanItemsResponse* resp) override;
  grpc::ServerUnaryReactor* MarkDevelopmentSucceeded(grpc::CallbackServerContext* ctx,
                                                     const v1::MarkDevelopmentSucceededRequest* req,
                                                     v1::Opportunity* resp) override;
  grpc::ServerUnaryReactor* TerminateDevelopment(grpc::CallbackServerContext* ctx,
                                                 const v1::TerminateDevelopmentRequest* req,
                                                 v1::Opportunity* resp) override;
  grpc::ServerUnaryReactor* ListStages(grpc::CallbackServerContext* ctx,
                                       const v1::ListStagesRequest* req,
                                       v1::ListStagesResponse* resp) override;
  grpc::ServerUnaryReactor* UpsertStage(grpc::CallbackServerContext* ctx,
                                        const v1::UpsertStageRequest* req,
                                        v1::Stage* resp) override;
  grpc::ServerWriteReactor<common::v1::Event>* WatchEvents(
      grpc::CallbackServerContext* ctx, const common::v1::WatchEventsRequest* req) override;

 private:
  const rpc::Calls calls_;  // bound to this service
  const Opportunities* opportunities_;
  const Plans* plans_;
  events::EventStream* events_;
  crm::auth::v1::DirectoryService::Stub* directory_;
  crm::customers::v1::CustomersService::Stub* customers_;
};

}  // namespace crm::pipeline_service
