// Payments over real processes: a signed contract becomes a receivable (and how long that
// takes), is planned, paid and delivered, and the contract completes; payments stopped in the
// middle and restarted loses and doubles nothing.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/money/money.h"
#include "tests/e2e/stack_fixture.h"

namespace crm::e2e {
namespace {

using ::crm::test::IsOk;
using ::crm::test::StatusIs;

class PaymentsE2eTest : public StackE2eTest {
 protected:
};

TEST_F(PaymentsE2eTest, FromASignedContractToACompletedOne) {
  cv1::Customer customer = NewCustomer("苏州新元光电有限公司");
  cv1::Contact signer = NewContact(customer.id(), "周总");
  const std::vector<sv1::Product> products = Products(2);
  ASSERT_EQ(products.size(), 2u);

  // How long a signed contract takes to become a receivable: 30 signings.
  std::vector<absl::Duration> lags;
  kv1::Contract contract;
  yv1::Receivable receivable;
  for (int i = 0; i < 30; ++i) {
    kv1::Contract approved = ApprovedContract(customer.id(), products);
    contract = Sign(approved, signer.id());
    auto lag = AwaitReceivable(contract.id(), &receivable);
    ASSERT_THAT(lag, IsOk());
    lags.push_back(*lag);
  }
  std::sort(lags.begin(), lags.end());
  const absl::Duration p50 = lags[lags.size() / 2], p99 = lags[lags.size() * 99 / 100];
  std::printf(
      "signed → receivable readable: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%zu contracts)\n",
      absl::ToDoubleMilliseconds(p50), absl::ToDoubleMilliseconds(p99),
      absl::ToDoubleMilliseconds(lags.back()), lags.size());
  EXPECT_LE(p99, absl::Milliseconds(500));

  EXPECT_EQ(receivable.contract_number(), contract.number());
  EXPECT_EQ(receivable.owner_id(), rep_id_);
  EXPECT_EQ(MinorOf(receivable.balance().due()), MinorOf(contract.amount()));
  ASSERT_EQ(receivable.lines_size(), 2);
  ASSERT_EQ(receivable.installments_size(), 1);
  // The rep reads their own customer's receivable.
  yv1::Receivable as_rep;
  EXPECT_THAT(GetReceivable(contract.id(), &as_rep, rep_), IsOk());

  // A plan of two installments, two payments, both lines delivered and accepted.
  const int64_t due = MinorOf(contract.amount());
  const int64_t first = due / 3;
  yv1::SetPaymentPlanRequest plan;
  plan.set_contract_id(contract.id());
  plan.set_etag(receivable.etag());
  for (auto [days, amount] : {std::pair{15, first}, {45, due - first}}) {
    yv1::Installment* i = plan.add_installments();
    SetDay(Today() + days, i->mutable_due_date());
    money::SetProto({amount, "CNY"}, i->mutable_amount());
  }
  ASSERT_THAT(payments_stub_->SetPaymentPlan(Ctx(finance_).get(), plan, &receivable), IsOk());
  ASSERT_EQ(receivable.installments_size(), 2);
  yv1::Payment paid;
  ASSERT_THAT(Pay(contract.id(), first, "pay-1", &paid), IsOk());
  ASSERT_THAT(Pay(contract.id(), due - first + 1, "pay-2", &paid),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_THAT(Pay(contract.id(), due - first, "pay-2", &paid), IsOk());
  for (const auto& line : receivable.lines()) {
    yv1::CreateDeliveryRequest create;
    create.set_request_id(absl::StrCat("delivery-", line.position()));
    create.mutable_delivery()->set_contract_id(contract.id());
    create.mutable_delivery()->set_line_position(line.position());
    create.mutable_delivery()->set_quantity(line.quantity());
    yv1::Delivery d;
    ASSERT_THAT(payments_stub_->CreateDelivery(Ctx(rep_).get(), create, &d), IsOk());
    yv1::ShipDeliveryRequest ship;
    ship.set_id(d.id());
    ASSERT_THAT(payments_stub_->ShipDelivery(Ctx(rep_).get(), ship, &d), IsOk());
    yv1::AcceptDeliveryRequest accept;
    accept.set_id(d.id());
    ASSERT_THAT(payments_stub_->AcceptDelivery(Ctx(rep_).get(), accept, &d), IsOk());
    EXPECT_EQ(d.status(), yv1::DELIVERY_STATUS_ACCEPTED);
  }
  ASSERT_THAT(GetReceivable(contract.id(), &receivable), IsOk());
  EXPECT_EQ(receivable.status(), yv1::RECEIVABLE_STATUS_SETTLED);
  EXPECT_EQ(MinorOf(receivable.balance().outstanding()), 0);

  // The contracts service follows the settlement: the contract is completed.
  kv1::Contract now;
  for (int i = 0; i < 100; ++i) {
    kv1::GetContractRequest get;
    get.set_id(contract.id());
    ASSERT_THAT(contracts_stub_->GetContract(Ctx(rep_).get(), get, &now), IsOk());
    if (now.status() == kv1::CONTRACT_STATUS_COMPLETED) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(now.status(), kv1::CONTRACT_STATUS_COMPLETED);
}

TEST_F(PaymentsE2eTest, PaymentsStoppedInTheMiddleLosesAndDoublesNothing) {
  cv1::Customer customer = NewCustomer("无锡华光锅炉股份有限公司");
  cv1::Contact signer = NewContact(customer.id(), "钱经理");
  const std::vector<sv1::Product> products = Products(1);
  std::vector<kv1::Contract> contracts;
  int64_t due_total = 0;
  auto sign_one = [&] {
    contracts.push_back(Sign(ApprovedContract(customer.id(), products), signer.id()));
    due_total += MinorOf(contracts.back().amount());
  };
  for (int i = 0; i < 5; ++i) sign_one();
  std::vector<yv1::Payment> first_answers(5);
  for (int i = 0; i < 5; ++i) {
    yv1::Receivable r;
    ASSERT_THAT(AwaitReceivable(contracts[i].id(), &r), IsOk());
    ASSERT_THAT(Pay(contracts[i].id(), 100, absl::StrCat("stop-pay-", i), &first_answers[i]),
                IsOk());
  }
  // Stopped: contracts are signed meanwhile; the receivables come when payments is back.
  ASSERT_EQ(payments_->Stop(), 0);
  for (int i = 0; i < 5; ++i) sign_one();
  ASSERT_THAT(payments_->Restart(), IsOk());
  payments_stub_ = yv1::PaymentsService::NewStub(payments_->channel());
  for (const auto& c : contracts) {
    yv1::Receivable r;
    ASSERT_THAT(AwaitReceivable(c.id(), &r), IsOk()) << c.number();
  }
  // Retried payments return the first records.
  for (int i = 0; i < 5; ++i) {
    yv1::Payment again;
    ASSERT_THAT(Pay(contracts[i].id(), 100, absl::StrCat("stop-pay-", i), &again), IsOk());
    EXPECT_EQ(again.id(), first_answers[i].id());
  }
  yv1::SummarizeReceivablesRequest sum;
  sum.set_customer_id(customer.id());
  yv1::Balance balance;
  ASSERT_THAT(payments_stub_->SummarizeReceivables(Ctx(finance_).get(), sum, &balance), IsOk());
  EXPECT_EQ(MinorOf(balance.due()), due_total);
  EXPECT_EQ(MinorOf(balance.received()), 5 * 100);
  yv1::ListReceivablesRequest list;
  list.set_customer_id(customer.id());
  yv1::ListReceivablesResponse listed;
  ASSERT_THAT(payments_stub_->ListReceivables(Ctx(finance_).get(), list, &listed), IsOk());
  EXPECT_EQ(listed.receivables_size(), 10);
}

}  // namespace
}  // namespace crm::e2e
