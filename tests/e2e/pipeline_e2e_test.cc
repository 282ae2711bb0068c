// The sales pipeline across real auth, customers and pipeline processes, over gRPC: an
// opportunity from creation to a customer, and the same with the customers service down in
// the middle.

#include <grpcpp/client_context.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/sync_stream.h>

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crm/auth/v1/auth_service.grpc.pb.h"
#include "crm/auth/v1/directory_service.grpc.pb.h"
#include "crm/common/v1/access.pb.h"
#include "crm/customers/v1/customers_service.grpc.pb.h"
#include "crm/pipeline/v1/events.pb.h"
#include "crm/pipeline/v1/pipeline_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/dynamic_message.h"
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
TEST_F(PipelineE2eTest, EveryRpcAnswersEveryRoleAsItsAccessDeclares) {
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
  EXPECT_EQ(callers.size(), 2 * 9u);

  const std::vector<std::pair<std::string, grpc::ChannelInterface*>> files = {
      {"crm/auth/v1/auth_service.proto", auth_->channel().get()},
      {"crm/auth/v1/directory_service.proto", auth_->channel().get()},
      {"crm/customers/v1/customers_service.proto", customers_->channel().get()},
      {"crm/pipeline/v1/pipeline_service.proto", pipeline_->channel().get()}};
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
  EXPECT_GT(methods, 80);
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
  // The real record a request's field names, by the field and the request's name.
  auto real_id = [&](const google::protobuf::Descriptor& request,
                     const std::string& field) -> std::string {
    const std::string& kind = request.name();
    if (field == "customer_id" || field == "survivor_id" || field == "duplicate_id") {
      return south_customer.id();
    }
    if (field == "contact_id") return south_contact.id();
    if (field == "opportunity_id") return south_opportunity.id();
    if (field != "id") return "";
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
