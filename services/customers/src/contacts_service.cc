// gRPC glue of ContactsService: contacts, interactions and follow-ups due.

#include "services/customers/src/customers_service.h"

#include "libs/proto_time/proto_time.h"
#include "libs/rpc/update_mask.h"
#include "libs/status/field_violations.h"
#include "services/customers/src/convert.h"

namespace crm::customers_service {
namespace {

using rpc::Call;

}  // namespace

grpc::ServerUnaryReactor* ContactsServiceImpl::CreateContact(grpc::CallbackServerContext* ctx,
                                                             const v1::CreateContactRequest* req,
                                                             v1::Contact* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    Violations decoding;
    Contact contact = FromProto(req->contact(), decoding);
    if (!decoding.empty()) return decoding.ToStatus();
    return rpc::Respond(people->CreateContact(conn, call.principal(), rpc::RequestMetaOf(call),
                                              req->request_id(), std::move(contact)),
                        resp);
  });
}

grpc::ServerUnaryReactor* ContactsServiceImpl::GetContact(grpc::CallbackServerContext* ctx,
                                                          const v1::GetContactRequest* req,
                                                          v1::Contact* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    return rpc::Respond(people->GetContact(conn, call.principal(), req->id()), resp);
  });
}

grpc::ServerUnaryReactor* ContactsServiceImpl::ListContacts(grpc::CallbackServerContext* ctx,
                                                            const v1::ListContactsRequest* req,
                                                            v1::ListContactsResponse* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    return rpc::RespondPage(people->ListContacts(conn, call.principal(), req->customer_id(),
                                                 req->page_size(), req->page_token()),
                            resp->mutable_contacts(), resp);
  });
}

grpc::ServerUnaryReactor* ContactsServiceImpl::UpdateContact(grpc::CallbackServerContext* ctx,
                                                             const v1::UpdateContactRequest* req,
                                                             v1::Contact* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    Violations decoding;
    Contact patch = FromProto(req->contact(), decoding);
    if (!decoding.empty()) return decoding.ToStatus();
    return rpc::Respond(
        people->UpdateContact(
            conn, call.principal(), rpc::RequestMetaOf(call), patch, req->contact().etag(),
            rpc::UpdateMask(req->update_mask(), req->contact(), People::ContactFields())),
        resp);
  });
}

grpc::ServerUnaryReactor* ContactsServiceImpl::DeleteContact(grpc::CallbackServerContext* ctx,
                                                             const v1::DeleteContactRequest* req,
                                                             v1::DeleteContactResponse*) {
  return calls_.Unary(ctx, __func__, [this, req](Call& call, db::Conn& conn) {
    return people->DeleteContact(conn, call.principal(), rpc::RequestMetaOf(call), req->id(),
                                 req->etag());
  });
}

grpc::ServerUnaryReactor* ContactsServiceImpl::CreateInteraction(
    grpc::CallbackServerContext* ctx, const v1::CreateInteractionRequest* req,
    v1::Interaction* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    Violations decoding;
    Interaction interaction = FromProto(req->interaction(), decoding);
    if (!decoding.empty()) return decoding.ToStatus();
    return rpc::Respond(people->CreateInteraction(conn, call.principal(), rpc::RequestMetaOf(call),
                                                  req->request_id(), std::move(interaction)),
                        resp);
  });
}

grpc::ServerUnaryReactor* ContactsServiceImpl::ListInteractions(
    grpc::CallbackServerContext* ctx, const v1::ListInteractionsRequest* req,
    v1::ListInteractionsResponse* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    return rpc::RespondPage(people->ListInteractions(conn, call.principal(), req->customer_id(),
                                                     req->page_size(), req->page_token()),
                            resp->mutable_interactions(), resp);
  });
}

grpc::ServerUnaryReactor* ContactsServiceImpl::UpdateInteraction(
    grpc::CallbackServerContext* ctx, const v1::UpdateInteractionRequest* req,
    v1::Interaction* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    Violations decoding;
    Interaction patch = FromProto(req->interaction(), decoding);
    if (!decoding.empty()) return decoding.ToStatus();
    return rpc::Respond(
        people->UpdateInteraction(
            conn, call.principal(), rpc::RequestMetaOf(call), patch, req->interaction().etag(),
            rpc::UpdateMask(req->update_mask(), req->interaction(), People::InteractionFields())),
        resp);
  });
}

grpc::ServerUnaryReactor* ContactsServiceImpl::ListFollowUpsDue(
    grpc::CallbackServerContext* ctx, const v1::ListFollowUpsDueRequest* req,
    v1::ListFollowUpsDueResponse* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    Violations decoding;
    std::optional<absl::CivilDay> due_by = proto_time::DayOf(req->due_by(), "due_by", decoding);
    if (!decoding.empty()) return decoding.ToStatus();
    return rpc::RespondPage(people->ListFollowUpsDue(conn, call.principal(), due_by,
                                                     req->page_size(), req->page_token()),
                            resp->mutable_interactions(), resp);
  });
}

}  // namespace crm::customers_service
