// The authorization matrix over every RPC of every service, over the whole stack: each
// built-in role's callers get what the RPC's declared access says, and no request reveals a
// record outside the caller's scope.

#include <set>

#include "absl/strings/match.h"
#include "crm/auth/v1/directory_service.grpc.pb.h"
#include "crm/common/v1/access.pb.h"
#include "crm/gateway/v1/gateway_service.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "tests/e2e/stack_fixture.h"

namespace crm::e2e {
namespace {

using ::crm::test::IsOk;

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
  EXPECT_EQ(callers.size(), 2 * 15u);

  // The gateway's own RPCs check their callers as the backends do.
  auto gateway = GatewayServer::Start(
      *auth_,
      {"--customers-address=" + customers_->target(), "--pipeline-address=" + pipeline_->target(),
       "--contracts-address=" + contracts_->target(), "--payments-address=" + payments_->target(),
       "--service-address=" + service_->target(), "--analytics-address=" + analytics_->target(),
       "--salesys-address=" + fake_->address()});
  ASSERT_THAT(gateway, IsOk());
  (void)crm::gateway::v1::GetCustomer360Request::descriptor();  // links its file in
  const std::vector<std::pair<std::string, grpc::ChannelInterface*>> files = {
      {"crm/auth/v1/auth_service.proto", auth_->channel().get()},
      {"crm/auth/v1/directory_service.proto", auth_->channel().get()},
      {"crm/customers/v1/customers_service.proto", customers_->channel().get()},
      {"crm/pipeline/v1/pipeline_service.proto", pipeline_->channel().get()},
      {"crm/contracts/v1/contracts_service.proto", contracts_->channel().get()},
      {"crm/payments/v1/payments_service.proto", payments_->channel().get()},
      {"crm/service/v1/tickets_service.proto", service_->channel().get()},
      {"crm/analytics/v1/analytics_service.proto", analytics_->channel().get()},
      {"crm/gateway/v1/gateway_service.proto", (*gateway)->channel().get()}};
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
  EXPECT_GT(methods, 110);
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
  tv1::CreateTicketRequest create_ticket;
  create_ticket.mutable_ticket()->set_type("complaint");
  create_ticket.mutable_ticket()->set_customer_id(south_customer.id());
  create_ticket.mutable_ticket()->set_summary("设备噪音过大");
  create_ticket.mutable_ticket()->set_request("客户反映新设备运行噪音过大，要求上门检查。");
  tv1::Ticket south_ticket;
  ASSERT_THAT(tickets_stub_->CreateTicket(Ctx(*zhao).get(), create_ticket, &south_ticket), IsOk());
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
    if (field == "ticket_id") return south_ticket.id();
    if (field != "id") return "";
    if (absl::StrContains(kind, "Contract")) return south_contract.id();
    if (absl::StrContains(kind, "Ticket")) return south_ticket.id();
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
