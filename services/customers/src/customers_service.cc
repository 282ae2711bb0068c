#include "services/customers/src/customers_service.h"

#include "libs/status/field_violations.h"
#include "services/customers/src/convert.h"

namespace crm::customers_service {
namespace {

using rpc::Call;

RequestMeta MetaOf(const Call& call) { return {call.request_id(), call.principal().user_id}; }

// AIP-134: without an update_mask, the fields the request sets are the ones to update.
std::vector<std::string> MaskOf(const v1::UpdateCustomerRequest& req) {
  std::vector<std::string> mask(req.update_mask().paths().begin(), req.update_mask().paths().end());
  if (!mask.empty()) return mask;
  const v1::Customer& c = req.customer();
  auto imply = [&](bool set, const char* name) {
    if (set) mask.push_back(name);
  };
  imply(!c.name().empty(), "name");
  imply(!c.region().empty(), "region");
  imply(!c.industry().empty(), "industry");
  imply(!c.level().empty(), "level");
  imply(c.satisfaction() != 0, "satisfaction");
  imply(c.credit() != 0, "credit");
  imply(!c.address().empty(), "address");
  imply(!c.postal_code().empty(), "postal_code");
  imply(!c.phone().empty(), "phone");
  imply(!c.fax().empty(), "fax");
  imply(!c.website().empty(), "website");
  imply(!c.business_licence_number().empty(), "business_licence_number");
  imply(!c.legal_representative().empty(), "legal_representative");
  imply(c.has_registered_capital(), "registered_capital");
  imply(c.has_annual_revenue(), "annual_revenue");
  imply(!c.bank().empty(), "bank");
  imply(!c.bank_account().empty(), "bank_account");
  imply(!c.tax_id().empty(), "tax_id");
  imply(!c.source().empty(), "source");
  imply(c.tags_size() > 0, "tags");
  imply(c.attributes_size() > 0, "attributes");
  return mask;
}

}  // namespace

grpc::ServerUnaryReactor* CustomersServiceImpl::CreateCustomer(grpc::CallbackServerContext* ctx,
                                                               const v1::CreateCustomerRequest* req,
                                                               v1::Customer* resp) {
  return calls_->Unary(ctx, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    Violations decoding;
    Customer customer = FromProto(req->customer(), decoding);
    auto created = customers_->Create(conn, call.principal(), MetaOf(call), req->request_id(),
                                      std::move(customer), req->force(), std::move(decoding));
    if (!created.ok()) return created.status();
    *resp = ToProto(*created);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CustomersServiceImpl::GetCustomer(grpc::CallbackServerContext* ctx,
                                                            const v1::GetCustomerRequest* req,
                                                            v1::Customer* resp) {
  return calls_->Async(ctx, [this, req, resp](std::shared_ptr<Call> call) {
    const auth::Principal& caller = call->principal();
    customers_->Get(
        calls_->reader(), caller, req->id(),
        rpc::Reply<Customer>(std::move(call), [resp](const Customer& c) { *resp = ToProto(c); }));
  });
}

grpc::ServerUnaryReactor* CustomersServiceImpl::ListCustomers(grpc::CallbackServerContext* ctx,
                                                              const v1::ListCustomersRequest* req,
                                                              v1::ListCustomersResponse* resp) {
  return calls_->Unary(ctx, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
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
    auto page = customers_->List(conn, call.principal(), f, req->page_size(), req->page_token());
    if (!page.ok()) return page.status();
    for (const auto& c : page->items) *resp->add_customers() = ToProto(c);
    resp->set_next_page_token(page->next_page_token);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CustomersServiceImpl::SearchCustomers(
    grpc::CallbackServerContext* ctx, const v1::SearchCustomersRequest* req,
    v1::SearchCustomersResponse* resp) {
  return calls_->Async(ctx, [this, req, resp](std::shared_ptr<Call> call) {
    const auth::Principal& caller = call->principal();
    customers_->Search(calls_->reader(), caller, req->query(), req->page_size(),
                       rpc::Reply<std::vector<Customer>>(
                           std::move(call), [resp](const std::vector<Customer>& found) {
                             for (const auto& c : found) *resp->add_customers() = ToProto(c);
                           }));
  });
}

grpc::ServerUnaryReactor* CustomersServiceImpl::UpdateCustomer(grpc::CallbackServerContext* ctx,
                                                               const v1::UpdateCustomerRequest* req,
                                                               v1::Customer* resp) {
  return calls_->Unary(ctx, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    Violations decoding;
    Customer patch = FromProto(req->customer(), decoding);
    auto updated = customers_->Update(conn, call.principal(), MetaOf(call), patch,
                                      req->customer().etag(), MaskOf(*req), std::move(decoding));
    if (!updated.ok()) return updated.status();
    *resp = ToProto(*updated);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CustomersServiceImpl::DeleteCustomer(grpc::CallbackServerContext* ctx,
                                                               const v1::DeleteCustomerRequest* req,
                                                               v1::DeleteCustomerResponse*) {
  return calls_->Unary(ctx, [this, req](Call& call, db::Conn& conn) {
    return customers_->Delete(conn, call.principal(), MetaOf(call), req->id(), req->etag());
  });
}

grpc::ServerUnaryReactor* CustomersServiceImpl::ListDictionaryEntries(
    grpc::CallbackServerContext* ctx, const v1::ListDictionaryEntriesRequest* req,
    v1::ListDictionaryEntriesResponse* resp) {
  return calls_->Unary(ctx, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
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
  return calls_->Unary(ctx, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    const v1::DictionaryEntry& p = req->entry();
    DictionaryEntry e{KindName(p.kind()), p.code(), p.name(), p.sort_order(), p.active()};
    auto saved = customers_->UpsertDictionaryEntry(conn, call.principal(), e);
    if (!saved.ok()) return saved.status();
    *resp = ToProto(*saved);
    return absl::OkStatus();
  });
}

grpc::ServerWriteReactor<common::v1::Event>* CustomersServiceImpl::WatchEvents(
    grpc::CallbackServerContext* ctx, const common::v1::WatchEventsRequest* req) {
  return events_->Watch(ctx, req);
}

}  // namespace crm::customers_service
