// The gateway: its routes and transcoding (no process), then a crm-gateway process in front of
// an in-test backend that records what reaches it: tokens, request ids, deadlines and
// cancellation carried over, calls refused without reaching it, errors and streams over both
// paths, limits, CORS and the OpenAPI document.

#include <grpcpp/create_channel.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/byte_buffer.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "crm/analytics/v1/analytics_service.grpc.pb.h"
#include "crm/customers/v1/customers_service.grpc.pb.h"
#include "crm/gateway/v1/gateway_service.grpc.pb.h"
#include "crm/service/v1/tickets_service.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "libs/auth/tokens.h"
#include "libs/rpc/status_convert.h"
#include "libs/status/field_violations.h"
#include "libs/testing/http.h"
#include "libs/testing/principals.h"
#include "libs/testing/process.h"
#include "libs/testing/status_matchers.h"
#include "nlohmann/json.hpp"
#include "services/gateway/src/routes.h"
#include "services/gateway/src/transcode.h"

namespace crm::gateway {
namespace {

using ::crm::test::IsOk;
using ::testing::HasSubstr;
namespace av1 = ::crm::analytics::v1;
using nlohmann::json;

std::vector<const google::protobuf::FileDescriptor*> GatewayFiles() {
  return {gateway::v1::GetCustomer360Request::descriptor()->file()};
}

std::unique_ptr<Routes> AllRoutes(std::vector<std::unique_ptr<Backend>>* keep) {
  std::vector<const Backend*> backends;
  for (const auto& spec : BackendSpecs()) {
    keep->push_back(std::make_unique<Backend>());
    keep->back()->name = spec.name;
    backends.push_back(keep->back().get());
  }
  keep->push_back(std::make_unique<Backend>());
  keep->back()->name = "gateway";
  auto routes = Routes::Build(backends, keep->back().get(), GatewayFiles());
  EXPECT_THAT(routes, IsOk());
  return routes.ok() ? *std::move(routes) : nullptr;
}

TEST(RoutesTest, TemplatesParseAndMatchTheMostLiteralBinding) {
  HttpBinding b;
  ASSERT_THAT(ParseTemplate("/v1/opportunities/{id}:assign", &b), IsOk());
  ASSERT_EQ(b.segments.size(), 3u);
  EXPECT_EQ(b.segments[2].field, "id");
  EXPECT_EQ(b.custom, "assign");
  HttpBinding bad;
  EXPECT_FALSE(ParseTemplate("/v1/{name=customers/*}", &bad).ok());
  EXPECT_FALSE(ParseTemplate("v1/customers", &bad).ok());
  EXPECT_FALSE(ParseTemplate("/v1//customers", &bad).ok());

  std::vector<std::unique_ptr<Backend>> keep;
  auto routes = AllRoutes(&keep);
  ASSERT_NE(routes, nullptr);
  auto m = routes->MatchHttp("GET", "/v1/customers/0190a3c2-0000-7000-8000-000000000001");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method->full_name(), "crm.customers.v1.CustomersService.GetCustomer");
  ASSERT_EQ(m.variables.size(), 1u);
  EXPECT_EQ(m.variables[0].second, "0190a3c2-0000-7000-8000-000000000001");
  m = routes->MatchHttp("GET", "/v1/customers:search");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method->name(), "SearchCustomers");
  m = routes->MatchHttp("POST", "/v1/opportunities/abc:assign");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method->name(), "AssignOpportunity");
  EXPECT_EQ(routes->MatchHttp("GET", "/v1/nothing").route, nullptr);
  EXPECT_EQ(routes->MatchHttp("PUT", "/v1/customers").route, nullptr);
}

// Every method of every backend and of the gateway is routed; every one a browser can call (all
// but those streaming their requests) has an HTTP binding.
TEST(RoutesTest, EveryMethodIsRoutedAndHasAnHttpBindingUnlessItStreamsBothWays) {
  std::vector<std::unique_ptr<Backend>> keep;
  auto routes = AllRoutes(&keep);
  ASSERT_NE(routes, nullptr);
  int methods = 0;
  for (const Route& r : routes->all()) {
    ++methods;
    EXPECT_EQ(routes->Find(r.path), &r);
    if (r.method->client_streaming() && r.method->server_streaming()) {
      EXPECT_TRUE(r.http.empty()) << r.method->full_name();
    } else {
      EXPECT_FALSE(r.http.empty()) << r.method->full_name() << " has no google.api.http";
    }
  }
  EXPECT_GT(methods, 130);
  // Every service proto of ours is among the gateway's backends or its own.
  std::set<std::string> routed;
  for (const auto& spec : BackendSpecs()) {
    for (const auto* f : spec.files) routed.insert(f->name());
  }
  for (const auto* f : GatewayFiles()) routed.insert(f->name());
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(std::string(CRM_SOURCE_DIR) + "/proto/crm")) {
    const std::string path = entry.path().string();
    if (!absl::EndsWith(path, "_service.proto")) continue;
    const std::string name = path.substr(path.rfind("/proto/") + 7);
    EXPECT_EQ(routed.count(name), 1u) << name << " is not routed by the gateway";
  }
}

TEST(TranscodeTest, RequestsFromPathQueryAndBody) {
  std::vector<std::unique_ptr<Backend>> keep;
  auto routes = AllRoutes(&keep);
  ASSERT_NE(routes, nullptr);
  // Query parameters: Chinese percent-encoded, enums by name, dates, booleans, repeated.
  auto m = routes->MatchHttp("GET", "/v1/tickets");
  ASSERT_NE(m.route, nullptr);
  auto bytes = BuildRequest(*m.route->method->input_type(), *m.binding, m.variables,
                            "query=%E5%8F%91%E7%A5%A8&status=TICKET_STATUS_ASSIGNED&pageSize=5"
                            "&createdFrom=2026-01-31&open_only=true",
                            "");
  ASSERT_THAT(bytes, IsOk());
  service::v1::ListTicketsRequest tickets;
  ASSERT_TRUE(tickets.ParseFromString(*bytes));
  EXPECT_EQ(tickets.query(), "发票");
  EXPECT_EQ(tickets.status(), service::v1::TICKET_STATUS_ASSIGNED);
  EXPECT_EQ(tickets.page_size(), 5);
  EXPECT_EQ(tickets.created_from().month(), 1);
  EXPECT_EQ(tickets.created_from().day(), 31);
  EXPECT_TRUE(tickets.open_only());

  // A body, and the path's variable.
  m = routes->MatchHttp("PATCH", "/v1/customers/0190a3c2-0000-7000-8000-000000000001");
  ASSERT_NE(m.route, nullptr);
  bytes = BuildRequest(*m.route->method->input_type(), *m.binding, m.variables, "",
                       R"({"customer": {"name": "华为技术有限公司"}, "updateMask": "name"})");
  ASSERT_THAT(bytes, IsOk());
  customers::v1::UpdateCustomerRequest update;
  ASSERT_TRUE(update.ParseFromString(*bytes));
  EXPECT_EQ(update.customer().id(), "0190a3c2-0000-7000-8000-000000000001");
  EXPECT_EQ(update.customer().name(), "华为技术有限公司");
  EXPECT_EQ(update.update_mask().paths(0), "name");

  // Bad input names what is wrong.
  auto bad = BuildRequest(*m.route->method->input_type(), *m.binding, m.variables, "", "{oops");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("not valid JSON"));
  bad = BuildRequest(*m.route->method->input_type(), *m.binding, m.variables, "", "[1]");
  EXPECT_THAT(bad.status().message(), HasSubstr("JSON object"));
  bad = BuildRequest(*m.route->method->input_type(), *m.binding, m.variables, "",
                     R"({"customer": {"nmae": "x"}})");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  m = routes->MatchHttp("GET", "/v1/tickets");
  bad = BuildRequest(*m.route->method->input_type(), *m.binding, m.variables, "colour=red", "");
  EXPECT_THAT(bad.status().message(), HasSubstr("unknown parameter \"colour\""));
  bad =
      BuildRequest(*m.route->method->input_type(), *m.binding, m.variables, "openOnly=perhaps", "");
  EXPECT_THAT(bad.status().message(), HasSubstr("true or false"));
  bad = BuildRequest(*m.route->method->input_type(), *m.binding, m.variables,
                     "createdFrom=yesterday", "");
  EXPECT_THAT(bad.status().message(), HasSubstr("YYYY-MM-DD"));
  bad = BuildRequest(*m.route->method->input_type(), *m.binding, m.variables, "query=%FF", "");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("not UTF-8"));
  // A repeated field given in the body as a single value and again in the query.
  m = routes->MatchHttp("PATCH", "/v1/customers/0190a3c2-0000-7000-8000-000000000001");
  bad = BuildRequest(*m.route->method->input_type(), *m.binding, m.variables, "customer.tags=y",
                     R"({"customer": {"tags": "x"}})");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("given twice"));
}

TEST(TranscodeTest, ErrorsAreGoogleRpcStatusJsonWithTheirDetails) {
  Violations v;
  v.Add("customer.name", "is required");
  const grpc::Status s = rpc::ToGrpcStatus(v.ToStatus());
  EXPECT_EQ(HttpStatusOf(s.error_code()), 400);
  const json j = json::parse(ErrorJson(s));
  EXPECT_EQ(j["code"], 3);
  EXPECT_EQ(j["details"][0]["@type"], "type.googleapis.com/google.rpc.BadRequest");
  EXPECT_EQ(j["details"][0]["fieldViolations"][0]["field"], "customer.name");
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::UNAUTHENTICATED), 401);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::PERMISSION_DENIED), 403);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::RESOURCE_EXHAUSTED), 429);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::UNAVAILABLE), 503);
  absl::Duration d;
  EXPECT_TRUE(ParseGrpcTimeout("250m", &d));
  EXPECT_EQ(d, absl::Milliseconds(250));
  EXPECT_FALSE(ParseGrpcTimeout("5", &d));
  EXPECT_FALSE(ParseGrpcTimeout("5x", &d));
}

// A backend (the analytics API) that records what reaches it.
class RecordingBackend final : public av1::AnalyticsService::Service {
 public:
  grpc::Status GetIngestionStatus(grpc::ServerContext* ctx, const av1::GetIngestionStatusRequest*,
                                  av1::IngestionStatus* resp) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++calls_;
      deadline_ = absl::FromChrono(ctx->deadline());
      for (const char* key : {"authorization", "x-request-id"}) {
        auto it = ctx->client_metadata().find(key);
        metadata_[key] = it == ctx->client_metadata().end()
                             ? ""
                             : std::string(it->second.data(), it->second.size());
      }
    }
    if (hold_) {
      // Until the caller gives up.
      while (!ctx->IsCancelled()) absl::SleepFor(absl::Milliseconds(5));
      cancelled_ = true;
      return grpc::Status::CANCELLED;
    }
    resp->add_sources()->set_source("客户");
    return grpc::Status::OK;
  }
  grpc::Status RunReport(grpc::ServerContext*, const av1::RunReportRequest*,
                         av1::Report*) override {
    Violations v;
    v.Add("period.date", "is required");
    return rpc::ToGrpcStatus(v.ToStatus());
  }
  grpc::Status ExportReport(grpc::ServerContext*, const av1::ExportReportRequest*,
                            grpc::ServerWriter<av1::ExportReportResponse>* writer) override {
    for (const char* chunk : {"客户,金额\n", "华为,100\n", "腾讯,200\n"}) {
      av1::ExportReportResponse r;
      r.set_data(chunk);
      writer->Write(r);
    }
    return grpc::Status::OK;
  }

  int calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  absl::Time deadline() {
    std::lock_guard<std::mutex> lock(mu_);
    return deadline_;
  }
  std::string metadata(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    return metadata_[key];
  }
  std::atomic<bool> hold_{false};
  std::atomic<bool> cancelled_{false};

 private:
  std::mutex mu_;
  int calls_ = 0;
  absl::Time deadline_;
  std::map<std::string, std::string> metadata_;
};

class GatewayProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/crm-gateway-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    auto key = auth::GenerateSigningKeyPem();
    ASSERT_THAT(key, IsOk());
    auto signer = auth::TokenSigner::Create("gw-1", *key, "crm-auth", "crm");
    ASSERT_THAT(signer, IsOk());
    signer_ = *std::move(signer);
    std::ofstream(dir_ + "/gw-1.pub.pem") << signer_->public_key_pem();
    std::filesystem::create_directories(dir_ + "/web/assets");
    std::ofstream(dir_ + "/web/index.html") << "<!doctype html><title>客户关系管理</title>";
    std::ofstream(dir_ + "/web/assets/app-1a2b.js") << "console.log('plain')";
    std::ofstream(dir_ + "/web/assets/app-1a2b.js.gz") << "gzipped";

    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&backend_);
    backend_server_ = builder.BuildAndStart();
    ASSERT_NE(backend_server_, nullptr);

    grpc_port_ = test::PickFreePort();
    http_port_ = test::PickFreePort();
    test::ProcessOptions options{
        test::BuiltBinary("services/gateway/crm-gateway"),
        {"--listen-host=127.0.0.1", absl::StrCat("--grpc-port=", grpc_port_), "--metrics-port=0",
         absl::StrCat("--http-port=", http_port_),
         "--jwt-public-keys=gw-1=" + dir_ + "/gw-1.pub.pem",
         absl::StrCat("--analytics-address=127.0.0.1:", port), "--customers-address=",
         "--auth-address=", "--rate-limit=1", "--rate-burst=5", "--sign-in-rate-limit=1",
         "--sign-in-burst=2", "--max-request-bytes=2048", "--cors-origins=https://crm.example.com",
         "--drain-timeout=2s", "--web-root=" + dir_ + "/web"},
        {}};
    auto process = test::ServiceProcess::Start(options);
    ASSERT_THAT(process, IsOk());
    process_ = *std::move(process);
    ASSERT_THAT(process_->WaitForServing(target(), absl::Seconds(30)), IsOk());
    channel_ = grpc::CreateChannel(target(), grpc::InsecureChannelCredentials());
    stub_ = av1::AnalyticsService::NewStub(channel_);
  }
  void TearDown() override {
    if (HasFailure() && process_)
      std::printf("--- gateway log ---\n%s\n", process_->Output().c_str());
    process_.reset();
    if (backend_server_) backend_server_->Shutdown();
    std::filesystem::remove_all(dir_);
  }

  std::string target() const { return absl::StrCat("127.0.0.1:", grpc_port_); }

  // A new caller's token (each test's own, so rate limits do not carry over).
  std::string Token(std::vector<std::string> permissions = {"analytics.reports.read"}) {
    auth::Principal p = test::NewPrincipal(permissions, auth::DataScope::kAll, "d1", {"executive"});
    p.issued_at = absl::Now();
    p.expires_at = absl::Now() + absl::Minutes(10);
    p.token_id = absl::StrCat("t", ++tokens_);
    auto t = signer_->Sign(p);
    EXPECT_THAT(t, IsOk());
    return t.ok() ? *t : "";
  }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token,
                                           absl::Duration timeout = absl::Seconds(10)) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    return ctx;
  }

  test::HttpResponse Http(const std::string& verb, const std::string& path,
                          const std::string& token = "",
                          std::vector<std::pair<std::string, std::string>> headers = {},
                          const std::string& body = "") {
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    auto r = test::HttpRequest(http_port_, verb, path, headers, body);
    EXPECT_THAT(r, IsOk());
    return r.ok() ? *r : test::HttpResponse{};
  }

  std::string dir_;
  std::unique_ptr<auth::TokenSigner> signer_;
  int tokens_ = 0;
  RecordingBackend backend_;
  std::unique_ptr<grpc::Server> backend_server_;
  int grpc_port_ = 0, http_port_ = 0;
  std::unique_ptr<test::ServiceProcess> process_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<av1::AnalyticsService::Stub> stub_;
};

TEST_F(GatewayProcessTest, TheCallersTokenRequestIdAndDeadlineReachTheBackend) {
  const std::string token = Token();
  auto ctx = Ctx(token, absl::Seconds(3));
  ctx->AddMetadata("x-request-id", "req-gateway-1");
  const absl::Time deadline = absl::FromChrono(ctx->deadline());
  av1::IngestionStatus status;
  ASSERT_THAT(stub_->GetIngestionStatus(ctx.get(), {}, &status), IsOk());
  EXPECT_EQ(status.sources(0).source(), "客户");
  EXPECT_EQ(backend_.metadata("authorization"), "Bearer " + token);
  EXPECT_EQ(backend_.metadata("x-request-id"), "req-gateway-1");
  EXPECT_LT(absl::AbsDuration(backend_.deadline() - deadline), absl::Milliseconds(100));

  // Over HTTP: the Grpc-Timeout header is the deadline; a request id is made when none is sent.
  const absl::Time http_deadline = absl::Now() + absl::Seconds(2);
  auto r = Http("GET", "/v1/ingestionStatus", token, {{"Grpc-Timeout", "2S"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["sources"][0]["source"], "客户");
  EXPECT_LT(absl::AbsDuration(backend_.deadline() - http_deadline), absl::Milliseconds(200));
  EXPECT_FALSE(backend_.metadata("x-request-id").empty());
  EXPECT_EQ(r.Header("X-Request-Id"), backend_.metadata("x-request-id"));
}

TEST_F(GatewayProcessTest, HeaderValuesThatAreNotPrintableAsciiStayOutOfTheBackendCall) {
  // gRPC metadata is printable ASCII: a request id of other characters is replaced, and a
  // token of them refused, before any backend call is made.
  const std::string token = Token();
  auto r = Http("GET", "/v1/ingestionStatus", token, {{"X-Request-Id", "请求-1"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(backend_.metadata("x-request-id"), "请求-1");
  EXPECT_FALSE(backend_.metadata("x-request-id").empty());
  EXPECT_EQ(r.Header("X-Request-Id"), backend_.metadata("x-request-id"));
  const int calls = backend_.calls();
  r = Http("GET", "/v1/ingestionStatus", "", {{"Authorization", "Bearer 令牌"}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(backend_.calls(), calls);
}

TEST_F(GatewayProcessTest, TheCallersCancellationReachesTheBackend) {
  backend_.hold_ = true;
  const std::string token = Token();
  auto ctx = Ctx(token, absl::Seconds(20));
  grpc::ClientContext* raw = ctx.get();
  // The caller gives up once the call has reached the backend.
  std::thread canceller([this, raw] {
    const absl::Time until = absl::Now() + absl::Seconds(10);
    while (backend_.calls() == 0 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(5));
    absl::SleepFor(absl::Milliseconds(100));
    raw->TryCancel();
  });
  av1::IngestionStatus status;
  const grpc::Status s = stub_->GetIngestionStatus(ctx.get(), {}, &status);
  canceller.join();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::CANCELLED);
  const absl::Time start = absl::Now();
  while (!backend_.cancelled_ && absl::Now() - start < absl::Seconds(5)) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_TRUE(backend_.cancelled_) << "the backend's call was not cancelled";
  // And a deadline that passes ends the backend's call too.
  backend_.cancelled_ = false;
  EXPECT_EQ(stub_->GetIngestionStatus(Ctx(token, absl::Seconds(1)).get(), {}, &status).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(backend_.calls(), 2);
  while (!backend_.cancelled_ && absl::Now() - start < absl::Seconds(10)) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_TRUE(backend_.cancelled_);
}

TEST_F(GatewayProcessTest, CallsWithoutAValidTokenNeverReachTheBackend) {
  av1::IngestionStatus status;
  grpc::Status s = stub_->GetIngestionStatus(Ctx("").get(), {}, &status);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  s = stub_->GetIngestionStatus(Ctx("not-a-token").get(), {}, &status);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  auto r = Http("GET", "/v1/ingestionStatus");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json::parse(r.body)["code"], 16);
  r = Http("GET", "/v1/ingestionStatus", "", {{"Authorization", "Basic eDp5"}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(backend_.calls(), 0);
}

TEST_F(GatewayProcessTest, ErrorsWithFieldViolationsSurviveBothPaths) {
  const std::string token = Token();
  av1::Report report;
  const grpc::Status s = stub_->RunReport(Ctx(token).get(), {}, &report);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(s.error_details()));
  google::rpc::BadRequest bad;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad));
  EXPECT_EQ(bad.field_violations(0).field(), "period.date");

  auto r = Http("GET", "/v1/reports:run?kind=REPORT_KIND_CUSTOMER_CONTRIBUTION", token);
  EXPECT_EQ(r.status, 400);
  const json j = json::parse(r.body);
  EXPECT_EQ(j["code"], 3);
  EXPECT_EQ(j["details"][0]["fieldViolations"][0]["field"], "period.date");
  EXPECT_EQ(j["details"][0]["fieldViolations"][0]["description"], "is required");

  // The gateway's own refusals have the same shape.
  r = Http("GET", "/v1/reports:run?kind=NOT_A_KIND", token);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["code"], 3);
  r = Http("GET", "/v1/no/such/path", token);
  EXPECT_EQ(r.status, 404);
  EXPECT_THAT(json::parse(r.body)["message"].get<std::string>(), HasSubstr("/v1/no/such/path"));
  // An unknown gRPC method, and a backend this gateway has no address for.
  grpc::ClientContext unknown_ctx;
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1), response;
  const grpc::Status unknown =
      grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
          channel_.get(),
          grpc::internal::RpcMethod("/crm.nothing.v1.NoService/Nothing",
                                    grpc::internal::RpcMethod::NORMAL_RPC),
          &unknown_ctx, request, &response);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  customers::v1::Customer c;
  auto customers = customers::v1::CustomersService::NewStub(channel_);
  customers::v1::GetCustomerRequest get;
  const grpc::Status down = customers->GetCustomer(Ctx(Token({"customers.read"})).get(), get, &c);
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(down.error_message(), HasSubstr("customers"));
}

TEST_F(GatewayProcessTest, ServerStreamsAreNewlineDelimitedJsonOverHttp) {
  const std::string token = Token();
  auto r = Http("GET", "/v1/reports:export?kind=REPORT_KIND_CUSTOMER_CONTRIBUTION", token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "application/x-ndjson");
  std::vector<std::string> lines = absl::StrSplit(r.body, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u) << r.body;
  EXPECT_TRUE(json::parse(lines[1])["result"].contains("data"));
  // And over gRPC, message by message.
  auto ctx = Ctx(token);
  auto reader = stub_->ExportReport(ctx.get(), {});
  av1::ExportReportResponse chunk;
  std::string csv;
  while (reader->Read(&chunk)) csv += chunk.data();
  EXPECT_THAT(reader->Finish(), IsOk());
  EXPECT_EQ(csv, "客户,金额\n华为,100\n腾讯,200\n");
}

TEST_F(GatewayProcessTest, RateLimitsAnswerResourceExhaustedWithRetryAfter) {
  const std::string token = Token();
  av1::IngestionStatus status;
  grpc::Status s;
  int allowed = 0;
  std::unique_ptr<grpc::ClientContext> ctx;
  for (int i = 0; i < 8; ++i) {
    ctx = Ctx(token);
    s = stub_->GetIngestionStatus(ctx.get(), {}, &status);
    if (!s.ok()) break;
    ++allowed;
  }
  EXPECT_EQ(allowed, 5);  // the burst
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(ctx->GetServerTrailingMetadata().count("retry-after"), 1u);
  auto r = Http("GET", "/v1/ingestionStatus", token);
  EXPECT_EQ(r.status, 429);
  EXPECT_FALSE(r.Header("Retry-After").empty());
  // Sign-ins are limited per address (and need no token).
  int statuses[3];
  for (int i = 0; i < 3; ++i) {
    statuses[i] = Http("POST", "/v1/auth:login", "", {{"Content-Type", "application/json"}},
                       R"({"username": "li.na", "password": "x"})")
                      .status;
  }
  EXPECT_EQ(statuses[0], 503);  // reached the (unconfigured) auth service
  EXPECT_EQ(statuses[2], 429);
}

TEST_F(GatewayProcessTest, BodiesAreBoundedAndCorsFollowsTheConfiguredOrigins) {
  const std::string token = Token({"analytics.targets.write"});
  auto r = Http("POST", "/v1/salesTargets", token, {{"Content-Type", "application/json"}},
                std::string(4096, ' '));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(json::parse(r.body)["code"], 8);
  r = Http("OPTIONS", "/v1/customers", "",
           {{"Origin", "https://crm.example.com"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "https://crm.example.com");
  EXPECT_THAT(r.Header("Access-Control-Allow-Headers"), HasSubstr("Authorization"));
  r = Http("OPTIONS", "/v1/customers", "", {{"Origin", "https://evil.example.com"}});
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "");
}

TEST_F(GatewayProcessTest, TheOpenApiDocumentDescribesEveryBinding) {
  auto r = Http("GET", "/openapi.json");
  ASSERT_EQ(r.status, 200);
  const json doc = json::parse(r.body);
  EXPECT_EQ(doc["openapi"], "3.0.3");
  std::vector<std::unique_ptr<Backend>> keep;
  auto routes = AllRoutes(&keep);
  ASSERT_NE(routes, nullptr);
  size_t bindings = 0, documented = 0;
  for (const Route& route : routes->all()) bindings += route.http.size();
  for (const auto& [path, ops] : doc["paths"].items()) documented += ops.size();
  EXPECT_EQ(documented, bindings);
  EXPECT_TRUE(doc["paths"]["/v1/customers/{id}"].contains("get"));
  EXPECT_TRUE(doc["paths"]["/v1/auth:login"]["post"]["security"].empty());
  EXPECT_TRUE(doc["components"]["schemas"].contains("crm.customers.v1.Customer"));
  EXPECT_EQ(Http("GET", "/healthz").status, 200);
}

TEST_F(GatewayProcessTest, TheWebFrontEndIsServedFromItsBuildAndMayCallOnlyThisOrigin) {
  auto r = Http("GET", "/");
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("客户关系管理"));
  EXPECT_THAT(r.Header("Content-Type"), HasSubstr("text/html"));
  EXPECT_THAT(r.Header("Content-Security-Policy"), HasSubstr("default-src 'self'"));
  EXPECT_THAT(r.Header("Content-Security-Policy"), HasSubstr("connect-src 'self'"));
  EXPECT_EQ(r.Header("Cache-Control"), "no-cache");
  r = Http("GET", "/assets/app-1a2b.js", "", {{"Accept-Encoding", "gzip, br"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "gzipped");
  EXPECT_EQ(r.Header("Content-Encoding"), "gzip");
  EXPECT_THAT(r.Header("Cache-Control"), HasSubstr("immutable"));
  r = Http("GET", "/assets/app-1a2b.js");
  EXPECT_EQ(r.body, "console.log('plain')");
  EXPECT_EQ(r.Header("Content-Encoding"), "");
  EXPECT_EQ(Http("GET", "/assets/missing.js").status, 404);
  EXPECT_EQ(Http("GET", "/assets/app-1a2b.js.gz").status, 404);
  EXPECT_EQ(Http("GET", "/../gw-1.pub.pem").status, 404);
  // The API's paths are never files.
  EXPECT_EQ(Http("GET", "/v1/reports:run").status, 401);
}

TEST_F(GatewayProcessTest, SigtermDrains) { EXPECT_EQ(process_->Stop(), 0); }

}  // namespace
}  // namespace crm::gateway
