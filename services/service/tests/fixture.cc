#include "services/service/tests/fixture.h"

#include "libs/ids/uuid.h"
#include "libs/testing/principals.h"
#include "libs/testing/status_matchers.h"
#include "services/service/src/migrations.h"

namespace crm::tickets_service {

std::unique_ptr<test::TestDatabase> TicketsFixture::db_;
std::string TicketsFixture::conninfo_;

void TicketsFixture::SetUpTestSuite() {
  auto db = test::TestDatabase::Create("service");
  ASSERT_THAT(db, test::IsOk());
  db_ = *std::move(db);
  auto conninfo = db_->ProvisionAndMigrate("service", "crm_service", AllMigrations());
  ASSERT_THAT(conninfo, test::IsOk());
  conninfo_ = *conninfo;
}

void TicketsFixture::TearDownTestSuite() { db_.reset(); }

void TicketsFixture::SetUp() {
  ASSERT_NE(db_, nullptr);
  // As crm-service's sessions are (kSessionOptions).
  conn_ = std::make_unique<db::Conn>(db::WithConnectOption(conninfo_, "options", kSessionOptions));
  tickets_ = std::make_unique<Tickets>(&outbox_, &request_log_, absl::UTCTimeZone(),
                                       [this] { return now_; });
  attachments_ = std::make_unique<Attachments>(&outbox_, &request_log_, 1 << 20);
  auto start = conn_->Read([](db::Tx& tx) -> absl::StatusOr<int64_t> {
    return tx.exec("SELECT coalesce(max(seq), 0) FROM service.outbox")[0][0].as<int64_t>();
  });
  ASSERT_THAT(start, test::IsOk());
  outbox_start_ = *start;
}

std::string TicketsFixture::NewId() { return ids::NewUuidV7(); }

auth::Principal TicketsFixture::Rep(const std::string& department) {
  return test::NewPrincipal({"service.tickets.create", "service.tickets.feedback",
                             "service.tickets.handle", "service.tickets.read"},
                            auth::DataScope::kOwn, department, {"account_manager"});
}

auth::Principal TicketsFixture::Agent(const std::string& department) {
  return test::NewPrincipal({"service.tickets.create", "service.tickets.feedback",
                             "service.tickets.handle", "service.tickets.read"},
                            auth::DataScope::kAll, department, {"service_agent"});
}

auth::Principal TicketsFixture::Manager(std::vector<std::string> tree) {
  auth::Principal p = test::NewPrincipal(
      {"service.tickets.assign", "service.tickets.create", "service.tickets.read"},
      auth::DataScope::kDepartment, tree.front(), {"sales_manager"});
  p.department_tree = std::move(tree);
  return p;
}

auth::Principal TicketsFixture::Executive() {
  return test::NewPrincipal({"service.tickets.read"}, auth::DataScope::kAll, NewId(),
                            {"executive"});
}

auth::Principal TicketsFixture::Admin() {
  return test::NewPrincipal({"dictionaries.write"}, auth::DataScope::kNone, NewId(), {"admin"});
}

service::DirectoryUser TicketsFixture::UserOf(const auth::Principal& p) {
  return {p.user_id, p.department_id, true, true};
}

CustomerFacts TicketsFixture::CustomerOf(const auth::Principal& owner, const std::string& level,
                                         std::string id) {
  return {id.empty() ? NewId() : id, owner.user_id, owner.department_id, level};
}

Ticket TicketsFixture::Complaint(const CustomerFacts& customer, const std::string& summary,
                                 Priority priority) {
  Ticket t;
  t.type = "complaint";
  t.customer_id = customer.id;
  t.channel = Channel::kPhone;
  t.summary = summary;
  t.request = "客户来电反映问题，要求尽快处理。\n联系人：王经理";
  t.priority = priority;
  return t;
}

Ticket TicketsFixture::Create(const auth::Principal& creator, const CustomerFacts& customer,
                              Ticket t) {
  if (t.customer_id.empty()) t = Complaint(customer);
  auto created = tickets_->Create(*conn_, creator, meta_, "", t, customer, "");
  EXPECT_THAT(created, test::IsOk());
  return created.ok() ? *created : Ticket();
}

Ticket TicketsFixture::Assign(const auth::Principal& by, const Ticket& t,
                              const auth::Principal& to) {
  auto assigned = tickets_->Assign(*conn_, by, meta_, {t.id, "", "请尽快处理", "", UserOf(to)});
  EXPECT_THAT(assigned, test::IsOk());
  return assigned.ok() ? *assigned : t;
}

Ticket TicketsFixture::Handle(const auth::Principal& by, const Ticket& t, const std::string& text) {
  auto handled = tickets_->Handle(*conn_, by, meta_, t.id, "", text, "");
  EXPECT_THAT(handled, test::IsOk());
  return handled.ok() ? *handled : t;
}

std::vector<std::string> TicketsFixture::EventsSinceStart(const std::string& aggregate_id) {
  auto r = conn_->Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> out;
    for (const auto& row : tx.exec_params(
             "SELECT type FROM service.outbox WHERE seq > $1 AND ($2 = '' OR aggregate_id = $2)"
             " ORDER BY xid, seq",
             outbox_start_, aggregate_id)) {
      out.push_back(row[0].as<std::string>());
    }
    return out;
  });
  EXPECT_THAT(r, test::IsOk());
  return r.ok() ? *r : std::vector<std::string>{};
}

int64_t TicketsFixture::Count(const std::string& table) {
  auto r = conn_->Read([&](db::Tx& tx) -> absl::StatusOr<int64_t> {
    return tx.exec("SELECT count(*) FROM service." + tx.esc(table))[0][0].as<int64_t>();
  });
  EXPECT_THAT(r, test::IsOk());
  return r.ok() ? *r : -1;
}

}  // namespace crm::tickets_service
