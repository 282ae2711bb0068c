#pragma once
// GetCustomer for the HTTP/2 load generator, as the customers and gateway benchmarks make it:
// call n reads ids[(n * 7919) % ids.size()], and its answer must be that customer.

#include <string>
#include <string_view>
#include <vector>

#include "crm/customers/v1/customers_service.pb.h"
#include "tests/bench/h2_drive.h"

namespace crm::bench {

// The id call n reads; `ids` must not be empty.
inline const std::string& CustomerIdOf(const std::vector<std::string>& ids, int64_t n) {
  return ids[static_cast<size_t>(n * 7919) % ids.size()];
}

// The request of call n (`ids` must outlive it).
inline H2Request GetCustomerRequests(const std::vector<std::string>& ids) {
  return [&ids](int64_t n) {
    customers::v1::GetCustomerRequest req;
    req.set_id(CustomerIdOf(ids, n));
    return req.SerializeAsString();
  };
}

// The check of call n's answer (`ids` must outlive it).
inline H2Check GetCustomerChecks(const std::vector<std::string>& ids) {
  return [&ids](int64_t n, std::string_view message) -> std::string {
    customers::v1::Customer c;
    if (!c.ParseFromArray(message.data(), static_cast<int>(message.size()))) {
      return "the response is not a Customer";
    }
    return c.id() == CustomerIdOf(ids, n) ? "" : "the response is another customer";
  };
}

}  // namespace crm::bench
