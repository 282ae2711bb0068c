#pragma once
// The whole stack over real processes for end-to-end tests: auth, customers, the pipeline,
// the sales system's stand-in, contracts, payments, service (tickets) and analytics, wired with
// their followers the way the local stack wires them, with a department (华东区), a sales manager,
// an account manager and an executive signed in, and helpers that walk a customer to a signed
// contract.

#include <grpcpp/create_channel.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crm/analytics/v1/analytics_service.grpc.pb.h"
#include "crm/contracts/v1/contracts_service.grpc.pb.h"
#include "crm/customers/v1/customers_service.grpc.pb.h"
#include "crm/payments/v1/payments_service.grpc.pb.h"
#include "crm/pipeline/v1/pipeline_service.grpc.pb.h"
#include "crm/service/v1/tickets_service.grpc.pb.h"
#include "external/salesys/v1/sales_system.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/money/money.h"
#include "libs/testing/pg.h"
#include "libs/testing/status_matchers.h"
#include "tests/e2e/stack.h"

namespace crm::e2e {

namespace cv1 = ::crm::customers::v1;
namespace pv1 = ::crm::pipeline::v1;
namespace kv1 = ::crm::contracts::v1;
namespace yv1 = ::crm::payments::v1;
namespace tv1 = ::crm::service::v1;
namespace sv1 = ::external::salesys::v1;
namespace av1 = ::crm::analytics::v1;

inline void SetDay(absl::CivilDay d, google::type::Date* out) {
  out->set_year(static_cast<int>(d.year()));
  out->set_month(d.month());
  out->set_day(d.day());
}

inline absl::CivilDay DayOf(const google::type::Date& d) {
  return absl::CivilDay(d.year(), d.month(), d.day());
}

using money::MinorOf;

// The services' business time zone (their default).
inline absl::CivilDay Today() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Asia/Shanghai", &zone));
  return absl::ToCivilDay(absl::Now(), zone);
}

class StackE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = test::TestDatabase::Create("stack_e2e");
    ASSERT_THAT(db, test::IsOk());
    db_ = *std::move(db);
    auto auth = AuthServer::Start(*db_);
    ASSERT_THAT(auth, test::IsOk());
    auth_ = *std::move(auth);
    auto customers = CustomersServer::Start(*db_, *auth_);
    ASSERT_THAT(customers, test::IsOk());
    customers_ = *std::move(customers);
    auto pipeline = PipelineServer::Start(*db_, *auth_, *customers_);
    ASSERT_THAT(pipeline, test::IsOk());
    pipeline_ = *std::move(pipeline);
    auto fake = SalesSystemFake::Start();
    ASSERT_THAT(fake, test::IsOk());
    fake_ = *std::move(fake);
    auto contracts =
        ContractsServer::Start(*db_, *auth_, *customers_, *pipeline_, fake_->address());
    ASSERT_THAT(contracts, test::IsOk());
    contracts_ = *std::move(contracts);
    // Payments turns signed contracts into receivables; the contracts service completes a
    // contract when its receivable is settled.
    auto payments_secret = auth_->CreateServiceAccount("payments-follower", "payments_follower");
    ASSERT_THAT(payments_secret, test::IsOk());
    auto payments = PaymentsServer::Start(*db_, *auth_, *contracts_, *payments_secret);
    ASSERT_THAT(payments, test::IsOk());
    payments_ = *std::move(payments);
    auto contracts_secret = auth_->CreateServiceAccount("contracts-follower", "contracts_follower");
    ASSERT_THAT(contracts_secret, test::IsOk());
    ASSERT_THAT(contracts_->Restart({"--payments-address=" + payments_->target(),
                                     "--service-client-id=contracts-follower",
                                     "--service-client-secret-file=" + *contracts_secret}),
                test::IsOk());
    // The service service checks tickets' customers and follows their hand-overs and merges.
    auto service_secret = auth_->CreateServiceAccount("service-follower", "service_follower");
    ASSERT_THAT(service_secret, test::IsOk());
    auto service = ServiceServer::Start(*db_, *auth_, *customers_, *service_secret,
                                        {"--sla-scan-interval=1s"});
    ASSERT_THAT(service, test::IsOk());
    service_ = *std::move(service);
    // Customers follows both order sources (the contracts' order events and the sales
    // system's order stream) and the tickets' satisfaction.
    auto secret = auth_->CreateServiceAccount("customers-follower", "customers_follower");
    ASSERT_THAT(secret, test::IsOk());
    ASSERT_THAT(
        customers_->Restart(
            {"--order-events-address=" + contracts_->target(),
             "--service-client-id=customers-follower", "--service-client-secret-file=" + *secret,
             "--follow-sales-system-orders", "--salesys-address=" + fake_->address(),
             "--loss-scan-interval=1s", "--service-address=" + service_->target()}),
        test::IsOk());
    // The pipeline follows customers' hand-overs and the contracts of its opportunities. It
    // starts after customers: a stream it had open to the old customers process would leave
    // its channel backing off for a while.
    auto pipeline_secret = auth_->CreateServiceAccount("pipeline-follower", "pipeline_follower");
    ASSERT_THAT(pipeline_secret, test::IsOk());
    ASSERT_THAT(pipeline_->Restart({"--contracts-address=" + contracts_->target(),
                                    "--service-client-id=pipeline-follower",
                                    "--service-client-secret-file=" + *pipeline_secret}),
                test::IsOk());
    // Analytics follows every service's events into its read models.
    auto analytics_secret = auth_->CreateServiceAccount("analytics-follower", "analytics_follower");
    ASSERT_THAT(analytics_secret, test::IsOk());
    auto analytics = AnalyticsServer::Start(
        *db_, *auth_, *analytics_secret,
        {"--customers-address=" + customers_->target(), "--pipeline-address=" + pipeline_->target(),
         "--contracts-address=" + contracts_->target(), "--payments-address=" + payments_->target(),
         "--service-address=" + service_->target()});
    ASSERT_THAT(analytics, test::IsOk());
    analytics_ = *std::move(analytics);
    customers_stub_ = cv1::CustomersService::NewStub(customers_->channel());
    contacts_stub_ = cv1::ContactsService::NewStub(customers_->channel());
    pipeline_stub_ = pv1::PipelineService::NewStub(pipeline_->channel());
    contracts_stub_ = kv1::ContractsService::NewStub(contracts_->channel());
    payments_stub_ = yv1::PaymentsService::NewStub(payments_->channel());
    tickets_stub_ = tv1::TicketsService::NewStub(service_->channel());
    analytics_stub_ = av1::AnalyticsService::NewStub(analytics_->channel());
    sales_system_stub_ = sv1::SalesSystemService::NewStub(
        grpc::CreateChannel(fake_->address(), grpc::InsecureChannelCredentials()));

    auto east = auth_->CreateDepartment("华东区");
    ASSERT_THAT(east, test::IsOk());
    east_ = *east;
    ASSERT_THAT(auth_->CreateUser("li.na", "sales_manager", *east), test::IsOk());
    auto rep_id = auth_->CreateUser("chen.jie", "account_manager", *east);
    ASSERT_THAT(rep_id, test::IsOk());
    rep_id_ = *rep_id;
    ASSERT_THAT(auth_->CreateUser("zhang.wei", "executive", *east), test::IsOk());
    ASSERT_THAT(auth_->CreateUser("wang.fang", "finance", *east), test::IsOk());
    for (auto [name, token] : {std::pair{"li.na", &manager_},
                               {"chen.jie", &rep_},
                               {"zhang.wei", &executive_},
                               {"wang.fang", &finance_}}) {
      auto t = auth_->Login(name, "s3cret-pass");
      ASSERT_THAT(t, test::IsOk());
      *token = *t;
    }
  }

  void TearDown() override {
    if (!HasFailure()) return;
    for (auto [name, service] :
         {std::pair<const char*, ServiceUnderTest*>{"analytics", analytics_.get()},
          {"service", service_.get()},
          {"payments", payments_.get()},
          {"contracts", contracts_.get()},
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
    EXPECT_THAT(customers_stub_->CreateCustomer(Ctx(rep_).get(), req, &c), test::IsOk());
    return c;
  }

  cv1::Contact NewContact(const std::string& customer_id, const std::string& name) {
    cv1::CreateContactRequest req;
    req.mutable_contact()->set_customer_id(customer_id);
    req.mutable_contact()->set_name(name);
    cv1::Contact c;
    EXPECT_THAT(contacts_stub_->CreateContact(Ctx(rep_).get(), req, &c), test::IsOk());
    return c;
  }

  // An opportunity of the customer, assigned to the rep, planned and won.
  pv1::Opportunity WonOpportunity(const std::string& customer_id) {
    pv1::CreateOpportunityRequest create;
    create.mutable_opportunity()->set_customer_id(customer_id);
    create.mutable_opportunity()->set_summary("采购CRM系统及数据分析平台");
    pv1::Opportunity o;
    EXPECT_THAT(pipeline_stub_->CreateOpportunity(Ctx(rep_).get(), create, &o), test::IsOk());
    pv1::AssignOpportunityRequest assign;
    assign.set_id(o.id());
    assign.set_assignee_id(rep_id_);
    EXPECT_THAT(pipeline_stub_->AssignOpportunity(Ctx(manager_).get(), assign, &o), test::IsOk());
    pv1::CreatePlanItemRequest plan;
    plan.mutable_item()->set_opportunity_id(o.id());
    SetDay(Today() + 1, plan.mutable_item()->mutable_plan_date());
    plan.mutable_item()->set_content("上门演示");
    pv1::PlanItem item;
    EXPECT_THAT(pipeline_stub_->CreatePlanItem(Ctx(rep_).get(), plan, &item), test::IsOk());
    pv1::MarkDevelopmentSucceededRequest won;
    won.set_id(o.id());
    EXPECT_THAT(pipeline_stub_->MarkDevelopmentSucceeded(Ctx(rep_).get(), won, &o), test::IsOk());
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
    EXPECT_THAT(sales_system_stub_->ListProducts(Ctx().get(), req, &resp), test::IsOk());
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

  // A contract of the customer with a line per product, submitted and approved (by an
  // executive when above the manager's limit), ready to be signed.
  kv1::Contract ApprovedContract(const std::string& customer_id,
                                 const std::vector<sv1::Product>& products) {
    kv1::Contract c;
    EXPECT_THAT(
        contracts_stub_->CreateContract(Ctx(rep_).get(), DraftOf(customer_id, products), &c),
        test::IsOk());
    kv1::SubmitContractRequest submit;
    submit.set_id(c.id());
    EXPECT_THAT(contracts_stub_->SubmitContract(Ctx(rep_).get(), submit, &c), test::IsOk());
    kv1::ReviewContractRequest review;
    review.set_id(c.id());
    review.set_approve(true);
    const bool escalated = c.review_level() == kv1::REVIEW_LEVEL_EXECUTIVE;
    EXPECT_THAT(
        contracts_stub_->ReviewContract(Ctx(escalated ? executive_ : manager_).get(), review, &c),
        test::IsOk());
    return c;
  }

  int64_t ContractsOf(const std::string& customer_id) {
    kv1::ListContractsRequest req;
    req.set_customer_id(customer_id);
    kv1::ListContractsResponse resp;
    EXPECT_THAT(contracts_stub_->ListContracts(Ctx(rep_).get(), req, &resp), test::IsOk());
    return resp.contracts_size();
  }

  // Signs the approved contract as its owner with the customer's contact.
  kv1::Contract Sign(const kv1::Contract& approved, const std::string& contact_id) {
    kv1::SignContractRequest sign;
    sign.set_id(approved.id());
    sign.set_customer_signer_contact_id(contact_id);
    kv1::Contract signed_;
    EXPECT_THAT(contracts_stub_->SignContract(Ctx(rep_).get(), sign, &signed_), test::IsOk());
    return signed_;
  }

  grpc::Status GetReceivable(const std::string& contract_id, yv1::Receivable* out,
                             const std::string& token = "") {
    yv1::GetReceivableRequest req;
    req.set_contract_id(contract_id);
    return payments_stub_->GetReceivable(Ctx(token.empty() ? finance_ : token).get(), req, out);
  }

  // Waits (up to 10 s) for the contract's receivable; how long it took.
  absl::StatusOr<absl::Duration> AwaitReceivable(const std::string& contract_id,
                                                 yv1::Receivable* out) {
    const absl::Time start = absl::Now();
    while (absl::Now() - start < absl::Seconds(10)) {
      grpc::Status s = GetReceivable(contract_id, out);
      if (s.ok()) return absl::Now() - start;
      if (s.error_code() != grpc::StatusCode::NOT_FOUND) {
        return absl::InternalError(s.error_message());
      }
      absl::SleepFor(absl::Milliseconds(2));
    }
    return absl::DeadlineExceededError("no receivable after 10 s");
  }

  grpc::Status Pay(const std::string& contract_id, int64_t minor, const std::string& request_id,
                   yv1::Payment* out) {
    yv1::RecordPaymentRequest req;
    req.set_request_id(request_id);
    yv1::Payment* p = req.mutable_payment();
    p->set_contract_id(contract_id);
    p->set_method("bank_transfer");
    p->mutable_receive_time()->set_seconds(absl::ToUnixSeconds(absl::Now() - absl::Hours(1)));
    money::SetProto({minor, "CNY"}, p->mutable_amount());
    p->mutable_payer_account()->set_bank("招商银行苏州分行");
    p->mutable_payer_account()->set_account_name("苏州新元光电有限公司");
    p->mutable_payer_account()->set_account_number("6214830212345678");
    return payments_stub_->RecordPayment(Ctx(finance_).get(), req, out);
  }

  cv1::Customer GetCustomer(const std::string& id) {
    cv1::GetCustomerRequest req;
    req.set_id(id);
    cv1::Customer c;
    EXPECT_THAT(customers_stub_->GetCustomer(Ctx(rep_).get(), req, &c), test::IsOk());
    return c;
  }

  std::unique_ptr<test::TestDatabase> db_;
  std::unique_ptr<AuthServer> auth_;
  std::unique_ptr<CustomersServer> customers_;
  std::unique_ptr<PipelineServer> pipeline_;
  std::unique_ptr<SalesSystemFake> fake_;
  std::unique_ptr<ContractsServer> contracts_;
  std::unique_ptr<PaymentsServer> payments_;
  std::unique_ptr<ServiceServer> service_;
  std::unique_ptr<AnalyticsServer> analytics_;
  std::unique_ptr<cv1::CustomersService::Stub> customers_stub_;
  std::unique_ptr<cv1::ContactsService::Stub> contacts_stub_;
  std::unique_ptr<pv1::PipelineService::Stub> pipeline_stub_;
  std::unique_ptr<kv1::ContractsService::Stub> contracts_stub_;
  std::unique_ptr<yv1::PaymentsService::Stub> payments_stub_;
  std::unique_ptr<tv1::TicketsService::Stub> tickets_stub_;
  std::unique_ptr<av1::AnalyticsService::Stub> analytics_stub_;
  std::unique_ptr<sv1::SalesSystemService::Stub> sales_system_stub_;
  std::string east_, rep_id_, manager_, rep_, executive_, finance_;
  int created_ = 0;
};

}  // namespace crm::e2e
