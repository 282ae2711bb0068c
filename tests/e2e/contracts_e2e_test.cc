// The whole stack over real processes: a won opportunity becomes a contract priced from the
// sales system's catalogue, is reviewed and signed, and the customer's last order moves; the
// sales system down in the middle; churn fed by the sales system's own orders; and the
// authorization matrix over every RPC of every service.

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/sync_stream.h>

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "crm/auth/v1/auth_service.grpc.pb.h"
#include "crm/auth/v1/directory_service.grpc.pb.h"
#include "crm/common/v1/access.pb.h"
#include "crm/contracts/v1/contracts_service.grpc.pb.h"
#include "crm/customers/v1/customers_service.grpc.pb.h"
#include "crm/pipeline/v1/pipeline_service.grpc.pb.h"
#include "external/salesys/v1/sales_system.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/dynamic_message.h"
#include "gtest/gtest.h"
#include "libs/checksum/sha256.h"
#include "libs/testing/pg.h"
#include "libs/testing/status_matchers.h"
#include "tests/e2e/stack.h"

namespace crm::e2e {
namespace {

namespace cv1 = ::crm::customers::v1;
namespace pv1 = ::crm::pipeline::v1;
namespace kv1 = ::crm::contracts::v1;
namespace sv1 = ::external::salesys::v1;
using ::crm::test::HasFieldViolation;
using ::crm::test::IsOk;
using ::crm::test::StatusIs;

void SetDay(absl::CivilDay d, google::type::Date* out) {
  out->set_year(static_cast<int>(d.year()));
  out->set_month(d.month());
  out->set_day(d.day());
}

absl::CivilDay DayOf(const google::type::Date& d) {
  return absl::CivilDay(d.year(), d.month(), d.day());
}

int64_t MinorOf(const google::type::Money& m) { return m.units() * 100 + m.nanos() / 10'000'000; }

// The services' business time zone (their default).
absl::CivilDay Today() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Asia/Shanghai", &zone));
  return absl::ToCivilDay(absl::Now(), zone);
}

class StackE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = test::TestDatabase::Create("stack_e2e");
    ASSERT_THAT(db, IsOk());
    db_ = *std::move(db);
    auto auth = AuthServer::Start(*db_);
    ASSERT_THAT(auth, IsOk());
    auth_ = *std::move(auth);
    auto customers = CustomersServer::Start(*db_, *auth_);
    ASSERT_THAT(customers, IsOk());
    customers_ = *std::move(customers);
    auto pipeline = PipelineServer::Start(*db_, *auth_, *customers_);
    ASSERT_THAT(pipeline, IsOk());
    pipeline_ = *std::move(pipeline);
    auto fake = SalesSystemFake::Start();
    ASSERT_THAT(fake, IsOk());
    fake_ = *std::move(fake);
    auto contracts =
        ContractsServer::Start(*db_, *auth_, *customers_, *pipeline_, fake_->address());
    ASSERT_THAT(contracts, IsOk());
    contracts_ = *std::move(contracts);
    // Customers follows both order sources: the contracts' order events and the sales
    // system's order stream.
    auto secret = auth_->CreateServiceAccount("customers-follower", "customers_follower");
    ASSERT_THAT(secret, IsOk());
    ASSERT_THAT(customers_->Restart(
                    {"--order-events-address=" + contracts_->target(),
                     "--service-client-id=customers-follower",
                     "--service-client-secret-file=" + *secret, "--follow-sales-system-orders",
                     "--salesys-address=" + fake_->address(), "--loss-scan-interval=1s"}),
                IsOk());
    // The pipeline follows customers' hand-overs and the contracts of its opportunities. It
    // starts after customers: a stream it had open to the old customers process would leave
    // its channel backing off for a while.
    auto pipeline_secret = auth_->CreateServiceAccount("pipeline-follower", "pipeline_follower");
    ASSERT_THAT(pipeline_secret, IsOk());
    ASSERT_THAT(pipeline_->Restart({"--contracts-address=" + contracts_->target(),
                                    "--service-client-id=pipeline-follower",
                                    "--service-client-secret-file=" + *pipeline_secret}),
                IsOk());
    customers_stub_ = cv1::CustomersService::NewStub(customers_->channel());
    contacts_stub_ = cv1::ContactsService::NewStub(customers_->channel());
    pipeline_stub_ = pv1::PipelineService::NewStub(pipeline_->channel());
    contracts_stub_ = kv1::ContractsService::NewStub(contracts_->channel());
    sales_system_stub_ = sv1::SalesSystemService::NewStub(
        grpc::CreateChannel(fake_->address(), grpc::InsecureChannelCredentials()));

    auto east = auth_->CreateDepartment("华东区");
    ASSERT_THAT(east, IsOk());
    east_ = *east;
    ASSERT_THAT(auth_->CreateUser("li.na", "sales_manager", *east), IsOk());
    auto rep_id = auth_->CreateUser("chen.jie", "account_manager", *east);
    ASSERT_THAT(rep_id, IsOk());
    rep_id_ = *rep_id;
    ASSERT_THAT(auth_->CreateUser("zhang.wei", "executive", *east), IsOk());
    for (auto [name, token] :
         {std::pair{"li.na", &manager_}, {"chen.jie", &rep_}, {"zhang.wei", &executive_}}) {
      auto t = auth_->Login(name, "s3cret-pass");
      ASSERT_THAT(t, IsOk());
      *token = *t;
    }
  }

  void TearDown() override {
    if (!HasFailure()) return;
    for (auto [name, service] :
         {std::pair<const char*, ServiceUnderTest*>{"contracts", contracts_.get()},
          {"customers", customers_.get()}}) {
      if (service == nullptr) continue;
      const std::string log = service->process().Output();
      std::printf("--- %s log (end) ---\n%s\n", name,
                  log.substr(log.size() > 6000 ? log.size() - 6000 : 0).c_str());
    }
  }

  cv1::Customer NewCustomer(const std::string& name) {
    cv1::CreateCustomerRequest req;
    req.mutable_customer()->set_name(name);
    cv1::Customer c;
    EXPECT_THAT(customers_stub_->CreateCustomer(Ctx(rep_).get(), req, &c), IsOk());
    return c;
  }

  cv1::Contact NewContact(const std::string& customer_id, const std::string& name) {
    cv1::CreateContactRequest req;
    req.mutable_contact()->set_customer_id(customer_id);
    req.mutable_contact()->set_name(name);
    cv1::Contact c;
    EXPECT_THAT(contacts_stub_->CreateContact(Ctx(rep_).get(), req, &c), IsOk());
    return c;
  }

  // An opportunity of the customer, assigned to the rep, planned and won.
  pv1::Opportunity WonOpportunity(const std::string& customer_id) {
    pv1::CreateOpportunityRequest create;
    create.mutable_opportunity()->set_customer_id(customer_id);
    create.mutable_opportunity()->set_summary("采购CRM系统及数据分析平台");
    pv1::Opportunity o;
    EXPECT_THAT(pipeline_stub_->CreateOpportunity(Ctx(rep_).get(), create, &o), IsOk());
    pv1::AssignOpportunityRequest assign;
    assign.set_id(o.id());
    assign.set_assignee_id(rep_id_);
    EXPECT_THAT(pipeline_stub_->AssignOpportunity(Ctx(manager_).get(), assign, &o), IsOk());
    pv1::CreatePlanItemRequest plan;
    plan.mutable_item()->set_opportunity_id(o.id());
    SetDay(Today() + 1, plan.mutable_item()->mutable_plan_date());
    plan.mutable_item()->set_content("上门演示");
    pv1::PlanItem item;
    EXPECT_THAT(pipeline_stub_->CreatePlanItem(Ctx(rep_).get(), plan, &item), IsOk());
    pv1::MarkDevelopmentSucceededRequest won;
    won.set_id(o.id());
    EXPECT_THAT(pipeline_stub_->MarkDevelopmentSucceeded(Ctx(rep_).get(), won, &o), IsOk());
    EXPECT_EQ(o.status(), pv1::OPPORTUNITY_STATUS_WON);
    return o;
  }

  // Active products of the catalogue.
  std::vector<sv1::Product> Products(int n, const std::string& page_token = "") {
    sv1::ListProductsRequest req;
    req.set_active_only(true);
    req.set_page_size(n);
    req.set_page_token(page_token);
    sv1::ListProductsResponse resp;
    EXPECT_THAT(sales_system_stub_->ListProducts(Ctx().get(), req, &resp), IsOk());
    return {resp.products().begin(), resp.products().end()};
  }

  // A draft of the customer with a line per product (quantity 1, 2, …).
  kv1::CreateContractRequest DraftOf(const std::string& customer_id,
                                     const std::vector<sv1::Product>& products) {
    kv1::CreateContractRequest req;
    req.set_request_id(absl::StrCat("contract-", ++created_));
    kv1::Contract* c = req.mutable_contract();
    c->set_customer_id(customer_id);
    c->set_title("软件采购及实施合同");
    c->set_terms("合同签订后30日内支付全款；产品交付后提供一年免费维护。");
    SetDay(Today(), c->mutable_start_date());
    SetDay(Today() + 365, c->mutable_end_date());
    int64_t q = 0;
    for (const auto& p : products) {
      kv1::ContractLine* l = c->add_lines();
      l->set_product_id(p.id());
      l->set_quantity(++q);
    }
    return req;
  }

  int64_t ContractsOf(const std::string& customer_id) {
    kv1::ListContractsRequest req;
    req.set_customer_id(customer_id);
    kv1::ListContractsResponse resp;
    EXPECT_THAT(contracts_stub_->ListContracts(Ctx(rep_).get(), req, &resp), IsOk());
    return resp.contracts_size();
  }

  cv1::Customer GetCustomer(const std::string& id) {
    cv1::GetCustomerRequest req;
    req.set_id(id);
    cv1::Customer c;
    EXPECT_THAT(customers_stub_->GetCustomer(Ctx(rep_).get(), req, &c), IsOk());
    return c;
  }

  std::unique_ptr<test::TestDatabase> db_;
  std::unique_ptr<AuthServer> auth_;
  std::unique_ptr<CustomersServer> customers_;
  std::unique_ptr<PipelineServer> pipeline_;
  std::unique_ptr<SalesSystemFake> fake_;
  std::unique_ptr<ContractsServer> contracts_;
  std::unique_ptr<cv1::CustomersService::Stub> customers_stub_;
  std::unique_ptr<cv1::ContactsService::Stub> contacts_stub_;
  std::unique_ptr<pv1::PipelineService::Stub> pipeline_stub_;
  std::unique_ptr<kv1::ContractsService::Stub> contracts_stub_;
  std::unique_ptr<sv1::SalesSystemService::Stub> sales_system_stub_;
  std::string east_, rep_id_, manager_, rep_, executive_;
  int created_ = 0;
};

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

// One call of any method, by its descriptor, with an empty request (one empty message on a
// client stream), as the caller with `token`. A stream the caller may open (an event stream)
// stays open: it is given a second.
grpc::Status CallEmpty(grpc::ChannelInterface* channel, const google::protobuf::MethodDescriptor& m,
                       const std::string& token, const std::string& request_bytes = "") {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(m.server_streaming() ? 1 : 10)));
  ctx.AddMetadata("authorization", "Bearer " + token);
  const std::string name = absl::StrCat("/", m.service()->full_name(), "/", m.name());
  grpc::Slice empty(request_bytes);
  grpc::ByteBuffer request(&empty, 1), response;
  using Kind = grpc::internal::RpcMethod::RpcType;
  if (!m.client_streaming() && !m.server_streaming()) {
    return grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
        channel, grpc::internal::RpcMethod(name.c_str(), Kind::NORMAL_RPC), &ctx, request,
        &response);
  }
  if (!m.client_streaming()) {
    std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> reader(
        grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(
            channel, grpc::internal::RpcMethod(name.c_str(), Kind::SERVER_STREAMING), &ctx,
            request));
    while (reader->Read(&response)) {
    }
    return reader->Finish();
  }
  if (!m.server_streaming()) {
    std::unique_ptr<grpc::ClientWriter<grpc::ByteBuffer>> writer(
        grpc::internal::ClientWriterFactory<grpc::ByteBuffer>::Create(
            channel, grpc::internal::RpcMethod(name.c_str(), Kind::CLIENT_STREAMING), &ctx,
            &response));
    writer->Write(request);
    writer->WritesDone();
    return writer->Finish();
  }
  std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>> stream(
      grpc::internal::ClientReaderWriterFactory<grpc::ByteBuffer, grpc::ByteBuffer>::Create(
          channel, grpc::internal::RpcMethod(name.c_str(), Kind::BIDI_STREAMING), &ctx));
  stream->Write(request);
  stream->WritesDone();
  while (stream->Read(&response)) {
  }
  return stream->Finish();
}

// Every RPC of every service, read from the protos' descriptors (a new RPC is covered without
// being listed), called with an empty request by a caller of every built-in role and of a
// role that grants nothing, each as a person and as a service account. The answer must be what
// the RPC's declared access (crm.common.v1.access) and the role's permissions in the database
// say: PERMISSION_DENIED before validation and before looking anything up when the role lacks
// the permission, anything else when it has it.
TEST_F(StackE2eTest, EveryRpcAnswersEveryRoleAsItsAccessDeclares) {
  auto admin = auth_->Login("admin", kAdminPassword);
  ASSERT_THAT(admin, IsOk());
  auto directory = crm::auth::v1::DirectoryService::NewStub(auth_->channel());
  crm::auth::v1::CreateRoleRequest role;
  role.mutable_role()->set_name("nothing");
  role.mutable_role()->set_display_name("无权限");
  role.mutable_role()->set_data_scope(crm::auth::v1::DATA_SCOPE_ALL);
  crm::auth::v1::Role created_role;
  ASSERT_THAT(directory->CreateRole(Ctx(*admin).get(), role, &created_role), IsOk());
  crm::auth::v1::ListRolesRequest list_roles;
  list_roles.set_page_size(100);
  crm::auth::v1::ListRolesResponse roles;
  ASSERT_THAT(directory->ListRoles(Ctx(*admin).get(), list_roles, &roles), IsOk());
  ASSERT_TRUE(roles.next_page_token().empty());

  struct Caller {
    std::string who;
    std::string token;
    std::set<std::string> permissions;
    bool service_account;
  };
  std::vector<Caller> callers;
  for (const auto& r : roles.roles()) {
    if (!r.builtin() && r.name() != "nothing") continue;
    const std::set<std::string> permissions(r.permissions().begin(), r.permissions().end());
    const std::string person = absl::StrCat("matrix.", callers.size());
    ASSERT_THAT(auth_->CreateUser(person, r.name(), east_), IsOk()) << r.name();
    auto person_token = auth_->Login(person, "s3cret-pass");
    ASSERT_THAT(person_token, IsOk());
    callers.push_back(
        {absl::StrCat("a person with role ", r.name()), *person_token, permissions, false});
    auto account_token = auth_->ServiceToken(absl::StrCat("matrix-", callers.size()), r.name());
    ASSERT_THAT(account_token, IsOk()) << r.name();
    callers.push_back({absl::StrCat("a service account with role ", r.name()), *account_token,
                       permissions, true});
  }
  EXPECT_EQ(callers.size(), 2 * 11u);

  const std::vector<std::pair<std::string, grpc::ChannelInterface*>> files = {
      {"crm/auth/v1/auth_service.proto", auth_->channel().get()},
      {"crm/auth/v1/directory_service.proto", auth_->channel().get()},
      {"crm/customers/v1/customers_service.proto", customers_->channel().get()},
      {"crm/pipeline/v1/pipeline_service.proto", pipeline_->channel().get()},
      {"crm/contracts/v1/contracts_service.proto", contracts_->channel().get()}};
  int checked = 0, methods = 0, allowed = 0;
  for (const auto& [file_name, channel] : files) {
    const auto* file =
        google::protobuf::DescriptorPool::generated_pool()->FindFileByName(file_name);
    ASSERT_NE(file, nullptr) << file_name;
    for (int s = 0; s < file->service_count(); ++s) {
      const auto* service = file->service(s);
      for (int i = 0; i < service->method_count(); ++i) {
        const auto& m = *service->method(i);
        ++methods;
        ASSERT_TRUE(m.options().HasExtension(crm::common::v1::access))
            << m.full_name() << " declares no crm.common.v1.access";
        const crm::common::v1::Access& access = m.options().GetExtension(crm::common::v1::access);
        if (access.public_()) continue;
        for (const Caller& caller : callers) {
          bool may = access.permissions().empty();
          for (const auto& p : access.permissions()) may = may || caller.permissions.count(p) > 0;
          may = may && (!access.service_accounts_only() || caller.service_account);
          grpc::Status status = CallEmpty(channel, m, caller.token);
          ++checked;
          if (may) {
            ++allowed;
            EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
                << m.full_name() << " as " << caller.who << ": " << status.error_message();
            EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
                << m.full_name() << " as " << caller.who << ": " << status.error_message();
          } else {
            EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
                << m.full_name() << " as " << caller.who << ": " << status.error_code() << " "
                << status.error_message();
          }
        }
      }
    }
  }
  EXPECT_GT(methods, 95);
  std::printf("authorization matrix: %d methods x %zu callers, %d calls checked (%d allowed)\n",
              methods, callers.size(), checked, allowed);

  // Records the caller cannot see. Every request naming a record (its top-level `id` and
  // `*_id` fields) is sent by a rep and a manager of 华东区, once with an id nobody has and
  // once with the id of a real record of 华南区's rep: neither may say whether the record
  // exists (never NOT_FOUND) and the real one must not be answered (never OK).
  auto south = auth_->CreateDepartment("华南区");
  ASSERT_THAT(south, IsOk());
  ASSERT_THAT(auth_->CreateUser("zhao.lei", "account_manager", *south), IsOk());
  auto zhao = auth_->Login("zhao.lei", "s3cret-pass");
  ASSERT_THAT(zhao, IsOk());
  cv1::CreateCustomerRequest create_customer;
  create_customer.mutable_customer()->set_name("广州白云电器设备股份有限公司");
  cv1::Customer south_customer;
  ASSERT_THAT(customers_stub_->CreateCustomer(Ctx(*zhao).get(), create_customer, &south_customer),
              IsOk());
  auto contacts = cv1::ContactsService::NewStub(customers_->channel());
  cv1::CreateContactRequest create_contact;
  create_contact.mutable_contact()->set_customer_id(south_customer.id());
  create_contact.mutable_contact()->set_name("黄经理");
  cv1::Contact south_contact;
  ASSERT_THAT(contacts->CreateContact(Ctx(*zhao).get(), create_contact, &south_contact), IsOk());
  cv1::CreateInteractionRequest create_interaction;
  create_interaction.mutable_interaction()->set_customer_id(south_customer.id());
  create_interaction.mutable_interaction()->set_method(cv1::INTERACTION_METHOD_PHONE);
  create_interaction.mutable_interaction()->mutable_occur_time()->set_seconds(time(nullptr));
  create_interaction.mutable_interaction()->set_summary("电话沟通需求");
  cv1::Interaction south_interaction;
  ASSERT_THAT(contacts->CreateInteraction(Ctx(*zhao).get(), create_interaction, &south_interaction),
              IsOk());
  pv1::CreateOpportunityRequest create_opportunity;
  create_opportunity.mutable_opportunity()->set_prospect_name("深圳前海科技有限公司");
  create_opportunity.mutable_opportunity()->set_summary("采购CRM系统");
  pv1::Opportunity south_opportunity;
  ASSERT_THAT(
      pipeline_stub_->CreateOpportunity(Ctx(*zhao).get(), create_opportunity, &south_opportunity),
      IsOk());
  kv1::Contract south_contract;
  ASSERT_THAT(contracts_stub_->CreateContract(
                  Ctx(*zhao).get(), DraftOf(south_customer.id(), Products(2)), &south_contract),
              IsOk());
  // The real record a request's field names, by the field and the request's name.
  auto real_id = [&](const google::protobuf::Descriptor& request,
                     const std::string& field) -> std::string {
    const std::string& kind = request.name();
    if (field == "customer_id" || field == "survivor_id" || field == "duplicate_id") {
      return south_customer.id();
    }
    if (field == "contact_id") return south_contact.id();
    if (field == "opportunity_id") return south_opportunity.id();
    if (field == "contract_id") return south_contract.id();
    if (field != "id") return "";
    if (absl::StrContains(kind, "Contract")) return south_contract.id();
    if (absl::StrContains(kind, "Contact") && !absl::StrContains(kind, "Relation")) {
      return south_contact.id();
    }
    if (absl::StrContains(kind, "Interaction")) return south_interaction.id();
    if (absl::StrContains(kind, "Opportunit") || absl::StrContains(kind, "Development")) {
      return south_opportunity.id();
    }
    if (kind == "GetCustomerRequest" || kind == "DeleteCustomerRequest" ||
        absl::StrContains(kind, "Loss")) {
      return south_customer.id();
    }
    return "";
  };
  google::protobuf::DynamicMessageFactory factory;
  int scoped = 0, real = 0;
  for (const auto& [file_name, channel] : files) {
    const auto* file =
        google::protobuf::DescriptorPool::generated_pool()->FindFileByName(file_name);
    for (int s = 0; s < file->service_count(); ++s) {
      for (int i = 0; i < file->service(s)->method_count(); ++i) {
        const auto& m = *file->service(s)->method(i);
        std::unique_ptr<google::protobuf::Message> unknown(
            factory.GetPrototype(m.input_type())->New());
        std::unique_ptr<google::protobuf::Message> existing(unknown->New());
        bool names_a_record = false, all_real = true;
        for (int f = 0; f < m.input_type()->field_count(); ++f) {
          const auto* field = m.input_type()->field(f);
          if (field->type() != google::protobuf::FieldDescriptor::TYPE_STRING ||
              field->is_repeated() ||
              !(field->name() == "id" || absl::EndsWith(field->name(), "_id")) ||
              field->name() == "request_id") {
            continue;
          }
          unknown->GetReflection()->SetString(unknown.get(), field,
                                              "01890000-0000-7000-8000-00000000abcd");
          const std::string id = real_id(*m.input_type(), field->name());
          all_real = all_real && !id.empty();
          existing->GetReflection()->SetString(existing.get(), field, id);
          names_a_record = true;
        }
        // The organisation tree is not scoped: whoever may read it reads all of it.
        if (!names_a_record || m.full_name() == "crm.auth.v1.DirectoryService.GetDepartment") {
          continue;
        }
        for (const auto& [who, token] : {std::pair{"a rep", rep_}, {"a manager", manager_}}) {
          grpc::Status status = CallEmpty(channel, m, token, unknown->SerializeAsString());
          ++scoped;
          EXPECT_NE(status.error_code(), grpc::StatusCode::NOT_FOUND)
              << m.full_name() << " as " << who << ": " << status.error_message();
          if (!all_real) continue;
          status = CallEmpty(channel, m, token, existing->SerializeAsString());
          ++real;
          EXPECT_NE(status.error_code(), grpc::StatusCode::NOT_FOUND)
              << m.full_name() << " as " << who << ", a real record: " << status.error_message();
          // ListMerges filters the merge log, whose duplicates no longer exist: an empty page
          // for any customer outside the scope, real or not.
          if (m.full_name() == "crm.customers.v1.MergesService.ListMerges") continue;
          EXPECT_NE(status.error_code(), grpc::StatusCode::OK)
              << m.full_name() << " as " << who << ", a real record";
        }
      }
    }
  }
  std::printf("records out of scope: %d calls with unknown ids, %d with real ones\n", scoped, real);
}

}  // namespace
}  // namespace crm::e2e
