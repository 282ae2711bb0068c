// The sales-system client (libs/salesys) against the stand-in (crm-salesys-fake) run as a
// real process: the catalogue, the cache, the circuit breaker, deadlines and retries.

#include <prometheus/registry.h>

#include <unistd.h>

#include <future>

#include <grpcpp/create_channel.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "external/salesys/v1/sales_system.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/salesys/client.h"
#include "libs/testing/process.h"
#include "libs/testing/status_matchers.h"
#include "tests/e2e/stack.h"

namespace crm::salesys {
namespace {

using ::crm::test::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The stand-in, or a failure of the test.
std::unique_ptr<e2e::SalesSystemFake> StartFake(std::vector<std::string> flags = {},
                                                std::string socket = "") {
  auto fake = e2e::SalesSystemFake::Start(std::move(flags), std::move(socket));
  if (!fake.ok()) {
    ADD_FAILURE() << fake.status();
    return nullptr;
  }
  return *std::move(fake);
}

// The value of a counter or gauge with these labels (0 when absent).
double Metric(prometheus::Registry& registry, const std::string& name,
              const std::map<std::string, std::string>& labels) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& m : family.metric) {
      bool match = true;
      for (const auto& [k, v] : labels) {
        bool found = false;
        for (const auto& l : m.label) found = found || (l.name == k && l.value == v);
        match = match && found;
      }
      if (match)
        return family.type == prometheus::MetricType::Gauge ? m.gauge.value : m.counter.value;
    }
  }
  return 0;
}

// Runs an asynchronous call and waits for its answer.
template <typename T, typename Start>
absl::StatusOr<T> Wait(Start start) {
  std::promise<absl::StatusOr<T>> promise;
  auto future = promise.get_future();
  start([&promise](absl::StatusOr<T> v) { promise.set_value(std::move(v)); });
  return future.get();
}

absl::Time Soon() { return absl::Now() + absl::Seconds(10); }

// gRPC 1.51 shares one completion queue among the channels that make callback calls, and
// tears it down (racily: an internal assertion aborts, under load) each time the last such
// channel goes. A service keeps its client for its whole life; these tests make a client per
// test, so one more client, kept to the end, keeps the queue alive.
class KeepCallbackQueue : public ::testing::Environment {
 public:
  void SetUp() override {
    client_ = NewGrpcSalesSystem({"unix:/nonexistent-salesys.sock"}, nullptr);
    std::promise<void> done;
    client_->GetProducts({"p-0001"}, absl::Now() + absl::Milliseconds(100),
                         [&done](absl::StatusOr<Products>) { done.set_value(); });
    done.get_future().wait();
  }
  void TearDown() override { client_.reset(); }

 private:
  std::unique_ptr<SalesSystem> client_;
};
const auto* const kKeepCallbackQueue = ::testing::AddGlobalTestEnvironment(new KeepCallbackQueue);

absl::StatusOr<Products> GetProducts(SalesSystem& s, std::vector<std::string> ids,
                                     absl::Time deadline = Soon()) {
  return Wait<Products>([&](Done<Products> done) { s.GetProducts(ids, deadline, done); });
}

TEST(SalesSystemClientTest, ReadsTheCatalogueInventoryAndOrders) {
  auto fake = StartFake();
  ASSERT_NE(fake, nullptr);
  prometheus::Registry registry;
  auto client = NewGrpcSalesSystem({fake->address()}, &registry);

  auto lines = Wait<std::vector<v1::ProductLine>>(
      [&](auto done) { client->ListProductLines(Soon(), done); });
  ASSERT_THAT(lines, IsOk());
  ASSERT_EQ(lines->size(), 6u);
  EXPECT_EQ((*lines)[0].name(), "ERP软件");

  auto products = GetProducts(*client, {"p-0002", "p-9999", "p-0001"});
  ASSERT_THAT(products, IsOk());
  ASSERT_EQ(products->found.size(), 2u);
  EXPECT_EQ(products->found[0].id(), "p-0002");
  EXPECT_EQ(products->found[1].id(), "p-0001");
  EXPECT_THAT(products->missing_ids, ElementsAre("p-9999"));
  EXPECT_EQ(products->found[1].list_price().currency_code(), "CNY");

  v1::ListProductsRequest search;
  search.set_query("服务器");
  search.set_active_only(true);
  auto page = Wait<v1::ListProductsResponse>(
      [&](auto done) { client->ListProducts(search, Soon(), done); });
  ASSERT_THAT(page, IsOk());
  EXPECT_GT(page->products_size(), 10);
  for (const auto& p : page->products()) EXPECT_TRUE(p.active());

  auto stock = Wait<v1::ListInventoryResponse>(
      [&](auto done) { client->ListInventory({"p-0001"}, Soon(), done); });
  ASSERT_THAT(stock, IsOk());
  EXPECT_EQ(stock->levels_size(), 2);

  v1::ListCustomerOrdersRequest orders_of;
  orders_of.set_customer_key("SC00002");
  auto orders = Wait<v1::ListCustomerOrdersResponse>(
      [&](auto done) { client->ListCustomerOrders(orders_of, Soon(), done); });
  ASSERT_THAT(orders, IsOk());
  ASSERT_GT(orders->orders_size(), 1);
  for (int i = 1; i < orders->orders_size(); ++i) {
    const auto& newer = orders->orders(i - 1).order_date();
    const auto& older = orders->orders(i).order_date();
    EXPECT_GE(std::make_tuple(newer.year(), newer.month(), newer.day()),
              std::make_tuple(older.year(), older.month(), older.day()));
  }
  EXPECT_GT(Metric(registry, "crm_salesys_calls_total", {{"code", "OK"}}), 0);
}

TEST(SalesSystemClientTest, CachesProductsUntilTheyExpire) {
  auto fake = StartFake();
  ASSERT_NE(fake, nullptr);
  prometheus::Registry registry;
  ClientOptions options{fake->address()};
  options.cache_ttl = absl::Seconds(4);
  auto client = NewGrpcSalesSystem(options, &registry);
  const std::map<std::string, std::string> hits = {{"cache", "product"}, {"result", "hit"}};
  const std::map<std::string, std::string> misses = {{"cache", "product"}, {"result", "miss"}};

  ASSERT_THAT(GetProducts(*client, {"p-0003"}), IsOk());
  const absl::Time stored = absl::Now();  // the product was cached before this
  EXPECT_EQ(Metric(registry, "crm_salesys_cache_lookups_total", misses), 1);
  ASSERT_THAT(GetProducts(*client, {"p-0003"}), IsOk());
  EXPECT_EQ(Metric(registry, "crm_salesys_cache_lookups_total", hits), 1);
  EXPECT_EQ(Metric(registry, "crm_salesys_calls_total", {{"method", "BatchGetProducts"}}), 1);

  // While the sales system is down, what is cached is still answered.
  fake->Stop();
  auto cached = GetProducts(*client, {"p-0003"});
  ASSERT_THAT(cached, IsOk());
  EXPECT_EQ(cached->found.size(), 1u);
  // Once expired it is asked for again, and the outage shows.
  absl::SleepFor(stored + absl::Seconds(4) + absl::Milliseconds(100) - absl::Now());
  auto expired = GetProducts(*client, {"p-0003"});
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(expired.status().message()), HasSubstr("sales system"));
  EXPECT_EQ(Metric(registry, "crm_salesys_cache_lookups_total", misses), 2);
}

TEST(SalesSystemClientTest, TheBreakerOpensWhileDownAndClosesAfterRecovery) {
  auto fake = StartFake();
  ASSERT_NE(fake, nullptr);
  prometheus::Registry registry;
  ClientOptions options{fake->address()};
  options.cache_entries = 0;  // every lookup reaches the sales system
  options.breaker_failures = 3;
  options.breaker_cooldown = absl::Seconds(2);
  options.timeout = absl::Milliseconds(500);
  auto client = NewGrpcSalesSystem(options, &registry);
  ASSERT_THAT(GetProducts(*client, {"p-0001"}), IsOk());
  EXPECT_EQ(Metric(registry, "crm_salesys_breaker_state", {}), 0);

  const std::string socket = fake->socket();
  fake->Stop();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(GetProducts(*client, {"p-0001"}).status().code(), absl::StatusCode::kUnavailable);
  }
  EXPECT_EQ(Metric(registry, "crm_salesys_breaker_state", {}), 2);
  // Open: failing at once, without a call.
  const absl::Time start = absl::Now();
  auto fast = GetProducts(*client, {"p-0001"});
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(50));
  EXPECT_EQ(fast.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(fast.status().message()), HasSubstr("the sales system is down"));
  EXPECT_EQ(Metric(registry, "crm_salesys_calls_total", {{"code", "BREAKER_OPEN"}}), 1);

  // Back up: after the cooldown one probe goes through and closes the breaker.
  fake = StartFake({}, socket);
  ASSERT_NE(fake, nullptr);
  absl::SleepFor(absl::Milliseconds(2100));
  ASSERT_THAT(GetProducts(*client, {"p-0001"}), IsOk());
  EXPECT_EQ(Metric(registry, "crm_salesys_breaker_state", {}), 0);
  ASSERT_THAT(GetProducts(*client, {"p-0002"}), IsOk());
}

TEST(SalesSystemClientTest, HonoursTheDeadline) {
  auto fake = StartFake({"--latency=3s"});
  ASSERT_NE(fake, nullptr);
  ClientOptions options{fake->address()};
  options.timeout = absl::Milliseconds(400);
  auto client = NewGrpcSalesSystem(options, nullptr);
  absl::Time start = absl::Now();
  auto late = GetProducts(*client, {"p-0001"});
  EXPECT_EQ(late.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(1500));
  // The caller's own, shorter deadline wins.
  start = absl::Now();
  late = GetProducts(*client, {"p-0002"}, absl::Now() + absl::Milliseconds(100));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(350));
}

// Callers whose own deadline is too short for the sales system's latency do not make it look
// down: only the client's own timeout running out counts as an outage.
TEST(SalesSystemClientTest, ACallersShortDeadlineDoesNotOpenTheBreaker) {
  auto fake = StartFake({"--latency=300ms"});
  ASSERT_NE(fake, nullptr);
  prometheus::Registry registry;
  ClientOptions options{fake->address()};
  options.cache_entries = 0;
  options.breaker_failures = 2;
  options.timeout = absl::Seconds(5);
  auto client = NewGrpcSalesSystem(options, &registry);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(
        GetProducts(*client, {"p-0001"}, absl::Now() + absl::Milliseconds(50)).status().code(),
        absl::StatusCode::kDeadlineExceeded);
  }
  EXPECT_EQ(Metric(registry, "crm_salesys_breaker_state", {}), 0);
  EXPECT_THAT(GetProducts(*client, {"p-0001"}), IsOk());
}

TEST(SalesSystemClientTest, RetriesUnavailableOnly) {
  {
    // Two UNAVAILABLE answers, then success: one call, retried by gRPC, succeeds.
    auto fake = StartFake({"--fail-first=2"});
    ASSERT_NE(fake, nullptr);
    prometheus::Registry registry;
    auto client = NewGrpcSalesSystem({fake->address()}, &registry);
    ASSERT_THAT(GetProducts(*client, {"p-0001"}), IsOk());
    EXPECT_EQ(Metric(registry, "crm_salesys_calls_total", {{"code", "OK"}}), 1);
  }
  {
    // An INTERNAL answer is not retried: the call fails (a retry would have succeeded), and
    // the next call succeeds.
    auto fake = StartFake({"--fail-first=1", "--fail-code=INTERNAL"});
    ASSERT_NE(fake, nullptr);
    auto client = NewGrpcSalesSystem({fake->address()}, nullptr);
    auto failed = GetProducts(*client, {"p-0001"});
    EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_THAT(std::string(failed.status().message()), HasSubstr("injected failure"));
    ASSERT_THAT(GetProducts(*client, {"p-0001"}), IsOk());
  }
}

TEST(SalesSystemClientTest, SendsTheApiKey) {
  auto fake = StartFake({"--api-key=k-123"});
  ASSERT_NE(fake, nullptr);
  auto without = NewGrpcSalesSystem({fake->address()}, nullptr);
  EXPECT_EQ(GetProducts(*without, {"p-0001"}).status().code(), absl::StatusCode::kUnavailable);
  ClientOptions options{fake->address()};
  options.api_key = "k-123";
  auto with = NewGrpcSalesSystem(options, nullptr);
  EXPECT_THAT(GetProducts(*with, {"p-0001"}), IsOk());
}

// The stand-in's order stream: the orders after a cursor, in order, each with its cursor.
TEST(SalesSystemClientTest, TheStandInStreamsOrdersFromACursor) {
  auto fake = StartFake();
  ASSERT_NE(fake, nullptr);
  auto stub = v1::SalesSystemService::NewStub(
      grpc::CreateChannel(fake->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::WatchOrdersRequest req;
  req.set_cursor("3");
  auto stream = stub->WatchOrders(&ctx, req);
  std::vector<std::string> cursors;
  v1::OrderEvent event;
  while (cursors.size() < 3 && stream->Read(&event)) {
    cursors.push_back(event.cursor());
    EXPECT_FALSE(event.order().customer_key().empty());
    EXPECT_GT(event.order().lines_size(), 0);
  }
  EXPECT_THAT(cursors, ElementsAre("4", "5", "6"));
  ctx.TryCancel();
}

TEST(SalesSystemClientTest, RefusesTooManyIds) {
  auto client = NewGrpcSalesSystem({"127.0.0.1:1"}, nullptr);
  std::vector<std::string> ids(101, "p-0001");
  EXPECT_EQ(GetProducts(*client, ids).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace crm::salesys
