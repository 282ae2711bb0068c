#include <atomic>
#include <thread>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/str_cat.h"
#include "crm/common/v1/orders.pb.h"
#include "external/salesys/v1/sales_system.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/auth/tokens.h"
#include "libs/db/pool.h"
#include "libs/events/follower.h"
#include "libs/events/watch.h"
#include "libs/ids/uuid.h"
#include "libs/rpc/server.h"
#include "libs/testing/status_matchers.h"
#include "libs/validation/updates.h"
#include "services/customers/src/churn.h"
#include "services/customers/tests/fixture.h"
#include "watch_test.grpc.pb.h"

namespace crm::customers_service {
namespace {

using ::crm::test::HasFieldViolation;
using ::crm::test::IsOk;
using ::crm::test::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::StatusCode kHidden = absl::StatusCode::kPermissionDenied;

common::v1::Event OrderEvent(const std::string& customer_id, absl::CivilDay day) {
  static std::atomic<int> n{0};
  common::v1::OrderPlaced order;
  order.set_order_id(absl::StrCat("O-", n++));
  order.set_customer_id(customer_id);
  order.mutable_order_date()->set_year(static_cast<int>(day.year()));
  order.mutable_order_date()->set_month(day.month());
  order.mutable_order_date()->set_day(day.day());
  common::v1::Event e;
  e.set_id(ids::NewUuidV7());
  e.set_type("contracts.order.placed");
  e.mutable_payload()->PackFrom(order);
  return e;
}

class ChurnTest : public CustomersFixture {
 protected:
  void SetUp() override {
    CustomersFixture::SetUp();
    churn_ = std::make_unique<Churn>(&outbox_, 6, absl::UTCTimeZone());
    dept_ = NewId();
    rep_ = Rep(dept_);
    today_ = churn_->Today();
  }

  void Order(const std::string& customer_id, absl::CivilDay day) {
    ASSERT_THAT(conn_->Transact([&](db::Tx& tx) {
      return churn_->ApplyOrderEvent(tx, OrderEvent(customer_id, day));
    }),
                IsOk());
  }

  // A customer whose last order is 7 months old: the next scan warns of it.
  Customer Warned(const std::string& name) {
    Customer c = MakeCustomer(rep_, Unique(name));
    Order(c.id, today_ - 214);
    EXPECT_THAT(churn_->Scan(*conn_, today_), IsOk());
    auto warned = Get(rep_, c.id);
    EXPECT_THAT(warned, IsOk());
    return warned.ok() ? *warned : c;
  }

  std::vector<std::string> ActionKinds(const std::string& customer_id) {
    auto actions = churn_->Actions(*conn_, rep_, customer_id);
    EXPECT_THAT(actions, IsOk());
    std::vector<std::string> out;
    if (actions.ok()) {
      for (const auto& a : *actions) out.push_back(a.kind);
    }
    return out;
  }

  std::unique_ptr<Churn> churn_;
  std::string dept_;
  auth::Principal rep_;
  absl::CivilDay today_;
};

TEST_F(ChurnTest, OrdersRaiseTheLastOrderDateWhateverTheirOrder) {
  Customer c = MakeCustomer(rep_, Unique("青岛啤酒"));
  Order(c.id, today_ - 10);
  Order(c.id, today_ - 40);  // an older order arriving late changes nothing
  auto got = Get(rep_, c.id);
  ASSERT_THAT(got, IsOk());
  ASSERT_TRUE(got->last_order_date.has_value());
  EXPECT_EQ(*got->last_order_date, today_ - 10);
  EXPECT_EQ(got->version, c.version);  // derived data: the etag stays valid
  // Orders of unknown customers and events that are not orders are skipped, not failed.
  Order(NewId(), today_);
  common::v1::Event other;
  other.set_type("contracts.order.placed");
  EXPECT_THAT(conn_->Transact([&](db::Tx& tx) { return churn_->ApplyOrderEvent(tx, other); }),
              IsOk());
}

TEST_F(ChurnTest, TheSalesSystemsOrdersCountForTheCustomerLinkedToTheirKey) {
  // The sales system's order stream, as the follower reads it.
  auto sales_order = [&](const std::string& key, absl::CivilDay day, int cursor) {
    external::salesys::v1::OrderEvent oe;
    oe.set_cursor(absl::StrCat(cursor));
    oe.mutable_order()->set_id(absl::StrCat("o-", cursor));
    oe.mutable_order()->set_number(absl::StrCat("SO", cursor));
    oe.mutable_order()->set_customer_key(key);
    oe.mutable_order()->mutable_order_date()->set_year(static_cast<int>(day.year()));
    oe.mutable_order()->mutable_order_date()->set_month(day.month());
    oe.mutable_order()->mutable_order_date()->set_day(day.day());
    auto e = Churn::SalesSystemOrder(oe.SerializeAsString());
    ASSERT_THAT(e, IsOk());
    EXPECT_EQ(e->cursor(), absl::StrCat(cursor));
    ASSERT_THAT(conn_->Transact([&](db::Tx& tx) { return churn_->ApplySalesSystemOrder(tx, *e); }),
                IsOk());
  };
  const std::string key = Unique("SC");
  // Orders of a key no customer has yet are remembered …
  sales_order(key, today_ - 20, 1);
  sales_order(key, today_ - 50, 2);
  Customer c = Warned("泸州老窖");
  ASSERT_EQ(c.status, CustomerStatus::kLossWarning);
  // … and count once a customer is linked to it: the warned customer is active again.
  auto linked = churn_->SetSalesSystemKey(*conn_, rep_, meta_, c.id, "", key);
  ASSERT_THAT(linked, IsOk());
  EXPECT_EQ(linked->sales_system_key, key);
  ASSERT_TRUE(linked->last_order_date.has_value());
  EXPECT_EQ(*linked->last_order_date, today_ - 20);
  EXPECT_EQ(linked->status, CustomerStatus::kActive);
  EXPECT_THAT(ActionKinds(c.id), ElementsAre("warned", "recovered"));
  // Later orders go straight to it.
  sales_order(key, today_ - 1, 3);
  EXPECT_EQ(*Get(rep_, c.id)->last_order_date, today_ - 1);
  // One customer per key; bad keys name the field; another rep's customer is out of reach.
  Customer other = MakeCustomer(rep_, Unique("五粮液"));
  EXPECT_THAT(churn_->SetSalesSystemKey(*conn_, rep_, meta_, other.id, "", key),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr(c.id)));
  EXPECT_THAT(churn_->SetSalesSystemKey(*conn_, rep_, meta_, other.id, "", std::string(101, 'k')),
              HasFieldViolation("sales_system_key"));
  EXPECT_THAT(churn_->SetSalesSystemKey(*conn_, Rep(NewId()), meta_, other.id, "", "SC-X"),
              StatusIs(kHidden));
  // Unlinking.
  auto unlinked = churn_->SetSalesSystemKey(*conn_, rep_, meta_, c.id, "", "");
  ASSERT_THAT(unlinked, IsOk());
  EXPECT_TRUE(unlinked->sales_system_key.empty());
}

TEST_F(ChurnTest, TheScanWarnsOfCustomersWithoutARecentOrder) {
  Customer stale = MakeCustomer(rep_, Unique("燕京啤酒"));
  Customer recent = MakeCustomer(rep_, Unique("雪花啤酒"));
  Customer never = MakeCustomer(rep_, Unique("哈尔滨啤酒"));
  Order(stale.id, today_ - 200);
  Order(recent.id, today_ - 30);
  outbox_start_ += 3;
  auto warned = churn_->Scan(*conn_, today_);
  ASSERT_THAT(warned, IsOk());
  EXPECT_GE(*warned, 1);
  EXPECT_EQ(Get(rep_, stale.id)->status, CustomerStatus::kLossWarning);
  EXPECT_TRUE(Get(rep_, stale.id)->loss_warned_at.has_value());
  EXPECT_EQ(Get(rep_, recent.id)->status, CustomerStatus::kActive);
  EXPECT_EQ(Get(rep_, never.id)->status, CustomerStatus::kActive);  // created today
  EXPECT_THAT(ActionKinds(stale.id), ElementsAre("warned"));
  // Nothing new on the same day.
  EXPECT_THAT(churn_->Scan(*conn_, today_), IsOk());
  EXPECT_THAT(ActionKinds(stale.id), ElementsAre("warned"));
  // Seven months on, the others are due too (one never ordered at all).
  ASSERT_THAT(churn_->Scan(*conn_, today_ + 214), IsOk());
  EXPECT_EQ(Get(rep_, recent.id)->status, CustomerStatus::kLossWarning);
  EXPECT_EQ(Get(rep_, never.id)->status, CustomerStatus::kLossWarning);
}

TEST_F(ChurnTest, TheOwnerDelaysRepeatedlyThenConfirms) {
  Customer c = Warned("珠江啤酒");
  ASSERT_EQ(c.status, CustomerStatus::kLossWarning);
  auto delayed = churn_->Delay(*conn_, rep_, meta_, c.id, "总经理亲自拜访，给予季度返点",
                               std::nullopt, validation::Etag(c.version));
  ASSERT_THAT(delayed, IsOk());
  EXPECT_EQ(delayed->status, CustomerStatus::kLossDelayed);
  ASSERT_TRUE(delayed->loss_delayed_until.has_value());
  EXPECT_GT(*delayed->loss_delayed_until, today_ + 80);
  auto again = churn_->Delay(*conn_, rep_, meta_, c.id, "追加技术支持", today_ + 30, "");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again->loss_delayed_until, today_ + 30);
  EXPECT_THAT(churn_->Confirm(*conn_, rep_, meta_, c.id, "客户改用竞品",
                              validation::Etag(delayed->version)),
              StatusIs(absl::StatusCode::kAborted));
  auto lost = churn_->Confirm(*conn_, rep_, meta_, c.id, "客户改用竞品", "");
  ASSERT_THAT(lost, IsOk());
  EXPECT_EQ(lost->status, CustomerStatus::kLost);
  EXPECT_THAT(churn_->Delay(*conn_, rep_, meta_, c.id, "再试一次", std::nullopt, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("lost")));
  EXPECT_THAT(ActionKinds(c.id), ElementsAre("warned", "delayed", "delayed", "confirmed"));
  auto actions = churn_->Actions(*conn_, rep_, c.id);
  ASSERT_THAT(actions, IsOk());
  EXPECT_EQ((*actions)[1].note, "总经理亲自拜访，给予季度返点");
  EXPECT_EQ((*actions)[1].user_id, rep_.user_id);
  EXPECT_EQ((*actions)[3].note, "客户改用竞品");
}

TEST_F(ChurnTest, StepsThatDoNotApplyOrAreBadChangeNothing) {
  Customer active = MakeCustomer(rep_, Unique("百威中国"));
  EXPECT_THAT(churn_->Confirm(*conn_, rep_, meta_, active.id, "不再合作", ""),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("active")));
  Customer c = Warned("重庆啤酒");
  auto bad = churn_->Delay(*conn_, rep_, meta_, c.id, "  ", today_ - 1, "");
  EXPECT_THAT(bad, HasFieldViolation("measures"));
  EXPECT_THAT(bad, HasFieldViolation("delay_until"));
  EXPECT_THAT(churn_->Delay(*conn_, rep_, meta_, c.id, "措施", today_ + 400, ""),
              HasFieldViolation("delay_until"));
  EXPECT_THAT(churn_->Confirm(*conn_, rep_, meta_, "x", "", ""), HasFieldViolation("reason"));
  EXPECT_THAT(churn_->Confirm(*conn_, Rep(dept_), meta_, c.id, "别人的客户", ""),
              StatusIs(kHidden));
  EXPECT_THAT(churn_->Confirm(*conn_, Executive(), meta_, c.id, "高管无权", ""),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("customers.loss.manage")));
  EXPECT_EQ(Get(rep_, c.id)->status, CustomerStatus::kLossWarning);
  EXPECT_THAT(ActionKinds(c.id), ElementsAre("warned"));
}

TEST_F(ChurnTest, ADelayThatRunsOutIsWarnedAgainAndAnOrderRevives) {
  Customer c = Warned("金星啤酒");
  ASSERT_THAT(churn_->Delay(*conn_, rep_, meta_, c.id, "赠送样品", today_ + 10, ""), IsOk());
  ASSERT_THAT(churn_->Scan(*conn_, today_ + 11), IsOk());
  EXPECT_EQ(Get(rep_, c.id)->status, CustomerStatus::kLossWarning);
  // An old order imported late does not revive; a recent one does.
  Order(c.id, today_ - 300);
  EXPECT_EQ(Get(rep_, c.id)->status, CustomerStatus::kLossWarning);
  const int64_t before = outbox_start_;
  outbox_start_ = 0;
  const size_t events_before = EventsSinceStart().size();
  outbox_start_ = before;
  Order(c.id, today_);
  auto revived = Get(rep_, c.id);
  ASSERT_THAT(revived, IsOk());
  EXPECT_EQ(revived->status, CustomerStatus::kActive);
  EXPECT_FALSE(revived->loss_warned_at.has_value());
  EXPECT_THAT(ActionKinds(c.id), ElementsAre("warned", "delayed", "warned", "recovered"));
  outbox_start_ = 0;
  auto all = EventsSinceStart();
  ASSERT_EQ(all.size(), events_before + 1);
  EXPECT_EQ(all.back(), "customers.loss.recovered");
}

TEST_F(ChurnTest, WarningsAreListedPerOwnerWithinScope) {
  auth::Principal colleague = Rep(dept_);
  auth::Principal manager = Manager({dept_});
  Customer mine1 = Warned("青岛啤酒一厂");
  Customer mine2 = Warned("青岛啤酒二厂");
  Customer theirs = MakeCustomer(colleague, Unique("崂山啤酒"));
  Order(theirs.id, today_ - 214);
  ASSERT_THAT(churn_->Scan(*conn_, today_), IsOk());

  auto page = churn_->ListWarnings(*conn_, rep_, "", 1, "");
  ASSERT_THAT(page, IsOk());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].id, mine1.id);
  auto next = churn_->ListWarnings(*conn_, rep_, "", 1, page->next_page_token);
  ASSERT_THAT(next, IsOk());
  ASSERT_EQ(next->items.size(), 1u);
  EXPECT_EQ(next->items[0].id, mine2.id);
  EXPECT_TRUE(next->next_page_token.empty());

  auto of_colleague = churn_->ListWarnings(*conn_, manager, colleague.user_id, 50, "");
  ASSERT_THAT(of_colleague, IsOk());
  ASSERT_EQ(of_colleague->items.size(), 1u);
  EXPECT_EQ(of_colleague->items[0].id, theirs.id);
  auto hidden = churn_->ListWarnings(*conn_, rep_, colleague.user_id, 50, "");
  ASSERT_THAT(hidden, IsOk());
  EXPECT_TRUE(hidden->items.empty());
  EXPECT_THAT(churn_->ListWarnings(*conn_, rep_, "x", 50, ""), HasFieldViolation("owner_id"));
}

// Order events injected into another service's outbox reach the customer through its
// WatchEvents stream, exactly once across a restart of the follower.
class WatchService : public crm::eventstest::WatchTestService::CallbackService {
 public:
  explicit WatchService(events::EventStream* stream) : stream_(stream) {}
  grpc::ServerWriteReactor<common::v1::Event>* WatchEvents(
      grpc::CallbackServerContext* ctx, const common::v1::WatchEventsRequest* req) override {
    return stream_->Watch(ctx, req);
  }

 private:
  events::EventStream* stream_;
};

TEST_F(ChurnTest, FollowsOrderEventsFromAnotherServicesStreamExactlyOnce) {
  auto producer_db =
      db_->ProvisionAndMigrate("orders_src", "crm_orders_src", {events::Outbox::Migrations()});
  ASSERT_THAT(producer_db, IsOk());
  auto signer = auth::TokenSigner::Create("k1", *auth::GenerateSigningKeyPem(), "iss", "aud");
  ASSERT_THAT(signer, IsOk());
  auth::TokenVerifier verifier(auth::TokenVerifier::Options{"iss", "aud"});
  ASSERT_THAT(verifier.AddKey("k1", (*signer)->public_key_pem()), IsOk());
  db::Pool pool(db::PoolOptions{*producer_db, 2, "producer"}, nullptr);
  events::EventStream stream({"orders_src", *producer_db, "contracts", 100, absl::Seconds(1)},
                             &pool, &verifier, nullptr);
  stream.Start();
  WatchService watch(&stream);
  rpc::ServerOptions options;
  options.grpc_address = "127.0.0.1:0";
  options.metrics_address = "";
  rpc::Server server(options);
  server.AddService(&watch);
  server.OnShutdown([&] { stream.Shutdown(); });
  ASSERT_THAT(server.Start(), IsOk());

  Customer c = MakeCustomer(rep_, Unique("华润雪花"));
  db::Conn producer(*producer_db);
  events::Outbox producer_outbox("orders_src");
  auto place = [&](absl::CivilDay day) {
    common::v1::Event e = OrderEvent(c.id, day);
    common::v1::OrderPlaced order;
    e.payload().UnpackTo(&order);
    ASSERT_THAT(producer.Transact([&](db::Tx& tx) -> absl::Status {
      producer_outbox.Append(tx,
                             {"contracts.order.placed", "order", order.order_id(), &order, "", ""});
      // Noise the follower does not ask for.
      producer_outbox.Append(tx, {"contracts.contract.signed", "contract", "1", &order, "", ""});
      return absl::OkStatus();
    }),
                IsOk());
  };
  place(today_ - 20);
  place(today_ - 5);

  events::Follower::Options o;
  o.stream = "orders-test";
  o.channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server.port()),
                                  grpc::InsecureChannelCredentials());
  o.method = "/crm.eventstest.WatchTestService/WatchEvents";
  o.types = {"contracts.order.placed"};
  o.token = [&]() -> absl::StatusOr<std::string> {
    auth::Principal p;
    p.user_id = NewId();
    p.service_account = true;
    p.permissions = {events::WatchPermission("contracts")};
    p.issued_at = absl::Now();
    p.expires_at = absl::Now() + absl::Minutes(5);
    return (*signer)->Sign(p);
  };
  auto apply = [this](db::Tx& tx, const common::v1::Event& e) {
    return churn_->ApplyOrderEvent(tx, e);
  };
  auto wait_for = [](const events::Follower& f, int64_t n) {
    for (int i = 0; i < 200 && f.applied() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return f.applied();
  };
  {
    events::Follower follower(o, conninfo_, "customers", apply);
    follower.Start();
    EXPECT_EQ(wait_for(follower, 2), 2);
    follower.Stop();
  }
  EXPECT_EQ(*Get(rep_, c.id)->last_order_date, today_ - 5);
  place(today_ - 1);
  events::Follower again(o, conninfo_, "customers", apply);
  again.Start();
  EXPECT_EQ(wait_for(again, 1), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(again.applied(), 1);  // the first two are not applied again
  again.Stop();
  EXPECT_EQ(*Get(rep_, c.id)->last_order_date, today_ - 1);
  server.Shutdown();
}

}  // namespace
}  // namespace crm::customers_service
