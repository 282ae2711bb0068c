#pragma once
// The stand-in's SalesSystemService over the generated catalogue, with faults to inject for
// tests: added latency, the first N calls failing, a share of calls failing, and new orders
// appearing at an interval.

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "external/salesys/v1/sales_system.grpc.pb.h"
#include "services/salesys-fake/src/catalogue.h"

namespace crm::salesys_fake {

struct Faults {
  absl::Duration latency = absl::ZeroDuration();
  int fail_first = 0;    // the first N calls fail with `fail_code`
  int fail_percent = 0;  // then this share of calls does
  grpc::StatusCode fail_code = grpc::StatusCode::UNAVAILABLE;
};

class FakeSalesSystem final : public v1::SalesSystemService::Service {
 public:
  // api_key: required in "x-api-key" metadata when not empty; demo_customers: how many demo
  // customer keys new orders go to.
  FakeSalesSystem(Catalogue catalogue, Faults faults, std::string api_key, int demo_customers);

  // Places a new order for one of the demo customers (what --new-order-interval does).
  void PlaceOrder(int64_t today_days);
  // Ends open WatchOrders streams (on shutdown).
  void EndStreams();

  grpc::Status ListProductLines(grpc::ServerContext* ctx, const v1::ListProductLinesRequest* req,
                                v1::ListProductLinesResponse* resp) override;
  grpc::Status GetProduct(grpc::ServerContext* ctx, const v1::GetProductRequest* req,
                          v1::Product* resp) override;
  grpc::Status BatchGetProducts(grpc::ServerContext* ctx, const v1::BatchGetProductsRequest* req,
                                v1::BatchGetProductsResponse* resp) override;
  grpc::Status ListProducts(grpc::ServerContext* ctx, const v1::ListProductsRequest* req,
                            v1::ListProductsResponse* resp) override;
  grpc::Status ListInventory(grpc::ServerContext* ctx, const v1::ListInventoryRequest* req,
                             v1::ListInventoryResponse* resp) override;
  grpc::Status ListCustomerOrders(grpc::ServerContext* ctx,
                                  const v1::ListCustomerOrdersRequest* req,
                                  v1::ListCustomerOrdersResponse* resp) override;
  grpc::Status WatchOrders(grpc::ServerContext* ctx, const v1::WatchOrdersRequest* req,
                           grpc::ServerWriter<v1::OrderEvent>* writer) override;

 private:
  // The API key, the latency and the injected failures, in that order.
  grpc::Status Enter(grpc::ServerContext* ctx);

  const Catalogue catalogue_;
  const Faults faults_;
  const std::string api_key_;
  const int demo_customers_;

  std::mutex mu_;
  std::condition_variable orders_changed_;
  std::vector<v1::Order> orders_;  // the catalogue's, then those placed since
  int calls_ = 0;
  uint64_t random_ = 0x2545F4914F6CDD1DULL;
  bool ending_ = false;
};

}  // namespace crm::salesys_fake
