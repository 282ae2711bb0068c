#include "libs/service/customer_lookup.h"

#include "libs/rpc/peer.h"
#include "libs/rpc/status_convert.h"

namespace crm::service {

void LookUpCustomer(crm::customers::v1::CustomersService::Stub* customers, const rpc::Call& call,
                    const std::string& customer_id, absl::string_view field, absl::Duration wait,
                    std::function<void(absl::StatusOr<crm::customers::v1::Customer>)> done) {
  namespace cv1 = ::crm::customers::v1;
  cv1::GetCustomerRequest req;
  req.set_id(customer_id);
  rpc::CallPeer<cv1::GetCustomerRequest, cv1::Customer>(
      call, wait, std::move(req),
      [customers](auto* ctx, auto* req, auto* resp, auto cb) {
        customers->async()->GetCustomer(ctx, req, resp, std::move(cb));
      },
      [field = std::string(field), done = std::move(done)](const grpc::Status& status,
                                                           const cv1::Customer& c) {
        if (!status.ok()) return done(rpc::PeerError(status, "customers", field, "a customer"));
        done(c);
      });
}

void LookUpContactCustomer(crm::customers::v1::ContactsService::Stub* contacts,
                           const rpc::Call& call, const std::string& contact_id,
                           absl::string_view field, absl::Duration wait,
                           std::function<void(absl::StatusOr<std::string>)> done) {
  namespace cv1 = ::crm::customers::v1;
  cv1::GetContactRequest req;
  req.set_id(contact_id);
  rpc::CallPeer<cv1::GetContactRequest, cv1::Contact>(
      call, wait, std::move(req),
      [contacts](auto* ctx, auto* req, auto* resp, auto cb) {
        contacts->async()->GetContact(ctx, req, resp, std::move(cb));
      },
      [field = std::string(field), done = std::move(done)](const grpc::Status& status,
                                                           const cv1::Contact& c) {
        if (!status.ok()) return done(rpc::PeerError(status, "customers", field, "a contact"));
        done(c.customer_id());
      });
}

void CheckCustomerVisible(crm::customers::v1::CustomersService::Stub* customers,
                          const rpc::Call& call, const std::string& customer_id,
                          absl::string_view field, absl::Duration wait,
                          std::function<void(absl::Status)> done) {
  LookUpCustomer(customers, call, customer_id, field, wait,
                 [done = std::move(done)](absl::StatusOr<crm::customers::v1::Customer> c) {
                   done(c.status());
                 });
}

}  // namespace crm::service
