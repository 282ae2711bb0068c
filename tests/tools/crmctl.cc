// crmctl: call any CRM RPC with JSON, for operators, scripts and the README's examples.
//
//   crmctl [--addr=host:port] login <username>            (password from CRM_PASSWORD or stdin)
//   crmctl [--addr=host:port] token <username>            same, printing only the access token
//   crmctl [--addr=host:port] [--token=T] call <package.Service/Method> ['<json request>']
//   crmctl [--addr=host:port] health
//   crmctl list
//
// The address defaults to $CRM_ADDR, or localhost:50051 (auth) without it; the token to
// $CRM_TOKEN. With --tls-ca (a PEM file) the call uses TLS and verifies the server against that
// CA, presenting --tls-cert and --tls-key to a server that requires a client certificate. Flags
// only: the services' CRM_TLS_* variables are set in their pods, where crmctl (the probes) asks
// the plaintext Unix socket. crmctl can target the gateway alone: CRM_ADDR=localhost:50050 reaches
// every service. Responses are printed as JSON (proto3 JSON mapping); errors go to stderr with
// their code, message and field violations, and exit with 1.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <tuple>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crm/analytics/v1/analytics_service.grpc.pb.h"
#include "crm/auth/v1/auth_service.grpc.pb.h"
#include "crm/auth/v1/directory_service.grpc.pb.h"
#include "crm/auth/v1/events.pb.h"
#include "crm/common/v1/orders.pb.h"
#include "crm/contracts/v1/contracts_service.grpc.pb.h"
#include "crm/contracts/v1/events.pb.h"
#include "crm/customers/v1/customers_service.grpc.pb.h"
#include "crm/customers/v1/events.pb.h"
#include "crm/gateway/v1/gateway_service.grpc.pb.h"
#include "crm/payments/v1/events.pb.h"
#include "crm/payments/v1/payments_service.grpc.pb.h"
#include "crm/pipeline/v1/events.pb.h"
#include "crm/pipeline/v1/pipeline_service.grpc.pb.h"
#include "crm/service/v1/events.pb.h"
#include "crm/service/v1/tickets_service.grpc.pb.h"
#include "external/salesys/v1/sales_system.pb.h"
#include "libs/config/flags.h"
#include "libs/ids/uuid.h"
#include "libs/rpc/health_client.h"
#include "libs/rpc/status_convert.h"
#include "libs/rpc/tls.h"
#include "libs/status/field_violations.h"

namespace {

namespace pb = google::protobuf;

// Referencing one message of each file links its descriptors into this binary.
const pb::FileDescriptor* const kLinked[] = {
    crm::auth::v1::LoginRequest::descriptor()->file(),
    crm::auth::v1::CreateUserRequest::descriptor()->file(),
    crm::auth::v1::LoginSucceeded::descriptor()->file(),
    crm::customers::v1::CreateCustomerRequest::descriptor()->file(),
    crm::customers::v1::CustomerChanged::descriptor()->file(),
    crm::pipeline::v1::CreateOpportunityRequest::descriptor()->file(),
    crm::pipeline::v1::OpportunityChanged::descriptor()->file(),
    crm::contracts::v1::CreateContractRequest::descriptor()->file(),
    crm::contracts::v1::ContractChanged::descriptor()->file(),
    crm::common::v1::OrderPlaced::descriptor()->file(),
    crm::payments::v1::RecordPaymentRequest::descriptor()->file(),
    crm::payments::v1::PaymentRecorded::descriptor()->file(),
    crm::service::v1::CreateTicketRequest::descriptor()->file(),
    crm::service::v1::TicketChanged::descriptor()->file(),
    crm::analytics::v1::RunReportRequest::descriptor()->file(),
    crm::gateway::v1::GetCustomer360Request::descriptor()->file(),
    external::salesys::v1::Product::descriptor()->file(),
};

int Usage() {
  std::fputs(
      "usage:\n"
      "  crmctl [--addr=host:port] login <username>     password from CRM_PASSWORD or stdin\n"
      "  crmctl [--addr=host:port] token <username>     the same, printing only the access token\n"
      "  crmctl [--addr=host:port] [--token=T] call <package.Service/Method> ['<json>']\n"
      "  crmctl [--addr=host:port] health\n"
      "  crmctl list\n"
      "The address defaults to $CRM_ADDR or localhost:50051, the token to $CRM_TOKEN.\n"
      "TLS: --tls-ca=FILE verifies the server against that CA; --tls-cert=FILE --tls-key=FILE\n"
      "present a client certificate.\n",
      stderr);
  return 2;
}

std::string ToBytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  (void)buffer.Dump(&slices);
  std::string out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

int PrintError(const grpc::Status& status) {
  absl::Status s = crm::rpc::FromGrpcStatus(status);
  std::fprintf(stderr, "error: %s: %s\n", absl::StatusCodeToString(s.code()).c_str(),
               std::string(s.message()).c_str());
  for (const auto& v : crm::FieldViolationsOf(s)) {
    std::fprintf(stderr, "  %s: %s\n", v.field.c_str(), v.description.c_str());
  }
  return 1;
}

std::string Json(const pb::Message& m) {
  std::string out;
  pb::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)pb::util::MessageToJsonString(m, &out, options);
  return out;
}

struct Client {
  std::shared_ptr<grpc::Channel> channel;
  std::string token;
  absl::Duration timeout = absl::Seconds(30);

  void Prepare(grpc::ClientContext* ctx, bool deadline) const {
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    ctx->AddMetadata("x-request-id", crm::ids::NewUuidV7());
    if (deadline) ctx->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  }

  // Calls `method` ("pkg.Service/Method" or "pkg.Service.Method") with a JSON request and
  // prints each response.
  int Call(const std::string& method_name, const std::string& json) const {
    std::string name = method_name;
    if (!name.empty() && name[0] == '/') name = name.substr(1);
    const size_t slash = name.rfind('/');
    if (slash != std::string::npos) name[slash] = '.';
    const pb::MethodDescriptor* method =
        pb::DescriptorPool::generated_pool()->FindMethodByName(name);
    if (method == nullptr) {
      std::fprintf(stderr, "unknown method %s (see: crmctl list)\n", method_name.c_str());
      return 2;
    }
    pb::DynamicMessageFactory factory;
    std::unique_ptr<pb::Message> request(factory.GetPrototype(method->input_type())->New());
    pb::util::JsonParseOptions parse;
    if (auto s = pb::util::JsonStringToMessage(json.empty() ? "{}" : json, request.get(), parse);
        !s.ok()) {
      std::fprintf(stderr, "bad JSON for %s: %s\n", method->input_type()->full_name().c_str(),
                   s.ToString().c_str());
      return 2;
    }
    const std::string path = absl::StrCat("/", method->service()->full_name(), "/", method->name());
    grpc::GenericStub stub(channel);
    grpc::Slice slice(request->SerializeAsString());
    grpc::ByteBuffer request_buffer(&slice, 1);
    std::unique_ptr<pb::Message> response(factory.GetPrototype(method->output_type())->New());

    grpc::ClientContext ctx;
    grpc::CompletionQueue cq;
    Prepare(&ctx, !method->server_streaming());
    auto call = stub.PrepareCall(&ctx, path, &cq);
    void* tag;
    bool ok;
    call->StartCall(reinterpret_cast<void*>(1));
    cq.Next(&tag, &ok);
    call->WriteLast(request_buffer, grpc::WriteOptions(), reinterpret_cast<void*>(2));
    cq.Next(&tag, &ok);
    for (;;) {
      grpc::ByteBuffer response_buffer;
      call->Read(&response_buffer, reinterpret_cast<void*>(3));
      cq.Next(&tag, &ok);
      if (!ok) break;
      response->ParseFromString(ToBytes(response_buffer));
      std::printf("%s\n", Json(*response).c_str());
      std::fflush(stdout);
    }
    grpc::Status status;
    call->Finish(&status, reinterpret_cast<void*>(4));
    cq.Next(&tag, &ok);
    if (!status.ok()) return PrintError(status);
    return 0;
  }
};

int List() {
  for (const pb::FileDescriptor* file : kLinked) {
    for (int s = 0; s < file->service_count(); ++s) {
      const pb::ServiceDescriptor* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const pb::MethodDescriptor* method = service->method(m);
        std::printf("%s/%s%s\n", service->full_name().c_str(), method->name().c_str(),
                    method->server_streaming() ? " (stream)" : "");
      }
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Client client;
  const char* env_addr = std::getenv("CRM_ADDR");
  std::string addr = env_addr != nullptr && *env_addr != '\0' ? env_addr : "localhost:50051";
  if (const char* t = std::getenv("CRM_TOKEN")) client.token = t;
  std::string tls_ca, tls_cert, tls_key;
  int i = 1;
  for (; i < argc && std::string(argv[i]).rfind("--", 0) == 0; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--addr=", 0) == 0) {
      addr = arg.substr(7);
    } else if (arg.rfind("--token=", 0) == 0) {
      client.token = arg.substr(8);
    } else if (arg.rfind("--tls-ca=", 0) == 0) {
      tls_ca = arg.substr(9);
    } else if (arg.rfind("--tls-cert=", 0) == 0) {
      tls_cert = arg.substr(11);
    } else if (arg.rfind("--tls-key=", 0) == 0) {
      tls_key = arg.substr(10);
    } else {
      return Usage();
    }
  }
  if (i >= argc) return Usage();
  const std::string command = argv[i++];
  if (command == "list") return List();
  crm::rpc::ClientTls tls;
  for (const auto& [flag, path, pem] : {std::tuple{"tls-ca", &tls_ca, &tls.ca_pem},
                                        std::tuple{"tls-cert", &tls_cert, &tls.cert_pem},
                                        std::tuple{"tls-key", &tls_key, &tls.key_pem}}) {
    if (path->empty()) continue;
    auto read = crm::config::ReadFile(flag, *path);
    if (!read.ok()) {
      std::fprintf(stderr, "error: %s\n", read.status().ToString().c_str());
      return 2;
    }
    *pem = *std::move(read);
  }
  if (!tls.enabled() && !tls.cert_pem.empty()) {
    std::fputs("error: --tls-cert and --tls-key need --tls-ca\n", stderr);
    return 2;
  }
  if (tls.cert_pem.empty() != tls.key_pem.empty()) {
    std::fputs("error: --tls-cert and --tls-key go together\n", stderr);
    return 2;
  }
  client.channel = grpc::CreateChannel(addr, crm::rpc::ChannelCredentials(tls));
  if (command == "health") {
    auto status = crm::rpc::CheckHealth(client.channel, "", absl::Seconds(5));
    if (!status.ok()) {
      std::fprintf(stderr, "error: %s\n", status.status().ToString().c_str());
      return 1;
    }
    std::printf("%s\n", *status == crm::rpc::HealthStatus::kServing ? "SERVING" : "NOT_SERVING");
    return *status == crm::rpc::HealthStatus::kServing ? 0 : 1;
  }
  if (command == "login" || command == "token") {
    if (i >= argc) return Usage();
    std::string password;
    if (const char* p = std::getenv("CRM_PASSWORD")) {
      password = p;
    } else {
      if (isatty(0)) std::fprintf(stderr, "password: ");
      std::getline(std::cin, password);
    }
    crm::auth::v1::LoginRequest req;
    req.set_username(argv[i]);
    req.set_password(password);
    crm::auth::v1::LoginResponse resp;
    grpc::ClientContext ctx;
    client.Prepare(&ctx, true);
    auto stub = crm::auth::v1::AuthService::NewStub(client.channel);
    if (grpc::Status s = stub->Login(&ctx, req, &resp); !s.ok()) return PrintError(s);
    if (command == "token") {
      std::printf("%s\n", resp.tokens().access_token().c_str());
    } else {
      std::printf("%s\n", Json(resp).c_str());
    }
    return 0;
  }
  if (command == "call") {
    if (i >= argc) return Usage();
    const std::string method = argv[i++];
    return client.Call(method, i < argc ? argv[i] : "{}");
  }
  return Usage();
}
