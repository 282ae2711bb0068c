#include "services/contracts/tests/fixture.h"

#include "absl/strings/str_cat.h"
#include "libs/ids/uuid.h"
#include "libs/testing/principals.h"
#include "libs/testing/status_matchers.h"
#include "services/contracts/src/migrations.h"

namespace crm::contracts_service {

std::unique_ptr<test::TestDatabase> ContractsFixture::db_;
std::string ContractsFixture::conninfo_;

void ContractsFixture::SetUpTestSuite() {
  auto db = test::TestDatabase::Create("contracts");
  ASSERT_THAT(db, test::IsOk());
  db_ = *std::move(db);
  auto conninfo = db_->ProvisionAndMigrate("contracts", "crm_contracts", AllMigrations());
  ASSERT_THAT(conninfo, test::IsOk());
  conninfo_ = *conninfo;
}

void ContractsFixture::TearDownTestSuite() { db_.reset(); }

void ContractsFixture::SetUp() {
  ASSERT_NE(db_, nullptr);
  conn_ = std::make_unique<db::Conn>(conninfo_);
  contracts_ = std::make_unique<Contracts>(&outbox_, &request_log_, absl::UTCTimeZone(),
                                           ReviewPolicy{{{"CNY", kExecutiveAmount}}, 20});
  files_ = std::make_unique<Files>(&outbox_, &request_log_, 1 << 20);
  auto start = conn_->Read([](db::Tx& tx) -> absl::StatusOr<int64_t> {
    return tx.exec("SELECT coalesce(max(seq), 0) FROM contracts.outbox")[0][0].as<int64_t>();
  });
  ASSERT_THAT(start, test::IsOk());
  outbox_start_ = *start;
}

std::string ContractsFixture::NewId() { return ids::NewUuidV7(); }

auth::Principal ContractsFixture::Rep(const std::string& department) {
  return test::NewPrincipal({"contracts.read", "contracts.write"}, auth::DataScope::kOwn,
                            department, {"account_manager"});
}

auth::Principal ContractsFixture::Manager(std::vector<std::string> tree) {
  auth::Principal p =
      test::NewPrincipal({"contracts.read", "contracts.review", "contracts.write"},
                         auth::DataScope::kDepartment, tree.front(), {"sales_manager"});
  p.department_tree = std::move(tree);
  return p;
}

auth::Principal ContractsFixture::Executive() {
  return test::NewPrincipal({"contracts.read", "contracts.review"}, auth::DataScope::kAll, NewId(),
                            {"executive"});
}

service::DirectoryUser ContractsFixture::UserOf(const auth::Principal& p) {
  return {p.user_id, p.department_id, true, true};
}

salesys::Products ContractsFixture::Catalogue() {
  salesys::Products c;
  auto add = [&](const std::string& id, const std::string& name, int64_t units, int32_t nanos,
                 const std::string& currency, bool active) {
    salesys::v1::Product p;
    p.set_id(id);
    p.set_code(absl::StrCat("C-", id));
    p.set_name(name);
    p.set_specification("标准版");
    p.set_unit("套");
    p.mutable_list_price()->set_currency_code(currency);
    p.mutable_list_price()->set_units(units);
    p.mutable_list_price()->set_nanos(nanos);
    p.set_active(active);
    c.found.push_back(p);
  };
  add("P1", "客户关系管理软件", 100, 0, "CNY", true);
  add("P2", "数据分析平台", 2500, 500000000, "CNY", true);
  add("P3", "培训服务", 9, 990000000, "CNY", true);
  add("OLD", "旧版软件", 50, 0, "CNY", false);
  add("USD1", "Imported module", 10, 0, "USD", true);
  return c;
}

Line ContractsFixture::LineOf(const std::string& product, int64_t quantity,
                              int64_t discount_minor) {
  Line l;
  l.product_id = product;
  l.quantity = quantity;
  l.discount_minor = discount_minor;
  return l;
}

Contract ContractsFixture::Draft() {
  Contract c;
  c.customer_id = NewId();
  c.title = "上海启明软件有限公司 CRM 采购合同";
  c.currency = "CNY";
  c.lines = {LineOf("P1", 2), LineOf("P2", 1)};
  c.terms = "一、付款方式：签约后三十日内付清。\n二、交付：签约后十五日内交付。";
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  c.start_date = today;
  c.end_date = today + 365;
  return c;
}

Contract ContractsFixture::Create(const auth::Principal& owner, Contract c) {
  auto created = contracts_->Create(*conn_, owner, meta_, "", std::move(c), Catalogue());
  EXPECT_THAT(created, test::IsOk());
  return created.ok() ? *created : Contract();
}

Contract ContractsFixture::Submitted(const auth::Principal& owner, Contract c) {
  Contract draft = Create(owner, std::move(c));
  auto submitted = contracts_->Submit(*conn_, owner, meta_, draft.id, "", Catalogue());
  EXPECT_THAT(submitted, test::IsOk());
  return submitted.ok() ? *submitted : draft;
}

Contract ContractsFixture::Approved(const auth::Principal& owner, const auth::Principal& reviewer) {
  Contract c = Submitted(owner);
  auto approved = contracts_->Review(*conn_, reviewer, meta_, c.id, "", true, "");
  EXPECT_THAT(approved, test::IsOk());
  return approved.ok() ? *approved : c;
}

Contracts::Signing ContractsFixture::SigningOf(const Contract& c, const auth::Principal& owner) {
  Contracts::Signing s;
  s.id = c.id;
  s.our_signer = UserOf(owner);
  s.customer_signer_contact_id = NewId();
  s.contact_customer_id = c.customer_id;
  return s;
}

Contract ContractsFixture::Signed(const auth::Principal& owner, const auth::Principal& reviewer) {
  Contract c = Approved(owner, reviewer);
  auto signed_ = contracts_->Sign(*conn_, owner, meta_, SigningOf(c, owner));
  EXPECT_THAT(signed_, test::IsOk());
  return signed_.ok() ? *signed_ : c;
}

std::vector<std::string> ContractsFixture::EventsSinceStart() {
  auto r = conn_->Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> out;
    for (const auto& row : tx.exec_params(
             "SELECT type FROM contracts.outbox WHERE seq > $1 ORDER BY xid, seq", outbox_start_)) {
      out.push_back(row[0].as<std::string>());
    }
    return out;
  });
  EXPECT_THAT(r, test::IsOk());
  return r.ok() ? *r : std::vector<std::string>{};
}

int64_t ContractsFixture::Count(const std::string& table) {
  auto r = conn_->Read([&](db::Tx& tx) -> absl::StatusOr<int64_t> {
    return tx.exec("SELECT count(*) FROM contracts." + tx.esc(table))[0][0].as<int64_t>();
  });
  EXPECT_THAT(r, test::IsOk());
  return r.ok() ? *r : -1;
}

}  // namespace crm::contracts_service
