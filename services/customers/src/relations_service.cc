// gRPC glue of the relationship map RPCs of CustomersService.

#include "services/customers/src/customers_service.h"

namespace crm::customers_service {
namespace {

class RelationshipsServiceImpl final : public v1::RelationshipsService::CallbackService,
                                       private rpc::Glue<Parts> {
 public:
  explicit RelationshipsServiceImpl(const Parts& parts)
      : Glue(parts, v1::RelationshipsService::service_full_name()) {}

  Unary* SetContactRelation(Context* ctx, const v1::SetContactRelationRequest* req,
                            v1::ContactRelation* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](rpc::Call& call, db::Conn& conn) {
      return rpc::Respond(
          relations->SetContactRelation(conn, call.principal(), rpc::RequestMetaOf(call),
                                        FromProto(req->relation()), req->etag()),
          resp);
    });
  }

  Unary* DeleteContactRelation(Context* ctx, const v1::DeleteContactRelationRequest* req,
                               v1::DeleteContactRelationResponse*) override {
    return calls_.Unary(ctx, __func__, [this, req](rpc::Call& call, db::Conn& conn) {
      return relations->DeleteContactRelation(conn, call.principal(), rpc::RequestMetaOf(call),
                                              req->contact_id());
    });
  }

  Unary* CreateCustomerLink(Context* ctx, const v1::CreateCustomerLinkRequest* req,
                            v1::CustomerLink* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      Violations decoding;
      CustomerLink link = FromProto(req->link(), decoding);
      if (!decoding.empty()) return decoding.ToStatus();
      return rpc::Respond(relations->CreateLink(conn, call.principal(), rpc::RequestMetaOf(call),
                                                req->request_id(), std::move(link)),
                          resp);
    });
  }

  Unary* DeleteCustomerLink(Context* ctx, const v1::DeleteCustomerLinkRequest* req,
                            v1::DeleteCustomerLinkResponse*) override {
    return calls_.Unary(ctx, __func__, [this, req](rpc::Call& call, db::Conn& conn) {
      return relations->DeleteLink(conn, call.principal(), rpc::RequestMetaOf(call), req->id());
    });
  }

  Unary* GetRelationshipMap(Context* ctx, const v1::GetRelationshipMapRequest* req,
                            v1::RelationshipMap* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](rpc::Call& call, db::Conn& conn) {
      return rpc::Respond(relations->Map(conn, call.principal(), req->customer_id()), resp);
    });
  }

  Unary* FindIntroductionPath(Context* ctx, const v1::FindIntroductionPathRequest* req,
                              v1::FindIntroductionPathResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      auto steps = relations->FindPath(conn, call.principal(), req->from_user_id(),
                                       req->to_contact_id(), req->max_steps());
      if (!steps.ok()) return steps.status();
      for (const auto& s : *steps) *resp->add_steps() = ToProto(s);
      return absl::OkStatus();
    });
  }
};

}  // namespace

std::unique_ptr<grpc::Service> NewRelationshipsService(const Parts& parts) {
  return std::make_unique<RelationshipsServiceImpl>(parts);
}

}  // namespace crm::customers_service
