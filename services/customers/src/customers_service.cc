#include "services/customers/src/customers_service.h"

#include "libs/proto_time/proto_time.h"
#include "libs/rpc/update_mask.h"
#include "libs/status/field_violations.h"
#include "services/customers/src/convert.h"

namespace crm::customers_service {
namespace {

using rpc::Call;

}  // namespace

grpc::ServerUnaryReactor* CustomersServiceImpl::CreateCustomer(grpc::CallbackServerContext* ctx,
                                                               const v1::CreateCustomerRequest* req,
                                                               v1::Customer* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    Violations decoding;
    Customer customer = FromProto(req->customer(), decoding);
    return rpc::Respond(
        customers_->Create(conn, call.principal(), rpc::RequestMetaOf(call), req->request_id(),
                           std::move(customer), req->force(), std::move(decoding)),
        resp);
  });
}

grpc::ServerUnaryReactor* CustomersServiceImpl::GetCustomer(grpc::CallbackServerContext* ctx,
                                                            const v1::GetCustomerRequest* req,
                                                            v1::Customer* resp) {
  return calls_.Async(ctx, __func__, [this, req, resp](std::shared_ptr<Call> call) {
    const auth::Principal& caller = call->principal();
    customers_->Get(
        calls_.reader(), caller, req->id(),
        rpc::Reply<Customer>(std::move(call), [resp](const Customer& c) { *resp = ToProto(c); }));
  });
}

grpc::ServerUnaryReactor* CustomersServiceImpl::ListCustomers(grpc::CallbackServerContext* ctx,
                                                              const v1::ListCustomersRequest* req,
                                                              v1::ListCustomersResponse* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    CustomerFilter f;
    f.region = req->region();
    f.industry = req->industry();
    f.level = req->level();
    f.owner_id = req->owner_id();
    f.tag = req->tag();
    f.name_contains = req->name_contains();
    if (req->status() != v1::CUSTOMER_STATUS_UNSPECIFIED) {
      f.status = StatusName(req->status());
      if (f.status.empty()) return InvalidField("status", "is not a customer status");
    }
    return rpc::RespondPage(
        customers_->List(conn, call.principal(), f, req->page_size(), req->page_token()),
        resp->mutable_customers(), resp);
  });
}

grpc::ServerUnaryReactor* CustomersServiceImpl::SearchCustomers(
    grpc::CallbackServerContext* ctx, const v1::SearchCustomersRequest* req,
    v1::SearchCustomersResponse* resp) {
  return calls_.Async(ctx, __func__, [this, req, resp](std::shared_ptr<Call> call) {
    const auth::Principal& caller = call->principal();
    customers_->Search(*search_reader_, caller, req->query(), req->page_size(),
                       rpc::Reply<std::vector<Customer>>(
                           std::move(call), [resp](const std::vector<Customer>& found) {
                             for (const auto& c : found) *resp->add_customers() = ToProto(c);
                           }));
  });
}

grpc::ServerUnaryReactor* CustomersServiceImpl::UpdateCustomer(grpc::CallbackServerContext* ctx,
                                                               const v1::UpdateCustomerRequest* req,
                                                               v1::Customer* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    Violations decoding;
    Customer patch = FromProto(req->customer(), decoding);
    return rpc::Respond(
        customers_->Update(
            conn, call.principal(), rpc::RequestMetaOf(call), patch, req->customer().etag(),
            rpc::UpdateMask(req->update_mask(), req->customer(), Customers::UpdatableFields()),
            std::move(decoding)),
        resp);
  });
}

grpc::ServerUnaryReactor* CustomersServiceImpl::DeleteCustomer(grpc::CallbackServerContext* ctx,
                                                               const v1::DeleteCustomerRequest* req,
                                                               v1::DeleteCustomerResponse*) {
  return calls_.Unary(ctx, __func__, [this, req](Call& call, db::Conn& conn) {
    return customers_->Delete(conn, call.principal(), rpc::RequestMetaOf(call), req->id(),
                              req->etag());
  });
}

grpc::ServerUnaryReactor* CustomersServiceImpl::CreateContact(grpc::CallbackServerContext* ctx,
                                                              const v1::CreateContactRequest* req,
                                                              v1::Contact* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    Violations decoding;
    Contact contact = FromProto(req->contact(), decoding);
    if (!decoding.empty()) return decoding.ToStatus();
    return rpc::Respond(people_->CreateContact(conn, call.principal(), rpc::RequestMetaOf(call),
                                               req->request_id(), std::move(contact)),
                        resp);
  });
}

grpc::ServerUnaryReactor* CustomersServiceImpl::GetContact(grpc::CallbackServerContext* ctx,
                                                           const v1::GetContactRequest* req,
                                                           v1::Contact* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    return rpc::Respond(people_->GetContact(conn, call.principal(), req->id()), resp);
  });
}

grpc::ServerUnaryReactor* CustomersServiceImpl::ListContacts(grpc::CallbackServerContext* ctx,
                                                             const v1::ListContactsRequest* req,
                                                             v1::ListContactsResponse* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    return rpc::RespondPage(people_->ListContacts(conn, call.principal(), req->customer_id(),
                                                  req->page_size(), req->page_token()),
                            resp->mutable_contacts(), resp);
  });
}

grpc::ServerUnaryReactor* CustomersServiceImpl::UpdateContact(grpc::CallbackServerContext* ctx,
                                                              const v1::UpdateContactRequest* req,
                                                              v1::Contact* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    Violations decoding;
    Contact patch = FromProto(req->contact(), decoding);
    if (!decoding.empty()) return decoding.ToStatus();
    return rpc::Respond(
        people_->UpdateContact(
            conn, call.principal(), rpc::RequestMetaOf(call), patch, req->contact().etag(),
            rpc::UpdateMask(req->update_mask(), req->contact(), People::ContactFields())),
        resp);
  });
}

grpc::ServerUnaryReactor* CustomersServiceImpl::DeleteContact(grpc::CallbackServerContext* ctx,
                                                              const v1::DeleteContactRequest* req,
                                                              v1::DeleteContactResponse*) {
  return calls_.Unary(ctx, __func__, [this, req](Call& call, db::Conn& conn) {
    return people_->DeleteContact(conn, call.principal(), rpc::RequestMetaOf(call), req->id(),
                                  req->etag());
  });
}

grpc::ServerUnaryReactor* CustomersServiceImpl::CreateInteraction(
    grpc::CallbackServerContext* ctx, const v1::CreateInteractionRequest* req,
    v1::Interaction* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    Violations decoding;
    Interaction interaction = FromProto(req->interaction(), decoding);
    if (!decoding.empty()) return decoding.ToStatus();
    return rpc::Respond(people_->CreateInteraction(conn, call.principal(), rpc::RequestMetaOf(call),
                                                   req->request_id(), std::move(interaction)),
                        resp);
  });
}

grpc::ServerUnaryReactor* CustomersServiceImpl::ListInteractions(
    grpc::CallbackServerContext* ctx, const v1::ListInteractionsRequest* req,
    v1::ListInteractionsResponse* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    return rpc::RespondPage(people_->ListInteractions(conn, call.principal(), req->customer_id(),
                                                      req->page_size(), req->page_token()),
                            resp->mutable_interactions(), resp);
  });
}

grpc::ServerUnaryReactor* CustomersServiceImpl::UpdateInteraction(
    grpc::CallbackServerContext* ctx, const v1::UpdateInteractionRequest* req,
    v1::Interaction* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    Violations decoding;
    Interaction patch = FromProto(req->interaction(), decoding);
    if (!decoding.empty()) return decoding.ToStatus();
    return rpc::Respond(
        people_->UpdateInteraction(
            conn, call.principal(), rpc::RequestMetaOf(call), patch, req->interaction().etag(),
            rpc::UpdateMask(req->update_mask(), req->interaction(), People::InteractionFields())),
        resp);
  });
}

grpc::ServerUnaryReactor* CustomersServiceImpl::ListFollowUpsDue(
    grpc::CallbackServerContext* ctx, const v1::ListFollowUpsDueRequest* req,
    v1::ListFollowUpsDueResponse* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    Violations decoding;
    std::optional<absl::CivilDay> due_by = proto_time::DayOf(req->due_by(), "due_by", decoding);
    if (!decoding.empty()) return decoding.ToStatus();
    return rpc::RespondPage(people_->ListFollowUpsDue(conn, call.principal(), due_by,
                                                      req->page_size(), req->page_token()),
                            resp->mutable_interactions(), resp);
  });
}

grpc::ServerUnaryReactor* CustomersServiceImpl::ListDictionaryEntries(
    grpc::CallbackServerContext* ctx, const v1::ListDictionaryEntriesRequest* req,
    v1::ListDictionaryEntriesResponse* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    const std::string kind = KindName(req->kind());
    if (kind.empty() && req->kind() != v1::DICTIONARY_KIND_UNSPECIFIED) {
      return InvalidField("kind", "is not a dictionary kind");
    }
    auto entries = customers_->ListDictionary(conn, call.principal(), kind);
    if (!entries.ok()) return entries.status();
    for (const auto& e : *entries) *resp->add_entries() = ToProto(e);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CustomersServiceImpl::UpsertDictionaryEntry(
    grpc::CallbackServerContext* ctx, const v1::UpsertDictionaryEntryRequest* req,
    v1::DictionaryEntry* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    const v1::DictionaryEntry& p = req->entry();
    DictionaryEntry e{KindName(p.kind()), p.code(), p.name(), p.sort_order(), p.active()};
    return rpc::Respond(
        customers_->UpsertDictionaryEntry(conn, call.principal(), rpc::RequestMetaOf(call), e),
        resp);
  });
}

grpc::ServerWriteReactor<common::v1::Event>* CustomersServiceImpl::WatchEvents(
    grpc::CallbackServerContext* ctx, const common::v1::WatchEventsRequest* req) {
  return events_->Watch(ctx, req);
}

}  // namespace crm::customers_service
