#include "services/payments/tests/fixture.h"

#include "absl/strings/str_cat.h"
#include "crm/contracts/v1/events.pb.h"
#include "libs/ids/uuid.h"
#include "libs/money/money.h"
#include "libs/proto_time/proto_time.h"
#include "libs/testing/principals.h"
#include "libs/testing/status_matchers.h"
#include "services/payments/src/migrations.h"

namespace crm::payments_service {

std::unique_ptr<test::TestDatabase> PaymentsFixture::db_;
std::string PaymentsFixture::conninfo_;

void PaymentsFixture::SetUpTestSuite() {
  auto db = test::TestDatabase::Create("payments");
  ASSERT_THAT(db, test::IsOk());
  db_ = *std::move(db);
  auto conninfo = db_->ProvisionAndMigrate("payments", "crm_payments", AllMigrations());
  ASSERT_THAT(conninfo, test::IsOk());
  conninfo_ = *conninfo;
}

void PaymentsFixture::TearDownTestSuite() { db_.reset(); }

void PaymentsFixture::SetUp() {
  ASSERT_NE(db_, nullptr);
  conn_ = std::make_unique<db::Conn>(conninfo_);
  receivables_ = std::make_unique<Receivables>(&outbox_, &request_log_, absl::UTCTimeZone(), 30);
  deliveries_ = std::make_unique<Deliveries>(receivables_.get(), &outbox_, &request_log_);
  collection_ = std::make_unique<Collection>(receivables_.get(), &outbox_, &request_log_);
  auto start = conn_->Read([](db::Tx& tx) -> absl::StatusOr<int64_t> {
    return tx.exec("SELECT coalesce(max(seq), 0) FROM payments.outbox")[0][0].as<int64_t>();
  });
  ASSERT_THAT(start, test::IsOk());
  outbox_start_ = *start;
}

std::string PaymentsFixture::NewId() { return ids::NewUuidV7(); }

absl::CivilDay PaymentsFixture::Today() {
  return absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
}

auth::Principal PaymentsFixture::Rep(const std::string& department) {
  return test::NewPrincipal({"payments.collect", "payments.deliveries.write", "payments.read"},
                            auth::DataScope::kOwn, department, {"account_manager"});
}

auth::Principal PaymentsFixture::Manager(std::vector<std::string> tree) {
  auth::Principal p =
      test::NewPrincipal({"payments.collect", "payments.deliveries.write", "payments.read"},
                         auth::DataScope::kDepartment, tree.front(), {"sales_manager"});
  p.department_tree = std::move(tree);
  return p;
}

auth::Principal PaymentsFixture::Finance() {
  return test::NewPrincipal(
      {"payments.collect", "payments.deliveries.write", "payments.read", "payments.write"},
      auth::DataScope::kAll, NewId(), {"finance"});
}

void PaymentsFixture::ApplyContract(const auth::Principal& owner, const Signing& s,
                                    const std::string& what, contracts::v1::ContractStatus status) {
  contracts::v1::ContractChanged changed;
  contracts::v1::Contract* c = changed.mutable_contract();
  c->set_id(s.contract_id);
  c->set_number(
      absl::StrCat("HT", absl::FormatCivilTime(s.signed_on), "-", s.contract_id.substr(30)));
  c->set_customer_id(s.customer_id);
  c->set_owner_id(owner.user_id);
  c->set_owner_department_id(owner.department_id);
  c->set_currency_code(s.currency);
  money::SetProto({s.amount_minor, s.currency}, c->mutable_amount());
  proto_time::SetDate(s.signed_on, c->mutable_sign_date());
  c->set_status(status);
  auto* l1 = c->add_lines();
  l1->set_product_id("P1");
  l1->set_product_name("客户关系管理软件");
  l1->set_quantity(2);
  auto* l2 = c->add_lines();
  l2->set_product_id("P2");
  l2->set_product_name("数据分析平台");
  l2->set_quantity(1);
  common::v1::Event e;
  e.set_id(NewId());
  e.set_type("contracts.contract." + what);
  e.set_aggregate_id(s.contract_id);
  e.set_actor_id(owner.user_id);
  e.mutable_payload()->PackFrom(changed);
  auto applied = conn_->Transact([&](db::Tx& tx) -> absl::StatusOr<bool> {
    absl::Status s = receivables_->ApplyContractEvent(tx, e);
    if (!s.ok()) return s;
    return true;
  });
  ASSERT_THAT(applied, test::IsOk());
}

Receivable PaymentsFixture::Signed(const auth::Principal& owner, const Signing& s) {
  ApplyContract(owner, s, "signed", contracts::v1::CONTRACT_STATUS_SIGNED);
  return Read(s.contract_id);
}

Receivable PaymentsFixture::Read(const std::string& contract_id) {
  auto r = receivables_->Get(*conn_, Finance(), contract_id);
  EXPECT_THAT(r, test::IsOk());
  return r.ok() ? *r : Receivable();
}

Payment PaymentsFixture::PaymentOf(const std::string& contract_id, int64_t amount_minor) {
  Payment p;
  p.contract_id = contract_id;
  p.method = "bank_transfer";
  p.received_at = absl::Now() - absl::Hours(1);
  p.amount_minor = amount_minor;
  p.currency = "CNY";
  p.payer = {"中国工商银行上海分行", "上海启明软件有限公司", "6222020200112233445"};
  p.reference = "HX20261206001";
  return p;
}

absl::StatusOr<Payment> PaymentsFixture::Pay(const auth::Principal& who,
                                             const std::string& contract_id, int64_t amount_minor,
                                             const std::string& request_id) {
  return receivables_->Record(*conn_, who, meta_, request_id, PaymentOf(contract_id, amount_minor),
                              std::nullopt);
}

std::vector<std::string> PaymentsFixture::EventsSinceStart() {
  auto r = conn_->Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> out;
    for (const auto& row : tx.exec_params(
             "SELECT type FROM payments.outbox WHERE seq > $1 ORDER BY xid, seq", outbox_start_)) {
      out.push_back(row[0].as<std::string>());
    }
    return out;
  });
  EXPECT_THAT(r, test::IsOk());
  return r.ok() ? *r : std::vector<std::string>{};
}

int64_t PaymentsFixture::Count(const std::string& table) {
  auto r = conn_->Read([&](db::Tx& tx) -> absl::StatusOr<int64_t> {
    return tx.exec("SELECT count(*) FROM payments." + tx.esc(table))[0][0].as<int64_t>();
  });
  EXPECT_THAT(r, test::IsOk());
  return r.ok() ? *r : -1;
}

}  // namespace crm::payments_service

namespace crm::payments_service {

int64_t PaymentsFixture::Count(const std::string& table, const std::string& contract_id) {
  auto r = conn_->Read([&](db::Tx& tx) -> absl::StatusOr<int64_t> {
    return tx
        .exec_params(
            "SELECT count(*) FROM payments." + tx.esc(table) + " WHERE contract_id = $1::uuid",
            contract_id)[0][0]
        .as<int64_t>();
  });
  EXPECT_THAT(r, test::IsOk());
  return r.ok() ? *r : -1;
}

}  // namespace crm::payments_service
