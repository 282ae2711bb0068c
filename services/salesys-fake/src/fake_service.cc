#include "services/salesys-fake/src/fake_service.h"

#include <algorithm>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace crm::salesys_fake {
namespace {

constexpr int kDefaultPage = 50;
constexpr int kMaxPage = 200;
constexpr size_t kMaxBatch = 100;

// The page [offset, offset + size) of a list, and the token of the next one. The stand-in's
// tokens are plain offsets; clients treat them as opaque.
struct Window {
  size_t offset = 0;
  size_t size = kDefaultPage;
};

grpc::Status WindowOf(int32_t page_size, const std::string& page_token, Window* w) {
  if (page_size < 0) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "page_size must not be negative"};
  }
  w->size = page_size == 0 ? kDefaultPage : std::min(page_size, kMaxPage);
  if (!page_token.empty() && !absl::SimpleAtoi(page_token, &w->offset)) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "page_token is malformed"};
  }
  return grpc::Status::OK;
}

template <typename T, typename Add>
std::string Page(const std::vector<const T*>& all, const Window& w, Add add) {
  for (size_t i = w.offset; i < all.size() && i < w.offset + w.size; ++i) add(*all[i]);
  return w.offset + w.size < all.size() ? absl::StrCat(w.offset + w.size) : "";
}

}  // namespace

FakeSalesSystem::FakeSalesSystem(Catalogue catalogue, Faults faults, std::string api_key,
                                 int demo_customers)
    : catalogue_(std::move(catalogue)),
      faults_(faults),
      api_key_(std::move(api_key)),
      demo_customers_(std::max(1, demo_customers)) {
  orders_ = catalogue_.orders;
}

grpc::Status FakeSalesSystem::Enter(grpc::ServerContext* ctx) {
  if (!api_key_.empty()) {
    auto it = ctx->client_metadata().find("x-api-key");
    if (it == ctx->client_metadata().end() ||
        std::string(it->second.data(), it->second.size()) != api_key_) {
      return {grpc::StatusCode::UNAUTHENTICATED, "missing or wrong x-api-key"};
    }
  }
  if (faults_.latency > absl::ZeroDuration()) absl::SleepFor(faults_.latency);
  std::lock_guard<std::mutex> lock(mu_);
  ++calls_;
  random_ ^= random_ << 13;
  random_ ^= random_ >> 7;
  random_ ^= random_ << 17;
  if (calls_ <= faults_.fail_first ||
      (faults_.fail_percent > 0 && static_cast<int>(random_ % 100) < faults_.fail_percent)) {
    return {faults_.fail_code, "injected failure (salesys-fake)"};
  }
  return grpc::Status::OK;
}

grpc::Status FakeSalesSystem::ListProductLines(grpc::ServerContext* ctx,
                                               const v1::ListProductLinesRequest* req,
                                               v1::ListProductLinesResponse* resp) {
  if (grpc::Status s = Enter(ctx); !s.ok()) return s;
  Window w;
  if (grpc::Status s = WindowOf(req->page_size(), req->page_token(), &w); !s.ok()) return s;
  std::vector<const v1::ProductLine*> all;
  for (const auto& l : catalogue_.lines) all.push_back(&l);
  resp->set_next_page_token(
      Page(all, w, [&](const v1::ProductLine& l) { *resp->add_product_lines() = l; }));
  return grpc::Status::OK;
}

grpc::Status FakeSalesSystem::GetProduct(grpc::ServerContext* ctx, const v1::GetProductRequest* req,
                                         v1::Product* resp) {
  if (grpc::Status s = Enter(ctx); !s.ok()) return s;
  auto it = catalogue_.by_id.find(req->id());
  if (it == catalogue_.by_id.end()) {
    return {grpc::StatusCode::NOT_FOUND, absl::StrCat("no product ", req->id())};
  }
  *resp = catalogue_.products[it->second];
  return grpc::Status::OK;
}

grpc::Status FakeSalesSystem::BatchGetProducts(grpc::ServerContext* ctx,
                                               const v1::BatchGetProductsRequest* req,
                                               v1::BatchGetProductsResponse* resp) {
  if (grpc::Status s = Enter(ctx); !s.ok()) return s;
  if (static_cast<size_t>(req->ids_size()) > kMaxBatch) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "at most 100 ids"};
  }
  for (const auto& id : req->ids()) {
    auto it = catalogue_.by_id.find(id);
    if (it == catalogue_.by_id.end()) {
      resp->add_missing_ids(id);
    } else {
      *resp->add_products() = catalogue_.products[it->second];
    }
  }
  return grpc::Status::OK;
}

grpc::Status FakeSalesSystem::ListProducts(grpc::ServerContext* ctx,
                                           const v1::ListProductsRequest* req,
                                           v1::ListProductsResponse* resp) {
  if (grpc::Status s = Enter(ctx); !s.ok()) return s;
  Window w;
  if (grpc::Status s = WindowOf(req->page_size(), req->page_token(), &w); !s.ok()) return s;
  std::vector<const v1::Product*> all;
  for (const auto& p : catalogue_.products) {
    if (!req->product_line_id().empty() && p.product_line_id() != req->product_line_id()) continue;
    if (req->active_only() && !p.active()) continue;
    if (!req->query().empty() && !absl::StrContains(p.name(), req->query()) &&
        !absl::StrContains(absl::AsciiStrToLower(p.code()), absl::AsciiStrToLower(req->query())) &&
        !absl::StrContains(p.specification(), req->query())) {
      continue;
    }
    all.push_back(&p);
  }
  resp->set_next_page_token(Page(all, w, [&](const v1::Product& p) { *resp->add_products() = p; }));
  return grpc::Status::OK;
}

grpc::Status FakeSalesSystem::ListInventory(grpc::ServerContext* ctx,
                                            const v1::ListInventoryRequest* req,
                                            v1::ListInventoryResponse* resp) {
  if (grpc::Status s = Enter(ctx); !s.ok()) return s;
  if (static_cast<size_t>(req->product_ids_size()) > kMaxBatch) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "at most 100 product_ids"};
  }
  for (const auto& id : req->product_ids()) {
    for (const auto& level : catalogue_.inventory) {
      if (level.product_id() == id) *resp->add_levels() = level;
    }
  }
  return grpc::Status::OK;
}

grpc::Status FakeSalesSystem::ListCustomerOrders(grpc::ServerContext* ctx,
                                                 const v1::ListCustomerOrdersRequest* req,
                                                 v1::ListCustomerOrdersResponse* resp) {
  if (grpc::Status s = Enter(ctx); !s.ok()) return s;
  if (req->customer_key().empty()) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "customer_key is required"};
  }
  Window w;
  if (grpc::Status s = WindowOf(req->page_size(), req->page_token(), &w); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<const v1::Order*> all;
  for (auto it = orders_.rbegin(); it != orders_.rend(); ++it) {
    if (it->customer_key() == req->customer_key()) all.push_back(&*it);
  }
  resp->set_next_page_token(Page(all, w, [&](const v1::Order& o) { *resp->add_orders() = o; }));
  return grpc::Status::OK;
}

grpc::Status FakeSalesSystem::WatchOrders(grpc::ServerContext* ctx,
                                          const v1::WatchOrdersRequest* req,
                                          grpc::ServerWriter<v1::OrderEvent>* writer) {
  if (grpc::Status s = Enter(ctx); !s.ok()) return s;
  size_t next = 0;  // the cursor is the order's position in the stream, from 1
  if (!req->cursor().empty() && !absl::SimpleAtoi(req->cursor(), &next)) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "cursor is malformed"};
  }
  while (!ctx->IsCancelled()) {
    v1::OrderEvent event;
    {
      std::unique_lock<std::mutex> lock(mu_);
      orders_changed_.wait_for(lock, std::chrono::milliseconds(200),
                               [&] { return ending_ || next < orders_.size(); });
      if (ending_) return {grpc::StatusCode::UNAVAILABLE, "the sales system is shutting down"};
      if (next >= orders_.size()) continue;
      event.set_cursor(absl::StrCat(next + 1));
      *event.mutable_order() = orders_[next];
    }
    if (!writer->Write(event)) break;
    ++next;
  }
  return grpc::Status::OK;
}

void FakeSalesSystem::PlaceOrder(int64_t today_days) {
  std::lock_guard<std::mutex> lock(mu_);
  const int sequence = static_cast<int>(orders_.size()) + 1;
  orders_.push_back(
      NewOrder(catalogue_, sequence, DemoCustomerKey(1 + sequence % demo_customers_), today_days));
  orders_changed_.notify_all();
}

void FakeSalesSystem::EndStreams() {
  std::lock_guard<std::mutex> lock(mu_);
  ending_ = true;
  orders_changed_.notify_all();
}

}  // namespace crm::salesys_fake
