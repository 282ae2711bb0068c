#include "services/pipeline/tests/fixture.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "libs/ids/uuid.h"
#include "libs/testing/principals.h"
#include "libs/testing/status_matchers.h"
#include "services/pipeline/src/migrations.h"

namespace crm::pipeline_service {

std::unique_ptr<test::TestDatabase> PipelineFixture::db_;
std::string PipelineFixture::conninfo_;

void PipelineFixture::SetUpTestSuite() {
  auto db = test::TestDatabase::Create("pipeline");
  ASSERT_THAT(db, test::IsOk());
  db_ = *std::move(db);
  auto conninfo = db_->ProvisionAndMigrate("pipeline", "crm_pipeline", AllMigrations());
  ASSERT_THAT(conninfo, test::IsOk());
  conninfo_ = *conninfo;
}

void PipelineFixture::TearDownTestSuite() { db_.reset(); }

void PipelineFixture::SetUp() {
  ASSERT_NE(db_, nullptr);
  conn_ = std::make_unique<db::Conn>(conninfo_);
  opportunities_ = std::make_unique<Opportunities>(&outbox_, &request_log_, absl::UTCTimeZone());
  plans_ = std::make_unique<Plans>(&outbox_, &request_log_);
  auto start = conn_->Read([](db::Tx& tx) -> absl::StatusOr<int64_t> {
    return tx.exec("SELECT coalesce(max(seq), 0) FROM pipeline.outbox")[0][0].as<int64_t>();
  });
  ASSERT_THAT(start, test::IsOk());
  outbox_start_ = *start;
}

std::string PipelineFixture::NewId() { return ids::NewUuidV7(); }

auth::Principal PipelineFixture::Rep(const std::string& department) {
  auth::Principal p =
      test::NewPrincipal({"pipeline.opportunities.read", "pipeline.opportunities.create",
                          "pipeline.opportunities.write"},
                         auth::DataScope::kOwn, department, {"account_manager"});
  return p;
}

auth::Principal PipelineFixture::Manager(std::vector<std::string> tree) {
  auth::Principal p =
      test::NewPrincipal({"pipeline.opportunities.read", "pipeline.opportunities.create",
                          "pipeline.opportunities.write", "pipeline.opportunities.assign"},
                         auth::DataScope::kDepartment, tree.front(), {"sales_manager"});
  p.department_tree = std::move(tree);
  return p;
}

auth::Principal PipelineFixture::Executive() {
  auth::Principal p = test::NewPrincipal({"pipeline.opportunities.read"}, auth::DataScope::kAll,
                                         NewId(), {"executive"});
  return p;
}

service::DirectoryUser PipelineFixture::AssigneeOf(const auth::Principal& p) {
  return {p.user_id, p.department_id, true, true};
}

Opportunity PipelineFixture::Prospect(const std::string& name) {
  Opportunity o;
  o.prospect_name = name;
  o.summary = absl::StrCat(name, " 采购CRM系统");
  o.contact_name = "王经理";
  o.contact_phone = "021-55550000";
  o.source = "展会";
  o.expected_amount = money::Money{12000000, "CNY"};
  o.expected_close_date = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) + 30;
  return o;
}

Opportunity PipelineFixture::Create(const auth::Principal& creator, const std::string& name) {
  auto o = opportunities_->Create(*conn_, creator, meta_, "", Prospect(name));
  EXPECT_THAT(o, test::IsOk());
  return o.ok() ? *o : Opportunity();
}

Opportunity PipelineFixture::Assigned(const auth::Principal& manager, const auth::Principal& rep) {
  Opportunity o = Create(manager, "上海启明软件有限公司");
  auto a = opportunities_->Assign(*conn_, manager, meta_, o.id, "", AssigneeOf(rep));
  EXPECT_THAT(a, test::IsOk());
  return a.ok() ? *a : o;
}

Opportunity PipelineFixture::Developing(const auth::Principal& manager,
                                        const auth::Principal& rep) {
  Opportunity o = Assigned(manager, rep);
  AddItem(rep, o, "拜访客户，了解需求");
  auto d = opportunities_->Get(*conn_, rep, o.id);
  EXPECT_THAT(d, test::IsOk());
  return d.ok() ? *d : o;
}

PlanItem PipelineFixture::AddItem(const auth::Principal& rep, const Opportunity& o,
                                  const std::string& content) {
  PlanItem item;
  item.opportunity_id = o.id;
  item.plan_date = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) + 3;
  item.content = content;
  auto created = plans_->Create(*conn_, rep, meta_, "", item);
  EXPECT_THAT(created, test::IsOk());
  return created.ok() ? *created : item;
}

std::vector<std::string> PipelineFixture::EventsSinceStart() {
  auto r = conn_->Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> out;
    for (const auto& row : tx.exec_params(
             "SELECT type FROM pipeline.outbox WHERE seq > $1 ORDER BY xid, seq", outbox_start_)) {
      out.push_back(row[0].as<std::string>());
    }
    return out;
  });
  EXPECT_THAT(r, test::IsOk());
  return r.ok() ? *r : std::vector<std::string>{};
}

int64_t PipelineFixture::Count(const std::string& table) {
  auto r = conn_->Read([&](db::Tx& tx) -> absl::StatusOr<int64_t> {
    return tx.exec("SELECT count(*) FROM pipeline." + tx.esc(table))[0][0].as<int64_t>();
  });
  EXPECT_THAT(r, test::IsOk());
  return r.ok() ? *r : -1;
}

}  // namespace crm::pipeline_service
