// The gateway in front of the whole stack: every RPC of every backend answers through it over
// gRPC and HTTP/JSON as it answers directly; Customer 360 with a backend down; and the seed's
// whole flow through the gateway only, over HTTP/JSON.

#include <civetweb.h>

#include <atomic>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crm/auth/v1/auth_service.grpc.pb.h"
#include "crm/gateway/v1/gateway_service.grpc.pb.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "libs/checksum/sha256.h"
#include "libs/testing/http.h"
#include "nlohmann/json.hpp"
#include "services/gateway/src/routes.h"
#include "tests/e2e/stack_fixture.h"

namespace crm::e2e {
namespace {

using ::crm::test::IsOk;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;
using nlohmann::json;
namespace gv1 = ::crm::gateway::v1;
namespace auv1 = ::crm::auth::v1;

// A value for a path variable when any will do: a well-formed id nothing has.
constexpr char kPlaceholder[] = "0190a3c2-0000-7000-8000-00000000beef";

// The field at a dotted path of a message (creating sub-messages), or null.
std::pair<Message*, const FieldDescriptor*> FieldAt(Message* m, absl::string_view path) {
  const std::vector<absl::string_view> names = absl::StrSplit(path, '.');
  for (size_t i = 0; i < names.size(); ++i) {
    const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(std::string(names[i]));
    if (f == nullptr) return {nullptr, nullptr};
    if (i + 1 == names.size()) return {m, f};
    m = m->GetReflection()->MutableMessage(m, f);
  }
  return {nullptr, nullptr};
}

std::string UrlEncode(const std::string& s) {
  std::string out(s.size() * 3 + 1, '\0');
  const int n = mg_url_encode(s.c_str(), out.data(), out.size());
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

void Flatten(const json& j, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>* out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) Flatten(v, prefix.empty() ? k : prefix + "." + k, out);
  } else if (j.is_array()) {
    for (const auto& v : j) Flatten(v, prefix, out);
  } else {
    out->emplace_back(prefix, j.is_string() ? j.get<std::string>() : j.dump());
  }
}

struct HttpCall {
  std::string verb, path, body;
};

// The HTTP request of a method's binding for a request message: path variables from its fields,
// the rest as the JSON body or the query string.
HttpCall HttpOf(const MethodDescriptor& m, const Message& request) {
  const auto& rule = m.options().GetExtension(google::api::http);
  HttpCall call;
  std::string pattern;
  if (!rule.get().empty()) call.verb = "GET", pattern = rule.get();
  if (!rule.post().empty()) call.verb = "POST", pattern = rule.post();
  if (!rule.patch().empty()) call.verb = "PATCH", pattern = rule.patch();
  if (!rule.delete_().empty()) call.verb = "DELETE", pattern = rule.delete_();
  std::unique_ptr<Message> rest(request.New());
  rest->CopyFrom(request);
  std::string path;
  for (size_t at = 0; at < pattern.size();) {
    const size_t open = pattern.find('{', at);
    if (open == std::string::npos) {
      path += pattern.substr(at);
      break;
    }
    const size_t close = pattern.find('}', open);
    path += pattern.substr(at, open - at);
    const std::string field = pattern.substr(open + 1, close - open - 1);
    auto [owner, f] = FieldAt(rest.get(), field);
    EXPECT_NE(f, nullptr) << m.full_name() << " " << field;
    if (f != nullptr) {
      path += UrlEncode(owner->GetReflection()->GetString(*owner, f));
      owner->GetReflection()->ClearField(owner, f);
    }
    at = close + 1;
  }
  std::string json_text;
  google::protobuf::util::JsonPrintOptions options;
  (void)google::protobuf::util::MessageToJsonString(*rest, &json_text, options);
  if (!rule.body().empty()) {
    call.body = json_text;
  } else {
    std::vector<std::pair<std::string, std::string>> params;
    Flatten(json::parse(json_text), "", &params);
    std::vector<std::string> parts;
    for (const auto& [k, v] : params) parts.push_back(UrlEncode(k) + "=" + UrlEncode(v));
    if (!parts.empty()) path += "?" + absl::StrJoin(parts, "&");
  }
  call.path = path;
  return call;
}

// A JSON error body (google.rpc.Status) as a gRPC status with its details.
grpc::Status StatusOfJson(const std::string& body) {
  google::rpc::Status proto;
  if (!google::protobuf::util::JsonStringToMessage(body, &proto).ok()) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "not a google.rpc.Status: " + body);
  }
  return grpc::Status(static_cast<grpc::StatusCode>(proto.code()), proto.message(),
                      proto.SerializeAsString());
}

class GatewayE2eTest : public StackE2eTest {
 protected:
  void SetUp() override {
    StackE2eTest::SetUp();
    if (HasFatalFailure()) return;
    auto gateway = GatewayServer::Start(
        *auth_,
        {"--customers-address=" + customers_->target(), "--pipeline-address=" + pipeline_->target(),
         "--contracts-address=" + contracts_->target(), "--payments-address=" + payments_->target(),
         "--service-address=" + service_->target(), "--analytics-address=" + analytics_->target(),
         "--salesys-address=" + fake_->address(), "--rate-limit=100000", "--rate-burst=100000",
         "--sign-in-rate-limit=100000", "--sign-in-burst=100000"});
    ASSERT_THAT(gateway, IsOk());
    gateway_ = *std::move(gateway);
    views_ = gv1::ViewsService::NewStub(gateway_->channel());
  }

  // Calls `method` ("crm.customers.v1.CustomersService.GetCustomer") over the gateway's
  // HTTP/JSON API as the caller with `token`: the response parsed into `response`, or the error
  // with its details.
  grpc::Status Rest(const std::string& method, const Message& request, const std::string& token,
                    Message* response) {
    const MethodDescriptor* m =
        google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(method);
    if (m == nullptr) return grpc::Status(grpc::StatusCode::INTERNAL, "no method " + method);
    const HttpCall call = HttpOf(*m, request);
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Content-Type", "application/json"}};
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    auto r = test::HttpRequest(gateway_->http_port(), call.verb, call.path, headers, call.body);
    if (!r.ok())
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, std::string(r.status().message()));
    if (r->status != 200) return StatusOfJson(r->body);
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    const auto parsed = google::protobuf::util::JsonStringToMessage(r->body, response, options);
    if (!parsed.ok()) {
      return grpc::Status(grpc::StatusCode::INTERNAL,
                          absl::StrCat("response of ", method, ": ", parsed.message().ToString()));
    }
    return grpc::Status::OK;
  }

  std::unique_ptr<GatewayServer> gateway_;
  std::unique_ptr<gv1::ViewsService::Stub> views_;
};

// Every RPC of every backend (read from the descriptors the gateway routes by), called with an
// empty request (path variables set to an unused id) directly, through the gateway over gRPC and
// over HTTP/JSON: all three answer with the same code, so each RPC reaches its backend both ways.
TEST_F(GatewayE2eTest, EveryRpcOfEveryBackendAnswersThroughTheGatewayAsItDoesDirectly) {
  const std::map<std::string, grpc::ChannelInterface*> direct = {
      {"auth", auth_->channel().get()},          {"customers", customers_->channel().get()},
      {"pipeline", pipeline_->channel().get()},  {"contracts", contracts_->channel().get()},
      {"payments", payments_->channel().get()},  {"service", service_->channel().get()},
      {"analytics", analytics_->channel().get()}};
  int methods = 0, over_http = 0;
  for (const auto& spec : gateway::BackendSpecs()) {
    ASSERT_EQ(direct.count(spec.name), 1u) << spec.name;
    for (const auto* file : spec.files) {
      for (int s = 0; s < file->service_count(); ++s) {
        for (int i = 0; i < file->service(s)->method_count(); ++i) {
          const MethodDescriptor& m = *file->service(s)->method(i);
          ++methods;
          // The request: empty but for the path's variables.
          std::unique_ptr<Message> request(google::protobuf::MessageFactory::generated_factory()
                                               ->GetPrototype(m.input_type())
                                               ->New());
          const auto& rule = m.options().GetExtension(google::api::http);
          std::string pattern = rule.get() + rule.post() + rule.patch() + rule.delete_();
          for (size_t at = pattern.find('{'); at != std::string::npos;
               at = pattern.find('{', at + 1)) {
            const std::string field = pattern.substr(at + 1, pattern.find('}', at) - at - 1);
            auto [owner, f] = FieldAt(request.get(), field);
            ASSERT_NE(f, nullptr) << m.full_name() << " binds unknown field " << field;
            owner->GetReflection()->SetString(owner, f, kPlaceholder);
          }
          const std::string bytes = request->SerializeAsString();
          const grpc::Status want = CallEmpty(direct.at(spec.name), m, executive_, bytes);
          const grpc::Status got = CallEmpty(gateway_->channel().get(), m, executive_, bytes);
          EXPECT_EQ(got.error_code(), want.error_code())
              << m.full_name() << " over gRPC: " << got.error_message()
              << " (directly: " << want.error_message() << ")";
          if (m.client_streaming() && m.server_streaming()) continue;
          ++over_http;
          const HttpCall call = HttpOf(m, *request);
          auto r = test::HttpRequest(gateway_->http_port(), call.verb, call.path,
                                     {{"Authorization", "Bearer " + executive_},
                                      {"Content-Type", "application/json"},
                                      {"Grpc-Timeout", m.server_streaming() ? "1S" : "10S"}},
                                     call.body);
          ASSERT_THAT(r, IsOk()) << m.full_name() << " over HTTP " << call.verb << " " << call.path
                                 << "; the gateway "
                                 << (gateway_->process().Running() ? "runs" : "has exited")
                                 << "; its log:\n"
                                 << gateway_->process().Output();
          grpc::StatusCode code = grpc::StatusCode::OK;
          if (r->status != 200) {
            code = StatusOfJson(r->body).error_code();
          } else if (m.server_streaming()) {
            // A stream's failure is its last line.
            std::vector<std::string> lines = absl::StrSplit(r->body, '\n', absl::SkipEmpty());
            if (!lines.empty() && json::parse(lines.back()).contains("error")) {
              code = static_cast<grpc::StatusCode>(
                  json::parse(lines.back())["error"]["code"].get<int>());
            }
          }
          EXPECT_EQ(code, want.error_code())
              << m.full_name() << " over HTTP " << call.verb << " " << call.path << ": "
              << r->status << " " << r->body.substr(0, 300);
        }
      }
    }
  }
  EXPECT_GT(methods, 130);
  EXPECT_GT(over_http, 125);
}

// Streams that end at once (most of these refuse an empty request), many at a time: the
// gateway relays each one's status and is still running afterwards. A stream's backend call
// may end before the caller's side has stopped using it; the relay must not touch it then.
TEST_F(GatewayE2eTest, StreamsThatEndAtOnceAreRelayedManyAtATime) {
  int streams = 0;
  for (const auto& spec : gateway::BackendSpecs()) {
    for (const auto* file : spec.files) {
      for (int s = 0; s < file->service_count(); ++s) {
        for (int i = 0; i < file->service(s)->method_count(); ++i) {
          const MethodDescriptor& m = *file->service(s)->method(i);
          if (!m.client_streaming() && !m.server_streaming()) continue;
          ++streams;
          const grpc::StatusCode want =
              CallEmpty(gateway_->channel().get(), m, executive_).error_code();
          std::atomic<int> differing{0};
          std::vector<std::thread> callers;
          for (int t = 0; t < 4; ++t) {
            callers.emplace_back([&] {
              for (int k = 0; k < 8; ++k) {
                if (CallEmpty(gateway_->channel().get(), m, executive_).error_code() != want) {
                  ++differing;
                }
              }
            });
          }
          for (auto& c : callers) c.join();
          EXPECT_EQ(differing.load(), 0) << m.full_name();
          ASSERT_TRUE(gateway_->process().Running())
              << "after " << m.full_name() << "; the gateway's log:\n"
              << gateway_->process().Output();
        }
      }
    }
  }
  EXPECT_GT(streams, 8);
}

TEST_F(GatewayE2eTest, FieldViolationsSurviveBothPaths) {
  cv1::CreateCustomerRequest bad;
  bad.mutable_customer()->set_satisfaction(9);
  cv1::Customer c;
  auto customers = cv1::CustomersService::NewStub(gateway_->channel());
  const grpc::Status over_grpc = customers->CreateCustomer(Ctx(rep_).get(), bad, &c);
  ASSERT_EQ(over_grpc.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const grpc::Status over_http =
      Rest("crm.customers.v1.CustomersService.CreateCustomer", bad, rep_, &c);
  ASSERT_EQ(over_http.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(over_http.error_message(), over_grpc.error_message());
  for (const grpc::Status* s : {&over_grpc, &over_http}) {
    google::rpc::Status details;
    ASSERT_TRUE(details.ParseFromString(s->error_details()));
    google::rpc::BadRequest violations;
    ASSERT_TRUE(details.details(0).UnpackTo(&violations));
    std::set<std::string> fields;
    for (const auto& v : violations.field_violations()) fields.insert(v.field());
    EXPECT_TRUE(fields.count("customer.name")) << details.DebugString();
    EXPECT_TRUE(fields.count("customer.satisfaction")) << details.DebugString();
  }
}

TEST_F(GatewayE2eTest, Customer360ReturnsTheOtherSectionsWhenABackendIsDown) {
  const cv1::Customer customer = NewCustomer("苏州新元光电有限公司");
  const cv1::Contact contact = NewContact(customer.id(), "王经理");
  WonOpportunity(customer.id());
  const kv1::Contract signed_ = Sign(ApprovedContract(customer.id(), Products(2)), contact.id());
  yv1::Receivable receivable;
  ASSERT_THAT(AwaitReceivable(signed_.id(), &receivable), IsOk());

  gv1::GetCustomer360Request req;
  req.set_customer_id(customer.id());
  gv1::Customer360 view;
  ASSERT_THAT(views_->GetCustomer360(Ctx(rep_).get(), req, &view), IsOk());
  EXPECT_EQ(view.profile().customer().name(), "苏州新元光电有限公司");
  EXPECT_EQ(view.contacts().contacts_size(), 1);
  EXPECT_EQ(view.opportunities().opportunities_size(), 1);
  EXPECT_EQ(view.contracts().contracts_size(), 1);
  EXPECT_EQ(view.receivables().receivables_size(), 1);
  for (const auto* s :
       {&view.profile().status(), &view.contacts().status(), &view.interactions().status(),
        &view.opportunities().status(), &view.contracts().status(), &view.receivables().status(),
        &view.tickets().status(), &view.orders().status()}) {
    EXPECT_EQ(s->code(), 0) << s->message();
  }

  // Payments stops: its section says so within the deadline; the rest still returns.
  payments_->Stop();
  auto ctx = Ctx(rep_);
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(3)));
  const absl::Time start = absl::Now();
  gv1::Customer360 partial;
  ASSERT_THAT(views_->GetCustomer360(ctx.get(), req, &partial), IsOk());
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_EQ(partial.receivables().status().code(), grpc::StatusCode::UNAVAILABLE)
      << partial.receivables().status().message();
  EXPECT_EQ(partial.receivables().receivables_size(), 0);
  EXPECT_EQ(partial.contracts().contracts_size(), 1);
  EXPECT_EQ(partial.contacts().contacts_size(), 1);
  EXPECT_EQ(partial.profile().status().code(), 0);

  // A customer outside the caller's scope is refused as a whole.
  auto other = auth_->CreateUser("zhou.min", "account_manager", east_);
  ASSERT_THAT(other, IsOk());
  auto other_token = auth_->Login("zhou.min", "s3cret-pass");
  ASSERT_THAT(other_token, IsOk());
  EXPECT_EQ(views_->GetCustomer360(Ctx(*other_token).get(), req, &view).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  req.set_customer_id("华为");
  const grpc::Status bad = views_->GetCustomer360(Ctx(rep_).get(), req, &view);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad.error_message(), ::testing::HasSubstr("customer_id"));
}

// The seed's whole flow through the gateway alone, over HTTP/JSON, as the people who do it.
TEST_F(GatewayE2eTest, TheSeedsWholeFlowOverHttpJson) {
  auto login = [&](const std::string& username) {
    auv1::LoginRequest req;
    req.set_username(username);
    req.set_password("s3cret-pass");
    auv1::LoginResponse resp;
    EXPECT_THAT(Rest("crm.auth.v1.AuthService.Login", req, "", &resp), IsOk()) << username;
    return resp.tokens().access_token();
  };
  const std::string manager = login("li.na"), rep = login("chen.jie"), finance = login("wang.fang"),
                    executive = login("zhang.wei");
  ASSERT_FALSE(rep.empty());

  // The rep records a customer and its contact.
  cv1::CreateCustomerRequest create_customer;
  create_customer.set_request_id("http-flow-customer");
  create_customer.mutable_customer()->set_name("杭州云栖智能科技有限公司");
  cv1::Customer customer;
  ASSERT_THAT(
      Rest("crm.customers.v1.CustomersService.CreateCustomer", create_customer, rep, &customer),
      IsOk());
  cv1::CreateContactRequest create_contact;
  create_contact.mutable_contact()->set_customer_id(customer.id());
  create_contact.mutable_contact()->set_name("刘总");
  cv1::Contact contact;
  ASSERT_THAT(Rest("crm.customers.v1.ContactsService.CreateContact", create_contact, rep, &contact),
              IsOk());

  // An opportunity: created, assigned by the manager, planned, executed and won by the rep.
  pv1::CreateOpportunityRequest create_opportunity;
  create_opportunity.mutable_opportunity()->set_customer_id(customer.id());
  create_opportunity.mutable_opportunity()->set_summary("智慧园区CRM项目");
  pv1::Opportunity opportunity;
  ASSERT_THAT(Rest("crm.pipeline.v1.PipelineService.CreateOpportunity", create_opportunity, rep,
                   &opportunity),
              IsOk());
  pv1::AssignOpportunityRequest assign;
  assign.set_id(opportunity.id());
  assign.set_assignee_id(rep_id_);
  ASSERT_THAT(
      Rest("crm.pipeline.v1.PipelineService.AssignOpportunity", assign, manager, &opportunity),
      IsOk());
  pv1::CreatePlanItemRequest plan;
  plan.mutable_item()->set_opportunity_id(opportunity.id());
  SetDay(Today() + 1, plan.mutable_item()->mutable_plan_date());
  plan.mutable_item()->set_content("上门演示");
  pv1::PlanItem item;
  ASSERT_THAT(Rest("crm.pipeline.v1.PipelineService.CreatePlanItem", plan, rep, &item), IsOk());
  pv1::ExecutePlanItemRequest execute;
  execute.set_id(item.id());
  execute.set_result("客户认可方案");
  ASSERT_THAT(Rest("crm.pipeline.v1.PipelineService.ExecutePlanItem", execute, rep, &item), IsOk());
  pv1::MarkDevelopmentSucceededRequest won;
  won.set_id(opportunity.id());
  ASSERT_THAT(
      Rest("crm.pipeline.v1.PipelineService.MarkDevelopmentSucceeded", won, rep, &opportunity),
      IsOk());
  EXPECT_EQ(opportunity.status(), pv1::OPPORTUNITY_STATUS_WON);

  // A contract with products from the catalogue (through the gateway), reviewed and signed.
  gv1::ListProductsRequest list_products;
  list_products.set_active_only(true);
  list_products.set_page_size(2);
  gv1::ListProductsResponse products;
  ASSERT_THAT(Rest("crm.gateway.v1.CatalogService.ListProducts", list_products, rep, &products),
              IsOk());
  ASSERT_EQ(products.products_size(), 2);
  gv1::ListInventoryRequest stock_req;
  stock_req.add_product_ids(products.products(0).id());
  gv1::ListInventoryResponse stock;
  ASSERT_THAT(Rest("crm.gateway.v1.CatalogService.ListInventory", stock_req, rep, &stock), IsOk());
  EXPECT_GT(stock.levels_size(), 0);
  kv1::CreateContractRequest draft =
      DraftOf(customer.id(), {products.products().begin(), products.products().end()});
  draft.mutable_contract()->set_opportunity_id(opportunity.id());
  kv1::Contract contract;
  ASSERT_THAT(Rest("crm.contracts.v1.ContractsService.CreateContract", draft, rep, &contract),
              IsOk());
  kv1::SubmitContractRequest submit;
  submit.set_id(contract.id());
  ASSERT_THAT(Rest("crm.contracts.v1.ContractsService.SubmitContract", submit, rep, &contract),
              IsOk());
  kv1::ReviewContractRequest review;
  review.set_id(contract.id());
  review.set_approve(true);
  const bool escalated = contract.review_level() == kv1::REVIEW_LEVEL_EXECUTIVE;
  ASSERT_THAT(Rest("crm.contracts.v1.ContractsService.ReviewContract", review,
                   escalated ? executive : manager, &contract),
              IsOk());
  // The electronic contract goes up as newline-delimited JSON (the client stream's messages, a
  // chunk at a time) and comes back down as one.
  const std::string pdf = "%PDF-1.4 电子合同 " + std::string(300000, 'x');
  json metadata = {{"contractId", contract.id()},
                   {"fileName", "购销合同.pdf"},
                   {"contentType", "application/pdf"},
                   {"sizeBytes", std::to_string(pdf.size())},
                   {"sha256", checksum::Sha256Hex(pdf)}};
  std::string upload = json{{"metadata", metadata}, {"requestId", "http-flow-file"}}.dump() + "\n";
  for (size_t at = 0; at < pdf.size(); at += 100000) {
    upload += json{{"chunk", absl::Base64Escape(pdf.substr(at, 100000))}}.dump() + "\n";
  }
  auto uploaded = test::HttpRequest(
      gateway_->http_port(), "POST", "/v1/contracts:uploadFile",
      {{"Authorization", "Bearer " + rep}, {"Content-Type", "application/x-ndjson"}}, upload);
  ASSERT_THAT(uploaded, IsOk());
  ASSERT_EQ(uploaded->status, 200) << uploaded->body;
  EXPECT_EQ(json::parse(uploaded->body)["fileName"], "购销合同.pdf");
  auto downloaded = test::HttpRequest(gateway_->http_port(), "GET",
                                      "/v1/contracts/" + contract.id() + ":downloadFile",
                                      {{"Authorization", "Bearer " + rep}});
  ASSERT_THAT(downloaded, IsOk());
  std::string content;
  for (absl::string_view line : absl::StrSplit(downloaded->body, '\n', absl::SkipEmpty())) {
    const json part = json::parse(line)["result"];
    std::string bytes;
    if (part.contains("chunk")) {
      ASSERT_TRUE(absl::Base64Unescape(part["chunk"].get<std::string>(), &bytes));
    }
    content += bytes;
  }
  EXPECT_EQ(content, pdf);
  // A malformed line refuses the upload and stores nothing.
  auto bad = test::HttpRequest(gateway_->http_port(), "POST", "/v1/contracts:uploadFile",
                               {{"Authorization", "Bearer " + rep}},
                               json{{"metadata", metadata}}.dump() + "\n{\"chunk\": 12}\n");
  ASSERT_THAT(bad, IsOk());
  EXPECT_EQ(bad->status, 400) << bad->body;

  kv1::SignContractRequest sign;
  sign.set_id(contract.id());
  sign.set_customer_signer_contact_id(contact.id());
  ASSERT_THAT(Rest("crm.contracts.v1.ContractsService.SignContract", sign, rep, &contract), IsOk());
  EXPECT_EQ(contract.status(), kv1::CONTRACT_STATUS_SIGNED);

  // Its receivable appears; finance records the payment.
  yv1::GetReceivableRequest get_receivable;
  get_receivable.set_contract_id(contract.id());
  yv1::Receivable receivable;
  grpc::Status found;
  for (int i = 0; i < 500; ++i) {
    found =
        Rest("crm.payments.v1.PaymentsService.GetReceivable", get_receivable, finance, &receivable);
    if (found.error_code() != grpc::StatusCode::NOT_FOUND) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_THAT(found, IsOk());
  yv1::RecordPaymentRequest pay;
  pay.set_request_id("http-flow-payment");
  pay.mutable_payment()->set_contract_id(contract.id());
  pay.mutable_payment()->set_method("bank_transfer");
  pay.mutable_payment()->mutable_receive_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  *pay.mutable_payment()->mutable_amount() = receivable.balance().due();
  pay.mutable_payment()->mutable_payer_account()->set_bank("招商银行杭州分行");
  pay.mutable_payment()->mutable_payer_account()->set_account_name("杭州云栖智能科技有限公司");
  pay.mutable_payment()->mutable_payer_account()->set_account_number("6214830212340000");
  yv1::Payment payment;
  ASSERT_THAT(Rest("crm.payments.v1.PaymentsService.RecordPayment", pay, finance, &payment),
              IsOk());
  // A retry of the same request is the same payment.
  yv1::Payment again;
  ASSERT_THAT(Rest("crm.payments.v1.PaymentsService.RecordPayment", pay, finance, &again), IsOk());
  EXPECT_EQ(again.id(), payment.id());

  // A complaint: assigned, handled, sent back once with low satisfaction, handled, archived.
  tv1::CreateTicketRequest create_ticket;
  create_ticket.set_request_id("http-flow-ticket");
  create_ticket.mutable_ticket()->set_type("complaint");
  create_ticket.mutable_ticket()->set_customer_id(customer.id());
  create_ticket.mutable_ticket()->set_summary("上线后报表加载慢");
  create_ticket.mutable_ticket()->set_request("客户反映月度报表需要一分钟才能打开。");
  tv1::Ticket ticket;
  ASSERT_THAT(Rest("crm.service.v1.TicketsService.CreateTicket", create_ticket, rep, &ticket),
              IsOk());
  tv1::AssignTicketRequest assign_ticket;
  assign_ticket.set_id(ticket.id());
  assign_ticket.set_assignee_id(rep_id_);
  ASSERT_THAT(Rest("crm.service.v1.TicketsService.AssignTicket", assign_ticket, manager, &ticket),
              IsOk());
  for (int satisfaction : {2, 5}) {
    tv1::HandleTicketRequest handle;
    handle.set_id(ticket.id());
    handle.set_handling(satisfaction == 2 ? "清理了缓存" : "为报表增加了索引");
    ASSERT_THAT(Rest("crm.service.v1.TicketsService.HandleTicket", handle, rep, &ticket), IsOk());
    tv1::RecordFeedbackRequest feedback;
    feedback.set_id(ticket.id());
    feedback.set_result(satisfaction == 2 ? "仍然很慢" : "问题解决");
    feedback.set_satisfaction(satisfaction);
    ASSERT_THAT(Rest("crm.service.v1.TicketsService.RecordFeedback", feedback, rep, &ticket),
                IsOk());
  }
  EXPECT_EQ(ticket.status(), tv1::TICKET_STATUS_ARCHIVED);
  EXPECT_EQ(ticket.returns(), 1);

  // Customer 360 over HTTP shows all of it.
  gv1::GetCustomer360Request view_req;
  view_req.set_customer_id(customer.id());
  gv1::Customer360 view;
  ASSERT_THAT(Rest("crm.gateway.v1.ViewsService.GetCustomer360", view_req, rep, &view), IsOk());
  EXPECT_EQ(view.profile().customer().name(), "杭州云栖智能科技有限公司");
  ASSERT_EQ(view.contacts().contacts_size(), 1);
  ASSERT_EQ(view.opportunities().opportunities_size(), 1);
  EXPECT_EQ(view.opportunities().opportunities(0).status(), pv1::OPPORTUNITY_STATUS_WON);
  ASSERT_EQ(view.contracts().contracts_size(), 1);
  EXPECT_EQ(view.contracts().contracts(0).id(), contract.id());
  ASSERT_EQ(view.receivables().receivables_size(), 1);
  EXPECT_EQ(view.receivables().receivables(0).balance().received().units(),
            receivable.balance().due().units());
  ASSERT_EQ(view.tickets().tickets_size(), 1);
  EXPECT_EQ(view.tickets().tickets(0).status(), tv1::TICKET_STATUS_ARCHIVED);
  EXPECT_FALSE(view.orders().linked());
  // And the rep's workbench answers with every section.
  gv1::Workbench bench;
  ASSERT_THAT(
      Rest("crm.gateway.v1.ViewsService.GetWorkbench", gv1::GetWorkbenchRequest(), rep, &bench),
      IsOk());
  EXPECT_EQ(bench.opportunities().status().code(), 0);
  EXPECT_EQ(bench.open_tickets().status().code(), 0);
  EXPECT_EQ(bench.overdue_installments().status().code(), 0) << bench.DebugString();
  gv1::TeamView team;
  ASSERT_THAT(
      Rest("crm.gateway.v1.ViewsService.GetTeamView", gv1::GetTeamViewRequest(), manager, &team),
      IsOk());
  EXPECT_EQ(team.receivables().status().code(), 0) << team.receivables().status().message();
  EXPECT_EQ(Rest("crm.gateway.v1.ViewsService.GetTeamView", gv1::GetTeamViewRequest(), rep, &team)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace crm::e2e
