// gRPC glue of HandOverCustomers and ListHandovers. For a hand-over the new owner is looked up in
// the auth service's directory (with the caller's token, request id and remaining deadline) before
// the database is touched.

#include "services/customers/src/customers_service.h"

#include "libs/service/directory_lookup.h"
#include "libs/status/field_violations.h"

namespace crm::customers_service {
namespace {

// How long the directory may take, within the caller's deadline.
constexpr absl::Duration kDirectoryWait = absl::Seconds(5);

class HandoversServiceImpl final : public v1::HandoversService::CallbackService,
                                   private rpc::Glue<Parts> {
 public:
  explicit HandoversServiceImpl(const Parts& parts)
      : Glue(parts, v1::HandoversService::service_full_name()) {}

  Unary* HandOverCustomers(Context* ctx, const v1::HandOverCustomersRequest* req,
                           v1::Handover* resp) override {
    std::shared_ptr<rpc::Call> call = calls_.Begin(ctx, __func__, rpc::Auth::kRequired);
    Unary* reactor = call->reactor();
    if (call->finished()) return reactor;
    HandoverRequest r{req->request_id(),
                      req->from_user_id(),
                      req->to_user_id(),
                      {req->customer_ids().begin(), req->customer_ids().end()},
                      req->reason()};
    if (absl::Status s = Handovers::Check(call->principal(), r); !s.ok()) {
      call->Finish(s);
      return reactor;
    }
    const std::string to_user_id = r.to_user_id;  // (r moves into the callback)
    service::LookUpUser(
        directory, *call, to_user_id, "to_user_id", kDirectoryWait,
        [this, call, r = std::move(r), resp](absl::StatusOr<service::DirectoryUser> to) {
          if (!to.ok()) return call->Finish(to.status());
          calls_.OnDb(call, [this, r, to = *to, resp](rpc::Call& call, db::Conn& conn) {
            return rpc::Respond(
                handovers->Run(conn, call.principal(), rpc::RequestMetaOf(call), r, to), resp);
          });
        });
    return reactor;
  }

  Unary* ListHandovers(Context* ctx, const v1::ListHandoversRequest* req,
                       v1::ListHandoversResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      return rpc::RespondPage(handovers->List(conn, call.principal(), req->user_id(),
                                              req->page_size(), req->page_token()),
                              resp->mutable_handovers(), resp);
    });
  }
};

}  // namespace

std::unique_ptr<grpc::Service> NewHandoversService(const Parts& parts) {
  return std::make_unique<HandoversServiceImpl>(parts);
}

}  // namespace crm::customers_service
