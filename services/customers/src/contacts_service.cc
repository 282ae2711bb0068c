// gRPC glue of ContactsService: contacts, interactions and follow-ups due.

#include "services/customers/src/customers_service.h"

#include "libs/proto_time/proto_time.h"
#include "libs/rpc/update_mask.h"
#include "libs/status/field_violations.h"
#include "services/customers/src/convert.h"

namespace crm::customers_service {
namespace {

class ContactsServiceImpl final : public v1::ContactsService::CallbackService,
                                  private rpc::Glue<Parts> {
 public:
  explicit ContactsServiceImpl(const Parts& parts)
      : Glue(parts, v1::ContactsService::service_full_name()) {}

  Unary* CreateContact(Context* ctx, const v1::CreateContactRequest* req,
                       v1::Contact* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      Violations decoding;
      Contact contact = FromProto(req->contact(), decoding);
      if (!decoding.empty()) return decoding.ToStatus();
      return rpc::Respond(people->CreateContact(conn, call.principal(), rpc::RequestMetaOf(call),
                                                req->request_id(), std::move(contact)),
                          resp);
    });
  }

  Unary* GetContact(Context* ctx, const v1::GetContactRequest* req, v1::Contact* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      return rpc::Respond(people->GetContact(conn, call.principal(), req->id()), resp);
    });
  }

  Unary* ListContacts(Context* ctx, const v1::ListContactsRequest* req,
                      v1::ListContactsResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      return rpc::RespondPage(people->ListContacts(conn, call.principal(), req->customer_id(),
                                                   req->page_size(), req->page_token()),
                              resp->mutable_contacts(), resp);
    });
  }

  Unary* UpdateContact(Context* ctx, const v1::UpdateContactRequest* req,
                       v1::Contact* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      Violations decoding;
      Contact patch = FromProto(req->contact(), decoding);
      if (!decoding.empty()) return decoding.ToStatus();
      return rpc::Respond(
          people->UpdateContact(
              conn, call.principal(), rpc::RequestMetaOf(call), patch, req->contact().etag(),
              rpc::UpdateMask(req->update_mask(), req->contact(), People::ContactPaths())),
          resp);
    });
  }

  Unary* DeleteContact(Context* ctx, const v1::DeleteContactRequest* req,
                       v1::DeleteContactResponse*) override {
    return calls_.Unary(ctx, __func__, [this, req](rpc::Call& call, db::Conn& conn) {
      return people->DeleteContact(conn, call.principal(), rpc::RequestMetaOf(call), req->id(),
                                   req->etag());
    });
  }

  Unary* CreateInteraction(Context* ctx, const v1::CreateInteractionRequest* req,
                           v1::Interaction* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      Violations decoding;
      Interaction interaction = FromProto(req->interaction(), decoding);
      if (!decoding.empty()) return decoding.ToStatus();
      return rpc::Respond(
          people->CreateInteraction(conn, call.principal(), rpc::RequestMetaOf(call),
                                    req->request_id(), std::move(interaction)),
          resp);
    });
  }

  Unary* ListInteractions(Context* ctx, const v1::ListInteractionsRequest* req,
                          v1::ListInteractionsResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      return rpc::RespondPage(people->ListInteractions(conn, call.principal(), req->customer_id(),
                                                       req->page_size(), req->page_token()),
                              resp->mutable_interactions(), resp);
    });
  }

  Unary* UpdateInteraction(Context* ctx, const v1::UpdateInteractionRequest* req,
                           v1::Interaction* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      Violations decoding;
      Interaction patch = FromProto(req->interaction(), decoding);
      if (!decoding.empty()) return decoding.ToStatus();
      return rpc::Respond(
          people->UpdateInteraction(
              conn, call.principal(), rpc::RequestMetaOf(call), patch, req->interaction().etag(),
              rpc::UpdateMask(req->update_mask(), req->interaction(), People::InteractionPaths())),
          resp);
    });
  }

  Unary* ListFollowUpsDue(Context* ctx, const v1::ListFollowUpsDueRequest* req,
                          v1::ListFollowUpsDueResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      Violations decoding;
      std::optional<absl::CivilDay> due_by = proto_time::DayOf(req->due_by(), "due_by", decoding);
      if (!decoding.empty()) return decoding.ToStatus();
      return rpc::RespondPage(people->ListFollowUpsDue(conn, call.principal(), due_by,
                                                       req->page_size(), req->page_token()),
                              resp->mutable_interactions(), resp);
    });
  }
};

}  // namespace

std::unique_ptr<grpc::Service> NewContactsService(const Parts& parts) {
  return std::make_unique<ContactsServiceImpl>(parts);
}

}  // namespace crm::customers_service
