// crm-bench-customers: the customers service under load, next to `pgbench -S -M prepared`
// against the same PostgreSQL server in the same run.
//
//   crm-bench-customers [--rows=1000000] [--reps=50] [--streams=2] [--clients=32]
//                       [--get-clients=32,64,128] [--grpc-client-clients=64]
//                       [--seconds=10] [--rounds=3] [--channels=2] [--shared-buffers=2GB]
//                       [--skip-pgbench] [--tcp] [--pg=name=value ...]
//                       [-- <crm-customers flags>]
//
// Starts its own PostgreSQL cluster (durable, as in production: fsync, full-page writes and
// synchronous commit on), crm-auth and crm-customers; the calls go over a Unix-domain socket,
// as pgbench's do to PostgreSQL (--tcp: over TCP on the loopback instead); then
//   1. imports --rows customers through ImportCustomers, spread over --reps reps (each rep
//      imports, and so owns, its share), --streams at a time, and prints rows/s, the CPU
//      PostgreSQL and the service spent per row, and the WAL and checkpoints it caused;
//   2. GetCustomer with one rep's token at each of --get-clients client counts (32,64,128):
//      requests/s, and the ratio of its best to pgbench's best measured just before (at
//      the two client counts that were fastest in pgbench's first runs: on a shared machine
//      they swap places), in each of --rounds rounds, and the median ratio (the machine's
//      speed may vary). The calls come from a load generator as light as pgbench's client
//      (h2_drive.h; each costs about what a transaction costs pgbench itself, both printed);
//      the same calls from gRPC's C++ client follow once a round at --grpc-client-clients
//      (64; 0: not at all), with their own median ratio;
//   3. SearchCustomers (2, 3 and 4 Chinese characters, misspelt Latin names): p99 in a rep's
//      and in a manager's scope (the reps are spread over five departments) at 8 clients, and
//      searches/s at --clients, each round and their medians;
//   4. CreateCustomer and UpdateCustomer at --clients next to pgbench's TPC-B-like transaction
//      at the same client count, in each round, and the median ratios;
//   5. the service's peak resident memory, and a second instance's time to serve.

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include <unistd.h>

#include <grpcpp/client_context.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "crm/customers/v1/customers_service.grpc.pb.h"
#include "libs/testing/pg.h"
#include "tests/bench/bench.h"
#include "tests/bench/get_customer.h"
#include "tests/bench/h2_drive.h"
#include "tests/e2e/stack.h"

namespace {

namespace cv1 = ::crm::customers::v1;
using crm::bench::Clock;
using crm::bench::Die;

// Departments the reps are spread over; a manager's scope is one of them.
constexpr int kDepartments = 5;

struct Options {
  int rows = 1000000;
  int reps = 50;
  // One import stream per core: on two cores, four streams were slower than two (the
  // backends contend for the same index pages).
  int streams = 2;
  int clients = 32;  // searches (and pgbench's "same clients" figure)
  // GetCustomer's client counts; each side is compared at its best, as pgbench is.
  std::vector<int> get_clients = {32, 64, 128};
  // The same calls from gRPC's C++ client, once a round at this many clients (0: not at all).
  int grpc_client_clients = 64;
  int seconds = 10;
  int rounds = 3;  // of the read measurements; the median is reported
  // One connection per client thread: four connections served fewer calls per second.
  int channels = 2;
  int client_threads = 2;
  int batch = 1000;
  bool skip_pgbench = false;
  bool tcp = false;  // calls over TCP on the loopback rather than a Unix-domain socket
  std::string shared_buffers = "2GB";
  // More server settings (ALTER SYSTEM SET name = 'value'), each printed.
  std::vector<std::pair<std::string, std::string>> pg_settings;
};

// Realistic company names: city + trade name + line of business + legal form; every 20th
// one in Latin letters.
constexpr const char* kCities[] = {"北京", "上海", "广州", "深圳", "杭州", "南京", "成都",
                                   "武汉", "西安", "重庆", "天津", "苏州", "青岛", "长沙",
                                   "郑州", "沈阳", "大连", "厦门", "宁波", "合肥"};
constexpr const char* kChars[] = {"华", "信", "恒", "达", "鑫", "源", "泰", "丰", "瑞", "通",
                                  "宏", "远", "兴", "隆", "安", "盛", "嘉", "禾", "中", "天",
                                  "新", "元", "博", "海", "金", "诚", "德", "康", "汇", "聚"};
constexpr const char* kTrades[] = {"科技", "贸易", "机械", "电子", "建设", "物流", "食品",
                                   "医药", "化工", "纺织", "能源", "材料", "环保", "传媒",
                                   "软件", "实业", "投资", "农业", "汽车", "电气"};
constexpr const char* kForms[] = {"有限公司", "股份有限公司", "集团有限公司", "有限责任公司"};
constexpr const char* kLatin[] = {"Huaxin",   "Hengda",   "Xinyuan",  "Taifeng", "Ruitong",
                                  "Hongyuan", "Xinglong", "Ansheng",  "Jiahe",   "Zhongtian",
                                  "Xinyuan",  "Bohai",    "Jincheng", "Dekang",  "Huiju"};
constexpr const char* kRegions[] = {"north", "northeast", "east",     "central",
                                    "south", "southwest", "northwest"};

template <typename T, size_t N>
const char* Pick(const T (&a)[N], int64_t i) {
  return a[i % N];
}

std::string NameOf(int64_t i) {
  if (i % 20 == 7) {
    return absl::StrCat(Pick(kLatin, i / 20), " ", Pick(kLatin, i / 300 + 3), " ",
                        Pick(kTrades, i) == std::string("科技") ? "Technology" : "Trading",
                        " Co., Ltd. ", i);
  }
  const int64_t root = i / 20;
  return absl::StrCat(Pick(kCities, i), Pick(kChars, root), Pick(kChars, root / 30 + 7),
                      Pick(kTrades, i / 7), Pick(kForms, i / 11));
}

struct ImportStats {
  std::atomic<int64_t> created{0}, failed{0};
  std::string first_error;
  std::mutex mu;
};

// One rep's share over one stream: a writer thread sends every batch while this thread reads
// the answers.
void ImportShare(cv1::ImportExportService::Stub* stub, const std::string& token, int64_t from,
                 int64_t to, int batch, ImportStats* stats) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + token);
  auto stream = stub->ImportCustomers(&ctx);
  std::thread writer([&] {
    for (int64_t start = from; start < to; start += batch) {
      cv1::ImportCustomersRequest req;
      req.set_import_id(
          absl::StrCat("01900000-0000-7000-8000-", absl::Hex(from, absl::kZeroPad12)));
      for (int64_t i = start; i < std::min(to, start + batch); ++i) {
        cv1::ImportRow* row = req.add_rows();
        row->set_row_number(i + 1);
        row->set_external_key(absl::StrCat("B", i));
        cv1::Customer* c = row->mutable_customer();
        c->set_name(NameOf(i));
        c->set_region(Pick(kRegions, i / 3));
        c->set_level("ordinary");
        c->set_phone(absl::StrCat("0", 10 + i % 89, "-", 50000000 + i));
      }
      if (!stream->Write(req)) break;
    }
    stream->WritesDone();
  });
  cv1::ImportCustomersResponse resp;
  while (stream->Read(&resp)) {
    for (const auto& r : resp.results()) {
      if (r.outcome() == cv1::IMPORT_OUTCOME_CREATED) {
        ++stats->created;
      } else {
        ++stats->failed;
        std::lock_guard<std::mutex> lock(stats->mu);
        if (stats->first_error.empty()) stats->first_error = r.error().message();
      }
    }
  }
  writer.join();
  grpc::Status s = stream->Finish();
  if (!s.ok()) Die("import stream: " + s.error_message());
}

struct GetCall : crm::bench::AsyncCall {
  cv1::Customer resp;
  std::unique_ptr<grpc::ClientAsyncResponseReader<cv1::Customer>> rpc;
};

struct SearchCall : crm::bench::AsyncCall {
  cv1::SearchCustomersResponse resp;
  std::unique_ptr<grpc::ClientAsyncResponseReader<cv1::SearchCustomersResponse>> rpc;
};

// What people type: a trade-name fragment, a city and trade name, or a misspelt Latin name.
std::string QueryOf(int64_t n) {
  switch (n % 4) {
    case 0:
      return absl::StrCat(Pick(kChars, n / 4), Pick(kChars, n / 120 + 7));
    case 1:
      return absl::StrCat(Pick(kCities, n / 4), Pick(kChars, n / 80));
    case 2:
      return absl::StrCat(Pick(kChars, n / 4), Pick(kChars, n / 120 + 7), Pick(kTrades, n / 9));
    default: {
      std::string latin = Pick(kLatin, n / 4);
      latin.erase(latin.size() / 2, 1);  // a letter missed
      return latin;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::vector<std::string> server_args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--skip-pgbench") {
      o.skip_pgbench = true;
      continue;
    }
    if (a == "--tcp") {
      o.tcp = true;
      continue;
    }
    if (a == "--") {
      server_args.assign(argv + i + 1, argv + argc);
      break;
    }
    if (const size_t eq = a.find('=', 5); a.rfind("--pg=", 0) == 0 && eq != std::string::npos) {
      o.pg_settings.emplace_back(a.substr(5, eq - 5), a.substr(eq + 1));
      continue;
    }
    if (a.rfind("--shared-buffers=", 0) == 0) {
      o.shared_buffers = a.substr(strlen("--shared-buffers="));
      continue;
    }
    auto value = [&](const char* prefix, int* out) { return crm::bench::IntFlag(a, prefix, out); };
    auto counts = [&](const char* prefix, std::vector<int>* out) {
      return crm::bench::IntListFlag(a, prefix, out);
    };
    if (!value("--rows=", &o.rows) && !value("--reps=", &o.reps) &&
        !value("--streams=", &o.streams) && !value("--clients=", &o.clients) &&
        !counts("--get-clients=", &o.get_clients) && !value("--seconds=", &o.seconds) &&
        !value("--rounds=", &o.rounds) && !value("--channels=", &o.channels) &&
        !value("--client-threads=", &o.client_threads) && !value("--batch=", &o.batch) &&
        !value("--grpc-client-clients=", &o.grpc_client_clients)) {
      Die("usage: crm-bench-customers [--rows=N] [--reps=N] [--streams=N] [--clients=N] "
          "[--get-clients=N,N,...] [--grpc-client-clients=N] "
          "[--seconds=N] [--rounds=N] "
          "[--channels=N] [--batch=N] [--shared-buffers=2GB] [--skip-pgbench] [--tcp] "
          "[--pg=name=value ...] [-- <crm-customers flags>]");
    }
  }
  if (o.rounds < 1) Die("--rounds must be at least 1");
  auto cluster = crm::test::TempCluster::Start();
  if (!cluster.ok()) Die(cluster.status().ToString());
  // Sized for the data: a million customers with their indexes are a few GiB, and the
  // reference (pgbench, scale 10) fits either way. Durable, as in production (test clusters
  // run without fsync): every import batch waits for its commit to reach the disk.
  std::string settings;
  for (const auto& [name, value] : o.pg_settings) {
    absl::StrAppend(
        &settings, " -c ",
        crm::test::ShellQuote(absl::StrCat("ALTER SYSTEM SET ", name, " = '", value, "'")));
  }
  if (auto set = crm::test::RunCommand(absl::StrCat(
          "psql -q -c \"ALTER SYSTEM SET shared_buffers = '", o.shared_buffers, "'\"",
          " -c 'ALTER SYSTEM SET fsync = on' -c 'ALTER SYSTEM SET full_page_writes = on'",
          " -c 'ALTER SYSTEM SET synchronous_commit = on' ", settings, " ",
          crm::test::ShellQuote((*cluster)->Conninfo() + " dbname=postgres")));
      !set.ok()) {
    Die(set.status().ToString());
  }
  if (auto s = (*cluster)->Stop(); !s.ok()) Die(s.ToString());
  if (auto s = (*cluster)->Restart(); !s.ok()) Die(s.ToString());
  std::printf("PostgreSQL: shared_buffers = %s; fsync, full_page_writes, synchronous_commit on\n",
              o.shared_buffers.c_str());
  for (const auto& [name, value] : o.pg_settings) {
    std::printf("PostgreSQL: %s = %s\n", name.c_str(), value.c_str());
  }
  std::printf(
      "PostgreSQL: private cluster on port %d; %d rows over %d reps, %d import streams, %d "
      "clients, %d s\n",
      (*cluster)->port(), o.rows, o.reps, o.streams, o.clients, o.seconds);
  std::printf("calls to crm-customers over %s\n",
              o.tcp ? "TCP on the loopback" : "a Unix-domain socket (as pgbench's to PostgreSQL)");
  auto pgdb = crm::test::TestDatabase::CreateOn((*cluster)->Conninfo(), "pgbench");
  if (!pgdb.ok()) Die(pgdb.status().ToString());
  const crm::bench::PgbenchResult pg =
      o.skip_pgbench ? crm::bench::PgbenchResult{}
                     : crm::bench::Pgbench((*pgdb)->AdminConninfo(), o.clients, o.seconds);

  auto db = crm::test::TestDatabase::CreateOn((*cluster)->Conninfo(), "customers_bench");
  if (!db.ok()) Die(db.status().ToString());
  crm::e2e::ServeOnUnixSockets(!o.tcp);
  // Tokens that outlast the whole run.
  auto auth = crm::e2e::AuthServer::Start(**db, {"--access-token-ttl=3h"});
  if (!auth.ok()) Die(auth.status().ToString());
  auto customers = crm::e2e::CustomersServer::Start(**db, **auth, server_args);
  if (!customers.ok()) Die(customers.status().ToString());
  // The reps in kDepartments departments (rep r in department r % kDepartments), and the
  // sales manager of the first.
  std::vector<std::string> departments;
  for (int d = 0; d < kDepartments; ++d) {
    auto dept = (*auth)->CreateDepartment(absl::StrCat("销售", d + 1, "部"));
    if (!dept.ok()) Die(dept.status().ToString());
    departments.push_back(*dept);
  }
  auto login = [&](const std::string& name, const std::string& role, const std::string& dept) {
    if (auto u = (*auth)->CreateUser(name, role, dept); !u.ok()) Die(u.status().ToString());
    auto token = (*auth)->Login(name, "s3cret-pass");
    if (!token.ok()) Die(token.status().ToString());
    return *token;
  };
  std::vector<std::string> tokens;
  for (int r = 0; r < o.reps; ++r) {
    tokens.push_back(
        login(absl::StrCat("bench.rep", r), "account_manager", departments[r % kDepartments]));
  }
  const std::string manager_token = login("bench.manager", "sales_manager", departments[0]);
  const auto channels = crm::bench::Channels((*customers)->target(), o.channels);
  std::vector<std::unique_ptr<cv1::CustomersService::Stub>> stubs;
  std::vector<std::unique_ptr<cv1::ImportExportService::Stub>> transfers;
  for (const auto& ch : channels) {
    stubs.push_back(cv1::CustomersService::NewStub(ch));
    transfers.push_back(cv1::ImportExportService::NewStub(ch));
  }

  // 1. Import, with what it wrote to the WAL and the checkpoints it caused.
  const std::string psql_admin =
      absl::StrCat("psql -qAtX ", crm::test::ShellQuote((*db)->AdminConninfo()), " -c ");
  if (auto reset = crm::test::RunCommand(
          psql_admin + "\"SELECT pg_stat_reset_shared('wal'), pg_stat_reset_shared('bgwriter')\"");
      !reset.ok()) {
    Die(reset.status().ToString());
  }
  // The CPU time of the server's processes (backends and background processes alike).
  auto pg_cpu = [&] {
    std::map<int, double> out;
    auto pids = crm::test::RunCommand(psql_admin + "'SELECT pid FROM pg_stat_activity'");
    if (!pids.ok()) Die(pids.status().ToString());
    for (absl::string_view line : absl::StrSplit(*pids, '\n', absl::SkipEmpty())) {
      int p = 0;
      if (absl::SimpleAtoi(line, &p)) out[p] = crm::bench::CpuSeconds(p);
    }
    return out;
  };
  ImportStats stats;
  const int pid = (*customers)->process().pid();
  // CPU-seconds used by the service and by PostgreSQL since a mark.
  struct CpuMark {
    double service = 0;
    std::map<int, double> pg;
    double client = 0;  // this process: the load generator
  };
  struct CpuUse {
    double service = 0, pg = 0, client = 0;
  };
  auto mark = [&] {
    return CpuMark{crm::bench::CpuSeconds(pid), pg_cpu(), crm::bench::CpuSeconds(getpid())};
  };
  auto used_since = [&](const CpuMark& from) {
    const CpuMark now = mark();
    CpuUse use{now.service - from.service, 0, now.client - from.client};
    for (const auto& [p, seconds] : now.pg) {
      auto before = from.pg.find(p);
      use.pg += seconds - (before == from.pg.end() ? 0 : before->second);
    }
    return use;
  };
  // For Drive: the CPU used in its measurement window, per call.
  CpuMark window_start;
  CpuUse window_use;
  auto window = [&](bool begins) {
    if (begins) {
      window_start = mark();
    } else {
      window_use = used_since(window_start);
    }
  };
  auto per_call = [&](const crm::bench::Result& r) {
    const double calls = std::max(1.0, r.rps * o.seconds);
    return absl::StrFormat(
        "CPU a call: crm-customers %.0f us, PostgreSQL %.0f us, load generator %.0f us",
        window_use.service * 1e6 / calls, window_use.pg * 1e6 / calls,
        window_use.client * 1e6 / calls);
  };
  const CpuMark import_start = mark();
  const auto t0 = Clock::now();
  {
    std::vector<std::thread> streams;
    std::atomic<int> next_rep{0};
    const int64_t per = (o.rows + o.reps - 1) / o.reps;
    for (int s = 0; s < o.streams; ++s) {
      streams.emplace_back([&, s] {
        for (int r = next_rep++; r < o.reps; r = next_rep++) {
          const int64_t from = r * per, to = std::min<int64_t>(o.rows, from + per);
          if (from < to) {
            ImportShare(transfers[s % transfers.size()].get(), tokens[r], from, to, o.batch,
                        &stats);
          }
        }
      });
    }
    for (auto& t : streams) t.join();
  }
  const double import_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const CpuUse import_use = used_since(import_start);
  const double pg_used = import_use.pg, service_used = import_use.service;
  std::printf(
      "import: CPU-seconds used by PostgreSQL %.1f (%.1f us a row), crm-customers %.1f (%.1f us a "
      "row)\n",
      pg_used, pg_used * 1e6 / std::max<int64_t>(1, stats.created.load()), service_used,
      service_used * 1e6 / std::max<int64_t>(1, stats.created.load()));
  std::printf("import: %lld created, %lld failed in %.1f s: %10.0f rows/s (target >= 10000)%s\n",
              static_cast<long long>(stats.created.load()),
              static_cast<long long>(stats.failed.load()), import_s, stats.created / import_s,
              stats.first_error.empty() ? "" : (" first error: " + stats.first_error).c_str());
  if (auto wal = crm::test::RunCommand(
          psql_admin +
          "\"SELECT format('import: WAL %s (%s full-page images), %s checkpoints (%s requested)', "
          "pg_size_pretty(wal_bytes), wal_fpi, checkpoints_timed + checkpoints_req, "
          "checkpoints_req) FROM pg_stat_wal, pg_stat_bgwriter\"");
      wal.ok()) {
    std::printf("%s", wal->c_str());
  } else {
    Die(wal.status().ToString());
  }

  // What autovacuum would do after a bulk load, done now so the reads below do not depend on
  // when it happens to run: merge the GIN pending lists, refresh the statistics, and vacuum the
  // outbox, which took a million events (with only the customers table vacuumed, autovacuum
  // worked through the outbox during the read rounds and searches were a third slower).
  {
    const auto v0 = Clock::now();
    auto vacuum = crm::test::RunCommand(absl::StrCat(
        "psql -q -c 'VACUUM ANALYZE' ", crm::test::ShellQuote((*db)->AdminConninfo())));
    if (!vacuum.ok()) Die(vacuum.status().ToString());
    std::printf("VACUUM ANALYZE (the whole database) after the import: %.1f s\n",
                std::chrono::duration<double>(Clock::now() - v0).count());
  }

  // The ids of the first rep's customers, for GetCustomer.
  std::vector<std::string> ids;
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + tokens[0]);
    auto reader = transfers[0]->ExportCustomers(&ctx, cv1::ExportCustomersRequest());
    cv1::ExportCustomersResponse page;
    while (ids.size() < 100000 && reader->Read(&page)) {
      for (const auto& row : page.rows()) ids.push_back(row.customer().id());
    }
    ctx.TryCancel();
    reader->Finish();
  }
  if (ids.empty()) Die("no customers to read");

  // 2. GetCustomer, in rounds: each round measures pgbench (at its two best client counts)
  // and then GetCustomer at each of its client counts, so the ratio (best to best) compares
  // figures taken under the same background load; the median round is reported.
  const std::string& token = tokens[0];
  auto id_of = [&](int64_t n) -> const std::string& { return crm::bench::CustomerIdOf(ids, n); };
  const crm::bench::H2Target get_target{(*customers)->target(),
                                        "/crm.customers.v1.CustomersService/GetCustomer",
                                        {{"authorization", "Bearer " + token}}};
  const crm::bench::H2Request get_request = crm::bench::GetCustomerRequests(ids);
  const crm::bench::H2Check get_check = crm::bench::GetCustomerChecks(ids);
  // The same calls through gRPC's C++ client.
  auto grpc_client_get = [&](int clients) {
    return crm::bench::Drive(
        [&](int64_t n, grpc::CompletionQueue* cq) {
          auto* c = new GetCall();
          c->Authorize(token);
          cv1::GetCustomerRequest req;
          req.set_id(id_of(n));
          c->rpc =
              stubs[crm::bench::ThreadOf(n) % stubs.size()]->AsyncGetCustomer(&c->ctx, req, cq);
          c->rpc->Finish(&c->resp, &c->status, c);
          return c;
        },
        clients, o.client_threads, o.seconds, window);
  };
  std::vector<double> get_ratios, grpc_client_ratios;
  const std::vector<int> reference_clients(
      pg.fastest_first.begin(),
      pg.fastest_first.begin() + std::min<size_t>(2, pg.fastest_first.size()));
  for (int round = 1; round <= o.rounds; ++round) {
    int reference_at = 0;
    double pgbench_client_us = 0;
    const double reference = crm::bench::PgbenchBestOf(
        (*pgdb)->AdminConninfo(), reference_clients, o.seconds, &reference_at, &pgbench_client_us);
    double best = 0;
    for (int clients : o.get_clients) {
      const crm::bench::Result get = crm::bench::DriveH2(
          get_target, get_request, get_check, clients, o.client_threads, o.seconds, window);
      std::printf(
          "GetCustomer round %d, %3d clients: %10.0f requests/s   p50 %.2f ms   p99 %.2f ms   "
          "errors %lld %s  (%s)\n",
          round, clients, get.rps, get.p50_ms, get.p99_ms, static_cast<long long>(get.errors),
          get.first_error.c_str(), per_call(get).c_str());
      if (get.errors == 0) best = std::max(best, get.rps);
    }
    if (o.grpc_client_clients > 0) {
      const crm::bench::Result get = grpc_client_get(o.grpc_client_clients);
      std::printf(
          "  from gRPC's C++ client, %3d clients: %10.0f requests/s   p50 %.2f ms   p99 %.2f ms   "
          "errors %lld %s  (%s)\n",
          o.grpc_client_clients, get.rps, get.p50_ms, get.p99_ms,
          static_cast<long long>(get.errors), get.first_error.c_str(), per_call(get).c_str());
      if (get.errors == 0 && reference > 0) grpc_client_ratios.push_back(get.rps / reference);
    }
    if (reference > 0) {
      std::printf(
          "  pgbench in the same round, best at -c %d: %10.0f transactions/s (pgbench's own CPU "
          "%.1f us a transaction)   ratio of the bests %.3f\n",
          reference_at, reference, pgbench_client_us, best / reference);
      get_ratios.push_back(best / reference);
    }
  }
  if (!get_ratios.empty()) {
    std::printf(
        "ratio GetCustomer / pgbench, each at its best client count, median of %d rounds: %.3f "
        "(target >= 0.30)\n",
        o.rounds, crm::bench::Median(get_ratios));
  }
  if (!grpc_client_ratios.empty()) {
    std::printf(
        "  the same ratio with gRPC's C++ client as the load generator (%d clients), median of %d "
        "rounds: %.3f\n",
        o.grpc_client_clients, o.rounds, crm::bench::Median(grpc_client_ratios));
  }

  // 3. SearchCustomers: a rep's and a manager's latencies at 8 clients, and how many searches
  // a second 32 clients get through; first one query of each kind, alone.
  for (int64_t n = 0; n < 4; ++n) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    cv1::SearchCustomersRequest req;
    req.set_query(QueryOf(n));
    cv1::SearchCustomersResponse resp;
    const auto start = Clock::now();
    grpc::Status s = stubs[0]->SearchCustomers(&ctx, req, &resp);
    std::printf("  search \"%s\": %d found in %.1f ms %s\n", req.query().c_str(),
                resp.customers_size(),
                std::chrono::duration<double, std::milli>(Clock::now() - start).count(),
                s.error_message().c_str());
  }
  auto search = [&](const std::string& as, int clients) {
    return crm::bench::Drive(
        [&](int64_t n, grpc::CompletionQueue* cq) {
          auto* c = new SearchCall();
          c->Authorize(as);
          cv1::SearchCustomersRequest req;
          req.set_query(QueryOf(n));
          c->kind = static_cast<int>(n % 4);
          c->rpc =
              stubs[crm::bench::ThreadOf(n) % stubs.size()]->AsyncSearchCustomers(&c->ctx, req, cq);
          c->rpc->Finish(&c->resp, &c->status, c);
          return c;
        },
        clients, o.client_threads, o.seconds, window);
  };
  const int64_t per_rep = (o.rows + o.reps - 1) / o.reps;
  const int64_t per_department = per_rep * ((o.reps + kDepartments - 1) / kDepartments);
  std::vector<double> rep_p99s, manager_p99s, search_rps;
  for (int round = 1; round <= o.rounds; ++round) {
    for (const auto& [label, as, clients, in_scope] :
         std::vector<std::tuple<const char*, std::string, int, int64_t>>{
             {"rep", token, 8, per_rep},
             {"manager", manager_token, 8, per_department},
             {"rep", token, o.clients, per_rep}}) {
      const crm::bench::Result r = search(as, clients);
      std::printf(
          "SearchCustomers round %d, %2d clients, a %s's scope (%lld customers): %7.0f "
          "requests/s   p50 %.2f ms   p99 %.2f ms   errors %lld %s\n",
          round, clients, label, static_cast<long long>(in_scope), r.rps, r.p50_ms, r.p99_ms,
          static_cast<long long>(r.errors), r.first_error.c_str());
      std::printf("  %s\n", per_call(r).c_str());
      std::printf(
          "  p99 by query: 2 characters %.2f ms, 3 characters %.2f ms, 4 characters %.2f ms, "
          "misspelt Latin %.2f ms\n",
          r.p99_ms_by_kind.count(0) ? r.p99_ms_by_kind.at(0) : 0,
          r.p99_ms_by_kind.count(1) ? r.p99_ms_by_kind.at(1) : 0,
          r.p99_ms_by_kind.count(2) ? r.p99_ms_by_kind.at(2) : 0,
          r.p99_ms_by_kind.count(3) ? r.p99_ms_by_kind.at(3) : 0);
      if (clients == 8) (as == token ? rep_p99s : manager_p99s).push_back(r.p99_ms);
      if (clients != 8) search_rps.push_back(r.errors == 0 ? r.rps : 0);
    }
  }
  std::printf(
      "SearchCustomers, median of %d rounds: p99 at 8 clients: a rep's %.2f ms (target <= 20), "
      "a manager's %.2f ms (target <= 30); at %d clients %.0f searches/s (target >= 1500)\n",
      o.rounds, crm::bench::Median(rep_p99s), crm::bench::Median(manager_p99s), o.clients,
      crm::bench::Median(search_rps));

  // 4. Writes: CreateCustomer, then UpdateCustomer of the customers created, at --clients, next
  // to pgbench's TPC-B-like transaction at the same client count in the same round.
  struct CreateCall : crm::bench::AsyncCall {
    cv1::Customer resp;
    std::unique_ptr<grpc::ClientAsyncResponseReader<cv1::Customer>> rpc;
  };
  crm::bench::PgbenchInit((*pgdb)->AdminConninfo());
  std::mutex created_mu;
  std::vector<std::string> created;
  std::atomic<int64_t> next_write{int64_t{o.rows} * 10};
  std::vector<double> create_ratios, update_ratios;
  auto report_write = [&](const char* method, int round, const crm::bench::Result& r) {
    std::printf(
        "%s round %d, %d clients: %7.0f requests/s   p50 %.2f ms   p99 %.2f ms   errors %lld %s  "
        "(%s)\n",
        method, round, o.clients, r.rps, r.p50_ms, r.p99_ms, static_cast<long long>(r.errors),
        r.first_error.c_str(), per_call(r).c_str());
  };
  for (int round = 1; round <= o.rounds; ++round) {
    const double tpcb =
        crm::bench::PgbenchTps((*pgdb)->AdminConninfo(), o.clients, o.seconds, false);
    const crm::bench::Result create = crm::bench::Drive(
        [&](int64_t, grpc::CompletionQueue* cq) {
          auto* c = new CreateCall();
          c->Authorize(token);
          const int64_t i = next_write++;
          cv1::CreateCustomerRequest req;
          req.set_request_id(
              absl::StrCat("01900000-0000-7000-9000-", absl::Hex(i, absl::kZeroPad12)));
          req.mutable_customer()->set_name(absl::StrCat(NameOf(i), "（", i, "）"));
          req.mutable_customer()->set_region(Pick(kRegions, i));
          req.mutable_customer()->set_phone(absl::StrCat("0", 10 + i % 89, "-", 50000000 + i));
          c->rpc = stubs[0]->AsyncCreateCustomer(&c->ctx, req, cq);
          c->rpc->Finish(&c->resp, &c->status, c);
          return c;
        },
        o.clients, o.client_threads, o.seconds, window);
    report_write("CreateCustomer", round, create);
    if (created.empty()) {
      // The customers the rep has now, newest first: the ones just created among them.
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", "Bearer " + token);
      cv1::ListCustomersRequest req;
      req.set_page_size(1000);
      cv1::ListCustomersResponse resp;
      if (grpc::Status s = stubs[0]->ListCustomers(&ctx, req, &resp); !s.ok()) {
        Die(s.error_message());
      }
      for (const auto& c : resp.customers()) created.push_back(c.id());
    }
    const crm::bench::Result update = crm::bench::Drive(
        [&](int64_t n, grpc::CompletionQueue* cq) {
          auto* c = new CreateCall();
          c->Authorize(token);
          cv1::UpdateCustomerRequest req;
          req.mutable_customer()->set_id(created[(n * 7919) % created.size()]);
          req.mutable_customer()->set_address(absl::StrCat("杭州市西湖区文三路", n % 1000, "号"));
          req.mutable_update_mask()->add_paths("address");
          c->rpc = stubs[0]->AsyncUpdateCustomer(&c->ctx, req, cq);
          c->rpc->Finish(&c->resp, &c->status, c);
          return c;
        },
        o.clients, o.client_threads, o.seconds, window);
    report_write("UpdateCustomer", round, update);
    std::printf(
        "  pgbench -M prepared (TPC-B-like) -c %d in the same round: %7.0f transactions/s   "
        "ratios: create %.3f, update %.3f\n",
        o.clients, tpcb, create.rps / tpcb, update.rps / tpcb);
    create_ratios.push_back(create.errors == 0 ? create.rps / tpcb : 0);
    update_ratios.push_back(update.errors == 0 ? update.rps / tpcb : 0);
  }
  std::printf(
      "writes / pgbench TPC-B-like at %d clients, median of %d rounds: CreateCustomer %.3f, "
      "UpdateCustomer %.3f (target >= 0.25)\n",
      o.clients, o.rounds, crm::bench::Median(create_ratios), crm::bench::Median(update_ratios));

  // 5. Memory, and how long a second instance takes to serve on the loaded database (without
  // the first one's socket, which binding it again would take over).
  std::printf("crm-customers peak RSS: %.0f MiB\n",
              crm::bench::PeakRssMib((*customers)->process().pid()));
  const auto started = Clock::now();
  auto second = crm::e2e::CustomersServer::Start(**db, **auth, server_args);
  if (!second.ok()) Die(second.status().ToString());
  std::printf("second instance: serving %.1f s after it was started; RSS then %.0f MiB\n",
              std::chrono::duration<double>(Clock::now() - started).count(),
              crm::bench::PeakRssMib((*second)->process().pid()));
  return 0;
}
