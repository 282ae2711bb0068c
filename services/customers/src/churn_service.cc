// gRPC glue of the churn RPCs of CustomersService.

#include "libs/proto_time/proto_time.h"
#include "services/customers/src/customers_service.h"

namespace crm::customers_service {
namespace {

class ChurnServiceImpl final : public v1::ChurnService::CallbackService, private rpc::Glue<Parts> {
 public:
  explicit ChurnServiceImpl(const Parts& parts)
      : Glue(parts, v1::ChurnService::service_full_name()) {}

  Unary* DelayLoss(Context* ctx, const v1::DelayLossRequest* req, v1::Customer* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      Violations decoding;
      auto until = proto_time::DayOf(req->delay_until(), "delay_until", decoding);
      if (!decoding.empty()) return decoding.ToStatus();
      return rpc::Respond(churn->Delay(conn, call.principal(), rpc::RequestMetaOf(call),
                                       req->customer_id(), req->measures(), until, req->etag()),
                          resp);
    });
  }

  Unary* ConfirmLoss(Context* ctx, const v1::ConfirmLossRequest* req, v1::Customer* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](rpc::Call& call, db::Conn& conn) {
      return rpc::Respond(churn->Confirm(conn, call.principal(), rpc::RequestMetaOf(call),
                                         req->customer_id(), req->reason(), req->etag()),
                          resp);
    });
  }

  Unary* ListLossWarnings(Context* ctx, const v1::ListLossWarningsRequest* req,
                          v1::ListLossWarningsResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      return rpc::RespondPage(churn->ListWarnings(conn, call.principal(), req->owner_id(),
                                                  req->page_size(), req->page_token()),
                              resp->mutable_customers(), resp);
    });
  }

  Unary* ListLossActions(Context* ctx, const v1::ListLossActionsRequest* req,
                         v1::ListLossActionsResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      auto actions = churn->Actions(conn, call.principal(), req->customer_id());
      if (!actions.ok()) return actions.status();
      for (const auto& a : *actions) *resp->add_actions() = ToProto(a);
      return absl::OkStatus();
    });
  }
};

}  // namespace

std::unique_ptr<grpc::Service> NewChurnService(const Parts& parts) {
  return std::make_unique<ChurnServiceImpl>(parts);
}

}  // namespace crm::customers_service
