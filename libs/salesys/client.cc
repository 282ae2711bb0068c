#include "libs/salesys/client.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <grpcpp/create_channel.h>
#include <grpcpp/support/channel_arguments.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "external/salesys/v1/sales_system.grpc.pb.h"
#include "libs/salesys/breaker.h"
#include "libs/salesys/ttl_cache.h"

namespace crm::salesys {
namespace {

constexpr size_t kMaxIds = 100;
constexpr char kLinesKey[] = "lines";

absl::Status CheckCount(size_t ids) {
  if (ids <= kMaxIds) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("at most ", kMaxIds, " products at once, not ", ids));
}

constexpr absl::Duration kFirstBackoff = absl::Milliseconds(50);
constexpr absl::Duration kMaxBackoff = absl::Milliseconds(500);

// Runs functions later, on a thread of its own: the retries' backoff. What is still waiting
// when it is destroyed is dropped (the client is destroyed with no call in flight).
class Later {
 public:
  Later() : thread_([this] { Loop(); }) {}
  ~Later() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  void At(absl::Time when, std::function<void()> fn) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      due_.emplace(when, std::move(fn));
    }
    wake_.notify_all();
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      if (due_.empty()) {
        wake_.wait(lock);
        continue;
      }
      const absl::Time next = due_.begin()->first;
      if (absl::Now() < next) {
        wake_.wait_for(lock, absl::ToChronoNanoseconds(next - absl::Now()));
        continue;
      }
      std::function<void()> fn = std::move(due_.begin()->second);
      due_.erase(due_.begin());
      lock.unlock();
      fn();
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable wake_;
  std::multimap<absl::Time, std::function<void()>> due_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once the rest exists
};

// What a caller sees of the sales system's status.
absl::Status Reported(const grpc::Status& status) {
  const std::string detail = status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return absl::OkStatus();
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::DeadlineExceededError("the sales system did not answer in time");
    case grpc::StatusCode::NOT_FOUND:
      return absl::NotFoundError(absl::StrCat("the sales system: ", detail));
    case grpc::StatusCode::INVALID_ARGUMENT:
      return absl::InvalidArgumentError(absl::StrCat("the sales system: ", detail));
    case grpc::StatusCode::CANCELLED:
      return absl::CancelledError("cancelled");
    default:
      return absl::UnavailableError(absl::StrCat("the sales system is unavailable (",
                                                 status.error_code(), ": ", detail, ")"));
  }
}

class GrpcSalesSystem final : public SalesSystem {
 public:
  GrpcSalesSystem(const ClientOptions& options, prometheus::Registry* registry)
      : options_(options),
        breaker_("the sales system", options.breaker_failures, options.breaker_cooldown),
        products_(options.cache_entries, options.cache_ttl),
        lines_(1, options.cache_ttl) {
    grpc::ChannelArguments args;
    // Retries are ours (Call): gRPC 1.51's retry filter trips an internal assertion when
    // attempts fail to connect under load.
    args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
    auto credentials = CredentialsOf(options);
    stub_ = v1::SalesSystemService::NewStub(
        grpc::CreateCustomChannel(options.address, credentials, args));
    if (registry != nullptr) {
      calls_ =
          &prometheus::BuildCounter()
               .Name("crm_salesys_calls_total")
               .Help("Calls to the sales system by method and outcome (BREAKER_OPEN: not made)")
               .Register(*registry);
      cache_ = &prometheus::BuildCounter()
                    .Name("crm_salesys_cache_lookups_total")
                    .Help("Lookups in the sales-system cache by result")
                    .Register(*registry);
      state_ = &prometheus::BuildGauge()
                    .Name("crm_salesys_breaker_state")
                    .Help("The sales system's circuit breaker: 0 closed, 1 half open, 2 open")
                    .Register(*registry)
                    .Add({});
    }
  }

  void ListProductLines(absl::Time deadline, Done<std::vector<v1::ProductLine>> done) override {
    if (auto cached = Cached(lines_, kLinesKey, "product_line")) return done(*std::move(cached));
    auto all = std::make_shared<std::vector<v1::ProductLine>>();
    NextLines(all, "", deadline, std::move(done));
  }

  void GetProducts(std::vector<std::string> ids, absl::Time deadline,
                   Done<Products> done) override {
    if (absl::Status s = CheckCount(ids.size()); !s.ok()) return done(s);
    auto known = std::make_shared<absl::flat_hash_map<std::string, v1::Product>>();
    v1::BatchGetProductsRequest request;
    for (const auto& id : ids) {
      if (known->count(id)) continue;
      if (auto p = Cached(products_, id, "product")) {
        (*known)[id] = *std::move(p);
      } else {
        request.add_ids(id);
      }
    }
    auto assemble = [ids = std::move(ids), known](std::vector<std::string> missing) {
      Products out;
      out.missing_ids = std::move(missing);
      for (const auto& id : ids) {
        if (auto it = known->find(id); it != known->end()) out.found.push_back(it->second);
      }
      return out;
    };
    if (request.ids().empty()) return done(assemble({}));
    Call<v1::BatchGetProductsRequest, v1::BatchGetProductsResponse>(
        "BatchGetProducts", std::move(request), deadline,
        [](auto* stub, auto* ctx, auto* req, auto* resp, auto cb) {
          stub->async()->BatchGetProducts(ctx, req, resp, std::move(cb));
        },
        [this, known, assemble,
         done = std::move(done)](absl::StatusOr<v1::BatchGetProductsResponse> resp) {
          if (!resp.ok()) return done(resp.status());
          for (const auto& p : resp->products()) {
            products_.Put(p.id(), p);
            (*known)[p.id()] = p;
          }
          done(assemble({resp->missing_ids().begin(), resp->missing_ids().end()}));
        });
  }

  void ListProducts(v1::ListProductsRequest request, absl::Time deadline,
                    Done<v1::ListProductsResponse> done) override {
    Call<v1::ListProductsRequest, v1::ListProductsResponse>(
        "ListProducts", std::move(request), deadline,
        [](auto* stub, auto* ctx, auto* req, auto* resp, auto cb) {
          stub->async()->ListProducts(ctx, req, resp, std::move(cb));
        },
        [this, done = std::move(done)](absl::StatusOr<v1::ListProductsResponse> resp) {
          if (resp.ok()) {
            for (const auto& p : resp->products()) products_.Put(p.id(), p);
          }
          done(std::move(resp));
        });
  }

  void ListInventory(std::vector<std::string> product_ids, absl::Time deadline,
                     Done<v1::ListInventoryResponse> done) override {
    if (absl::Status s = CheckCount(product_ids.size()); !s.ok()) return done(s);
    v1::ListInventoryRequest request;
    for (auto& id : product_ids) request.add_product_ids(std::move(id));
    Call<v1::ListInventoryRequest, v1::ListInventoryResponse>(
        "ListInventory", std::move(request), deadline,
        [](auto* stub, auto* ctx, auto* req, auto* resp, auto cb) {
          stub->async()->ListInventory(ctx, req, resp, std::move(cb));
        },
        std::move(done));
  }

  void ListCustomerOrders(v1::ListCustomerOrdersRequest request, absl::Time deadline,
                          Done<v1::ListCustomerOrdersResponse> done) override {
    Call<v1::ListCustomerOrdersRequest, v1::ListCustomerOrdersResponse>(
        "ListCustomerOrders", std::move(request), deadline,
        [](auto* stub, auto* ctx, auto* req, auto* resp, auto cb) {
          stub->async()->ListCustomerOrders(ctx, req, resp, std::move(cb));
        },
        std::move(done));
  }

 private:
  template <typename V>
  std::optional<V> Cached(TtlCache<V>& cache, const std::string& key, const char* kind) {
    std::optional<V> v = cache.Get(key);
    if (cache_ != nullptr)
      cache_->Add({{"cache", kind}, {"result", v ? "hit" : "miss"}}).Increment();
    return v;
  }

  void NextLines(std::shared_ptr<std::vector<v1::ProductLine>> all, std::string page_token,
                 absl::Time deadline, Done<std::vector<v1::ProductLine>> done) {
    v1::ListProductLinesRequest request;
    request.set_page_size(200);
    request.set_page_token(std::move(page_token));
    Call<v1::ListProductLinesRequest, v1::ListProductLinesResponse>(
        "ListProductLines", std::move(request), deadline,
        [](auto* stub, auto* ctx, auto* req, auto* resp, auto cb) {
          stub->async()->ListProductLines(ctx, req, resp, std::move(cb));
        },
        [this, all, deadline,
         done = std::move(done)](absl::StatusOr<v1::ListProductLinesResponse> resp) mutable {
          if (!resp.ok()) return done(resp.status());
          all->insert(all->end(), resp->product_lines().begin(), resp->product_lines().end());
          if (!resp->next_page_token().empty()) {
            return NextLines(all, resp->next_page_token(), deadline, std::move(done));
          }
          lines_.Put(kLinesKey, *all);
          done(*all);
        });
  }

  // A call in progress, over its attempts.
  template <typename Req, typename Resp, typename Invoke>
  struct Op {
    const char* method;
    Req request;
    absl::Time deadline;
    bool own_deadline;  // set by options_.timeout, not by the caller's shorter one
    Invoke invoke;
    Done<Resp> done;
    absl::Duration backoff = kFirstBackoff;
    int attempts = 0;
  };

  // One call: the breaker first; then attempts with the deadline and the key, an attempt the
  // sales system answers UNAVAILABLE made again after a growing pause while the deadline and
  // max_attempts allow; then the outcome recorded in the breaker and the metrics.
  template <typename Req, typename Resp, typename Invoke>
  void Call(const char* method, Req request, absl::Time deadline, Invoke invoke, Done<Resp> done) {
    if (absl::Status admitted = breaker_.Admit(); !admitted.ok()) {
      Count(method, "BREAKER_OPEN");
      return done(admitted);
    }
    const absl::Time own = absl::Now() + options_.timeout;
    Attempt(std::make_shared<Op<Req, Resp, Invoke>>(
        Op<Req, Resp, Invoke>{method, std::move(request), std::min(deadline, own), own <= deadline,
                              std::move(invoke), std::move(done)}));
  }

  template <typename Req, typename Resp, typename Invoke>
  void Attempt(std::shared_ptr<Op<Req, Resp, Invoke>> op) {
    struct Pending {
      grpc::ClientContext ctx;
      Resp resp;
    };
    auto pending = std::make_shared<Pending>();
    pending->ctx.set_deadline(absl::ToChronoTime(op->deadline));
    if (!options_.api_key.empty()) pending->ctx.AddMetadata("x-api-key", options_.api_key);
    ++op->attempts;
    op->invoke(
        stub_.get(), &pending->ctx, &op->request, &pending->resp,
        [this, op, pending](grpc::Status status) {
          Count(op->method, GrpcCodeName(status.error_code()));
          const absl::Time retry_at = absl::Now() + op->backoff;
          if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
              op->attempts < options_.max_attempts && retry_at < op->deadline) {
            op->backoff = std::min(op->backoff * 2, kMaxBackoff);
            return later_.At(retry_at, [this, op] { Attempt(op); });
          }
          if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED && !op->own_deadline) {
            breaker_.Release();  // the caller's deadline, not the sales system's slowness
          } else {
            breaker_.Record(!Breaker::IsOutage(static_cast<absl::StatusCode>(status.error_code())));
          }
          if (state_ != nullptr) state_->Set(static_cast<double>(breaker_.state()));
          absl::Status reported = Reported(status);
          if (!reported.ok()) return op->done(reported);
          op->done(std::move(pending->resp));
        });
  }

  void Count(const char* method, const std::string& code) {
    if (calls_ != nullptr) calls_->Add({{"method", method}, {"code", code}}).Increment();
  }

  static std::string GrpcCodeName(grpc::StatusCode code) {
    return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  }

  const ClientOptions options_;
  std::unique_ptr<v1::SalesSystemService::Stub> stub_;
  Breaker breaker_;
  TtlCache<v1::Product> products_;
  TtlCache<std::vector<v1::ProductLine>> lines_;
  prometheus::Family<prometheus::Counter>* calls_ = nullptr;
  prometheus::Family<prometheus::Counter>* cache_ = nullptr;
  prometheus::Gauge* state_ = nullptr;
  Later later_;  // last: destroyed first, while the rest still exists
};

}  // namespace

std::shared_ptr<grpc::ChannelCredentials> CredentialsOf(const ClientOptions& options) {
  return options.credentials ? options.credentials : grpc::InsecureChannelCredentials();
}

std::unique_ptr<SalesSystem> NewGrpcSalesSystem(const ClientOptions& options,
                                                prometheus::Registry* registry) {
  return std::make_unique<GrpcSalesSystem>(options, registry);
}

}  // namespace crm::salesys
