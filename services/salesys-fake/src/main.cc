// crm-salesys-fake: a STAND-IN for the company's sales system, for local runs and tests only.
// It serves external.salesys.v1.SalesSystemService over a generated catalogue (product lines,
// about 200 products, inventory in two warehouses) and the demo customers' order history,
// with faults to inject. Production talks to the real sales system instead.

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "libs/config/flags.h"
#include "libs/log/log.h"
#include "libs/rpc/server.h"
#include "libs/service/common_config.h"
#include "libs/service/periodic.h"
#include "services/salesys-fake/src/fake_service.h"

namespace crm::salesys_fake {
namespace {

using service::Fatal;

bool CodeOf(std::string name, grpc::StatusCode* code) {
  name = absl::AsciiStrToUpper(name);
  const std::pair<const char*, grpc::StatusCode> codes[] = {
      {"UNAVAILABLE", grpc::StatusCode::UNAVAILABLE},
      {"INTERNAL", grpc::StatusCode::INTERNAL},
      {"DEADLINE_EXCEEDED", grpc::StatusCode::DEADLINE_EXCEEDED},
      {"RESOURCE_EXHAUSTED", grpc::StatusCode::RESOURCE_EXHAUSTED},
      {"UNKNOWN", grpc::StatusCode::UNKNOWN}};
  for (const auto& [n, c] : codes) {
    if (name == n) {
      *code = c;
      return true;
    }
  }
  return false;
}

int Main(int argc, char** argv) {
  config::Flags flags("crm-salesys-fake",
                      "A stand-in for the company's sales system (local runs and tests only).");
  auto server_flags = rpc::ServerOptions::DeclareFlags(flags, 50060, 9470);
  auto* customers = flags.Int("demo-customers", "CRM_SALESYS_DEMO_CUSTOMERS", 50,
                              "demo customer keys with order history (SC00001, …)", 0, 100000);
  auto* api_key = flags.String("api-key", "CRM_SALESYS_API_KEY", "",
                               "require this x-api-key on every call (empty: none)");
  auto* latency =
      flags.Duration("latency", "CRM_SALESYS_LATENCY", absl::ZeroDuration(), "added to every call");
  auto* fail_first = flags.Int("fail-first", "CRM_SALESYS_FAIL_FIRST", 0,
                               "the first N calls fail with --fail-code", 0, 1000000);
  auto* fail_percent = flags.Int("fail-percent", "CRM_SALESYS_FAIL_PERCENT", 0,
                                 "then this share of calls fails with --fail-code", 0, 100);
  auto* fail_code = flags.String("fail-code", "CRM_SALESYS_FAIL_CODE", "UNAVAILABLE",
                                 "UNAVAILABLE, INTERNAL, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED");
  auto* order_interval =
      flags.Duration("new-order-interval", "CRM_SALESYS_NEW_ORDER_INTERVAL", absl::ZeroDuration(),
                     "place a new order for a demo customer this often (0: never)");
  flags.ParseOrExit(argc, argv);
  Faults faults;
  faults.latency = *latency;
  faults.fail_first = static_cast<int>(*fail_first);
  faults.fail_percent = static_cast<int>(*fail_percent);
  if (!CodeOf(*fail_code, &faults.fail_code)) {
    return Fatal("invalid configuration", absl::InvalidArgumentError("unknown --fail-code"));
  }
  rpc::ServerOptions options;
  if (absl::Status s = rpc::ServerOptions::FromFlags(*server_flags, "salesys-fake", &options);
      !s.ok()) {
    return Fatal("invalid configuration", s);
  }
  auto today = [] {
    return (absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) - absl::CivilDay(1970, 1, 1));
  };
  FakeSalesSystem service(MakeCatalogue(static_cast<int>(*customers), today()), faults, *api_key,
                          static_cast<int>(*customers));
  rpc::Server server(options);
  server.AddService(&service);
  server.SetReadinessProbe([] { return absl::OkStatus(); });
  server.OnShutdown([&service] { service.EndStreams(); });
  service::Periodic orders("new orders", *order_interval, [&] {
    service.PlaceOrder(today());
    return absl::OkStatus();
  });
  if (*order_interval > absl::ZeroDuration()) orders.Start();
  log::Info("salesys-fake: a stand-in for the sales system, not for production")
      .Int("demo_customers", *customers);
  absl::Status run = server.Run();
  orders.Stop();
  if (!run.ok()) return Fatal("server failed", run);
  return 0;
}

}  // namespace
}  // namespace crm::salesys_fake

int main(int argc, char** argv) { return crm::salesys_fake::Main(argc, argv); }
