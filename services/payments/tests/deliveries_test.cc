// Deliveries, settlement, and collection against PostgreSQL.

#include "gmock/gmock.h"
#include "libs/testing/status_matchers.h"
#include "libs/validation/updates.h"
#include "services/payments/tests/fixture.h"

namespace crm::payments_service {
namespace {

using test::HasFieldViolation;
using test::IsOk;
using test::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Delivery DeliveryOf(const std::string& contract_id, int line, int64_t quantity) {
  Delivery d;
  d.contract_id = contract_id;
  d.line_position = line;
  d.quantity = quantity;
  d.note = "顺丰速运 SF1234567890";
  return d;
}

class DeliveriesTest : public PaymentsFixture {
 protected:
  // Created, shipped and accepted by `who`.
  Delivery Delivered(const auth::Principal& who, const std::string& contract_id, int line,
                     int64_t quantity) {
    auto d =
        deliveries_->Create(*conn_, who, meta_, NewId(), DeliveryOf(contract_id, line, quantity));
    EXPECT_THAT(d, IsOk());
    if (!d.ok()) return {};
    auto shipped = deliveries_->Ship(*conn_, who, meta_, d->id, validation::Etag(d->version));
    EXPECT_THAT(shipped, IsOk());
    auto accepted = deliveries_->Accept(*conn_, who, meta_, d->id, "");
    EXPECT_THAT(accepted, IsOk());
    return accepted.ok() ? *accepted : *d;
  }
};

TEST_F(DeliveriesTest, DeliveriesNeverExceedTheLineAndMoveForwardOnly) {
  auth::Principal rep = Rep(NewId());
  Receivable r = Signed(rep);
  const int64_t before = Count("deliveries");
  EXPECT_THAT(deliveries_->Create(*conn_, rep, meta_, NewId(), DeliveryOf(r.contract_id, 1, 3)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("客户关系管理软件")));
  EXPECT_THAT(deliveries_->Create(*conn_, rep, meta_, NewId(), DeliveryOf(r.contract_id, 3, 1)),
              HasFieldViolation("delivery.line_position"));
  EXPECT_THAT(deliveries_->Create(*conn_, rep, meta_, NewId(), DeliveryOf(r.contract_id, 1, 0)),
              HasFieldViolation("delivery.quantity"));
  EXPECT_THAT(
      deliveries_->Create(*conn_, Rep(NewId()), meta_, NewId(), DeliveryOf(r.contract_id, 1, 1)),
      StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(Count("deliveries"), before);

  const std::string request = NewId();
  auto first = deliveries_->Create(*conn_, rep, meta_, request, DeliveryOf(r.contract_id, 1, 1));
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->status, DeliveryStatus::kPending);
  auto retried = deliveries_->Create(*conn_, rep, meta_, request, DeliveryOf(r.contract_id, 1, 1));
  ASSERT_THAT(retried, IsOk());
  EXPECT_EQ(retried->id, first->id);
  EXPECT_THAT(deliveries_->Create(*conn_, rep, meta_, NewId(), DeliveryOf(r.contract_id, 1, 2)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("the 1 of line 1")));
  EXPECT_THAT(deliveries_->Accept(*conn_, rep, meta_, first->id, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("pending")));
  auto shipped = deliveries_->Ship(*conn_, rep, meta_, first->id, "");
  ASSERT_THAT(shipped, IsOk());
  EXPECT_EQ(shipped->shipped_by, rep.user_id);
  EXPECT_THAT(deliveries_->Ship(*conn_, rep, meta_, first->id, validation::Etag(first->version)),
              StatusIs(absl::StatusCode::kAborted));
  Receivable now = Read(r.contract_id);
  EXPECT_EQ(now.lines[0].delivered, 1);
  EXPECT_EQ(now.lines[0].accepted, 0);
}

TEST_F(DeliveriesTest, FullyPaidAndAcceptedSettlesOnceAndAReversalReopens) {
  auth::Principal finance = Finance();
  auth::Principal rep = Rep(NewId());
  Receivable r = Signed(rep);
  Delivered(rep, r.contract_id, 1, 2);
  auto paid = Pay(finance, r.contract_id, 1'000'000);
  ASSERT_THAT(paid, IsOk());
  EXPECT_EQ(Read(r.contract_id).status, ReceivableStatus::kOpen);  // line 2 not delivered
  Delivered(rep, r.contract_id, 2, 1);
  Receivable settled = Read(r.contract_id);
  EXPECT_EQ(settled.status, ReceivableStatus::kSettled);
  EXPECT_THAT(settled.lines[1].accepted, 1);
  auto reversed = receivables_->Reverse(*conn_, finance, meta_, NewId(), paid->id, "重复入账");
  ASSERT_THAT(reversed, IsOk());
  EXPECT_EQ(Read(r.contract_id).status, ReceivableStatus::kOpen);
  std::vector<std::string> settles;
  for (const auto& e : EventsSinceStart()) {
    if (e == "payments.receivable.settled" || e == "payments.receivable.reopened") {
      settles.push_back(e);
    }
  }
  EXPECT_THAT(settles, ElementsAre("payments.receivable.settled", "payments.receivable.reopened"));
}

TEST_F(DeliveriesTest, CollectionNotesGoOnOverdueInstallments) {
  auth::Principal finance = Finance();
  const std::string dept = NewId();
  auth::Principal rep = Rep(dept);
  Signing s;
  s.signed_on = Today() - 100;
  Receivable r = Signed(rep, s);  // one installment due 70 days ago
  Signing fresh;
  Receivable current = Signed(rep, fresh);  // due in 30 days

  CollectionNote n;
  n.contract_id = r.contract_id;
  n.installment_number = 1;
  n.result = "客户财务称月底前付款";
  n.promised_date = Today() + 10;
  auto written = collection_->AddNote(*conn_, rep, meta_, NewId(), n);
  ASSERT_THAT(written, IsOk());
  EXPECT_EQ(written->author_id, rep.user_id);
  CollectionNote past = n;
  past.promised_date = Today() - 1;
  EXPECT_THAT(collection_->AddNote(*conn_, rep, meta_, NewId(), past),
              HasFieldViolation("note.promised_date"));
  CollectionNote not_due = n;
  not_due.contract_id = current.contract_id;
  EXPECT_THAT(collection_->AddNote(*conn_, rep, meta_, NewId(), not_due),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not overdue")));
  EXPECT_THAT(collection_->AddNote(*conn_, Rep(dept), meta_, NewId(), n),
              StatusIs(absl::StatusCode::kPermissionDenied));

  ReceivableFilter mine;
  mine.owner_id = rep.user_id;
  auto overdue = collection_->Overdue(*conn_, Manager({dept}), mine, 0, "");
  ASSERT_THAT(overdue, IsOk());
  ASSERT_EQ(overdue->items.size(), 1u);
  EXPECT_EQ(overdue->items[0].receivable.contract_id, r.contract_id);
  ASSERT_TRUE(overdue->items[0].last_note.has_value());
  EXPECT_EQ(overdue->items[0].last_note->result, "客户财务称月底前付款");
  auto elsewhere = collection_->Overdue(*conn_, Manager({NewId()}), mine, 0, "");
  ASSERT_THAT(elsewhere, IsOk());
  EXPECT_TRUE(elsewhere->items.empty());

  // Paid: no longer overdue.
  ASSERT_THAT(Pay(finance, r.contract_id, 1'000'000), IsOk());
  auto after = collection_->Overdue(*conn_, rep, {}, 0, "");
  ASSERT_THAT(after, IsOk());
  EXPECT_TRUE(after->items.empty());
}

TEST_F(DeliveriesTest, OverdueListsPageOldestFirst) {
  auth::Principal finance = Finance();
  const std::string dept = NewId();
  auth::Principal rep = Rep(dept);
  std::vector<std::string> expected;
  for (int k = 0; k < 5; ++k) {
    Signing s;
    s.signed_on = Today() - 100 + k;
    expected.push_back(Signed(rep, s).contract_id);
  }
  ReceivableFilter f;
  f.department_id = dept;
  std::vector<std::string> seen;
  std::string token;
  do {
    auto page = collection_->Overdue(*conn_, finance, f, 2, token);
    ASSERT_THAT(page, IsOk());
    for (const auto& o : page->items) seen.push_back(o.receivable.contract_id);
    token = page->next_page_token;
  } while (!token.empty());
  EXPECT_EQ(seen, expected);
}

}  // namespace
}  // namespace crm::payments_service
