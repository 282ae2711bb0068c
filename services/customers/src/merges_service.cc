// gRPC glue of the duplicate and merge RPCs of CustomersService.

#include "services/customers/src/customers_service.h"

namespace crm::customers_service {
namespace {

class MergesServiceImpl final : public v1::MergesService::CallbackService,
                                private rpc::Glue<Parts> {
 public:
  explicit MergesServiceImpl(const Parts& parts)
      : Glue(parts, v1::MergesService::service_full_name()) {}

  Unary* ListDuplicateCandidates(Context* ctx, const v1::ListDuplicateCandidatesRequest* req,
                                 v1::ListDuplicateCandidatesResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      auto page = merges->ListCandidates(conn, call.principal(), req->customer_id(),
                                         req->page_size(), req->page_token());
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

  Unary* MergeCustomers(Context* ctx, const v1::MergeCustomersRequest* req,
                        v1::MergeCustomersResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      MergeRequest r{req->request_id(), req->survivor_id(), req->duplicate_id(),
                     req->survivor_etag(), req->duplicate_etag()};
      auto done = merges->Run(conn, call.principal(), rpc::RequestMetaOf(call), r);
      if (!done.ok()) return done.status();
      *resp->mutable_merge() = ToProto(done->first);
      *resp->mutable_survivor() = ToProto(done->second);
      return absl::OkStatus();
    });
  }

  Unary* ListMerges(Context* ctx, const v1::ListMergesRequest* req,
                    v1::ListMergesResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      return rpc::RespondPage(merges->List(conn, call.principal(), req->customer_id(),
                                           req->page_size(), req->page_token()),
                              resp->mutable_merges(), resp);
    });
  }
};

}  // namespace

std::unique_ptr<grpc::Service> NewMergesService(const Parts& parts) {
  return std::make_unique<MergesServiceImpl>(parts);
}

}  // namespace crm::customers_service
