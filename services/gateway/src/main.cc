// crm-gateway: the single entry point for front ends and internal systems. Every backend's API
// over gRPC (forwarded without per-method code) and HTTP/JSON (transcoded with the protos'
// google.api.http bindings), composed views, and the company's sales system.

#include <grpcpp/create_channel.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crm/gateway/v1/gateway_service.grpc.pb.h"
#include "libs/config/flags.h"
#include "libs/log/log.h"
#include "libs/rpc/call.h"
#include "libs/salesys/client_flags.h"
#include "libs/service/common_config.h"
#include "libs/service/runtime.h"
#include "services/gateway/src/admission.h"
#include "services/gateway/src/forward.h"
#include "services/gateway/src/http_server.h"
#include "services/gateway/src/openapi.h"
#include "services/gateway/src/routes.h"
#include "services/gateway/src/views.h"

namespace crm::gateway {
namespace {

using service::Fatal;

int Main(int argc, char** argv) {
  config::Flags flags("crm-gateway", "The CRM API gateway (gRPC and HTTP/JSON).");
  service::CommonFlags common(flags, "gateway", /*db_env=*/"", 50050, 9463,
                              /*with_public_keys=*/true);
  std::vector<std::string*> addresses;
  for (const BackendSpec& b : BackendSpecs()) {
    std::string upper = absl::AsciiStrToUpper(b.name);
    addresses.push_back(flags.String(
        absl::StrCat(b.name, "-address"), absl::StrCat("CRM_", upper, "_ADDRESS"),
        absl::StrCat("localhost:", b.default_port),
        absl::StrCat("the ", b.name, " service (empty: its API answers UNAVAILABLE)")));
  }
  salesys::ClientFlags sales_system_flags(flags, "product, inventory and order-history lookups");
  auto* http_port =
      flags.Int("http-port", "CRM_HTTP_PORT", 8080, "HTTP/JSON port (0: any free port)", 0, 65535);
  auto* http_threads =
      flags.Int("http-threads", "CRM_HTTP_THREADS", 64, "HTTP requests served at once", 1, 4096);
  auto* max_body = flags.Int("max-request-bytes", "CRM_MAX_REQUEST_BYTES", 1 << 20,
                             "largest HTTP request body", 1024, int64_t{1} << 30);
  auto* max_upload =
      flags.Int("max-upload-bytes", "CRM_MAX_UPLOAD_BYTES", int64_t{64} << 20,
                "largest HTTP upload (a client stream's body)", 1024, int64_t{1} << 34);
  auto* web_root = flags.String("web-root", "CRM_WEB_ROOT", "",
                                "the web front end's build directory, served over HTTP (empty: "
                                "none)");
  auto* cors = flags.String("cors-origins", "CRM_CORS_ORIGINS", "",
                            "comma-separated origins browsers may call from (* for any)");
  auto* http_timeout = flags.Duration("http-timeout", "CRM_HTTP_TIMEOUT", absl::Seconds(30),
                                      "an HTTP request's deadline without a Grpc-Timeout header");
  auto* forwarded_for = flags.Bool("trust-forwarded-for", "CRM_TRUST_FORWARDED_FOR", false,
                                   "take callers' addresses from X-Forwarded-For (behind an "
                                   "ingress that sets it)");
  auto* call_timeout = flags.Duration("forward-timeout", "CRM_FORWARD_TIMEOUT", absl::Seconds(30),
                                      "deadline of a forwarded unary gRPC call that has none");
  auto* section_timeout =
      flags.Duration("section-timeout", "CRM_SECTION_TIMEOUT", absl::Seconds(5),
                     "the longest a composed view waits for one of its sections");
  auto* rate = flags.Int("rate-limit", "CRM_RATE_LIMIT", 50,
                         "calls per second a caller may make on average", 1, 1000000);
  auto* burst =
      flags.Int("rate-burst", "CRM_RATE_BURST", 200, "calls a caller may make at once", 1, 1000000);
  auto* public_rate = flags.Int("sign-in-rate-limit", "CRM_SIGN_IN_RATE_LIMIT", 60,
                                "sign-ins (public calls) per minute from one address", 1, 1000000);
  auto* public_burst = flags.Int("sign-in-burst", "CRM_SIGN_IN_BURST", 20,
                                 "sign-ins from one address at once", 1, 1000000);
  flags.ParseOrExit(argc, argv);

  auto config = common.Resolve();
  if (!config.ok()) return Fatal("invalid configuration", config.status());
  log::Configure("gateway", config->log_level);
  auto sales_options = sales_system_flags.Resolve();
  if (!sales_options.ok()) return Fatal("invalid configuration", sales_options.status());
  auto verifier = service::VerifierFromConfig(*config);
  if (!verifier.ok()) return Fatal("invalid configuration", verifier.status());

  rpc::Server server(config->server);
  prometheus::Registry& registry = server.metrics();
  auto& backend_calls = prometheus::BuildCounter()
                            .Name("crm_gateway_backend_calls_total")
                            .Help("Calls the gateway made to each backend, by gRPC code")
                            .Register(registry);
  auto& backend_seconds = prometheus::BuildHistogram()
                              .Name("crm_gateway_backend_call_seconds")
                              .Help("Latency of the gateway's calls to each backend")
                              .Register(registry);
  const prometheus::Histogram::BucketBoundaries buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                        0.05,   0.1,   0.25,   0.5,   1,    5};
  std::vector<std::unique_ptr<Backend>> backends;
  std::vector<const Backend*> backend_ptrs;
  for (size_t i = 0; i < BackendSpecs().size(); ++i) {
    auto b = std::make_unique<Backend>();
    b->name = BackendSpecs()[i].name;
    if (!addresses[i]->empty()) {
      grpc::ChannelArguments args;
      args.SetMaxReceiveMessageSize(config->server.max_message_bytes);
      args.SetMaxSendMessageSize(config->server.max_message_bytes);
      b->channel = grpc::CreateCustomChannel(*addresses[i],
                                             rpc::ChannelCredentials(config->client_tls), args);
    }
    b->calls = &backend_calls;
    b->seconds = &backend_seconds.Add({{"backend", b->name}}, buckets);
    backend_ptrs.push_back(b.get());
    backends.push_back(std::move(b));
  }
  // The gateway's own services, reached from the HTTP port through an in-process channel.
  Backend local;
  local.name = "gateway";
  auto routes = Routes::Build(backend_ptrs, &local,
                              {gateway::v1::GetCustomer360Request::descriptor()->file()});
  if (!routes.ok()) return Fatal("invalid API descriptors", routes.status());

  Admission admission(verifier->get(), {static_cast<double>(*rate), static_cast<double>(*burst),
                                        static_cast<double>(*public_rate) / 60.0,
                                        static_cast<double>(*public_burst)});
  Forwarder forwarder(routes->get(), &admission, &server.observer(), *call_timeout, *forwarded_for);
  server.SetGenericService(&forwarder);

  auto sales_system = salesys::NewGrpcSalesSystem(*sales_options, &registry);
  // The views' stubs (null for a backend without an address: its sections say so).
  auto stub = [&](const char* name, auto make) -> decltype(make(nullptr)) {
    for (const auto& b : backends) {
      if (b->name == name && b->channel != nullptr) return make(b->channel);
    }
    return nullptr;
  };
  using Channel = std::shared_ptr<grpc::Channel>;
  auto customers = stub("customers", [](Channel c) {
    return c ? customers::v1::CustomersService::NewStub(c) : nullptr;
  });
  auto contacts = stub("customers", [](Channel c) {
    return c ? customers::v1::ContactsService::NewStub(c) : nullptr;
  });
  auto churn = stub(
      "customers", [](Channel c) { return c ? customers::v1::ChurnService::NewStub(c) : nullptr; });
  auto pipeline = stub("pipeline", [](Channel c) {
    return c ? pipeline::v1::PipelineService::NewStub(c) : nullptr;
  });
  auto contracts = stub("contracts", [](Channel c) {
    return c ? contracts::v1::ContractsService::NewStub(c) : nullptr;
  });
  auto payments = stub("payments", [](Channel c) {
    return c ? payments::v1::PaymentsService::NewStub(c) : nullptr;
  });
  auto tickets = stub(
      "service", [](Channel c) { return c ? service::v1::TicketsService::NewStub(c) : nullptr; });
  rpc::Calls calls(nullptr, verifier->get(), nullptr, nullptr, &server.observer());
  ViewsDeps deps{&calls,        &admission,         customers.get(), contacts.get(),
                 churn.get(),   pipeline.get(),     contracts.get(), payments.get(),
                 tickets.get(), sales_system.get(), *section_timeout};
  auto views = NewViewsService(deps);
  auto catalog = NewCatalogService(deps);
  server.AddService(views.get());
  server.AddService(catalog.get());
  server.SetReadinessProbe([] { return absl::OkStatus(); });

  HttpOptions http;
  http.host = config->server.grpc_address.substr(0, config->server.grpc_address.rfind(':'));
  http.port = static_cast<int>(*http_port);
  http.threads = static_cast<int>(*http_threads);
  http.max_body_bytes = static_cast<size_t>(*max_body);
  http.max_upload_bytes = static_cast<size_t>(*max_upload);
  http.web_root = *web_root;
  for (absl::string_view o : absl::StrSplit(*cors, ',', absl::SkipWhitespace())) {
    http.cors_origins.emplace_back(absl::StripAsciiWhitespace(o));
  }
  http.default_timeout = *http_timeout;
  http.trust_forwarded_for = *forwarded_for;
  HttpServer http_server(http, routes->get(), &admission, registry, OpenApiJson(**routes));
  // On SIGTERM: HTTP stops taking requests and finishes those in flight (which may still call
  // this process's own services), then gRPC drains.
  server.OnShutdown([&http_server] { http_server.Stop(); });
  if (absl::Status s = server.Start(); !s.ok()) return Fatal("startup failed", s);
  local.channel = server.InProcessChannel();
  if (absl::Status s = http_server.Start(); !s.ok()) return Fatal("startup failed", s);
  absl::Status s = server.Run();
  if (!s.ok()) return Fatal("serving failed", s);
  return 0;
}

}  // namespace
}  // namespace crm::gateway

int main(int argc, char** argv) { return crm::gateway::Main(argc, argv); }
