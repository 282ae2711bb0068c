// The sales pipeline across real auth, customers and pipeline processes, over gRPC: an
// opportunity from creation to a customer, and the same with the customers service down in
// the middle.

#include <grpcpp/client_context.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crm/auth/v1/auth_service.grpc.pb.h"
#include "crm/auth/v1/directory_service.grpc.pb.h"
#include "crm/customers/v1/customers_service.grpc.pb.h"
#include "crm/pipeline/v1/events.pb.h"
#include "crm/pipeline/v1/pipeline_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/pg.h"
#include "libs/testing/status_matchers.h"
#include "tests/e2e/stack.h"

namespace crm::e2e {
namespace {

namespace cv1 = ::crm::customers::v1;
namespace pv1 = ::crm::pipeline::v1;
using ::crm::test::HasFieldViolation;
using ::crm::test::IsOk;
using ::crm::test::StatusIs;

class PipelineE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = test::TestDatabase::Create("pipeline_e2e");
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
    pipeline_stub_ = pv1::PipelineService::NewStub(pipeline_->channel());
    customers_stub_ = cv1::CustomersService::NewStub(customers_->channel());
    handovers_stub_ = cv1::HandoversService::NewStub(customers_->channel());

    auto east = auth_->CreateDepartment("华东区");
    ASSERT_THAT(east, IsOk());
    east_ = *east;
    ASSERT_THAT(auth_->CreateUser("li.na", "sales_manager", *east), IsOk());
    auto rep_id = auth_->CreateUser("chen.jie", "account_manager", *east);
    ASSERT_THAT(rep_id, IsOk());
    rep_id_ = *rep_id;
    auto other_id = auth_->CreateUser("liu.yang", "account_manager", *east);
    ASSERT_THAT(other_id, IsOk());
    other_id_ = *other_id;
    for (auto [name, token] :
         {std::pair{"li.na", &manager_}, {"chen.jie", &rep_}, {"liu.yang", &other_}}) {
      auto t = auth_->Login(name, "s3cret-pass");
      ASSERT_THAT(t, IsOk());
      *token = *t;
    }
  }

  // Created by the manager, assigned to the rep, planned and the plan executed by the rep.
  pv1::Opportunity Developing(const std::string& prospect) {
    pv1::CreateOpportunityRequest create;
    create.set_request_id(absl::StrCat("create-", ++created_));
    pv1::Opportunity* o = create.mutable_opportunity();
    o->set_prospect_name(prospect);
    o->set_summary("采购CRM系统，预计200个账号");
    o->set_contact_name("周总");
    o->set_contact_phone("0512-66880000");
    o->mutable_expected_amount()->set_currency_code("CNY");
    o->mutable_expected_amount()->set_units(480000);
    pv1::Opportunity created;
    EXPECT_THAT(pipeline_stub_->CreateOpportunity(Ctx(manager_).get(), create, &created), IsOk());
    EXPECT_EQ(created.status(), pv1::OPPORTUNITY_STATUS_UNASSIGNED);

    pv1::AssignOpportunityRequest assign;
    assign.set_id(created.id());
    assign.set_assignee_id(rep_id_);
    pv1::Opportunity assigned;
    EXPECT_THAT(pipeline_stub_->AssignOpportunity(Ctx(manager_).get(), assign, &assigned), IsOk());
    EXPECT_EQ(assigned.status(), pv1::OPPORTUNITY_STATUS_ASSIGNED);
    EXPECT_EQ(assigned.assignee_id(), rep_id_);

    pv1::CreatePlanItemRequest plan;
    plan.mutable_item()->set_opportunity_id(created.id());
    const absl::CivilDay day = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) + 2;
    plan.mutable_item()->mutable_plan_date()->set_year(static_cast<int>(day.year()));
    plan.mutable_item()->mutable_plan_date()->set_month(day.month());
    plan.mutable_item()->mutable_plan_date()->set_day(day.day());
    plan.mutable_item()->set_content("上门演示，确认需求");
    pv1::PlanItem item;
    EXPECT_THAT(pipeline_stub_->CreatePlanItem(Ctx(rep_).get(), plan, &item), IsOk());
    pv1::ExecutePlanItemRequest execute;
    execute.set_id(item.id());
    execute.set_result("客户认可方案，准备签约");
    pv1::PlanItem executed;
    EXPECT_THAT(pipeline_stub_->ExecutePlanItem(Ctx(rep_).get(), execute, &executed), IsOk());
    EXPECT_FALSE(executed.result().empty());

    pv1::GetOpportunityRequest get;
    get.set_id(created.id());
    pv1::Opportunity now;
    EXPECT_THAT(pipeline_stub_->GetOpportunity(Ctx(rep_).get(), get, &now), IsOk());
    EXPECT_EQ(now.status(), pv1::OPPORTUNITY_STATUS_DEVELOPING);
    return now;
  }

  grpc::Status Succeed(const std::string& id, pv1::Opportunity* out) {
    pv1::MarkDevelopmentSucceededRequest req;
    req.set_id(id);
    return pipeline_stub_->MarkDevelopmentSucceeded(Ctx(rep_).get(), req, out);
  }

  // The rep's customers whose names contain `name`.
  int CustomersNamed(const std::string& name) {
    cv1::ListCustomersRequest req;
    req.set_name_contains(name);
    cv1::ListCustomersResponse resp;
    EXPECT_THAT(customers_stub_->ListCustomers(Ctx(rep_).get(), req, &resp), IsOk());
    return resp.customers_size();
  }

  std::unique_ptr<test::TestDatabase> db_;
  std::unique_ptr<AuthServer> auth_;
  std::unique_ptr<CustomersServer> customers_;
  std::unique_ptr<PipelineServer> pipeline_;
  std::unique_ptr<pv1::PipelineService::Stub> pipeline_stub_;
  std::unique_ptr<cv1::CustomersService::Stub> customers_stub_;
  std::unique_ptr<cv1::HandoversService::Stub> handovers_stub_;
  std::string east_, manager_, rep_, other_, rep_id_, other_id_;
  int created_ = 0;
};

TEST_F(PipelineE2eTest, FromOpportunityToCustomer) {
  pv1::Opportunity o = Developing("苏州新元光电有限公司");
  // Outside the other rep's scope; bad input names the field.
  pv1::GetOpportunityRequest get;
  get.set_id(o.id());
  pv1::Opportunity seen;
  EXPECT_THAT(pipeline_stub_->GetOpportunity(Ctx(other_).get(), get, &seen),
              StatusIs(absl::StatusCode::kPermissionDenied));
  pv1::CreateOpportunityRequest bad;
  bad.mutable_opportunity()->set_prospect_name("某公司");
  bad.mutable_opportunity()->set_summary("概要");
  bad.mutable_opportunity()->set_probability(101);
  pv1::Opportunity none;
  EXPECT_THAT(pipeline_stub_->CreateOpportunity(Ctx(manager_).get(), bad, &none),
              HasFieldViolation("opportunity.probability"));

  pv1::Opportunity won;
  ASSERT_THAT(Succeed(o.id(), &won), IsOk());
  EXPECT_EQ(won.status(), pv1::OPPORTUNITY_STATUS_WON);
  ASSERT_FALSE(won.customer_id().empty());
  // The new customer is the rep's, in the customers service.
  cv1::GetCustomerRequest get_customer;
  get_customer.set_id(won.customer_id());
  cv1::Customer customer;
  ASSERT_THAT(customers_stub_->GetCustomer(Ctx(rep_).get(), get_customer, &customer), IsOk());
  EXPECT_EQ(customer.name(), "苏州新元光电有限公司");
  EXPECT_EQ(customer.owner_id(), rep_id_);
  EXPECT_EQ(customer.source(), "opportunity");
  // A retry answers the same, and there is still one customer.
  pv1::Opportunity again;
  ASSERT_THAT(Succeed(o.id(), &again), IsOk());
  EXPECT_EQ(again.customer_id(), won.customer_id());
  EXPECT_EQ(CustomersNamed("新元光电"), 1);

  // Every change is on the pipeline's event stream, for an integration account.
  auto integration = auth_->ServiceToken("pipeline-watcher", "integration");
  ASSERT_THAT(integration, IsOk());
  auto watch_ctx = Ctx(*integration);
  common::v1::WatchEventsRequest watch;
  auto reader = pipeline_stub_->WatchEvents(watch_ctx.get(), watch);
  std::vector<std::string> types;
  common::v1::Event e;
  while (types.size() < 6 && reader->Read(&e)) types.push_back(e.type());
  EXPECT_THAT(
      types, ::testing::ElementsAre("pipeline.opportunity.created", "pipeline.opportunity.assigned",
                                    "pipeline.opportunity.developing", "pipeline.plan_item.created",
                                    "pipeline.plan_item.executed", "pipeline.opportunity.won"));
  pv1::OpportunityChanged payload;
  ASSERT_TRUE(e.payload().UnpackTo(&payload));
  EXPECT_EQ(payload.opportunity().customer_id(), won.customer_id());
  watch_ctx->TryCancel();
}

TEST_F(PipelineE2eTest, CustomersDownInTheMiddle) {
  pv1::Opportunity o = Developing("无锡恒通物流有限公司");
  ASSERT_EQ(customers_->Stop(), 0);
  pv1::Opportunity out;
  EXPECT_THAT(Succeed(o.id(), &out), StatusIs(absl::StatusCode::kUnavailable));
  pv1::GetOpportunityRequest get;
  get.set_id(o.id());
  pv1::Opportunity still;
  ASSERT_THAT(pipeline_stub_->GetOpportunity(Ctx(rep_).get(), get, &still), IsOk());
  EXPECT_EQ(still.status(), pv1::OPPORTUNITY_STATUS_DEVELOPING);
  EXPECT_TRUE(still.customer_id().empty());

  ASSERT_THAT(customers_->Restart(), IsOk());
  // The channel reconnects; a retry succeeds.
  pv1::Opportunity won;
  grpc::Status s;
  for (int i = 0; i < 50; ++i) {
    s = Succeed(o.id(), &won);
    if (s.error_code() != grpc::StatusCode::UNAVAILABLE) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(won.status(), pv1::OPPORTUNITY_STATUS_WON);
  EXPECT_EQ(CustomersNamed("恒通物流"), 1);

  // A failure between the two steps: the customer was created (as the first step does), the
  // opportunity not yet marked. Marking it now links that customer rather than creating one.
  pv1::Opportunity second = Developing("常州天成机械有限公司");
  cv1::CreateCustomerRequest first_step;
  first_step.set_request_id("pipeline-won-" + second.id());
  first_step.mutable_customer()->set_name("常州天成机械有限公司");
  first_step.mutable_customer()->set_source("opportunity");
  cv1::Customer created;
  ASSERT_THAT(customers_stub_->CreateCustomer(Ctx(rep_).get(), first_step, &created), IsOk());
  pv1::Opportunity linked;
  ASSERT_THAT(Succeed(second.id(), &linked), IsOk());
  EXPECT_EQ(linked.customer_id(), created.id());
  EXPECT_EQ(CustomersNamed("天成机械"), 1);
}

TEST_F(PipelineE2eTest, OpenOpportunitiesFollowAHandOver) {
  // An instance that follows the customers service's hand-overs with a service account.
  auto secret = auth_->CreateServiceAccount("pipeline-follower", "pipeline_follower");
  ASSERT_THAT(secret, IsOk());
  auto following = PipelineServer::Start(
      *db_, *auth_, *customers_,
      {"--service-client-id=pipeline-follower", "--service-client-secret-file=" + *secret});
  ASSERT_THAT(following, IsOk());

  // The rep's customer, and a developing opportunity for it.
  cv1::CreateCustomerRequest create_customer;
  create_customer.mutable_customer()->set_name("宁波海天塑机集团有限公司");
  cv1::Customer customer;
  ASSERT_THAT(customers_stub_->CreateCustomer(Ctx(rep_).get(), create_customer, &customer), IsOk());
  pv1::CreateOpportunityRequest create;
  create.mutable_opportunity()->set_customer_id(customer.id());
  create.mutable_opportunity()->set_summary("新厂区MES系统");
  pv1::Opportunity o;
  ASSERT_THAT(pipeline_stub_->CreateOpportunity(Ctx(manager_).get(), create, &o), IsOk());
  pv1::AssignOpportunityRequest assign;
  assign.set_id(o.id());
  assign.set_assignee_id(rep_id_);
  ASSERT_THAT(pipeline_stub_->AssignOpportunity(Ctx(manager_).get(), assign, &o), IsOk());

  cv1::HandOverCustomersRequest handover;
  handover.set_from_user_id(rep_id_);
  handover.set_to_user_id(other_id_);
  handover.add_customer_ids(customer.id());
  handover.set_reason("离职交接");
  cv1::Handover done;
  ASSERT_THAT(handovers_stub_->HandOverCustomers(Ctx(manager_).get(), handover, &done), IsOk());

  pv1::GetOpportunityRequest get;
  get.set_id(o.id());
  pv1::Opportunity now;
  for (int i = 0; i < 100; ++i) {
    ASSERT_THAT(pipeline_stub_->GetOpportunity(Ctx(manager_).get(), get, &now), IsOk());
    if (now.assignee_id() == other_id_) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(now.assignee_id(), other_id_);
  EXPECT_EQ(now.status(), pv1::OPPORTUNITY_STATUS_ASSIGNED);
  pv1::Opportunity seen;
  EXPECT_THAT(pipeline_stub_->GetOpportunity(Ctx(other_).get(), get, &seen), IsOk());

  // SIGTERM with the follower's stream open: the stream ends at once (the follower reconnects
  // elsewhere) instead of holding the shutdown for the whole drain timeout (20 s).
  const absl::Time stopping = absl::Now();
  EXPECT_EQ(customers_->Stop(), 0);
  EXPECT_LT(absl::Now() - stopping, absl::Seconds(8));
}

}  // namespace
}  // namespace crm::e2e
