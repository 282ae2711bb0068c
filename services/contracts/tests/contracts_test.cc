#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crm/customers/v1/events.pb.h"
#include "crm/payments/v1/events.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/auth/scope.h"
#include "libs/ids/uuid.h"
#include "libs/testing/status_matchers.h"
#include "libs/validation/updates.h"
#include "services/contracts/tests/fixture.h"

namespace crm::contracts_service {
namespace {

using test::HasFieldViolation;
using test::IsOk;
using test::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr auto kDenied = absl::StatusCode::kPermissionDenied;
constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
constexpr auto kPrecondition = absl::StatusCode::kFailedPrecondition;

class ContractsTest : public ContractsFixture {};

TEST_F(ContractsTest, ADraftIsPricedFromTheCatalogueInIntegerMinorUnits) {
  auto rep = Rep(NewId());
  Contract d = Draft();
  // 3 × ¥100.00 − ¥0.01; 7 × ¥2,500.50 − ¥1,000.00; 3 × ¥9.99 (exact in fen, never in
  // binary floating point); P1 again.
  d.lines = {LineOf("P1", 3, 1), LineOf("P2", 7, 100000), LineOf("P3", 3), LineOf("P1", 1)};
  Contract c = Create(rep, d);
  ASSERT_EQ(c.lines.size(), 4u);
  EXPECT_EQ(c.lines[0].unit_price_minor, 10000);
  EXPECT_EQ(c.lines[0].amount_minor, 29999);
  EXPECT_EQ(c.lines[1].unit_price_minor, 250050);
  EXPECT_EQ(c.lines[1].amount_minor, 7 * 250050 - 100000);
  EXPECT_EQ(c.lines[2].amount_minor, 2997);
  EXPECT_EQ(c.lines[3].amount_minor, 10000);
  EXPECT_EQ(c.lines[1].product_name, "数据分析平台");
  EXPECT_EQ(c.lines[1].specification, "标准版");
  EXPECT_EQ(c.lines[1].unit, "套");
  EXPECT_EQ(c.gross_minor, 30000 + 7 * 250050 + 2997 + 10000);
  EXPECT_EQ(c.discount_minor, 100001);
  EXPECT_EQ(c.amount_minor, c.gross_minor - 100001);
  EXPECT_EQ(c.status, ContractStatus::kDraft);
  EXPECT_EQ(c.owner_id, rep.user_id);
  EXPECT_EQ(c.owner_department_id, rep.department_id);
  EXPECT_EQ(c.channel, Channel::kDirect);
  EXPECT_THAT(c.number, MatchesRegex("HT[0-9]{8}-[0-9]{6,}"));
  // Read back the same, lines in order.
  auto got = contracts_->Get(*conn_, rep, c.id);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->lines, c.lines);
  EXPECT_EQ(got->amount_minor, c.amount_minor);
  EXPECT_THAT(EventsSinceStart(), ElementsAre("contracts.contract.created"));
}

TEST_F(ContractsTest, UnknownDiscontinuedOrForeignPricedProductsAreRefusedByName) {
  auto rep = Rep(NewId());
  const int64_t before = Count("contracts");
  for (const auto& [product, words] : std::vector<std::pair<std::string, std::string>>{
           {"NOPE", "not in the sales system's catalogue"},
           {"OLD", "旧版软件) is discontinued"},
           {"USD1", "priced in USD"}}) {
    Contract d = Draft();
    d.lines.push_back(LineOf(product, 1));
    auto r = contracts_->Create(*conn_, rep, meta_, "", d, Catalogue());
    EXPECT_THAT(r, StatusIs(kPrecondition, HasSubstr("contract.lines[2].product_id")));
    EXPECT_THAT(r, StatusIs(kPrecondition, HasSubstr(words)));
  }
  EXPECT_EQ(Count("contracts"), before);
  EXPECT_EQ(EventsSinceStart().size(), 0u);
}

TEST_F(ContractsTest, BadInputNamesEveryFieldAndWritesNothing) {
  auto rep = Rep(NewId());
  const int64_t contracts = Count("contracts");
  const int64_t lines = Count("lines");
  Contract d = Draft();
  d.customer_id = "not-a-uuid";
  d.title = " ";
  d.currency = "rmb";
  d.lines = {LineOf("", 1), LineOf("P1", 0), LineOf("P2", 1, -5)};
  d.end_date = *d.start_date - 1;
  auto r = contracts_->Create(*conn_, rep, meta_, "", d, Catalogue());
  EXPECT_THAT(r, HasFieldViolation("contract.customer_id"));
  EXPECT_THAT(r, HasFieldViolation("contract.title"));
  EXPECT_THAT(r, HasFieldViolation("contract.currency_code"));
  EXPECT_THAT(r, HasFieldViolation("contract.lines[0].product_id"));
  EXPECT_THAT(r, HasFieldViolation("contract.lines[1].quantity"));
  EXPECT_THAT(r, HasFieldViolation("contract.lines[2].discount"));
  EXPECT_THAT(r, HasFieldViolation("contract.end_date"));
  // A discount above the line's gross amount.
  Contract big = Draft();
  big.lines = {LineOf("P1", 1, 10001)};
  EXPECT_THAT(contracts_->Create(*conn_, rep, meta_, "", big, Catalogue()),
              HasFieldViolation("contract.lines[0].discount"));
  // Amounts beyond int64 are refused, not wrapped.
  salesys::Products dear = Catalogue();
  dear.found[0].mutable_list_price()->set_units(900'000'000'000);
  Contract huge = Draft();
  huge.lines = {LineOf("P1", 1'000'000'000)};
  EXPECT_THAT(contracts_->Create(*conn_, rep, meta_, "", huge, dear),
              HasFieldViolation("contract.lines[0].quantity"));
  EXPECT_EQ(Count("contracts"), contracts);
  EXPECT_EQ(Count("lines"), lines);
}

TEST_F(ContractsTest, NumbersStayUniqueUnder32ConcurrentCreators) {
  constexpr int kCreators = 32;
  constexpr int kEach = 5;
  std::vector<std::vector<std::string>> numbers(kCreators);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCreators; ++i) {
    threads.emplace_back([this, i, &numbers] {
      db::Conn conn(conninfo_);
      auto rep = Rep(NewId());
      for (int j = 0; j < kEach; ++j) {
        auto c = contracts_->Create(conn, rep, meta_, "", Draft(), Catalogue());
        if (c.ok()) numbers[i].push_back(c->number);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> distinct;
  size_t total = 0;
  for (const auto& n : numbers) {
    total += n.size();
    distinct.insert(n.begin(), n.end());
  }
  EXPECT_EQ(total, size_t{kCreators * kEach});
  EXPECT_EQ(distinct.size(), total);
}

TEST_F(ContractsTest, ARetriedCreateReturnsTheFirstContract) {
  auto rep = Rep(NewId());
  auto a = contracts_->Create(*conn_, rep, meta_, "create-1", Draft(), Catalogue());
  auto b = contracts_->Create(*conn_, rep, meta_, "create-1", Draft(), Catalogue());
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(a->id, b->id);
  EXPECT_EQ(a->number, b->number);
  EXPECT_EQ(b->lines.size(), 2u);
}

TEST_F(ContractsTest, DraftToSignedWithEveryStepRecorded) {
  const std::string dept = NewId();
  auto rep = Rep(dept);
  auto manager = Manager({dept});
  Contract c = Submitted(rep);
  EXPECT_EQ(c.status, ContractStatus::kPendingReview);
  EXPECT_EQ(c.review_level, ReviewLevel::kSalesManager);
  auto approved = contracts_->Review(*conn_, manager, meta_, c.id, "", true, "条款已核");
  ASSERT_THAT(approved, IsOk());
  EXPECT_EQ(approved->status, ContractStatus::kApproved);
  EXPECT_EQ(approved->reviewer_id, manager.user_id);
  Contracts::Signing s = SigningOf(*approved, rep);
  s.sign_date = contracts_->Today() - 1;
  auto signed_ = contracts_->Sign(*conn_, rep, meta_, s);
  ASSERT_THAT(signed_, IsOk());
  EXPECT_EQ(signed_->status, ContractStatus::kSigned);
  EXPECT_EQ(*signed_->sign_date, contracts_->Today() - 1);
  EXPECT_EQ(signed_->customer_signer_contact_id, s.customer_signer_contact_id);
  // A retried signing gets the signed contract, and no second order.
  auto again = contracts_->Sign(*conn_, rep, meta_, s);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->version, signed_->version);
  EXPECT_THAT(EventsSinceStart(),
              ElementsAre("contracts.contract.created", "contracts.contract.submitted",
                          "contracts.contract.approved", "contracts.contract.signed",
                          "contracts.order.placed"));
  auto history = contracts_->StatusChanges(*conn_, manager, c.id);
  ASSERT_THAT(history, IsOk());
  ASSERT_EQ(history->size(), 4u);
  EXPECT_EQ((*history)[0].to, ContractStatus::kDraft);
  EXPECT_EQ((*history)[1].to, ContractStatus::kPendingReview);
  EXPECT_EQ((*history)[2].to, ContractStatus::kApproved);
  EXPECT_EQ((*history)[2].user_id, manager.user_id);
  EXPECT_EQ((*history)[2].reason, "条款已核");
  EXPECT_EQ((*history)[3].to, ContractStatus::kSigned);
  EXPECT_EQ((*history)[3].user_id, rep.user_id);
  // Only a reviewer ends a signed contract, with a reason.
  EXPECT_THAT(contracts_->Terminate(*conn_, rep, meta_, c.id, "", "客户违约"), StatusIs(kDenied));
  EXPECT_THAT(contracts_->Terminate(*conn_, manager, meta_, c.id, "", " "),
              HasFieldViolation("reason"));
  auto ended = contracts_->Terminate(*conn_, manager, meta_, c.id, "", "客户违约");
  ASSERT_THAT(ended, IsOk());
  EXPECT_EQ(ended->status, ContractStatus::kTerminated);
  EXPECT_EQ(ended->termination_reason, "客户违约");
}

TEST_F(ContractsTest, ARejectedReviewReturnsTheContractToDraftWithItsReason) {
  const std::string dept = NewId();
  auto rep = Rep(dept);
  auto manager = Manager({dept});
  Contract c = Submitted(rep);
  EXPECT_THAT(contracts_->Review(*conn_, manager, meta_, c.id, "", false, ""),
              HasFieldViolation("comment"));
  auto rejected = contracts_->Review(*conn_, manager, meta_, c.id, "", false, "折扣理由不足");
  ASSERT_THAT(rejected, IsOk());
  EXPECT_EQ(rejected->status, ContractStatus::kDraft);
  EXPECT_EQ(rejected->review_comment, "折扣理由不足");
  // Back in draft it is edited and submitted again.
  Contract patch;
  patch.id = c.id;
  patch.lines = {LineOf("P3", 10)};
  auto edited = contracts_->Update(*conn_, rep, meta_, patch, "", {"lines"}, Catalogue());
  ASSERT_THAT(edited, IsOk());
  EXPECT_EQ(edited->amount_minor, 9990);
  auto resubmitted = contracts_->Submit(*conn_, rep, meta_, c.id, "", Catalogue());
  ASSERT_THAT(resubmitted, IsOk());
  EXPECT_EQ(resubmitted->status, ContractStatus::kPendingReview);
  EXPECT_TRUE(resubmitted->review_comment.empty());
}

TEST_F(ContractsTest, WhoMayMakeEachTransition) {
  const std::string dept = NewId();
  auto rep = Rep(dept);
  auto colleague = Rep(dept);
  auto manager = Manager({dept});
  auto other_manager = Manager({NewId()});
  Contract c = Create(rep);
  // Submitting: the owner only.
  EXPECT_THAT(contracts_->Submit(*conn_, colleague, meta_, c.id, "", Catalogue()),
              StatusIs(kDenied));
  EXPECT_THAT(contracts_->Submit(*conn_, manager, meta_, c.id, "", Catalogue()), StatusIs(kDenied));
  c = *contracts_->Submit(*conn_, rep, meta_, c.id, "", Catalogue());
  // Editing: a draft only.
  Contract patch;
  patch.id = c.id;
  patch.title = "改名";
  EXPECT_THAT(contracts_->Update(*conn_, rep, meta_, patch, "", {"title"}, Catalogue()),
              StatusIs(kPrecondition, HasSubstr("pending_review")));
  // Reviewing: contracts.review over the contract's department, not the owner.
  EXPECT_THAT(contracts_->Review(*conn_, rep, meta_, c.id, "", true, ""), StatusIs(kDenied));
  EXPECT_THAT(contracts_->Review(*conn_, other_manager, meta_, c.id, "", true, ""),
              StatusIs(kDenied));
  Contract own = Submitted(manager);
  EXPECT_THAT(contracts_->Review(*conn_, manager, meta_, own.id, "", true, ""),
              StatusIs(kDenied, HasSubstr("other than its owner")));
  // Signing: only once approved, by the owner.
  EXPECT_THAT(contracts_->Sign(*conn_, rep, meta_, SigningOf(c, rep)),
              StatusIs(kPrecondition, HasSubstr("pending_review")));
  c = *contracts_->Review(*conn_, manager, meta_, c.id, "", true, "");
  EXPECT_THAT(contracts_->Sign(*conn_, manager, meta_, SigningOf(c, manager)), StatusIs(kDenied));
  // A reviewer sees the contract but does not review it twice.
  EXPECT_THAT(contracts_->Review(*conn_, manager, meta_, c.id, "", false, "再看看"),
              StatusIs(kPrecondition, HasSubstr("approved")));
  // The signers are checked.
  Contracts::Signing s = SigningOf(c, rep);
  s.contact_customer_id = NewId();
  EXPECT_THAT(contracts_->Sign(*conn_, rep, meta_, s),
              HasFieldViolation("customer_signer_contact_id"));
  s = SigningOf(c, rep);
  s.our_signer.active = false;
  EXPECT_THAT(contracts_->Sign(*conn_, rep, meta_, s), HasFieldViolation("our_signer_id"));
  s = SigningOf(c, rep);
  s.sign_date = contracts_->Today() + 1;
  EXPECT_THAT(contracts_->Sign(*conn_, rep, meta_, s), HasFieldViolation("sign_date"));
  // A stale etag is ABORTED.
  s = SigningOf(c, rep);
  s.etag = validation::Etag(c.version - 1);
  EXPECT_THAT(contracts_->Sign(*conn_, rep, meta_, s), StatusIs(absl::StatusCode::kAborted));
  // Before signing the owner may end it; afterwards it is final.
  auto ended = contracts_->Terminate(*conn_, rep, meta_, c.id, "", "客户取消采购");
  ASSERT_THAT(ended, IsOk());
  EXPECT_THAT(contracts_->Terminate(*conn_, manager, meta_, c.id, "", "另一个理由"),
              StatusIs(kPrecondition, HasSubstr("terminated")));
}

TEST_F(ContractsTest, LargeAmountsAndDiscountsEscalateToAnExecutive) {
  const std::string dept = NewId();
  auto rep = Rep(dept);
  auto manager = Manager({dept});
  auto executive = Executive();
  // Exactly at the limit: the sales manager.
  Contract at = Draft();
  at.lines = {LineOf("P1", kExecutiveAmount / 10000)};  // ¥1,000,000.00 exactly
  EXPECT_EQ(Submitted(rep, at).review_level, ReviewLevel::kSalesManager);
  Contract above = Draft();
  above.lines = {LineOf("P1", kExecutiveAmount / 10000), LineOf("P3", 1)};
  Contract big = Submitted(rep, above);
  EXPECT_EQ(big.review_level, ReviewLevel::kExecutive);
  EXPECT_THAT(contracts_->Review(*conn_, manager, meta_, big.id, "", true, ""),
              StatusIs(kDenied, HasSubstr("executive")));
  auto approved = contracts_->Review(*conn_, executive, meta_, big.id, "", true, "同意");
  ASSERT_THAT(approved, IsOk());
  EXPECT_EQ(approved->status, ContractStatus::kApproved);
  // A discount of exactly 20% stays with the manager; above it escalates.
  Contract twenty = Draft();
  twenty.lines = {LineOf("P1", 10, 20000)};
  EXPECT_EQ(Submitted(rep, twenty).review_level, ReviewLevel::kSalesManager);
  Contract deep = Draft();
  deep.lines = {LineOf("P1", 10, 20001)};
  EXPECT_EQ(Submitted(rep, deep).review_level, ReviewLevel::kExecutive);
  // The limit is CNY's: a small contract in a currency without a limit goes to an executive.
  Contract dollars = Draft();
  dollars.currency = "USD";
  dollars.lines = {LineOf("USD1", 1)};
  EXPECT_EQ(Submitted(rep, dollars).review_level, ReviewLevel::kExecutive);
}

TEST(AmountLimitsTest, ParseCurrenciesAndMinorUnits) {
  auto limits = ParseAmountLimits("CNY=100000000, USD=15000000");
  ASSERT_THAT(limits, IsOk());
  EXPECT_EQ(limits->at("CNY"), 100'000'000);
  EXPECT_EQ(limits->at("USD"), 15'000'000);
  EXPECT_THAT(ParseAmountLimits(""), IsOk());
  for (const char* bad : {"CNY", "CNY=1.5", "rmb=100", "CNY=-1", "CNY=1,CNY=2"}) {
    EXPECT_THAT(ParseAmountLimits(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST_F(ContractsTest, ASubmissionRepricesAndNeedsLinesAndDates) {
  auto rep = Rep(NewId());
  Contract d = Draft();
  d.end_date.reset();
  Contract c = Create(rep, d);
  EXPECT_THAT(contracts_->PrepareSubmit(*conn_, rep, c.id, ""),
              StatusIs(kPrecondition, HasSubstr("end_date")));
  Contract patch;
  patch.id = c.id;
  patch.end_date = *c.start_date + 30;
  c = *contracts_->Update(*conn_, rep, meta_, patch, "", {"end_date"}, Catalogue());
  // The price changed in the catalogue since the draft was written: the submission takes it.
  salesys::Products now = Catalogue();
  now.found[0].mutable_list_price()->set_units(120);
  auto submitted = contracts_->Submit(*conn_, rep, meta_, c.id, "", now);
  ASSERT_THAT(submitted, IsOk());
  EXPECT_EQ(submitted->lines[0].unit_price_minor, 12000);
  EXPECT_EQ(submitted->amount_minor, 2 * 12000 + 250050);
  // A product discontinued meanwhile stops the submission, and nothing changes.
  Contract other = Create(rep);
  salesys::Products gone = Catalogue();
  gone.found[1].set_active(false);
  EXPECT_THAT(contracts_->Submit(*conn_, rep, meta_, other.id, "", gone),
              StatusIs(kPrecondition, HasSubstr("discontinued")));
  EXPECT_EQ(contracts_->Get(*conn_, rep, other.id)->status, ContractStatus::kDraft);
}

TEST_F(ContractsTest, RecordScopeHidesOtherOwnersContracts) {
  const std::string dept = NewId();
  auto rep = Rep(dept);
  auto colleague = Rep(dept);
  auto manager = Manager({NewId(), dept});
  auto outsider = Manager({NewId()});
  Contract c = Create(rep);
  EXPECT_THAT(contracts_->Get(*conn_, colleague, c.id), StatusIs(kDenied));
  EXPECT_THAT(contracts_->Get(*conn_, outsider, c.id), StatusIs(kDenied));
  EXPECT_THAT(contracts_->Get(*conn_, manager, c.id), IsOk());
  EXPECT_THAT(contracts_->Get(*conn_, Executive(), c.id), IsOk());
  // An id that does not exist is the same answer for a limited scope.
  EXPECT_THAT(contracts_->Get(*conn_, colleague, NewId()), StatusIs(kDenied));
  EXPECT_THAT(contracts_->Get(*conn_, Executive(), NewId()), StatusIs(absl::StatusCode::kNotFound));
  auto mine = contracts_->List(*conn_, colleague, {}, 50, "");
  ASSERT_THAT(mine, IsOk());
  EXPECT_TRUE(mine->items.empty());
  ContractFilter by_customer;
  by_customer.customer_id = c.customer_id;
  auto managed = contracts_->List(*conn_, manager, by_customer, 50, "");
  ASSERT_THAT(managed, IsOk());
  ASSERT_EQ(managed->items.size(), 1u);
  EXPECT_EQ(managed->items[0].id, c.id);
  Contract patch;
  patch.id = c.id;
  patch.title = "改名";
  EXPECT_THAT(contracts_->Update(*conn_, colleague, meta_, patch, "", {"title"}, Catalogue()),
              StatusIs(kDenied));
}

TEST_F(ContractsTest, ContractsFollowTheirCustomersHandOversAndMerges) {
  const std::string dept = NewId();
  auto rep = Rep(dept);
  auto manager = Manager({dept});
  auto successor = Rep(NewId());
  Contract open = Create(rep);
  Contract ended = Create(rep, [&] {
    Contract d = Draft();
    d.customer_id = open.customer_id;
    return d;
  }());
  ASSERT_THAT(contracts_->Terminate(*conn_, rep, meta_, ended.id, "", "作废"), IsOk());
  customers::v1::CustomersHandedOver h;
  h.mutable_handover()->set_from_user_id(rep.user_id);
  h.mutable_handover()->set_to_user_id(successor.user_id);
  h.mutable_handover()->set_to_department_id(successor.department_id);
  h.mutable_handover()->add_customer_ids(open.customer_id);
  common::v1::Event e;
  e.set_type("customers.handover.completed");
  e.mutable_payload()->PackFrom(h);
  ASSERT_THAT(conn_->Transact([&](db::Tx& tx) { return contracts_->ApplyCustomerEvent(tx, e); }),
              IsOk());
  EXPECT_EQ(contracts_->Get(*conn_, successor, open.id)->owner_id, successor.user_id);
  EXPECT_EQ(contracts_->Get(*conn_, manager, ended.id)->owner_id, rep.user_id);

  const std::string survivor = NewId();
  customers::v1::CustomersMerged m;
  m.mutable_merge()->set_duplicate_id(open.customer_id);
  m.mutable_merge()->set_survivor_id(survivor);
  e.set_type("customers.customer.merged");
  e.mutable_payload()->PackFrom(m);
  ASSERT_THAT(conn_->Transact([&](db::Tx& tx) { return contracts_->ApplyCustomerEvent(tx, e); }),
              IsOk());
  EXPECT_EQ(contracts_->Get(*conn_, successor, open.id)->customer_id, survivor);
  EXPECT_EQ(contracts_->Get(*conn_, manager, ended.id)->customer_id, survivor);
}

TEST_F(ContractsTest, ASettledReceivableCompletesItsSignedContractOnce) {
  const std::string dept = NewId();
  auto rep = Rep(dept);
  Contract signed_ = Signed(rep, Manager({dept}));
  payments::v1::ReceivableChanged settled;
  settled.mutable_receivable()->set_contract_id(signed_.id);
  common::v1::Event e;
  e.set_type("payments.receivable.settled");
  e.mutable_payload()->PackFrom(settled);
  for (int delivery = 0; delivery < 2; ++delivery) {  // a repeat changes nothing
    ASSERT_THAT(conn_->Transact([&](db::Tx& tx) { return contracts_->ApplyPaymentsEvent(tx, e); }),
                IsOk());
  }
  auto completed = contracts_->Get(*conn_, rep, signed_.id);
  ASSERT_THAT(completed, IsOk());
  EXPECT_EQ(completed->status, ContractStatus::kCompleted);
  auto history = contracts_->StatusChanges(*conn_, rep, signed_.id);
  ASSERT_THAT(history, IsOk());
  EXPECT_EQ(history->back().to, ContractStatus::kCompleted);
  EXPECT_EQ(history->back().reason, "fully paid and delivered");
  int completions = 0;
  for (const auto& type : EventsSinceStart()) completions += type == "contracts.contract.completed";
  EXPECT_EQ(completions, 1);
  // A completed contract is not terminated any more.
  EXPECT_THAT(contracts_->Terminate(*conn_, Manager({dept}), meta_, signed_.id, "", "作废"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// A customer's contracts (Customer 360, a customer's page) are read through the customer's
// index by the plan kept for any customer, in every scope, and a session plans them once.
TEST_F(ContractsFixture, ACustomersContractsKeepOnePlanThroughTheCustomersIndex) {
  const std::string department = NewId();
  const auth::Principal rep = Rep(department), manager = Manager({department});
  // 3,000 contracts of 21 owners in 5 departments, two thirds of them the rep's, five for each
  // customer.
  ASSERT_THAT(conn_->Transact([&](db::Tx& tx) -> absl::Status {
    tx.exec_params(
        "INSERT INTO contracts.contracts (id, number, customer_id, title, owner_id,"
        " owner_department_id, currency, channel, creator_id)"
        " SELECT gen_random_uuid(), 'PLAN-' || i, ('00000000-0000-7000-8000-' ||"
        " lpad((i / 5)::text, 12, '0'))::uuid, '计划检查',"
        " CASE WHEN i % 3 = 0 THEN ('00000000-0000-7000-9000-' || lpad((i % 20)::text, 12, '0'))"
        " ::uuid ELSE $1::uuid END,"
        " CASE WHEN i % 3 = 0 THEN ('00000000-0000-7000-a000-' || lpad((i % 4)::text, 12, '0'))"
        " ::uuid ELSE $2::uuid END, 'CNY', 'direct', $1::uuid FROM generate_series(1, 3000) i",
        rep.user_id, department);
    tx.exec("ANALYZE contracts.contracts");
    return absl::OkStatus();
  }),
              IsOk());
  const std::string customer = "00000000-0000-7000-8000-000000000100";
  ContractFilter f;
  f.customer_id = customer;
  auto kept = test::KeptPlanSession(conninfo_);
  for (const auth::Principal& p : {rep, manager, Executive()}) {
    auto page = contracts_->List(*kept, p, f, 20, "");
    ASSERT_THAT(page, IsOk());
    EXPECT_EQ(page->items.size(), p.scope == auth::DataScope::kAll ? 5u : 3u);
    const std::string plan = test::ExplainPrepared(
        *kept, absl::StrCat("contracts.list_by_customer.", auth::DataScopeName(p.scope)),
        {std::string(ids::kMaxUuid), "", customer, "", "", "", "", auth::ScopeParam(p), "21"});
    EXPECT_THAT(plan, HasSubstr("contracts_customer")) << plan;
    EXPECT_THAT(plan, HasSubstr("customer_id = $3")) << plan;  // the plan kept for any customer
    EXPECT_THAT(plan, Not(HasSubstr("Seq Scan"))) << plan;
  }
  for (int i = 0; i < 8; ++i) ASSERT_THAT(contracts_->List(*conn_, rep, f, 20, ""), IsOk());
  EXPECT_GT(test::PlanCountsOf(*conn_, "contracts.list_by_customer.own").generic, 0);
}

}  // namespace
}  // namespace crm::contracts_service
