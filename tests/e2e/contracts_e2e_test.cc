// The whole stack over real processes: a won opportunity becomes a contract priced from the
// sales system's catalogue, is reviewed and signed, and the customer's last order moves; the
// sales system down in the middle; churn fed by the sales system's own orders.

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "crm/auth/v1/auth_service.grpc.pb.h"
#include "crm/auth/v1/directory_service.grpc.pb.h"
#include "crm/contracts/v1/contracts_service.grpc.pb.h"
#include "crm/customers/v1/customers_service.grpc.pb.h"
#include "crm/pipeline/v1/pipeline_service.grpc.pb.h"
#include "external/salesys/v1/sales_system.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/checksum/sha256.h"
#include "libs/testing/pg.h"
#include "libs/testing/status_matchers.h"
#include "tests/e2e/stack_fixture.h"

namespace crm::e2e {
namespace {

using ::crm::test::HasFieldViolation;
using ::crm::test::IsOk;
using ::crm::test::StatusIs;

TEST_F(StackE2eTest, FromAWonOpportunityToASignedOrder) {
  cv1::Customer customer = NewCustomer("苏州新元光电有限公司");
  cv1::Contact signer = NewContact(customer.id(), "周总");
  EXPECT_FALSE(customer.has_last_order_date());
  pv1::Opportunity won = WonOpportunity(customer.id());
  const std::vector<sv1::Product> products = Products(5);
  ASSERT_EQ(products.size(), 5u);

  kv1::CreateContractRequest create = DraftOf(customer.id(), products);
  create.mutable_contract()->set_opportunity_id(won.id());
  create.mutable_contract()->mutable_lines(4)->mutable_discount()->set_currency_code("CNY");
  create.mutable_contract()->mutable_lines(4)->mutable_discount()->set_units(100);
  kv1::Contract draft;
  ASSERT_THAT(contracts_stub_->CreateContract(Ctx(rep_).get(), create, &draft), IsOk());
  // Quantities × list prices − the discount, in fen.
  int64_t expected = -10000;
  for (size_t i = 0; i < products.size(); ++i) {
    expected += static_cast<int64_t>(i + 1) * MinorOf(products[i].list_price());
    EXPECT_EQ(draft.lines(static_cast<int>(i)).product_name(), products[i].name());
  }
  EXPECT_EQ(MinorOf(draft.amount()), expected);
  EXPECT_EQ(draft.status(), kv1::CONTRACT_STATUS_DRAFT);
  EXPECT_EQ(draft.opportunity_id(), won.id());
  // A retry of the create is the same contract.
  kv1::Contract again;
  ASSERT_THAT(contracts_stub_->CreateContract(Ctx(rep_).get(), create, &again), IsOk());
  EXPECT_EQ(again.id(), draft.id());

  kv1::SubmitContractRequest submit;
  submit.set_id(draft.id());
  kv1::Contract pending;
  ASSERT_THAT(contracts_stub_->SubmitContract(Ctx(rep_).get(), submit, &pending), IsOk());
  EXPECT_EQ(pending.status(), kv1::CONTRACT_STATUS_PENDING_REVIEW);
  // Reviewed by the sales manager, or by an executive above the manager's limit.
  kv1::ReviewContractRequest review;
  review.set_id(draft.id());
  review.set_approve(true);
  kv1::Contract approved;
  EXPECT_THAT(contracts_stub_->ReviewContract(Ctx(rep_).get(), review, &approved),
              StatusIs(absl::StatusCode::kPermissionDenied));
  const bool escalated = pending.review_level() == kv1::REVIEW_LEVEL_EXECUTIVE;
  EXPECT_EQ(escalated, MinorOf(pending.amount()) > 100'000'000);
  if (escalated) {
    EXPECT_THAT(contracts_stub_->ReviewContract(Ctx(manager_).get(), review, &approved),
                StatusIs(absl::StatusCode::kPermissionDenied));
  }
  ASSERT_THAT(contracts_stub_->ReviewContract(Ctx(escalated ? executive_ : manager_).get(), review,
                                              &approved),
              IsOk());
  EXPECT_EQ(approved.status(), kv1::CONTRACT_STATUS_APPROVED);

  // The electronic contract, streamed up and back.
  const std::string pdf = std::string("%PDF-1.7 合同正文 ") + std::string(600 << 10, 'x');
  {
    kv1::ContractFile stored;
    auto ctx = Ctx(rep_);
    auto writer = contracts_stub_->UploadContractFile(ctx.get(), &stored);
    kv1::UploadContractFileRequest first;
    first.set_request_id("upload-1");
    first.mutable_metadata()->set_contract_id(draft.id());
    first.mutable_metadata()->set_file_name("合同-签字版.pdf");
    first.mutable_metadata()->set_content_type("application/pdf");
    first.mutable_metadata()->set_size_bytes(static_cast<int64_t>(pdf.size()));
    first.mutable_metadata()->set_sha256(checksum::Sha256Hex(pdf));
    ASSERT_TRUE(writer->Write(first));
    for (size_t at = 0; at < pdf.size(); at += 100 << 10) {
      kv1::UploadContractFileRequest chunk;
      chunk.set_chunk(pdf.substr(at, 100 << 10));
      ASSERT_TRUE(writer->Write(chunk));
    }
    writer->WritesDone();
    ASSERT_THAT(writer->Finish(), IsOk());
    EXPECT_EQ(stored.size_bytes(), static_cast<int64_t>(pdf.size()));
  }
  {
    kv1::DownloadContractFileRequest req;
    req.set_contract_id(draft.id());
    auto ctx = Ctx(manager_);
    auto reader = contracts_stub_->DownloadContractFile(ctx.get(), req);
    kv1::DownloadContractFileResponse part;
    std::string back;
    ASSERT_TRUE(reader->Read(&part));
    EXPECT_EQ(part.metadata().file_name(), "合同-签字版.pdf");
    while (reader->Read(&part)) back += part.chunk();
    ASSERT_THAT(reader->Finish(), IsOk());
    EXPECT_TRUE(back == pdf);
  }

  kv1::SignContractRequest sign;
  sign.set_id(draft.id());
  sign.set_customer_signer_contact_id(signer.id());
  kv1::Contract signed_;
  ASSERT_THAT(contracts_stub_->SignContract(Ctx(rep_).get(), sign, &signed_), IsOk());
  EXPECT_EQ(signed_.status(), kv1::CONTRACT_STATUS_SIGNED);
  EXPECT_EQ(signed_.our_signer_id(), rep_id_);
  EXPECT_EQ(DayOf(signed_.sign_date()), Today());
  EXPECT_EQ(signed_.file().file_name(), "合同-签字版.pdf");

  // The customers service follows the order event: the customer's last order is today.
  cv1::Customer now;
  for (int i = 0; i < 100; ++i) {
    now = GetCustomer(customer.id());
    if (now.has_last_order_date()) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(now.has_last_order_date());
  EXPECT_EQ(DayOf(now.last_order_date()), Today());

  // The opportunity shows its contract, as signed.
  pv1::GetOpportunityRequest get_opportunity;
  get_opportunity.set_id(won.id());
  pv1::Opportunity shown;
  for (int i = 0; i < 100; ++i) {
    ASSERT_THAT(pipeline_stub_->GetOpportunity(Ctx(rep_).get(), get_opportunity, &shown), IsOk());
    if (shown.contracts_size() == 1 && shown.contracts(0).status() == "signed") break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_EQ(shown.contracts_size(), 1);
  EXPECT_EQ(shown.contracts(0).contract_id(), signed_.id());
  EXPECT_EQ(shown.contracts(0).number(), signed_.number());
  EXPECT_EQ(shown.contracts(0).status(), "signed");
  EXPECT_EQ(MinorOf(shown.contracts(0).amount()), expected);
  // And the contracts service lists the opportunity's contracts.
  kv1::ListContractsRequest of_opportunity;
  of_opportunity.set_opportunity_id(won.id());
  kv1::ListContractsResponse listed;
  ASSERT_THAT(contracts_stub_->ListContracts(Ctx(manager_).get(), of_opportunity, &listed), IsOk());
  ASSERT_EQ(listed.contracts_size(), 1);
  EXPECT_EQ(listed.contracts(0).number(), signed_.number());
}

TEST_F(StackE2eTest, BadInputAndForeignRecordsAreRefusedAndNothingIsWritten) {
  cv1::Customer customer = NewCustomer("杭州云栖科技有限公司");
  const std::vector<sv1::Product> products = Products(2);
  kv1::CreateContractRequest bad = DraftOf(customer.id(), products);
  bad.mutable_contract()->mutable_lines(0)->set_quantity(0);
  bad.mutable_contract()->set_title("");
  kv1::Contract none;
  grpc::Status s = contracts_stub_->CreateContract(Ctx(rep_).get(), bad, &none);
  EXPECT_THAT(s, HasFieldViolation("contract.lines[0].quantity"));
  EXPECT_THAT(s, HasFieldViolation("contract.title"));
  kv1::CreateContractRequest unknown = DraftOf(customer.id(), products);
  unknown.mutable_contract()->mutable_lines(1)->set_product_id("no-such-product");
  EXPECT_THAT(
      contracts_stub_->CreateContract(Ctx(rep_).get(), unknown, &none),
      StatusIs(absl::StatusCode::kFailedPrecondition, ::testing::HasSubstr("no-such-product")));
  // An opportunity that is not won.
  pv1::CreateOpportunityRequest open;
  open.mutable_opportunity()->set_customer_id(customer.id());
  open.mutable_opportunity()->set_summary("续约");
  pv1::Opportunity o;
  ASSERT_THAT(pipeline_stub_->CreateOpportunity(Ctx(rep_).get(), open, &o), IsOk());
  kv1::CreateContractRequest not_won = DraftOf(customer.id(), products);
  not_won.mutable_contract()->set_opportunity_id(o.id());
  EXPECT_THAT(contracts_stub_->CreateContract(Ctx(rep_).get(), not_won, &none),
              StatusIs(absl::StatusCode::kFailedPrecondition, ::testing::HasSubstr("not won")));
  // A customer the caller cannot see.
  auto south = auth_->CreateDepartment("华南区");
  ASSERT_THAT(south, IsOk());
  ASSERT_THAT(auth_->CreateUser("zhao.lei", "account_manager", *south), IsOk());
  auto zhao = auth_->Login("zhao.lei", "s3cret-pass");
  ASSERT_THAT(zhao, IsOk());
  EXPECT_THAT(
      contracts_stub_->CreateContract(Ctx(*zhao).get(), DraftOf(customer.id(), products), &none),
      HasFieldViolation("contract.customer_id"));
  EXPECT_EQ(ContractsOf(customer.id()), 0);
}

TEST_F(StackE2eTest, TheSalesSystemDownInTheMiddle) {
  cv1::Customer customer = NewCustomer("无锡华晨机械有限公司");
  const std::vector<sv1::Product> first = Products(3);
  kv1::Contract draft;
  ASSERT_THAT(
      contracts_stub_->CreateContract(Ctx(rep_).get(), DraftOf(customer.id(), first), &draft),
      IsOk());
  fake_->Stop();
  // Products never looked up: a clear UNAVAILABLE, and no contract.
  std::vector<sv1::Product> others;
  for (const char* id : {"p-999991", "p-999992"}) {
    sv1::Product p;
    p.set_id(id);
    others.push_back(p);
  }
  kv1::Contract none;
  grpc::Status down =
      contracts_stub_->CreateContract(Ctx(rep_).get(), DraftOf(customer.id(), others), &none);
  EXPECT_THAT(down, StatusIs(absl::StatusCode::kUnavailable, ::testing::HasSubstr("sales system")));
  EXPECT_EQ(ContractsOf(customer.id()), 1);
  // A draft without lines needs no catalogue.
  kv1::CreateContractRequest empty = DraftOf(customer.id(), {});
  ASSERT_THAT(contracts_stub_->CreateContract(Ctx(rep_).get(), empty, &none), IsOk());
  // The draft's products were looked up minutes ago: their cached prices still price its
  // submission.
  kv1::SubmitContractRequest submit;
  submit.set_id(draft.id());
  kv1::Contract pending;
  EXPECT_THAT(contracts_stub_->SubmitContract(Ctx(rep_).get(), submit, &pending), IsOk());
  EXPECT_EQ(pending.status(), kv1::CONTRACT_STATUS_PENDING_REVIEW);
}

TEST_F(StackE2eTest, ChurnCountsTheSalesSystemsOwnOrders) {
  // Demo customers of the sales system: one that ordered recently, one whose last order is
  // more than a year old (every fifth one).
  std::string recent_key, lapsed_key;
  absl::CivilDay recent;
  for (int n = 1; n <= 20; ++n) {
    sv1::ListCustomerOrdersRequest req;
    req.set_customer_key(absl::StrFormat("SC%05d", n));
    sv1::ListCustomerOrdersResponse resp;
    ASSERT_THAT(sales_system_stub_->ListCustomerOrders(Ctx().get(), req, &resp), IsOk());
    if (resp.orders_size() == 0) continue;
    const absl::CivilDay last = DayOf(resp.orders(0).order_date());
    if (recent_key.empty() && last > Today() - 150) {
      recent_key = req.customer_key();
      recent = last;
    }
    if (lapsed_key.empty() && last < Today() - 365) lapsed_key = req.customer_key();
  }
  ASSERT_FALSE(recent_key.empty());
  ASSERT_FALSE(lapsed_key.empty());
  cv1::Customer active = NewCustomer("常州恒达纺织有限公司");
  cv1::Customer lapsed = NewCustomer("南通远洋船舶配件厂");
  for (auto [c, key] : {std::pair{&active, recent_key}, {&lapsed, lapsed_key}}) {
    cv1::SetSalesSystemKeyRequest link;
    link.set_id(c->id());
    link.set_sales_system_key(key);
    ASSERT_THAT(customers_stub_->SetSalesSystemKey(Ctx(rep_).get(), link, c), IsOk());
    EXPECT_EQ(c->sales_system_key(), key);
  }
  // A key names one customer.
  cv1::Customer third = NewCustomer("扬州明月茶业有限公司");
  cv1::SetSalesSystemKeyRequest taken;
  taken.set_id(third.id());
  taken.set_sales_system_key(recent_key);
  EXPECT_THAT(customers_stub_->SetSalesSystemKey(Ctx(rep_).get(), taken, &third),
              StatusIs(absl::StatusCode::kAlreadyExists));

  // The order stream is read from its beginning into the linked customers; the scan then warns
  // the lapsed one and leaves the one with recent orders alone.
  cv1::Customer a, l;
  for (int i = 0; i < 150; ++i) {
    a = GetCustomer(active.id());
    l = GetCustomer(lapsed.id());
    if (a.has_last_order_date() && l.status() == cv1::CUSTOMER_STATUS_LOSS_WARNING) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(a.has_last_order_date());
  EXPECT_GE(DayOf(a.last_order_date()), recent);
  EXPECT_EQ(a.status(), cv1::CUSTOMER_STATUS_ACTIVE);
  ASSERT_TRUE(l.has_last_order_date());
  EXPECT_LT(DayOf(l.last_order_date()), Today() - 365);
  EXPECT_EQ(l.status(), cv1::CUSTOMER_STATUS_LOSS_WARNING);
}

}  // namespace
}  // namespace crm::e2e
