#pragma once
// Checking a customer in the customers service on behalf of the caller of an RPC being served
// (their token and request id go along; at most `wait` of their deadline): whether the caller
// may see it, before a record of another service names it.

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/customers/v1/customers_service.grpc.pb.h"
#include "libs/rpc/call.h"

namespace crm::service {

// Runs done on a gRPC thread with the customer when the caller may see it, or what the failure
// means for the caller's request (rpc::PeerError on `field`).
void LookUpCustomer(crm::customers::v1::CustomersService::Stub* customers, const rpc::Call& call,
                    const std::string& customer_id, absl::string_view field, absl::Duration wait,
                    std::function<void(absl::StatusOr<crm::customers::v1::Customer>)> done);

// Runs done on a gRPC thread with the customer a contact belongs to when the caller may see the
// contact, or what the failure means for the caller's request (rpc::PeerError on `field`).
void LookUpContactCustomer(crm::customers::v1::ContactsService::Stub* contacts,
                           const rpc::Call& call, const std::string& contact_id,
                           absl::string_view field, absl::Duration wait,
                           std::function<void(absl::StatusOr<std::string>)> done);

// Runs done on a gRPC thread with OK when the customer is visible to the caller, or what the
// failure means for the caller's request (rpc::PeerError on `field`).
void CheckCustomerVisible(crm::customers::v1::CustomersService::Stub* customers,
                          const rpc::Call& call, const std::string& customer_id,
                          absl::string_view field, absl::Duration wait,
                          std::function<void(absl::Status)> done);

}  // namespace crm::service
