// crm-analytics: the management reports, from read models fed by the other services' events.

#include <map>
#include <thread>

#include "libs/config/flags.h"
#include "libs/events/follower.h"
#include "libs/log/log.h"
#include "libs/service/backend.h"
#include "services/analytics/src/analytics_service.h"
#include "services/analytics/src/ingest.h"
#include "services/analytics/src/migrations.h"

namespace crm::analytics {
namespace {

using service::Fatal;

int Main(int argc, char** argv) {
  config::Flags flags("crm-analytics", "The CRM analytics (management reports) service.");
  service::BackendFlags backend(
      flags, {"analytics", "CRM_ANALYTICS_DB_URL", 50057, 9471,
              "users and departments are followed there; a user target's department is looked up",
              "the days and periods of reports",
              "follows every source's events (without one, the read models stay as they are)"});
  std::map<std::string, std::string*> addresses;
  addresses["auth"] = nullptr;  // the backend's auth address
  addresses["customers"] =
      flags.String("customers-address", "CRM_CUSTOMERS_ADDRESS", "localhost:50052",
                   "the customers service; empty: not followed");
  addresses["pipeline"] =
      flags.String("pipeline-address", "CRM_PIPELINE_ADDRESS", "localhost:50053",
                   "the pipeline service; empty: not followed");
  addresses["contracts"] =
      flags.String("contracts-address", "CRM_CONTRACTS_ADDRESS", "localhost:50054",
                   "the contracts service; empty: not followed");
  addresses["payments"] =
      flags.String("payments-address", "CRM_PAYMENTS_ADDRESS", "localhost:50055",
                   "the payments service; empty: not followed");
  addresses["service"] = flags.String("service-address", "CRM_SERVICE_ADDRESS", "localhost:50056",
                                      "the service (tickets) service; empty: not followed");
  auto* rebuild = flags.String(
      "rebuild", "", "",
      "empty the read models of this source (auth, customers, pipeline, contracts, payments, "
      "service; all: every one) and exit: the running service's followers read the source's "
      "stream again from its beginning");
  flags.ParseOrExit(argc, argv);
  auto started = backend.Start(AllMigrations());
  if (!started.ok()) return Fatal("startup failed", started.status());
  service::Backend& b = *started;
  service::Runtime& rt = *b.runtime;

  Ingest ingest(b.zone);
  if (!rebuild->empty()) {
    db::Conn conn(b.config.db_url);
    const std::string source = *rebuild == "all" ? "" : *rebuild;
    if (absl::Status s = ingest.Reset(conn, source); !s.ok()) return Fatal("rebuild", s);
    log::Info("read models emptied; followers start over").Str("source", *rebuild);
    return 0;
  }
  // Rollups whose months are in another zone are computed again, in the background: on a large
  // schema it takes minutes, longer than a start may (followers wait for it).
  std::thread zone_check([&] {
    db::Conn conn(b.config.db_url);
    if (absl::Status s = ingest.KeepRollupsInZone(conn); !s.ok()) {
      log::Warn("rollups not computed in the company's time zone").Str("error", s.ToString());
    }
  });
  std::vector<std::unique_ptr<events::Follower>> followers;
  std::vector<std::string> names;
  if (b.tokens) {
    for (const Source& source : Sources()) {
      std::string* address = addresses.at(source.name);
      if (address != nullptr && address->empty()) continue;
      events::Follower::Options o;
      o.metrics = &rt.server().metrics();
      o.stream = source.name;
      o.channel = address == nullptr ? b.auth : b.ChannelTo(*address);
      o.method = source.method;
      o.types = source.types;
      o.token = [t = b.tokens.get()] { return t->Get(); };
      o.max_batch = 500;
      followers.push_back(std::make_unique<events::Follower>(
          o, b.config.db_url, "analytics",
          events::Follower::ApplyBatch(
              [&ingest, name = source.name](db::Tx& tx, const Ingest::Batch& events) {
                return ingest.ApplyBatch(tx, name, events);
              })));
      names.push_back(source.name);
    }
  } else {
    log::Info("no service account (--service-client-id): no source is followed");
  }

  Reports reports(b.zone);
  Targets targets;
  auto directory = crm::auth::v1::DirectoryService::NewStub(b.auth);
  auto service = NewAnalyticsService({&rt.calls(), &reports, &targets,
                                      [&]() {
                                        std::vector<std::pair<std::string, int64_t>> out;
                                        for (size_t i = 0; i < followers.size(); ++i) {
                                          out.push_back({names[i], followers[i]->applied()});
                                        }
                                        return out;
                                      },
                                      directory.get()});
  rt.server().AddService(service.get());
  for (auto& f : followers) f->Start();
  const int code = rt.Run();
  for (auto& f : followers) f->Stop();
  zone_check.join();
  return code;
}

}  // namespace
}  // namespace crm::analytics

int main(int argc, char** argv) { return crm::analytics::Main(argc, argv); }
