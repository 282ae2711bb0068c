// crm-bench-analytics: the management reports over ten million facts, and the rate at which
// events go into the read models, next to pgbench in the same run.
//
//   crm-bench-analytics [--seconds=5] [--scale=100] [--events=60000] [-- <crm-analytics flags>]
//
// Starts its own PostgreSQL cluster, crm-auth and crm-analytics (without followers); then
//   1. loads the read models with generated facts, as the followers would have written them
//      (--scale=100: 200,000 customers of 300 users in 30 departments over three years, with
//      their attribute changes and churn steps, 1.2 million contracts with 2.4 million lines,
//      their receivables, 1.7 million payments, deliveries, 300,000 opportunities with their
//      stages, 600,000 tickets with feedback: about 10.7 million rows), and prints the schema's
//      size;
//   2. runs each report for last year at 8 concurrent callers (an executive: every record),
//      without filters and with a customer-region filter: p50 / p99 (floor p99 <= 200 ms);
//   3. applies --events events (contracts signed, payments, tickets; the payloads the sources
//      send) through the followers' code, in transactions of up to 500 as a follower does
//      with what its stream has buffered: events/s (floor >= 20,000);
//   4. pgbench -S (select only) for reference, and crm-analytics' peak RSS.

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "crm/analytics/v1/analytics_service.grpc.pb.h"
#include "crm/contracts/v1/events.pb.h"
#include "crm/payments/v1/events.pb.h"
#include "crm/service/v1/events.pb.h"
#include "libs/ids/uuid.h"
#include "libs/money/money.h"
#include "libs/proto_time/proto_time.h"
#include "libs/testing/pg.h"
#include "services/analytics/src/ingest.h"
#include "tests/bench/bench.h"
#include "tests/e2e/stack.h"

namespace {

namespace av1 = ::crm::analytics::v1;
using crm::bench::Die;
using crm::e2e::Ctx;

// The generated facts, as SQL (scale 100: 200,000 customers, 1.2 million contracts, …). Ids are
// numbers under a prefix per kind; days spread over the three years before today.
std::string LoadSql(int scale) {
  const int customers = 2000 * scale, contracts = 12000 * scale, opportunities = 3000 * scale,
            tickets = 6000 * scale, losses = 1000 * scale;
  const auto id = [](const char* prefix, const char* n) {
    return absl::StrCat("('", prefix, "' || lpad(to_hex(", n, "), 28, '0'))::uuid");
  };
  // A customer's owner and department, from its number c.
  const std::string owner_of = id("0191", "1 + (c % 300)");
  const std::string dept_of = id("0192", "1 + ((1 + c % 300) % 30)");
  return absl::StrCat(
      "SET synchronous_commit = off;\n"
      "SELECT setseed(0.42);\n"
      "INSERT INTO analytics.departments (id, name, parent_id, version)"
      " SELECT ",
      id("0192", "d"), ", '部门' || d, CASE WHEN d > 5 THEN ", id("0192", "1 + (d - 6) / 5"),
      " END, now() FROM generate_series(1, 30) d;\n"
      "INSERT INTO analytics.users (id, display_name, department_id, version)"
      " SELECT ",
      id("0191", "u"), ", '销售' || u, ", id("0192", "1 + u % 30"),
      ", now() FROM generate_series(1, 300) u;\n"
      // Customers, and the mix: each customer's creation, and a level change for a quarter.
      "CREATE TEMP TABLE c AS SELECT c, ",
      id("0190", "c"), " AS id, ", owner_of, " AS owner_id, ", dept_of,
      " AS dept,"
      " 'region' || (c % 8) AS region, 'industry' || (c % 10) AS industry,"
      " (ARRAY['ordinary', 'major', 'key_prospect', 'strategic_partner'])[1 + c % 4] AS level,"
      " 1 + c % 5 AS credit, c % 6 AS satisfaction, 'source' || (c % 5) AS source,"
      " CASE WHEN c % 50 = 0 THEN 'lost' WHEN c % 50 = 1 THEN 'loss_warning' ELSE 'active' END"
      " AS status, current_date - 1095 + (c % 1000) AS day"
      " FROM generate_series(1, ",
      customers,
      ") c;\n"
      "INSERT INTO analytics.customers (id, name, owner_id, department_id, region, industry,"
      " level, credit, satisfaction, source, status, created_at, version)"
      " SELECT id, '客户' || c || '科技有限公司', owner_id, dept, region, industry, level, credit,"
      " satisfaction, source, status, day::timestamptz, now() FROM c;\n"
      "INSERT INTO analytics.customer_mix (day, owner_id, department_id, region, industry, level,"
      " credit, satisfaction, source, status, delta)"
      " SELECT day, owner_id, dept, region, industry, CASE WHEN c % 4 = 0 THEN 'ordinary' ELSE"
      " level END, credit, satisfaction, source, 'active', 1 FROM c"
      " UNION ALL SELECT day + 200, owner_id, dept, region, industry, 'ordinary', credit,"
      " satisfaction, source, 'active', -1 FROM c WHERE c % 4 = 0 AND day + 200 <= current_date"
      " UNION ALL SELECT day + 200, owner_id, dept, region, industry, level, credit,"
      " satisfaction, source, 'active', 1 FROM c WHERE c % 4 = 0 AND day + 200 <= current_date;\n"
      "INSERT INTO analytics.losses (id, customer_id, kind, note, owner_id, department_id, at)"
      " SELECT ",
      id("0198", "g"), ", ", id("0190", "c"),
      ", (ARRAY['warned', 'delayed', 'confirmed', 'recovered'])[1 + g % 4], '原因' || (g % 7), ",
      owner_of, ", ", dept_of,
      ", now() - (g % 1095) * interval '1 day'"
      " FROM (SELECT g, 1 + (g * 7919) % ",
      customers, " AS c FROM generate_series(1, ", losses,
      ") g) x;\n"
      // Contracts: customers drawn with a heavy tail (a few buy most), two lines each.
      "CREATE TEMP TABLE k AS SELECT g, c, ",
      id("0193", "g"),
      " AS id,"
      " CASE WHEN g % 10 = 0 THEN NULL ELSE current_date - 1095 + (g * 31) % 1096 END AS sign,"
      " 1 + (g * 7 + 13) % 200 AS p1, 1 + (g * 7 + 26) % 200 AS p2,"
      " 1 + (g + 1) % 10 AS q1, 1 + (g + 2) % 10 AS q2"
      " FROM (SELECT g, 1 + floor(",
      customers, " * power(random(), 3))::int AS c FROM generate_series(1, ", contracts,
      ") g) x;\n"
      "INSERT INTO analytics.contracts (id, customer_id, owner_id, department_id, status,"
      " currency, amount_minor, sign_date, version)"
      " SELECT id, ",
      id("0190", "c"), ", ", owner_of, ", ", dept_of,
      ", CASE WHEN sign IS NULL THEN 'draft' WHEN g % 33 = 0 THEN 'terminated'"
      " WHEN g % 6 = 0 THEN 'completed' ELSE 'signed' END, 'CNY',"
      " q1 * (100000 + p1 * 5000) + q2 * (100000 + p2 * 5000), sign, now() FROM k;\n"
      "INSERT INTO analytics.contract_lines (contract_id, position, product_id, product_name,"
      " product_line_id, quantity, amount_minor)"
      " SELECT id, 1, 'P' || p1, '产品' || p1, 'line' || (p1 % 10), q1, q1 * (100000 + p1 * 5000)"
      " FROM k UNION ALL"
      " SELECT id, 2, 'P' || p2, '产品' || p2, 'line' || (p2 % 10), q2, q2 * (100000 + p2 * 5000)"
      " FROM k;\n"
      "INSERT INTO analytics.receivables (contract_id, customer_id, owner_id, department_id,"
      " currency, status, sign_date, version)"
      " SELECT id, ",
      id("0190", "c"), ", ", owner_of, ", ", dept_of,
      ", 'CNY', CASE WHEN g % 5 <> 0 AND sign + 40 <= current_date THEN 'settled' ELSE 'open'"
      " END, sign, now() FROM k WHERE sign IS NOT NULL AND g % 33 <> 0;\n"
      "INSERT INTO analytics.installments (contract_id, number, due_date, amount_minor)"
      " SELECT id, 1, sign + 30, q1 * (100000 + p1 * 5000) + q2 * (100000 + p2 * 5000)"
      " FROM k WHERE sign IS NOT NULL;\n"
      // Payments: four contracts in five paid in two halves, 10 and 40 days after signing.
      "INSERT INTO analytics.payments (id, contract_id, customer_id, owner_id, department_id,"
      " currency, amount_minor, receive_day)"
      " SELECT ",
      id("0194", "g * 2 + h"), ", id, ", id("0190", "c"), ", ", owner_of, ", ", dept_of,
      ", 'CNY', (q1 * (100000 + p1 * 5000) + q2 * (100000 + p2 * 5000)) / 2, sign + 10 + 30 * h"
      " FROM k, generate_series(0, 1) h"
      " WHERE sign IS NOT NULL AND g % 5 <> 0 AND sign + 10 + 30 * h <= current_date;\n"
      "INSERT INTO analytics.deliveries (id, contract_id, line_position, quantity, accept_day,"
      " version)"
      " SELECT ",
      id("0195", "g"),
      ", id, 1, q1, sign + 15, now() FROM k"
      " WHERE sign IS NOT NULL AND g % 2 = 0 AND sign + 15 <= current_date;\n"
      // Opportunities and the stages they reached.
      "CREATE TEMP TABLE o AS SELECT g, ",
      id("0196", "g"),
      " AS id, 1 + g % 300 AS creator, 1 + (g * 7) % 300 AS assignee, g % 5 AS stage,"
      " (ARRAY['assigned', 'developing', 'developing', 'won', 'lost'])[1 + g % 5] AS status,"
      " now() - (g % 1095) * interval '1 day' AS created, 1 + (g * 13) % ",
      customers, " AS c FROM generate_series(1, ", opportunities,
      ") g;\n"
      "INSERT INTO analytics.opportunities (id, status, stage, creator_id, assignee_id,"
      " customer_id, created_at, closed_at, version)"
      " SELECT id, status, (ARRAY['lead', 'qualification', 'proposal', 'negotiation',"
      " 'commitment'])[1 + stage], ",
      id("0191", "creator"), ", ", id("0191", "assignee"), ", ", id("0190", "c"),
      ", created, CASE WHEN status IN ('won', 'lost') THEN created + (g % 90) * interval '1 day'"
      " END, now() FROM o;\n"
      "INSERT INTO analytics.opportunity_stages (opportunity_id, stage)"
      " SELECT id, (ARRAY['lead', 'qualification', 'proposal', 'negotiation', 'commitment'])[s]"
      " FROM o, generate_series(1, 5) s WHERE s <= 1 + stage;\n"
      // Tickets, with feedback on the archived ones.
      "CREATE TEMP TABLE t AS SELECT g, ",
      id("0197", "g"), " AS id, 1 + (g * 17) % ", customers,
      " AS c, now() - (g % 1095) * interval '1 day' - (g % 86400) * interval '1 second'"
      " AS created FROM generate_series(1, ",
      tickets,
      ") g;\n"
      "INSERT INTO analytics.tickets (id, type, customer_id, owner_id, department_id, status,"
      " created_at, first_response_at, resolved_at, response_breached, resolution_breached,"
      " version)"
      " SELECT id, (ARRAY['consultation', 'suggestion', 'complaint'])[1 + g % 3], ",
      id("0190", "c"), ", ", owner_of, ", ", dept_of,
      ", CASE WHEN g % 5 < 3 THEN 'archived' ELSE 'assigned' END, created,"
      " CASE WHEN g % 5 < 4 THEN created + interval '2 hours' END,"
      " CASE WHEN g % 5 < 3 THEN created + interval '2 days' END, g % 10 = 0, g % 20 = 0, now()"
      " FROM t;\n"
      "INSERT INTO analytics.ticket_feedback (ticket_id, at, satisfaction)"
      " SELECT id, created + interval '2 days', 1 + g % 5 FROM t WHERE g % 5 < 3;\n"
      "DROP TABLE c, k, o, t;\n"
      "VACUUM ANALYZE;\n");
}

struct ReportCall : crm::bench::AsyncCall {
  av1::Report resp;
  std::unique_ptr<grpc::ClientAsyncResponseReader<av1::Report>> rpc;
};

const std::pair<av1::ReportKind, const char*> kReports[] = {
    {av1::REPORT_KIND_CUSTOMER_CONTRIBUTION, "customer contribution"},
    {av1::REPORT_KIND_CUSTOMER_COMPOSITION, "customer composition"},
    {av1::REPORT_KIND_SERVICE_COMPOSITION, "service composition"},
    {av1::REPORT_KIND_CUSTOMER_CHURN, "customer churn"},
    {av1::REPORT_KIND_SALES_PERFORMANCE, "sales performance"},
    {av1::REPORT_KIND_PIPELINE_FUNNEL, "pipeline funnel"},
    {av1::REPORT_KIND_RECEIVABLES_AGING, "receivables aging"},
    {av1::REPORT_KIND_CUSTOMER_VALUE, "customer value"},
};

// Events as the sources send them: a contract signed, its payment, a ticket archived.
std::vector<std::pair<std::string, crm::common::v1::Event>> Events(int n) {
  std::vector<std::pair<std::string, crm::common::v1::Event>> out;
  const absl::Time now = absl::Now();
  for (int i = 0; i < n; ++i) {
    crm::common::v1::Event e;
    e.set_id(crm::ids::NewUuidV7());
    crm::proto_time::SetTimestamp(now, e.mutable_occur_time());
    // One of the loaded customers (ids "0190" and the number, as LoadSql writes them).
    const std::string hex = absl::StrFormat("0190%028x", 1 + i % 1000);
    const std::string customer_id =
        absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4), "-",
                     hex.substr(16, 4), "-", hex.substr(20));
    switch (i % 3) {
      case 0: {
        crm::contracts::v1::ContractChanged p;
        auto* c = p.mutable_contract();
        c->set_id(crm::ids::NewUuidV7());
        c->set_customer_id(customer_id);
        c->set_owner_id(crm::ids::NewUuidV7());
        c->set_currency_code("CNY");
        c->set_status(crm::contracts::v1::CONTRACT_STATUS_SIGNED);
        crm::money::SetProto({300000, "CNY"}, c->mutable_amount());
        crm::proto_time::SetDate(absl::ToCivilDay(now, absl::UTCTimeZone()),
                                 c->mutable_sign_date());
        crm::proto_time::SetTimestamp(now, c->mutable_update_time());
        for (int l = 0; l < 2; ++l) {
          auto* line = c->add_lines();
          line->set_product_id(absl::StrCat("P", l));
          line->set_product_name("产品");
          line->set_product_line_id("line1");
          line->set_quantity(1);
          crm::money::SetProto({150000, "CNY"}, line->mutable_amount());
        }
        e.set_type("contracts.contract.signed");
        e.mutable_payload()->PackFrom(p);
        out.push_back({"contracts", e});
        break;
      }
      case 1: {
        crm::payments::v1::PaymentRecorded p;
        p.mutable_payment()->set_id(crm::ids::NewUuidV7());
        p.mutable_payment()->set_contract_id(crm::ids::NewUuidV7());
        crm::money::SetProto({100000, "CNY"}, p.mutable_payment()->mutable_amount());
        crm::proto_time::SetTimestamp(now, p.mutable_payment()->mutable_receive_time());
        p.mutable_receivable()->set_customer_id(customer_id);
        p.mutable_receivable()->set_owner_id(crm::ids::NewUuidV7());
        e.set_type("payments.payment.recorded");
        e.mutable_payload()->PackFrom(p);
        out.push_back({"payments", e});
        break;
      }
      default: {
        crm::service::v1::TicketChanged p;
        auto* t = p.mutable_ticket();
        t->set_id(crm::ids::NewUuidV7());
        t->set_type("complaint");
        t->set_customer_id(customer_id);
        t->set_status(crm::service::v1::TICKET_STATUS_ARCHIVED);
        t->set_satisfaction(4);
        crm::proto_time::SetTimestamp(now - absl::Hours(30), t->mutable_create_time());
        crm::proto_time::SetTimestamp(now - absl::Hours(28), t->mutable_first_response_time());
        crm::proto_time::SetTimestamp(now, t->mutable_resolve_time());
        crm::proto_time::SetTimestamp(now, t->mutable_update_time());
        e.set_type("service.ticket.archived");
        e.mutable_payload()->PackFrom(p);
        out.push_back({"service", e});
      }
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  crm::bench::FlowOptions o;
  o.seconds = 5;
  int scale = 100, events = 60000;
  const std::vector<std::string> server_args = crm::bench::ParseFlowFlags(
      argc, argv, o,
      "crm-bench-analytics [--seconds=N] [--scale=N] [--events=N] [-- <crm-analytics flags>]",
      {{"--scale=", &scale}, {"--events=", &events}});
  crm::bench::FlowDatabases dbs = crm::bench::StartFlowDatabases(o, "analytics_bench");
  auto auth = crm::e2e::AuthServer::Start(*dbs.services);
  if (!auth.ok()) Die(auth.status().ToString());
  auto analytics = crm::e2e::AnalyticsServer::Start(*dbs.services, **auth, "", server_args);
  if (!analytics.ok()) Die(analytics.status().ToString());
  auto dept = (*auth)->CreateDepartment("总部");
  if (!dept.ok()) Die(dept.status().ToString());
  if (auto u = (*auth)->CreateUser("bench.executive", "executive", *dept); !u.ok()) {
    Die(u.status().ToString());
  }
  auto executive = (*auth)->Login("bench.executive", "s3cret-pass");
  if (!executive.ok()) Die("login failed");

  // 1. The facts.
  const double load_seconds =
      crm::bench::RunSqlScript(LoadSql(scale), dbs.services->AdminConninfo());
  // The facts were written by SQL, not by the ingest: the rollups are computed from them, as
  // after a rebuild.
  auto conninfo = dbs.services->ProvisionService("analytics", "crm_analytics");
  if (!conninfo.ok()) Die(conninfo.status().ToString());
  crm::db::Conn conn(*conninfo);
  const auto rollup_start = crm::bench::Clock::now();
  absl::TimeZone zone;
  if (!absl::LoadTimeZone("Asia/Shanghai", &zone)) Die("no time zone Asia/Shanghai");
  const crm::analytics::Ingest ingest(zone);
  absl::Status rolled = conn.Transact([&](crm::db::Tx& tx) -> absl::Status {
    ingest.RebuildRollups(tx);
    return absl::OkStatus();
  });
  if (!rolled.ok()) Die(rolled.ToString());
  std::printf("computed the rollups from the facts in %.0f s\n",
              std::chrono::duration<double>(crm::bench::Clock::now() - rollup_start).count());
  // What autovacuum does after so many rows are written: statistics for the planner and the
  // visibility map for index-only scans.
  if (auto v = crm::test::RunCommand(absl::StrCat(
          "psql -qAtX -c 'VACUUM ANALYZE' ", crm::test::ShellQuote(dbs.services->AdminConninfo())));
      !v.ok()) {
    Die(v.status().ToString());
  }
  auto sizes = crm::test::RunCommand(
      absl::StrCat("psql -qAtX -F ' ' -c \"SELECT sum(n_live_tup)::int8,"
                   " pg_size_pretty(sum(pg_total_relation_size(relid))) FROM pg_stat_user_tables"
                   " WHERE schemaname = 'analytics'\" ",
                   crm::test::ShellQuote(dbs.services->AdminConninfo())));
  std::printf("loaded the read models in %.0f s: rows and size on disk %s", load_seconds,
              sizes.ok() ? sizes->c_str() : "?\n");

  // 2. Each report for last year, at 8 callers.
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  const auto channels = crm::bench::Channels((*analytics)->target(), 2);
  std::vector<std::unique_ptr<av1::AnalyticsService::Stub>> stubs;
  for (const auto& ch : channels) stubs.push_back(av1::AnalyticsService::NewStub(ch));
  double worst = 0;
  for (const auto& [kind, name] : kReports) {
    for (const bool filtered : {false, true}) {
      av1::RunReportRequest req;
      req.set_kind(kind);
      req.mutable_period()->set_unit(av1::PERIOD_UNIT_YEAR);
      req.mutable_period()->mutable_date()->set_year(static_cast<int>(today.year()) - 1);
      req.mutable_period()->mutable_date()->set_month(6);
      req.mutable_period()->mutable_date()->set_day(1);
      req.set_page_size(100);
      if (filtered) req.mutable_filter()->set_region("region3");
      av1::Report first;
      const auto start = crm::bench::Clock::now();
      grpc::Status s = stubs[0]->RunReport(Ctx(*executive).get(), req, &first);
      if (!s.ok()) Die(absl::StrCat(name, ": ", s.error_message()));
      const double once =
          std::chrono::duration<double, std::milli>(crm::bench::Clock::now() - start).count();
      const crm::bench::Result r = crm::bench::Drive(
          [&](int64_t n, grpc::CompletionQueue* cq) {
            auto* c = new ReportCall();
            c->Authorize(*executive);
            c->rpc =
                stubs[crm::bench::ThreadOf(n) % stubs.size()]->AsyncRunReport(&c->ctx, req, cq);
            c->rpc->Finish(&c->resp, &c->status, c);
            return c;
          },
          8, 2, o.seconds);
      std::printf(
          "%-22s %-14s rows %7lld  alone %7.1f ms   8 callers: %6.1f reports/s  p50 %7.1f ms"
          "  p99 %7.1f ms  errors %lld %s\n",
          name, filtered ? "region filter" : "no filter",
          static_cast<long long>(first.total_rows()), once, r.rps, r.p50_ms, r.p99_ms,
          static_cast<long long>(r.errors), r.first_error.c_str());
      worst = std::max(worst, r.errors == 0 ? r.p99_ms : 1e9);
    }
  }
  std::printf("worst report p99 at 8 callers: %.1f ms (floor <= 200)\n", worst);

  // 3. Ingestion through the followers' code.
  const auto batch = Events(events);
  const auto ingest_start = crm::bench::Clock::now();
  for (size_t from = 0; from < batch.size(); from += 500) {
    // A follower's batch: events of one source.
    absl::Status s = conn.Transact([&](crm::db::Tx& tx) -> absl::Status {
      for (const char* source : {"contracts", "payments", "service"}) {
        crm::analytics::Ingest::Batch events;
        for (size_t i = from; i < std::min(batch.size(), from + 500); ++i) {
          if (batch[i].first == source) events.push_back(&batch[i].second);
        }
        if (absl::Status a = ingest.ApplyBatch(tx, source, events); !a.ok()) return a;
      }
      return absl::OkStatus();
    });
    if (!s.ok()) Die(s.ToString());
  }
  const double seconds =
      std::chrono::duration<double>(crm::bench::Clock::now() - ingest_start).count();
  std::printf(
      "ingestion: %d events (contracts signed, payments, tickets archived) in %.1f s: "
      "%.0f events/s on one session (floor >= 20,000)\n",
      events, seconds, events / seconds);

  // 4. The reference and memory.
  const double pgbench = crm::bench::PgbenchTps(dbs.pgbench->AdminConninfo(), 8, o.seconds);
  std::printf("pgbench -S -M prepared, 8 clients: %.0f tps\n", pgbench);
  std::printf("crm-analytics peak RSS: %.0f MiB\n",
              crm::bench::PeakRssMib((*analytics)->process().pid()));
  return 0;
}
