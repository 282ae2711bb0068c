#include "services/customers/src/customers_service.h"

#include "libs/proto_time/proto_time.h"
#include "libs/rpc/update_mask.h"
#include "libs/status/field_violations.h"
#include "services/customers/src/convert.h"

namespace crm::customers_service {
namespace {

class CustomersServiceImpl final : public v1::CustomersService::CallbackService,
                                   private rpc::Glue<Parts> {
 public:
  explicit CustomersServiceImpl(const Parts& parts)
      : Glue(parts, v1::CustomersService::service_full_name()) {}

  Unary* CreateCustomer(Context* ctx, const v1::CreateCustomerRequest* req,
                        v1::Customer* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      Violations decoding;
      Customer customer = FromProto(req->customer(), decoding);
      return rpc::Respond(
          customers->Create(conn, call.principal(), rpc::RequestMetaOf(call), req->request_id(),
                            std::move(customer), req->force(), std::move(decoding)),
          resp);
    });
  }

  Unary* GetCustomer(Context* ctx, const v1::GetCustomerRequest* req, v1::Customer* resp) override {
    return calls_.Async(ctx, __func__, [this, req, resp](std::shared_ptr<rpc::Call> call) {
      const auth::Principal& caller = call->principal();
      customers->Get(
          calls_.reader(), caller, req->id(),
          rpc::Reply<Customer>(std::move(call), [resp](const Customer& c) { *resp = ToProto(c); }));
    });
  }

  Unary* ListCustomers(Context* ctx, const v1::ListCustomersRequest* req,
                       v1::ListCustomersResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
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
          customers->List(conn, call.principal(), f, req->page_size(), req->page_token()),
          resp->mutable_customers(), resp);
    });
  }

  Unary* SearchCustomers(Context* ctx, const v1::SearchCustomersRequest* req,
                         v1::SearchCustomersResponse* resp) override {
    return calls_.Async(ctx, __func__, [this, req, resp](std::shared_ptr<rpc::Call> call) {
      const auth::Principal& caller = call->principal();
      customers->Search(*search_reader, caller, req->query(), req->page_size(),
                        rpc::Reply<std::vector<Customer>>(
                            std::move(call), [resp](const std::vector<Customer>& found) {
                              for (const auto& c : found) *resp->add_customers() = ToProto(c);
                            }));
    });
  }

  Unary* UpdateCustomer(Context* ctx, const v1::UpdateCustomerRequest* req,
                        v1::Customer* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      Violations decoding;
      Customer patch = FromProto(req->customer(), decoding);
      return rpc::Respond(
          customers->Update(
              conn, call.principal(), rpc::RequestMetaOf(call), patch, req->customer().etag(),
              rpc::UpdateMask(req->update_mask(), req->customer(), Customers::UpdatableFields()),
              std::move(decoding)),
          resp);
    });
  }

  Unary* DeleteCustomer(Context* ctx, const v1::DeleteCustomerRequest* req,
                        v1::DeleteCustomerResponse*) override {
    return calls_.Unary(ctx, __func__, [this, req](rpc::Call& call, db::Conn& conn) {
      return customers->Delete(conn, call.principal(), rpc::RequestMetaOf(call), req->id(),
                               req->etag());
    });
  }

  Unary* SetSalesSystemKey(Context* ctx, const v1::SetSalesSystemKeyRequest* req,
                           v1::Customer* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](rpc::Call& call, db::Conn& conn) {
      return rpc::Respond(churn->SetSalesSystemKey(conn, call.principal(), rpc::RequestMetaOf(call),
                                                   req->id(), req->etag(), req->sales_system_key()),
                          resp);
    });
  }

  grpc::ServerWriteReactor<common::v1::Event>* WatchEvents(
      Context* ctx, const common::v1::WatchEventsRequest* req) override {
    return events->Watch(ctx, req);
  }
};

}  // namespace

std::unique_ptr<grpc::Service> NewCustomersService(const Parts& parts) {
  return std::make_unique<CustomersServiceImpl>(parts);
}

}  // namespace crm::customers_service
