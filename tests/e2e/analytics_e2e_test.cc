// Analytics over real processes: contracts signed and paid, a ticket archived and a customer
// lost show up in the reports, each within a second of the change (measured from the call
// that made it returning to the report showing it); scope, targets and the CSV export.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tests/e2e/stack_fixture.h"

namespace crm::e2e {
namespace {

using ::crm::test::IsOk;
using ::crm::test::StatusIs;

class AnalyticsE2eTest : public StackE2eTest {
 protected:
  av1::Report Run(av1::ReportKind kind, av1::PeriodUnit unit, const std::string& token,
                  const std::string& dimension = "", grpc::Status* status = nullptr) {
    av1::RunReportRequest req;
    req.set_kind(kind);
    req.mutable_period()->set_unit(unit);
    SetDay(Today(), req.mutable_period()->mutable_date());
    req.set_dimension(dimension);
    req.set_page_size(1000);
    av1::Report r;
    grpc::Status s = analytics_stub_->RunReport(Ctx(token).get(), req, &r);
    if (status != nullptr) {
      *status = s;
    } else {
      EXPECT_THAT(s, IsOk());
    }
    return r;
  }

  // The row whose column `key` holds `value`, or null.
  static const av1::ReportRow* RowWith(const av1::Report& r, const std::string& key,
                                       const std::string& value) {
    int at = -1;
    for (int i = 0; i < r.columns_size(); ++i) {
      if (r.columns(i).key() == key) at = i;
    }
    if (at < 0) return nullptr;
    for (const auto& row : r.rows()) {
      if (row.cells(at).text() == value) return &row;
    }
    return nullptr;
  }
  static const av1::ReportCell& Cell(const av1::Report& r, const av1::ReportRow& row,
                                     const std::string& key) {
    for (int i = 0; i < r.columns_size(); ++i) {
      if (r.columns(i).key() == key) return row.cells(i);
    }
    static const av1::ReportCell none;
    return none;
  }

  // Waits (up to 10 s, polling) until `done(report)`; how long it took.
  template <typename Done>
  absl::Duration Await(av1::ReportKind kind, av1::PeriodUnit unit, Done done,
                       av1::Report* out = nullptr) {
    const absl::Time start = absl::Now();
    av1::Report r;
    for (;;) {
      r = Run(kind, unit, executive_);
      if (done(r) || absl::Now() - start > absl::Seconds(10)) break;
      absl::SleepFor(absl::Milliseconds(5));
    }
    EXPECT_TRUE(done(r)) << r.DebugString();
    if (out != nullptr) *out = r;
    return absl::Now() - start;
  }

  static void Report(const char* what, std::vector<absl::Duration> lags) {
    std::sort(lags.begin(), lags.end());
    std::printf("%s: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%zu changes)\n", what,
                absl::ToDoubleMilliseconds(lags[lags.size() / 2]),
                absl::ToDoubleMilliseconds(lags[lags.size() * 99 / 100]),
                absl::ToDoubleMilliseconds(lags.back()), lags.size());
  }
};

TEST_F(AnalyticsE2eTest, SignedAndPaidContractsShowInTheReportsWithinASecond) {
  cv1::Customer customer = NewCustomer("无锡华光电子有限公司");
  cv1::Contact signer = NewContact(customer.id(), "钱总");
  const std::vector<sv1::Product> products = Products(2);
  ASSERT_EQ(products.size(), 2u);

  std::vector<absl::Duration> lags;
  int64_t contracted = 0, received = 0;
  std::vector<kv1::Contract> contracts;
  for (int i = 0; i < 12; ++i) {
    kv1::Contract c = Sign(ApprovedContract(customer.id(), products), signer.id());
    ASSERT_EQ(c.status(), kv1::CONTRACT_STATUS_SIGNED);
    contracted += MinorOf(c.amount());
    contracts.push_back(c);
    lags.push_back(Await(av1::REPORT_KIND_CUSTOMER_CONTRIBUTION, av1::PERIOD_UNIT_YEAR,
                         [&](const av1::Report& r) {
                           const auto* row = RowWith(r, "customer_id", customer.id());
                           return row && MinorOf(Cell(r, *row, "contracted").money()) == contracted;
                         }));
  }
  for (int i = 0; i < 6; ++i) {
    yv1::Receivable receivable;
    ASSERT_THAT(AwaitReceivable(contracts[i].id(), &receivable), IsOk());
    const int64_t amount = MinorOf(contracts[i].amount()) / 2;
    yv1::Payment paid;
    ASSERT_THAT(Pay(contracts[i].id(), amount, absl::StrCat("analytics-pay-", i), &paid), IsOk());
    received += amount;
    lags.push_back(Await(av1::REPORT_KIND_CUSTOMER_CONTRIBUTION, av1::PERIOD_UNIT_YEAR,
                         [&](const av1::Report& r) {
                           const auto* row = RowWith(r, "customer_id", customer.id());
                           return row && MinorOf(Cell(r, *row, "received").money()) == received;
                         }));
  }
  Report("commit → contribution report", lags);
  std::sort(lags.begin(), lags.end());
  EXPECT_LE(lags[lags.size() * 99 / 100], absl::Seconds(1));

  av1::Report contribution =
      Run(av1::REPORT_KIND_CUSTOMER_CONTRIBUTION, av1::PERIOD_UNIT_YEAR, executive_);
  const auto* row = RowWith(contribution, "customer_id", customer.id());
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(Cell(contribution, *row, "customer_name").text(), "无锡华光电子有限公司");
  EXPECT_EQ(Cell(contribution, *row, "abc_class").text(), "A");
  EXPECT_TRUE(contribution.has_data_time());

  // Sales by owner: the rep's row, as the manager of the rep's department sees it, with the
  // month's target the manager set.
  av1::SetSalesTargetRequest target;
  target.mutable_target()->set_subject(av1::TARGET_SUBJECT_USER);
  target.mutable_target()->set_subject_id(rep_id_);
  target.mutable_target()->set_unit(av1::PERIOD_UNIT_MONTH);
  SetDay(Today(), target.mutable_target()->mutable_start_date());
  money::SetProto({contracted * 2, "CNY"}, target.mutable_target()->mutable_amount());
  av1::SalesTarget stored;
  ASSERT_THAT(analytics_stub_->SetSalesTarget(Ctx(manager_).get(), target, &stored), IsOk());
  EXPECT_EQ(stored.department_id(), east_);
  EXPECT_EQ(stored.start_date().day(), 1);
  av1::Report sales =
      Run(av1::REPORT_KIND_SALES_PERFORMANCE, av1::PERIOD_UNIT_MONTH, manager_, "owner");
  const auto* mine = RowWith(sales, "key", rep_id_);
  ASSERT_NE(mine, nullptr) << sales.DebugString();
  EXPECT_EQ(MinorOf(Cell(sales, *mine, "contracted").money()), contracted);
  EXPECT_EQ(MinorOf(Cell(sales, *mine, "received").money()), received);
  EXPECT_EQ(MinorOf(Cell(sales, *mine, "target").money()), contracted * 2);
  EXPECT_DOUBLE_EQ(Cell(sales, *mine, "attainment").number(), 0.5);

  // The rep may not read reports; nor set targets.
  grpc::Status refused;
  Run(av1::REPORT_KIND_SALES_PERFORMANCE, av1::PERIOD_UNIT_MONTH, rep_, "", &refused);
  EXPECT_THAT(refused, StatusIs(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_THAT(analytics_stub_->SetSalesTarget(Ctx(rep_).get(), target, &stored),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED));
  // A bad request names its field.
  av1::RunReportRequest bad;
  bad.set_kind(av1::REPORT_KIND_SALES_PERFORMANCE);
  bad.mutable_period()->set_unit(av1::PERIOD_UNIT_MONTH);
  av1::Report ignored;
  EXPECT_THAT(analytics_stub_->RunReport(Ctx(executive_).get(), bad, &ignored),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT, ::testing::HasSubstr("period.date")));

  // The export: CSV with a byte-order mark and the Chinese names.
  av1::ExportReportRequest exp;
  exp.set_kind(av1::REPORT_KIND_CUSTOMER_CONTRIBUTION);
  exp.mutable_period()->set_unit(av1::PERIOD_UNIT_YEAR);
  SetDay(Today(), exp.mutable_period()->mutable_date());
  auto ctx = Ctx(executive_);
  auto reader = analytics_stub_->ExportReport(ctx.get(), exp);
  std::string csv;
  av1::ExportReportResponse chunk;
  while (reader->Read(&chunk)) csv += chunk.data();
  ASSERT_THAT(reader->Finish(), IsOk());
  EXPECT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_NE(csv.find("签约金额"), std::string::npos);
  EXPECT_NE(csv.find("无锡华光电子有限公司"), std::string::npos);

  av1::IngestionStatus status;
  ASSERT_THAT(analytics_stub_->GetIngestionStatus(Ctx(executive_).get(), {}, &status), IsOk());
  EXPECT_EQ(status.sources_size(), 6);
}

TEST_F(AnalyticsE2eTest, AnArchivedTicketAndALostCustomerShowInTheirReports) {
  cv1::Customer customer = NewCustomer("嘉兴新丰化纤有限公司");
  // A ticket from creation to the archive, feedback 4.
  tv1::CreateTicketRequest create;
  create.mutable_ticket()->set_type("complaint");
  create.mutable_ticket()->set_customer_id(customer.id());
  create.mutable_ticket()->set_channel(tv1::TICKET_CHANNEL_PHONE);
  create.mutable_ticket()->set_priority(tv1::TICKET_PRIORITY_NORMAL);
  create.mutable_ticket()->set_summary("发票抬头错误");
  create.mutable_ticket()->set_request("请重开发票");
  tv1::Ticket t;
  ASSERT_THAT(tickets_stub_->CreateTicket(Ctx(rep_).get(), create, &t), IsOk());
  tv1::AssignTicketRequest assign;
  assign.set_id(t.id());
  assign.set_assignee_id(rep_id_);
  ASSERT_THAT(tickets_stub_->AssignTicket(Ctx(manager_).get(), assign, &t), IsOk());
  tv1::HandleTicketRequest handle;
  handle.set_id(t.id());
  handle.set_handling("已重开发票并寄出");
  ASSERT_THAT(tickets_stub_->HandleTicket(Ctx(rep_).get(), handle, &t), IsOk());
  tv1::RecordFeedbackRequest feedback;
  feedback.set_id(t.id());
  feedback.set_result("客户确认收到");
  feedback.set_satisfaction(4);
  ASSERT_THAT(tickets_stub_->RecordFeedback(Ctx(rep_).get(), feedback, &t), IsOk());
  ASSERT_EQ(t.status(), tv1::TICKET_STATUS_ARCHIVED);
  const absl::Duration ticket_lag = Await(
      av1::REPORT_KIND_SERVICE_COMPOSITION, av1::PERIOD_UNIT_MONTH, [&](const av1::Report& r) {
        const auto* row = RowWith(r, "type", "complaint");
        return row && Cell(r, *row, "archived").integer() == 1 &&
               Cell(r, *row, "satisfaction_4").integer() == 1 &&
               Cell(r, *row, "created").integer() == 1;
      });
  std::printf("archived ticket → service report: %.1f ms\n",
              absl::ToDoubleMilliseconds(ticket_lag));
  EXPECT_LE(ticket_lag, absl::Seconds(1));

  // A customer linked to a sales-system customer whose last order is over a year old is
  // warned by the scan; the manager confirms the loss.
  std::string lapsed_key;
  for (int n = 1; n <= 20 && lapsed_key.empty(); ++n) {
    sv1::ListCustomerOrdersRequest req;
    req.set_customer_key(absl::StrFormat("SC%05d", n));
    sv1::ListCustomerOrdersResponse resp;
    ASSERT_THAT(sales_system_stub_->ListCustomerOrders(Ctx().get(), req, &resp), IsOk());
    if (resp.orders_size() > 0 && DayOf(resp.orders(0).order_date()) < Today() - 365) {
      lapsed_key = req.customer_key();
    }
  }
  ASSERT_FALSE(lapsed_key.empty());
  cv1::SetSalesSystemKeyRequest link;
  link.set_id(customer.id());
  link.set_sales_system_key(lapsed_key);
  ASSERT_THAT(customers_stub_->SetSalesSystemKey(Ctx(rep_).get(), link, &customer), IsOk());
  for (int i = 0; i < 150 && customer.status() != cv1::CUSTOMER_STATUS_LOSS_WARNING; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    customer = GetCustomer(customer.id());
  }
  ASSERT_EQ(customer.status(), cv1::CUSTOMER_STATUS_LOSS_WARNING);
  cv1::ConfirmLossRequest confirm;
  confirm.set_customer_id(customer.id());
  confirm.set_reason("客户转向竞争对手");
  ASSERT_THAT(cv1::ChurnService::NewStub(customers_->channel())
                  ->ConfirmLoss(Ctx(manager_).get(), confirm, &customer),
              IsOk());
  av1::Report churn;
  const absl::Duration churn_lag = Await(
      av1::REPORT_KIND_CUSTOMER_CHURN, av1::PERIOD_UNIT_MONTH,
      [&](const av1::Report& r) {
        const auto* row = RowWith(r, "customer_id", customer.id());
        return row && Cell(r, *row, "latest_step").text() == "confirmed";
      },
      &churn);
  std::printf("confirmed loss → churn report: %.1f ms\n", absl::ToDoubleMilliseconds(churn_lag));
  EXPECT_LE(churn_lag, absl::Seconds(1));
  const auto* row = RowWith(churn, "customer_id", customer.id());
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(Cell(churn, *row, "reason").text(), "客户转向竞争对手");
  EXPECT_EQ(Cell(churn, *row, "warned").integer(), 1);
  EXPECT_GE(churn.totals().cells(2).integer(), 1);  // lost customers

  // The composition report counts the new customers by level; the lost one by status.
  av1::Report mix =
      Run(av1::REPORT_KIND_CUSTOMER_COMPOSITION, av1::PERIOD_UNIT_MONTH, executive_, "status");
  const auto* lost = RowWith(mix, "value", "lost");
  ASSERT_NE(lost, nullptr) << mix.DebugString();
  EXPECT_EQ(Cell(mix, *lost, "end_count").integer(), 1);
}

}  // namespace
}  // namespace crm::e2e
