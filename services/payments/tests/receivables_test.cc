// Receivables, plans, payments and reversals against PostgreSQL.

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "libs/auth/scope.h"
#include "libs/ids/uuid.h"
#include "libs/testing/status_matchers.h"
#include "libs/validation/updates.h"
#include "services/payments/src/convert.h"
#include "services/payments/tests/fixture.h"

namespace crm::payments_service {
namespace {

using test::HasFieldViolation;
using test::IsOk;
using test::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<int64_t> Paid(const Receivable& r) {
  std::vector<int64_t> out;
  for (const auto& i : r.installments) out.push_back(i.paid_minor);
  return out;
}

Installment Due(absl::CivilDay day, int64_t amount) { return {0, day, amount, 0}; }

TEST_F(PaymentsFixture, SignedContractBecomesOneReceivableWithADefaultPlan) {
  auth::Principal rep = Rep(NewId());
  Signing s;
  s.amount_minor = 123'456;
  Receivable r = Signed(rep, s);
  ApplyContract(rep, s, "signed", contracts::v1::CONTRACT_STATUS_SIGNED);  // redelivered
  EXPECT_EQ(Count("receivables", s.contract_id), 1);
  EXPECT_EQ(r.owner_id, rep.user_id);
  EXPECT_EQ(r.balance.due_minor, 123'456);
  EXPECT_EQ(r.balance.outstanding_minor(), 123'456);
  ASSERT_EQ(r.installments.size(), 1u);
  EXPECT_EQ(r.installments[0].due_date, s.signed_on + 30);
  EXPECT_EQ(r.installments[0].amount_minor, 123'456);
  ASSERT_EQ(r.lines.size(), 2u);
  EXPECT_EQ(r.lines[0].product_name, "客户关系管理软件");
  EXPECT_EQ(r.lines[1].quantity, 1);
  EXPECT_THAT(EventsSinceStart(), ElementsAre("payments.receivable.created"));
}

TEST_F(PaymentsFixture, PlanMustAddUpToTheAmountDueAndIsFixedFromTheFirstPayment) {
  auth::Principal finance = Finance();
  Receivable r = Signed(Rep(NewId()));
  const absl::CivilDay d = Today();
  auto short_plan = receivables_->SetPlan(*conn_, finance, meta_, r.contract_id, "",
                                          {Due(d + 10, 400'000), Due(d + 40, 500'000)}, "CNY");
  EXPECT_THAT(short_plan, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("10000.00 CNY")));
  auto same_day = receivables_->SetPlan(*conn_, finance, meta_, r.contract_id, "",
                                        {Due(d + 10, 500'000), Due(d + 10, 500'000)}, "CNY");
  EXPECT_THAT(same_day, HasFieldViolation("installments[1].due_date"));
  auto dollars = receivables_->SetPlan(*conn_, finance, meta_, r.contract_id, "",
                                       {Due(d + 10, 1'000'000)}, "USD");
  EXPECT_THAT(dollars, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CNY")));
  auto rep_plan = receivables_->SetPlan(*conn_, Rep(NewId()), meta_, r.contract_id, "",
                                        {Due(d + 10, 1'000'000)}, "CNY");
  EXPECT_THAT(rep_plan, StatusIs(absl::StatusCode::kPermissionDenied));

  // Given in any order, numbered by due date.
  auto planned = receivables_->SetPlan(
      *conn_, finance, meta_, r.contract_id, validation::Etag(r.version),
      {Due(d + 70, 200'000), Due(d + 10, 300'000), Due(d + 40, 500'000)}, "CNY");
  ASSERT_THAT(planned, IsOk());
  ASSERT_EQ(planned->installments.size(), 3u);
  EXPECT_EQ(planned->installments[0].due_date, d + 10);
  EXPECT_EQ(planned->installments[2].amount_minor, 200'000);
  auto stale = receivables_->SetPlan(*conn_, finance, meta_, r.contract_id,
                                     validation::Etag(r.version), {Due(d + 5, 1'000'000)}, "CNY");
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted));

  ASSERT_THAT(Pay(finance, r.contract_id, 100), IsOk());
  auto fixed = receivables_->SetPlan(*conn_, finance, meta_, r.contract_id, "",
                                     {Due(d + 5, 1'000'000)}, "CNY");
  EXPECT_THAT(fixed, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("first payment")));
}

TEST_F(PaymentsFixture, PaymentsAreAppliedToInstallmentsOldestFirst) {
  auth::Principal finance = Finance();
  Receivable r = Signed(Rep(NewId()));
  const absl::CivilDay d = Today();
  ASSERT_THAT(receivables_->SetPlan(
                  *conn_, finance, meta_, r.contract_id, "",
                  {Due(d + 10, 300'000), Due(d + 40, 500'000), Due(d + 70, 200'000)}, "CNY"),
              IsOk());
  ASSERT_THAT(Pay(finance, r.contract_id, 200'000), IsOk());
  EXPECT_THAT(Paid(Read(r.contract_id)), ElementsAre(200'000, 0, 0));
  ASSERT_THAT(Pay(finance, r.contract_id, 350'000), IsOk());
  Receivable now = Read(r.contract_id);
  EXPECT_THAT(Paid(now), ElementsAre(300'000, 250'000, 0));
  EXPECT_EQ(now.balance.received_minor, 550'000);
  EXPECT_EQ(now.balance.outstanding_minor(), 450'000);
  v1::Receivable shown = ToProto(now, Today());
  EXPECT_EQ(shown.installments(0).status(), v1::INSTALLMENT_STATUS_PAID);
  EXPECT_EQ(shown.installments(1).status(), v1::INSTALLMENT_STATUS_PARTIALLY_PAID);
  EXPECT_EQ(shown.installments(2).status(), v1::INSTALLMENT_STATUS_PENDING);
  EXPECT_FALSE(shown.plan_editable());
}

TEST_F(PaymentsFixture, BadPaymentsAreRefusedWithFieldViolationsAndWriteNothing) {
  auth::Principal finance = Finance();
  Receivable r = Signed(Rep(NewId()));
  const int64_t payments_before = Count("payments");
  const int64_t log_before = Count("request_log");
  auto record = [&](Payment p, const std::string& request_id = NewId()) {
    return receivables_->Record(*conn_, finance, meta_, request_id, std::move(p), std::nullopt);
  };
  Payment negative = PaymentOf(r.contract_id, -100);
  EXPECT_THAT(record(negative), HasFieldViolation("payment.amount"));
  EXPECT_THAT(record(PaymentOf(r.contract_id, 0)), HasFieldViolation("payment.amount"));
  Payment dollars = PaymentOf(r.contract_id, 100);
  dollars.currency = "USD";
  EXPECT_THAT(record(dollars), HasFieldViolation("payment.amount"));
  Payment unknown = PaymentOf(r.contract_id, 100);
  unknown.method = "barter";
  EXPECT_THAT(record(unknown), HasFieldViolation("payment.method"));
  Payment future = PaymentOf(r.contract_id, 100);
  future.received_at = absl::Now() + absl::Hours(2);
  EXPECT_THAT(record(future), HasFieldViolation("payment.receive_time"));
  Payment untimed = PaymentOf(r.contract_id, 100);
  untimed.received_at.reset();
  EXPECT_THAT(record(untimed), HasFieldViolation("payment.receive_time"));
  EXPECT_THAT(record(PaymentOf(r.contract_id, 100), ""), HasFieldViolation("request_id"));
  EXPECT_THAT(record(PaymentOf("not-a-uuid", 100)), HasFieldViolation("payment.contract_id"));
  auto by_rep = receivables_->Record(*conn_, Rep(NewId()), meta_, NewId(),
                                     PaymentOf(r.contract_id, 100), std::nullopt);
  EXPECT_THAT(by_rep, StatusIs(absl::StatusCode::kPermissionDenied));
  service::DirectoryUser gone{NewId(), NewId(), false, true};
  auto inactive_handler =
      receivables_->Record(*conn_, finance, meta_, NewId(), PaymentOf(r.contract_id, 100), gone);
  EXPECT_THAT(inactive_handler, HasFieldViolation("payment.handler_id"));
  EXPECT_EQ(Count("payments"), payments_before);
  EXPECT_EQ(Count("request_log"), log_before);
  EXPECT_EQ(Read(r.contract_id).balance.received_minor, 0);
}

TEST_F(PaymentsFixture, OverpaymentIsRefusedNamingTheOutstandingAmount) {
  auth::Principal finance = Finance();
  Receivable r = Signed(Rep(NewId()));
  ASSERT_THAT(Pay(finance, r.contract_id, 999'000), IsOk());
  auto over = Pay(finance, r.contract_id, 1'001);
  EXPECT_THAT(over, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("10.00 CNY")));
  EXPECT_EQ(Read(r.contract_id).balance.received_minor, 999'000);
}

TEST_F(PaymentsFixture, ThirtyTwoConcurrentPaymentsForTheLastAmountRecordExactlyOne) {
  auth::Principal finance = Finance();
  Receivable r = Signed(Rep(NewId()));
  ASSERT_THAT(Pay(finance, r.contract_id, 600'000), IsOk());
  std::atomic<int> recorded{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 32; ++t) {
    threads.emplace_back([&] {
      db::Conn conn(conninfo_);
      auto p = receivables_->Record(conn, finance, meta_, NewId(),
                                    PaymentOf(r.contract_id, 400'000), std::nullopt);
      if (p.ok()) {
        ++recorded;
      } else if (p.status().code() == absl::StatusCode::kFailedPrecondition) {
        ++refused;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(recorded.load(), 1);
  EXPECT_EQ(refused.load(), 31);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(Read(r.contract_id).balance.received_minor, 1'000'000);
}

// 10,000 payments over 50 receivables from 8 connections: a random third are retried
// later with the same request id, another random tenth sent twice at once. Every retry gets
// the first record back, and the amounts received are exactly the distinct payments.
TEST_F(PaymentsFixture, RetriedAndDuplicatedPaymentsAreRecordedOnce) {
  auth::Principal finance = Finance();
  std::vector<std::string> contracts;
  for (int i = 0; i < 50; ++i) {
    Signing s;
    s.amount_minor = int64_t{1} << 40;
    contracts.push_back(Signed(Rep(NewId()), s).contract_id);
  }
  struct Send {
    int payment;
  };
  constexpr int kPayments = 10'000;
  std::mt19937 rng(20261206);
  std::vector<std::string> request_ids(kPayments);
  std::vector<int64_t> amounts(kPayments);
  std::vector<int> contract_of(kPayments);
  std::vector<Send> sends;
  std::vector<Send> retries;
  std::map<std::string, int64_t> expected;
  for (int i = 0; i < kPayments; ++i) {
    request_ids[i] = NewId();
    amounts[i] = 1 + static_cast<int64_t>(rng() % 1'000'000);
    contract_of[i] = static_cast<int>(rng() % contracts.size());
    expected[contracts[contract_of[i]]] += amounts[i];
    const unsigned roll = rng() % 30;
    sends.push_back({i});
    if (roll < 3) {
      sends.push_back({i});  // twice at once: adjacent sends go to two connections together
    } else if (roll < 13) {
      retries.push_back({i});  // retried after the first went through
    }
  }
  sends.insert(sends.end(), retries.begin(), retries.end());
  std::vector<std::string> payment_ids(kPayments);
  std::mutex mu;
  std::atomic<size_t> next{0};
  std::atomic<int> failures{0}, mismatched{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 8; ++w) {
    workers.emplace_back([&] {
      db::Conn conn(conninfo_);
      for (size_t k = next++; k < sends.size(); k = next++) {
        const int i = sends[k].payment;
        auto p =
            receivables_->Record(conn, finance, meta_, request_ids[i],
                                 PaymentOf(contracts[contract_of[i]], amounts[i]), std::nullopt);
        if (!p.ok()) {
          ++failures;
          continue;
        }
        std::lock_guard<std::mutex> lock(mu);
        if (payment_ids[i].empty()) {
          payment_ids[i] = p->id;
        } else if (payment_ids[i] != p->id) {
          ++mismatched;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatched.load(), 0);
  EXPECT_GT(sends.size(), static_cast<size_t>(kPayments) * 12 / 10);
  int64_t distinct_total = 0, received_total = 0;
  for (const auto& [contract_id, amount] : expected) {
    EXPECT_EQ(Read(contract_id).balance.received_minor, amount) << contract_id;
    distinct_total += amount;
  }
  for (const auto& c : contracts) received_total += Read(c).balance.received_minor;
  EXPECT_EQ(received_total, distinct_total);
  int64_t rows = 0;
  for (const auto& c : contracts) rows += Count("payments", c);
  EXPECT_EQ(rows, kPayments);
}

TEST_F(PaymentsFixture, AReversalRestoresTheOutstandingAmountOnce) {
  auth::Principal finance = Finance();
  Receivable r = Signed(Rep(NewId()));
  const absl::CivilDay d = Today();
  ASSERT_THAT(receivables_->SetPlan(*conn_, finance, meta_, r.contract_id, "",
                                    {Due(d + 10, 400'000), Due(d + 40, 600'000)}, "CNY"),
              IsOk());
  auto first = Pay(finance, r.contract_id, 300'000);
  auto second = Pay(finance, r.contract_id, 500'000);
  ASSERT_THAT(second, IsOk());
  EXPECT_THAT(Paid(Read(r.contract_id)), ElementsAre(400'000, 400'000));
  const std::string request = NewId();
  auto reversal = receivables_->Reverse(*conn_, finance, meta_, request, first->id, "金额录入错误");
  ASSERT_THAT(reversal, IsOk());
  EXPECT_EQ(reversal->kind, PaymentKind::kReversal);
  EXPECT_EQ(reversal->amount_minor, -300'000);
  EXPECT_EQ(reversal->reverses_id, first->id);
  Receivable after = Read(r.contract_id);
  EXPECT_EQ(after.balance.received_minor, 500'000);
  EXPECT_EQ(after.balance.outstanding_minor(), 500'000);
  EXPECT_THAT(Paid(after), ElementsAre(400'000, 100'000));
  // A retry returns the reversal; another reversal of the payment is refused.
  auto retried = receivables_->Reverse(*conn_, finance, meta_, request, first->id, "金额录入错误");
  ASSERT_THAT(retried, IsOk());
  EXPECT_EQ(retried->id, reversal->id);
  EXPECT_THAT(receivables_->Reverse(*conn_, finance, meta_, NewId(), first->id, "再次冲销"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("already reversed")));
  EXPECT_THAT(receivables_->Reverse(*conn_, finance, meta_, NewId(), reversal->id, "冲销冲销"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(receivables_->Reverse(*conn_, finance, meta_, NewId(), second->id, " "),
              HasFieldViolation("reason"));
  auto original = receivables_->GetPayment(*conn_, finance, first->id);
  ASSERT_THAT(original, IsOk());
  EXPECT_EQ(original->reversed_by_id, reversal->id);
  EXPECT_EQ(original->amount_minor, 300'000);  // never edited
  EXPECT_EQ(Count("payments", r.contract_id), 3);
}

TEST_F(PaymentsFixture, AccountNumbersAreMaskedInLists) {
  EXPECT_EQ(MaskAccountNumber("6222020200112233445"), "***************3445");
  EXPECT_EQ(MaskAccountNumber("123"), "***");
  EXPECT_EQ(MaskAccountNumber("账号一二三四五"), "***二三四五");
  auth::Principal finance = Finance();
  auth::Principal rep = Rep(NewId());
  Receivable r = Signed(rep);
  auto paid = Pay(finance, r.contract_id, 100);
  ASSERT_THAT(paid, IsOk());
  auto listed = receivables_->ListPayments(*conn_, rep, r.contract_id, 0, "");
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(ToProto(listed->items[0], true).payer_account().account_number(),
            "***************3445");
  EXPECT_EQ(listed->items[0].payer.bank, "中国工商银行上海分行");
}

TEST_F(PaymentsFixture, ScopeFollowsTheContractOwner) {
  const std::string east = NewId(), west = NewId();
  auth::Principal rep = Rep(east), other = Rep(east), far = Rep(west);
  Receivable r = Signed(rep);
  EXPECT_THAT(receivables_->Get(*conn_, rep, r.contract_id), IsOk());
  EXPECT_THAT(receivables_->Get(*conn_, other, r.contract_id),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(receivables_->Get(*conn_, Manager({east}), r.contract_id), IsOk());
  EXPECT_THAT(receivables_->Get(*conn_, Manager({west}), r.contract_id),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(receivables_->Get(*conn_, far, NewId()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(receivables_->Get(*conn_, Finance(), NewId()), StatusIs(absl::StatusCode::kNotFound));
  auto mine = receivables_->List(*conn_, rep, {}, 0, "");
  ASSERT_THAT(mine, IsOk());
  ASSERT_EQ(mine->items.size(), 1u);
  EXPECT_EQ(mine->items[0].contract_id, r.contract_id);
  auto theirs = receivables_->List(*conn_, other, {}, 0, "");
  ASSERT_THAT(theirs, IsOk());
  EXPECT_TRUE(theirs->items.empty());

  // Handed over: the new owner sees it, the old one no longer does.
  Signing s;
  s.contract_id = r.contract_id;
  s.customer_id = r.customer_id;
  ApplyContract(other, s, "handed_over", contracts::v1::CONTRACT_STATUS_SIGNED);
  EXPECT_THAT(receivables_->Get(*conn_, other, r.contract_id), IsOk());
  EXPECT_THAT(receivables_->Get(*conn_, rep, r.contract_id),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(EventsSinceStart(), ::testing::Contains("payments.receivable.handed_over"));
}

TEST_F(PaymentsFixture, ATerminatedContractTakesNoMorePayments) {
  auth::Principal finance = Finance();
  auth::Principal rep = Rep(NewId());
  Signing s;
  Receivable r = Signed(rep, s);
  auto paid = Pay(finance, r.contract_id, 100'000);
  ASSERT_THAT(paid, IsOk());
  ApplyContract(rep, s, "terminated", contracts::v1::CONTRACT_STATUS_TERMINATED);
  EXPECT_EQ(Read(r.contract_id).status, ReceivableStatus::kTerminated);
  EXPECT_THAT(Pay(finance, r.contract_id, 100),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("terminated")));
  // A refund of what was received is still recorded.
  EXPECT_THAT(receivables_->Reverse(*conn_, finance, meta_, NewId(), paid->id, "合同终止退款"),
              IsOk());
  Receivable ended = Read(r.contract_id);
  EXPECT_EQ(ended.balance.received_minor, 0);
  // Nothing more is due or overdue.
  EXPECT_EQ(ended.balance.due_minor, 0);
  EXPECT_EQ(ended.balance.outstanding_minor(), 0);
  EXPECT_EQ(ended.balance.overdue_minor, 0);
}

TEST_F(PaymentsFixture, OverdueAmountsAreAgedAndSummarized) {
  auth::Principal finance = Finance();
  const std::string dept = NewId();
  auth::Principal rep = Rep(dept);
  Signing s;
  s.signed_on = Today() - 200;
  Receivable r = Signed(rep, s);
  const absl::CivilDay d = Today();
  ASSERT_THAT(
      receivables_->SetPlan(*conn_, finance, meta_, r.contract_id, "",
                            {Due(d - 120, 100'000), Due(d - 75, 200'000), Due(d - 45, 300'000),
                             Due(d - 5, 150'000), Due(d + 30, 250'000)},
                            "CNY"),
      IsOk());
  // The first installment and a quarter of the second.
  ASSERT_THAT(Pay(finance, r.contract_id, 150'000), IsOk());
  Receivable now = Read(r.contract_id);
  EXPECT_EQ(now.balance.overdue_minor, 150'000 + 300'000 + 150'000);
  EXPECT_THAT(now.balance.aging_minor, ElementsAre(150'000, 300'000, 150'000, 0));
  v1::Receivable shown = ToProto(now, d);
  EXPECT_FALSE(shown.installments(0).overdue());
  EXPECT_TRUE(shown.installments(1).overdue());
  EXPECT_EQ(shown.installments(1).days_overdue(), 75);
  EXPECT_FALSE(shown.installments(4).overdue());

  ReceivableFilter f;
  f.department_id = dept;
  auto sum = receivables_->Summarize(*conn_, finance, f);
  ASSERT_THAT(sum, IsOk());
  EXPECT_EQ(sum->due_minor, 1'000'000);
  EXPECT_EQ(sum->received_minor, 150'000);
  EXPECT_EQ(sum->overdue_minor, 600'000);
  EXPECT_THAT(sum->aging_minor, ElementsAre(150'000, 300'000, 150'000, 0));
  f.overdue_only = true;
  auto overdue = receivables_->List(*conn_, finance, f, 0, "");
  ASSERT_THAT(overdue, IsOk());
  ASSERT_EQ(overdue->items.size(), 1u);
  EXPECT_EQ(overdue->items[0].balance.overdue_minor, 600'000);
}

// A customer's receivables (Customer 360, a customer's page) are read through the customer's
// index by the plan kept for any customer, in every scope, and a session plans them once.
TEST_F(PaymentsFixture, ACustomersReceivablesKeepOnePlanThroughTheCustomersIndex) {
  const std::string department = NewId();
  const auth::Principal rep = Rep(department), manager = Manager({department});
  // 3,000 receivables of 21 owners in 5 departments, two thirds of them the rep's, five for each
  // customer.
  ASSERT_THAT(conn_->Transact([&](db::Tx& tx) -> absl::Status {
    tx.exec_params(
        "INSERT INTO payments.receivables (contract_id, contract_number, customer_id, owner_id,"
        " owner_department_id, currency, due_minor, sign_date)"
        " SELECT gen_random_uuid(), 'PLAN-' || i, ('00000000-0000-7000-8000-' ||"
        " lpad((i / 5)::text, 12, '0'))::uuid,"
        " CASE WHEN i % 3 = 0 THEN ('00000000-0000-7000-9000-' || lpad((i % 20)::text, 12, '0'))"
        " ::uuid ELSE $1::uuid END,"
        " CASE WHEN i % 3 = 0 THEN ('00000000-0000-7000-a000-' || lpad((i % 4)::text, 12, '0'))"
        " ::uuid ELSE $2::uuid END,"
        " 'CNY', 100000, DATE '2026-01-01' + i % 300 FROM generate_series(1, 3000) i",
        rep.user_id, department);
    tx.exec("ANALYZE payments.receivables");
    return absl::OkStatus();
  }),
              IsOk());
  const std::string customer = "00000000-0000-7000-8000-000000000100";
  ReceivableFilter f;
  f.customer_id = customer;
  auto kept = test::KeptPlanSession(conninfo_);
  for (const auth::Principal& p : {rep, manager, Finance()}) {
    auto page = receivables_->List(*kept, p, f, 20, "");
    ASSERT_THAT(page, IsOk());
    EXPECT_EQ(page->items.size(), p.scope == auth::DataScope::kAll ? 5u : 3u);
    const std::string plan = test::ExplainPrepared(
        *kept, absl::StrCat("payments.list_by_customer.", auth::DataScopeName(p.scope)),
        {std::string(ids::kMaxUuid), "", customer, "", "", "", "", "false", auth::ScopeParam(p),
         "2026-12-07", "21"});
    EXPECT_THAT(plan, HasSubstr("receivables_customer")) << plan;
    EXPECT_THAT(plan, HasSubstr("customer_id = $3")) << plan;  // the plan kept for any customer
    EXPECT_THAT(plan, Not(HasSubstr("Seq Scan"))) << plan;
  }
  for (int i = 0; i < 8; ++i) ASSERT_THAT(receivables_->List(*conn_, rep, f, 20, ""), IsOk());
  EXPECT_GT(test::PlanCountsOf(*conn_, "payments.list_by_customer.own").generic, 0);
}

}  // namespace
}  // namespace crm::payments_service
