#include "services/pipeline/src/pipeline_service.h"

#include "absl/strings/str_cat.h"
#include "libs/proto_time/proto_time.h"
#include "libs/rpc/peer.h"
#include "libs/rpc/status_convert.h"
#include "libs/rpc/update_mask.h"
#include "libs/service/customer_lookup.h"
#include "libs/service/directory_lookup.h"
#include "libs/status/field_violations.h"

namespace crm::pipeline_service {
namespace {

using rpc::Call;
using rpc::Respond;
namespace cv1 = ::crm::customers::v1;

// How long another service may take, within the caller's deadline.
constexpr absl::Duration kPeerWait = absl::Seconds(5);

// The customers service over gRPC, with the caller's token, request id and what is left of
// their deadline (at most `wait`).
class GrpcCustomersClient final : public CustomersClient {
 public:
  GrpcCustomersClient(cv1::CustomersService::Stub* stub, std::shared_ptr<rpc::Call> call,
                      absl::Duration wait)
      : stub_(stub), call_(std::move(call)), wait_(wait) {}

  void CheckVisible(const std::string& customer_id, const std::string& field,
                    std::function<void(absl::Status)> done) const override;
  void CreateFromProspect(const Opportunity& o, const std::string& request_id, bool force,
                          std::function<void(absl::StatusOr<std::string>)> done) const override;

 private:
  cv1::CustomersService::Stub* stub_;
  std::shared_ptr<rpc::Call> call_;
  absl::Duration wait_;
};

void GrpcCustomersClient::CheckVisible(const std::string& customer_id, const std::string& field,
                                       std::function<void(absl::Status)> done) const {
  service::CheckCustomerVisible(stub_, *call_, customer_id, field, wait_, std::move(done));
}

void GrpcCustomersClient::CreateFromProspect(
    const Opportunity& o, const std::string& request_id, bool force,
    std::function<void(absl::StatusOr<std::string>)> done) const {
  cv1::CreateCustomerRequest req;
  req.set_request_id(request_id);
  req.set_force(force);
  cv1::Customer* c = req.mutable_customer();
  c->set_name(o.prospect_name);
  c->set_phone(o.contact_phone);
  c->set_source("opportunity");
  rpc::CallPeer<cv1::CreateCustomerRequest, cv1::Customer>(
      *call_, wait_, std::move(req),
      [stub = stub_](auto* ctx, auto* req, auto* resp, auto cb) {
        stub->async()->CreateCustomer(ctx, req, resp, std::move(cb));
      },
      [done = std::move(done)](const grpc::Status& status, const cv1::Customer& created) {
        if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
          return done(absl::AlreadyExistsError(
              absl::StrCat("the prospect looks like an existing customer (", status.error_message(),
                           "); link it with customer_id, or set force_new_customer")));
        }
        if (!status.ok()) return done(rpc::PeerError(status, "customers", "id", "a customer"));
        done(created.id());
      });
}

class PipelineServiceImpl final : public v1::PipelineService::CallbackService,
                                  private rpc::Glue<Parts> {
 public:
  explicit PipelineServiceImpl(const Parts& parts)
      : Glue(parts, v1::PipelineService::service_full_name()) {}

  Unary* CreateOpportunity(Context* ctx, const v1::CreateOpportunityRequest* req,
                           v1::Opportunity* resp) override {
    std::shared_ptr<Call> call = calls_.Begin(ctx, __func__, rpc::Auth::kRequired);
    Unary* reactor = call->reactor();
    if (call->finished()) return reactor;
    Violations decoding;
    Opportunity o = FromProto(req->opportunity(), decoding);
    if (absl::Status s =
            opportunities->CheckCreate(call->principal(), req->request_id(), o, decoding);
        !s.ok()) {
      call->Finish(s);
      return reactor;
    }
    auto create = [this, req, resp, o](std::shared_ptr<Call> call) {
      calls_.OnDb(std::move(call), [this, req, resp, o](Call& call, db::Conn& conn) {
        return Respond(opportunities->Create(conn, call.principal(), rpc::RequestMetaOf(call),
                                             req->request_id(), o),
                       resp);
      });
    };
    if (o.customer_id.empty()) {
      create(std::move(call));
      return reactor;
    }
    auto client = std::make_shared<GrpcCustomersClient>(customers, call, kPeerWait);
    client->CheckVisible(o.customer_id, "opportunity.customer_id",
                         [call, client, create](absl::Status visible) {
                           if (!visible.ok()) return call->Finish(visible);
                           create(call);
                         });
    return reactor;
  }

  Unary* GetOpportunity(Context* ctx, const v1::GetOpportunityRequest* req,
                        v1::Opportunity* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      return Respond(opportunities->Get(conn, call.principal(), req->id()), resp);
    });
  }

  Unary* ListOpportunities(Context* ctx, const v1::ListOpportunitiesRequest* req,
                           v1::ListOpportunitiesResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      Violations v;
      OpportunityFilter f;
      f.status = FromProto(req->status());
      f.stage = req->stage();
      f.assignee_id = req->assignee_id();
      f.creator_id = req->creator_id();
      f.customer_id = req->customer_id();
      f.close_from = proto_time::DayOf(req->close_date_from(), "close_date_from", v);
      f.close_to = proto_time::DayOf(req->close_date_to(), "close_date_to", v);
      if (req->status() != v1::OPPORTUNITY_STATUS_UNSPECIFIED &&
          f.status == OpportunityStatus::kUnspecified) {
        v.Add("status", "is not a known status");
      }
      if (!v.empty()) return v.ToStatus();
      return rpc::RespondPage(
          opportunities->List(conn, call.principal(), f, req->page_size(), req->page_token()),
          resp->mutable_opportunities(), resp);
    });
  }

  Unary* UpdateOpportunity(Context* ctx, const v1::UpdateOpportunityRequest* req,
                           v1::Opportunity* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      Violations decoding;
      Opportunity patch = FromProto(req->opportunity(), decoding);
      return Respond(opportunities->Update(conn, call.principal(), rpc::RequestMetaOf(call), patch,
                                           req->opportunity().etag(),
                                           rpc::UpdateMask(req->update_mask(), req->opportunity(),
                                                           Opportunities::UpdatableFields()),
                                           std::move(decoding)),
                     resp);
    });
  }

  Unary* AssignOpportunity(Context* ctx, const v1::AssignOpportunityRequest* req,
                           v1::Opportunity* resp) override {
    std::shared_ptr<Call> call = calls_.Begin(ctx, __func__, rpc::Auth::kRequired);
    Unary* reactor = call->reactor();
    if (call->finished()) return reactor;
    if (absl::Status s = Opportunities::CheckAssign(call->principal(), req->id(), req->etag(),
                                                    req->assignee_id());
        !s.ok()) {
      call->Finish(s);
      return reactor;
    }
    service::LookUpUser(
        directory, *call, req->assignee_id(), "assignee_id", kPeerWait,
        [this, call, req, resp](absl::StatusOr<service::DirectoryUser> to) {
          if (!to.ok()) return call->Finish(to.status());
          calls_.OnDb(call, [this, req, resp, to = *to](Call& call, db::Conn& conn) {
            return Respond(opportunities->Assign(conn, call.principal(), rpc::RequestMetaOf(call),
                                                 req->id(), req->etag(), to),
                           resp);
          });
        });
    return reactor;
  }

  Unary* ChangeOpportunityStage(Context* ctx, const v1::ChangeOpportunityStageRequest* req,
                                v1::Opportunity* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      return Respond(
          opportunities->ChangeStage(conn, call.principal(), rpc::RequestMetaOf(call), req->id(),
                                     req->etag(), req->stage(), req->probability()),
          resp);
    });
  }

  Unary* ListStageChanges(Context* ctx, const v1::ListStageChangesRequest* req,
                          v1::ListStageChangesResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      auto changes = opportunities->StageChanges(conn, call.principal(), req->opportunity_id());
      if (!changes.ok()) return changes.status();
      for (const auto& c : *changes) *resp->add_changes() = ToProto(c);
      return absl::OkStatus();
    });
  }

  Unary* CreatePlanItem(Context* ctx, const v1::CreatePlanItemRequest* req,
                        v1::PlanItem* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      Violations decoding;
      PlanItem item = FromProto(req->item(), decoding);
      return Respond(plans->Create(conn, call.principal(), rpc::RequestMetaOf(call),
                                   req->request_id(), std::move(item), std::move(decoding)),
                     resp);
    });
  }

  Unary* UpdatePlanItem(Context* ctx, const v1::UpdatePlanItemRequest* req,
                        v1::PlanItem* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      Violations decoding;
      PlanItem patch = FromProto(req->item(), decoding);
      return Respond(
          plans->Update(conn, call.principal(), rpc::RequestMetaOf(call), patch, req->item().etag(),
                        rpc::UpdateMask(req->update_mask(), req->item(), Plans::UpdatableFields()),
                        std::move(decoding)),
          resp);
    });
  }

  Unary* ExecutePlanItem(Context* ctx, const v1::ExecutePlanItemRequest* req,
                         v1::PlanItem* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      return Respond(plans->Execute(conn, call.principal(), rpc::RequestMetaOf(call), req->id(),
                                    req->etag(), req->result()),
                     resp);
    });
  }

  Unary* ListPlanItems(Context* ctx, const v1::ListPlanItemsRequest* req,
                       v1::ListPlanItemsResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      auto items = plans->List(conn, call.principal(), req->opportunity_id());
      if (!items.ok()) return items.status();
      for (const auto& i : *items) *resp->add_items() = ToProto(i);
      return absl::OkStatus();
    });
  }

  Unary* MarkDevelopmentSucceeded(Context* ctx, const v1::MarkDevelopmentSucceededRequest* req,
                                  v1::Opportunity* resp) override {
    std::shared_ptr<Call> call = calls_.Begin(ctx, __func__, rpc::Auth::kRequired);
    Unary* reactor = call->reactor();
    if (call->finished()) return reactor;
    auto client = std::make_shared<GrpcCustomersClient>(customers, call, kPeerWait);
    opportunities->Succeed(
        [this, call](std::function<void(db::Conn&)> step) {
          calls_.OnDb(call, [step = std::move(step)](Call&, db::Conn& conn) { step(conn); });
        },
        *client, call->principal(), rpc::RequestMetaOf(*call),
        {req->id(), req->etag(), req->customer_id(), req->force_new_customer()},
        [call, client, resp](absl::StatusOr<Opportunity> won) {
          if (won.ok()) *resp = ToProto(*won);
          call->Finish(won.status());
        });
    return reactor;
  }

  Unary* TerminateDevelopment(Context* ctx, const v1::TerminateDevelopmentRequest* req,
                              v1::Opportunity* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      return Respond(opportunities->Terminate(conn, call.principal(), rpc::RequestMetaOf(call),
                                              req->id(), req->etag(), req->reason()),
                     resp);
    });
  }

  Unary* ListStages(Context* ctx, const v1::ListStagesRequest*,
                    v1::ListStagesResponse* resp) override {
    return calls_.Unary(ctx, __func__, [this, resp](Call& call, db::Conn& conn) -> absl::Status {
      auto stages = opportunities->Stages(conn, call.principal());
      if (!stages.ok()) return stages.status();
      for (const auto& s : *stages) *resp->add_stages() = ToProto(s);
      return absl::OkStatus();
    });
  }

  Unary* UpsertStage(Context* ctx, const v1::UpsertStageRequest* req, v1::Stage* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      return Respond(opportunities->UpsertStage(conn, call.principal(), rpc::RequestMetaOf(call),
                                                FromProto(req->stage())),
                     resp);
    });
  }

  grpc::ServerWriteReactor<common::v1::Event>* WatchEvents(
      Context* ctx, const common::v1::WatchEventsRequest* req) override {
    return events->Watch(ctx, req);
  }
};

}  // namespace

std::unique_ptr<grpc::Service> NewPipelineService(const Parts& parts) {
  return std::make_unique<PipelineServiceImpl>(parts);
}

}  // namespace crm::pipeline_service
