// gRPC glue of the relationship map RPCs of CustomersService.

#include "services/customers/src/customers_service.h"

namespace crm::customers_service {

using rpc::Call;

grpc::ServerUnaryReactor* RelationshipsServiceImpl::SetContactRelation(
    grpc::CallbackServerContext* ctx, const v1::SetContactRelationRequest* req,
    v1::ContactRelation* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
    return rpc::Respond(
        relations->SetContactRelation(conn, call.principal(), rpc::RequestMetaOf(call),
                                      FromProto(req->relation()), req->etag()),
        resp);
  });
}

grpc::ServerUnaryReactor* RelationshipsServiceImpl::DeleteContactRelation(
    grpc::CallbackServerContext* ctx, const v1::DeleteContactRelationRequest* req,
    v1::DeleteContactRelationResponse*) {
  return calls_.Unary(ctx, __func__, [this, req](Call& call, db::Conn& conn) {
    return relations->DeleteContactRelation(conn, call.principal(), rpc::RequestMetaOf(call),
                                            req->contact_id());
  });
}

grpc::ServerUnaryReactor* RelationshipsServiceImpl::CreateCustomerLink(
    grpc::CallbackServerContext* ctx, const v1::CreateCustomerLinkRequest* req,
    v1::CustomerLink* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    Violations decoding;
    CustomerLink link = FromProto(req->link(), decoding);
    if (!decoding.empty()) return decoding.ToStatus();
    return rpc::Respond(relations->CreateLink(conn, call.principal(), rpc::RequestMetaOf(call),
                                              req->request_id(), std::move(link)),
                        resp);
  });
}

grpc::ServerUnaryReactor* RelationshipsServiceImpl::DeleteCustomerLink(
    grpc::CallbackServerContext* ctx, const v1::DeleteCustomerLinkRequest* req,
    v1::DeleteCustomerLinkResponse*) {
  return calls_.Unary(ctx, __func__, [this, req](Call& call, db::Conn& conn) {
    return relations->DeleteLink(conn, call.principal(), rpc::RequestMetaOf(call), req->id());
  });
}

grpc::ServerUnaryReactor* RelationshipsServiceImpl::GetRelationshipMap(
    grpc::CallbackServerContext* ctx, const v1::GetRelationshipMapRequest* req,
    v1::RelationshipMap* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
    return rpc::Respond(relations->Map(conn, call.principal(), req->customer_id()), resp);
  });
}

grpc::ServerUnaryReactor* RelationshipsServiceImpl::FindIntroductionPath(
    grpc::CallbackServerContext* ctx, const v1::FindIntroductionPathRequest* req,
    v1::FindIntroductionPathResponse* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    auto steps = relations->FindPath(conn, call.principal(), req->from_user_id(),
                                     req->to_contact_id(), req->max_steps());
    if (!steps.ok()) return steps.status();
    for (const auto& s : *steps) *resp->add_steps() = ToProto(s);
    return absl::OkStatus();
  });
}

}  // namespace crm::customers_service
