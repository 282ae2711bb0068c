#pragma once
// The company's sales system (external.salesys.v1) as every service and the gateway use it:
// product lines and products (cached), inventory and order history. One client per process.
//
// Every call has a deadline (the caller's, at most ClientOptions::timeout) and is retried with
// a growing pause while the sales system answers UNAVAILABLE and the deadline allows (all of
// these calls are reads, so a retry is always safe; no other error is retried). While the sales
// system is down a circuit breaker fails calls at once with UNAVAILABLE, and probes it again after
// a cooldown; cached products are still answered. Errors of the sales system reach callers as
// UNAVAILABLE naming it, never as our own INTERNAL.
//
// Callbacks run on a gRPC thread, or on the caller's for cache hits and fast failures; they
// must not block.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/security/credentials.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "external/salesys/v1/sales_system.pb.h"

namespace prometheus {
class Registry;
}

namespace crm::salesys {

namespace v1 = ::external::salesys::v1;

template <typename T>
using Done = std::function<void(absl::StatusOr<T>)>;

struct ClientOptions {
  // host:port of the sales system.
  std::string address;
  // Plaintext when null.
  std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr;
  // Sent as "x-api-key" when not empty.
  std::string api_key = {};
  // The longest a call may take, retries included.
  absl::Duration timeout = absl::Seconds(2);
  // Attempts of a call that the sales system answers UNAVAILABLE.
  int max_attempts = 3;
  absl::Duration cache_ttl = absl::Minutes(5);
  size_t cache_entries = 10000;
  // Failed calls in a row that open the breaker, and how long it stays open.
  int breaker_failures = 5;
  absl::Duration breaker_cooldown = absl::Seconds(10);
};

// The options' credentials: plaintext when none are set.
std::shared_ptr<grpc::ChannelCredentials> CredentialsOf(const ClientOptions& options);

// Products asked for by id.
struct Products {
  std::vector<v1::Product> found;  // in the order asked
  std::vector<std::string> missing_ids;
};

class SalesSystem {
 public:
  virtual ~SalesSystem() = default;

  // Every product line (cached).
  virtual void ListProductLines(absl::Time deadline, Done<std::vector<v1::ProductLine>> done) = 0;
  // Up to 100 products by id (cached one by one); unknown ids are listed apart.
  virtual void GetProducts(std::vector<std::string> ids, absl::Time deadline,
                           Done<Products> done) = 0;
  // A page of the catalogue (the products it holds are cached).
  virtual void ListProducts(v1::ListProductsRequest request, absl::Time deadline,
                            Done<v1::ListProductsResponse> done) = 0;
  // Stock of up to 100 products (never cached).
  virtual void ListInventory(std::vector<std::string> product_ids, absl::Time deadline,
                             Done<v1::ListInventoryResponse> done) = 0;
  // A page of a customer's orders, newest first (never cached).
  virtual void ListCustomerOrders(v1::ListCustomerOrdersRequest request, absl::Time deadline,
                                  Done<v1::ListCustomerOrdersResponse> done) = 0;
};

// The gRPC client. Make one per process and keep it (gRPC 1.51 tears down the queue that
// callback calls share when the last channel using it goes, and that teardown can abort);
// destroy it with no call in flight. `registry` (may be null) receives
// crm_salesys_calls_total{method,code}, crm_salesys_cache_lookups_total{cache,result} and
// crm_salesys_breaker_state (0 closed, 1 half open, 2 open).
std::unique_ptr<SalesSystem> NewGrpcSalesSystem(const ClientOptions& options,
                                                prometheus::Registry* registry);

}  // namespace crm::salesys
