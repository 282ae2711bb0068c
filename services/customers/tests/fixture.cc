#include "services/customers/tests/fixture.h"

#include <algorithm>
#include <atomic>
#include <future>

#include "absl/strings/str_cat.h"
#include "libs/ids/uuid.h"
#include "libs/testing/principals.h"
#include "libs/testing/status_matchers.h"
#include "services/customers/src/migrations.h"

namespace crm::customers_service {

std::unique_ptr<test::TestDatabase> CustomersFixture::db_;
std::string CustomersFixture::conninfo_;

void CustomersFixture::SetUpTestSuite() {
  auto db = test::TestDatabase::Create("customers");
  ASSERT_THAT(db, test::IsOk());
  db_ = *std::move(db);
  auto conninfo = db_->ProvisionAndMigrate("customers", "crm_customers", AllMigrations());
  ASSERT_THAT(conninfo, test::IsOk());
  conninfo_ = *conninfo;
}

void CustomersFixture::TearDownTestSuite() { db_.reset(); }

void CustomersFixture::SetUp() {
  ASSERT_NE(db_, nullptr);
  conn_ = std::make_unique<db::Conn>(conninfo_);
  reader_ = std::make_unique<db::Reader>(db::ReaderOptions{conninfo_, 1, 32, "test"}, nullptr);
  search_reader_ = std::make_unique<db::Reader>(
      db::ReaderOptions{db::WithConnectOption(conninfo_, "options", kSearchSessionOptions), 1, 8,
                        "search"},
      nullptr);
  customers_ = std::make_unique<Customers>(&outbox_, &request_log_);
  people_ = std::make_unique<People>(&outbox_, &request_log_, absl::UTCTimeZone());
  auto start = conn_->Read([](db::Tx& tx) -> absl::StatusOr<int64_t> {
    return tx.exec("SELECT coalesce(max(seq), 0) FROM customers.outbox")[0][0].as<int64_t>();
  });
  ASSERT_THAT(start, test::IsOk());
  outbox_start_ = *start;
}

std::string CustomersFixture::NewId() { return ids::NewUuidV7(); }

std::string CustomersFixture::Unique(const std::string& base) {
  static std::atomic<int> n{0};
  return absl::StrCat(base, "（", n++, "）");
}

auth::Principal CustomersFixture::Rep(const std::string& department) {
  auth::Principal p = test::NewPrincipal({"customers.read", "customers.write", "customers.import",
                                          "customers.export", "customers.loss.manage"},
                                         auth::DataScope::kOwn, department, {"account_manager"});
  return p;
}

auth::Principal CustomersFixture::Manager(std::vector<std::string> tree) {
  auth::Principal p =
      test::NewPrincipal({"customers.read", "customers.write", "customers.handover",
                          "customers.merge", "customers.export", "customers.loss.manage"},
                         auth::DataScope::kDepartment, tree.front(), {"sales_manager"});
  p.department_tree = std::move(tree);
  return p;
}

auth::Principal CustomersFixture::Executive() {
  auth::Principal p = test::NewPrincipal(
      {"customers.read", "customers.export", "customers.delete", "dictionaries.write"},
      auth::DataScope::kAll, NewId(), {"executive"});
  return p;
}

Customer CustomersFixture::MakeCustomer(const auth::Principal& owner, const std::string& name,
                                        const std::string& region) {
  Customer c;
  c.name = name;
  c.region = region;
  c.level = "ordinary";
  auto created = customers_->Create(*conn_, owner, meta_, "", c, /*force=*/true);
  EXPECT_THAT(created, test::IsOk());
  return created.ok() ? *created : Customer{};
}

Contact CustomersFixture::AddContact(const auth::Principal& caller, const Customer& customer,
                                     const std::string& name, bool primary,
                                     const std::string& reports_to) {
  Contact c;
  c.customer_id = customer.id;
  c.name = name;
  c.primary = primary;
  c.reports_to_id = reports_to;
  auto created = people_->CreateContact(*conn_, caller, meta_, "", c);
  EXPECT_THAT(created, test::IsOk());
  return created.ok() ? *created : Contact{};
}

Interaction CustomersFixture::RecordFollowUpDue(const auth::Principal& caller,
                                                const Customer& customer) {
  Interaction i;
  i.customer_id = customer.id;
  i.method = "visit";
  i.occurred_at = absl::Now() - absl::Hours(24);
  i.summary = "拜访采购部";
  i.next_follow_up_date = absl::ToCivilDay(i.occurred_at, absl::UTCTimeZone());
  auto recorded = people_->CreateInteraction(*conn_, caller, meta_, "", i);
  EXPECT_THAT(recorded, test::IsOk());
  return recorded.ok() ? *recorded : Interaction{};
}

std::vector<Interaction> CustomersFixture::FollowUpsDue(const auth::Principal& caller) {
  auto page = people_->ListFollowUpsDue(*conn_, caller, std::nullopt, 100, "");
  EXPECT_THAT(page, test::IsOk());
  return page.ok() ? page->items : std::vector<Interaction>{};
}

absl::StatusOr<Customer> CustomersFixture::Get(const auth::Principal& caller,
                                               const std::string& id) {
  std::promise<absl::StatusOr<Customer>> p;
  customers_->Get(*reader_, caller, id,
                  [&p](absl::StatusOr<Customer> c) { p.set_value(std::move(c)); });
  return p.get_future().get();
}

absl::StatusOr<std::vector<Customer>> CustomersFixture::Search(const auth::Principal& caller,
                                                               const std::string& query,
                                                               int page_size) {
  std::promise<absl::StatusOr<std::vector<Customer>>> p;
  customers_->Search(*search_reader_, caller, query, page_size,
                     [&p](absl::StatusOr<std::vector<Customer>> r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

std::vector<std::string> CustomersFixture::EventsSinceStart() {
  auto types = conn_->Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> out;
    for (const auto& row : tx.exec_params(
             "SELECT type FROM customers.outbox WHERE seq > $1 ORDER BY seq", outbox_start_)) {
      out.push_back(row[0].as<std::string>());
    }
    return out;
  });
  return types.ok() ? *types : std::vector<std::string>{};
}

nlohmann::json CustomersFixture::PlanOf(db::Conn& conn, const std::string& name,
                                        const db::Params& params) {
  const std::string plan = test::ExplainPrepared(conn, name, params, "FORMAT JSON");
  return plan.empty() ? nlohmann::json::object() : nlohmann::json::parse(plan)[0]["Plan"];
}

}  // namespace crm::customers_service
