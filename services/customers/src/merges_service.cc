// gRPC glue of the duplicate and merge RPCs of CustomersService.

#include "services/customers/src/customers_service.h"

namespace crm::customers_service {

using rpc::Call;

grpc::ServerUnaryReactor* MergesServiceImpl::ListDuplicateCandidates(
    grpc::CallbackServerContext* ctx, const v1::ListDuplicateCandidatesRequest* req,
    v1::ListDuplicateCandidatesResponse* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    auto page = merges->ListCandidates(conn, call.principal(), req->customer_id(), req->page_size(),
                                       req->page_token());
    if (!page.ok()) return page.status();
    for (const auto& c : page->items) {
      v1::DuplicateCandidate* out = resp->add_candidates();
      *out->mutable_customer() = ToProto(c.customer);
      *out->mutable_duplicate() = ToProto(c.duplicate);
      for (const auto& m : c.matched_on) out->add_matched_on(m);
    }
    resp->set_next_page_token(page->next_page_token);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* MergesServiceImpl::MergeCustomers(grpc::CallbackServerContext* ctx,
                                                            const v1::MergeCustomersRequest* req,
                                                            v1::MergeCustomersResponse* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    MergeRequest r{req->request_id(), req->survivor_id(), req->duplicate_id(), req->survivor_etag(),
                   req->duplicate_etag()};
    auto done = merges->Run(conn, call.principal(), rpc::RequestMetaOf(call), r);
    if (!done.ok()) return done.status();
    *resp->mutable_merge() = ToProto(done->first);
    *resp->mutable_survivor() = ToProto(done->second);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* MergesServiceImpl::ListMerges(grpc::CallbackServerContext* ctx,
                                                        const v1::ListMergesRequest* req,
                                                        v1::ListMergesResponse* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    return rpc::RespondPage(merges->List(conn, call.principal(), req->customer_id(),
                                         req->page_size(), req->page_token()),
                            resp->mutable_merges(), resp);
  });
}

}  // namespace crm::customers_service
