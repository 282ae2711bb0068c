// gRPC glue of the churn RPCs of CustomersService.

#include "libs/proto_time/proto_time.h"
#include "services/customers/src/customers_service.h"

namespace crm::customers_service {

using rpc::Call;

grpc::ServerUnaryReactor* ChurnServiceImpl::DelayLoss(grpc::CallbackServerContext* ctx,
                                                      const v1::DelayLossRequest* req,
                                                      v1::Customer* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    Violations decoding;
    auto until = proto_time::DayOf(req->delay_until(), "delay_until", decoding);
    if (!decoding.empty()) return decoding.ToStatus();
    return rpc::Respond(churn->Delay(conn, call.principal(), rpc::RequestMetaOf(call),
                                     req->customer_id(), req->measures(), until, req->etag()),
                        resp);
  });
}

grpc::ServerUnaryReactor* ChurnServiceImpl::ConfirmLoss(grpc::CallbackServerContext* ctx,
                                                        const v1::ConfirmLossRequest* req,
                                                        v1::Customer* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
    return rpc::Respond(churn->Confirm(conn, call.principal(), rpc::RequestMetaOf(call),
                                       req->customer_id(), req->reason(), req->etag()),
                        resp);
  });
}

grpc::ServerUnaryReactor* ChurnServiceImpl::ListLossWarnings(grpc::CallbackServerContext* ctx,
                                                             const v1::ListLossWarningsRequest* req,
                                                             v1::ListLossWarningsResponse* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    return rpc::RespondPage(churn->ListWarnings(conn, call.principal(), req->owner_id(),
                                                req->page_size(), req->page_token()),
                            resp->mutable_customers(), resp);
  });
}

grpc::ServerUnaryReactor* ChurnServiceImpl::ListLossActions(grpc::CallbackServerContext* ctx,
                                                            const v1::ListLossActionsRequest* req,
                                                            v1::ListLossActionsResponse* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    auto actions = churn->Actions(conn, call.principal(), req->customer_id());
    if (!actions.ok()) return actions.status();
    for (const auto& a : *actions) *resp->add_actions() = ToProto(a);
    return absl::OkStatus();
  });
}

}  // namespace crm::customers_service
