// crm-bench-auth: throughput and latency of an authenticated read RPC of the auth service
// (DirectoryService.GetUser), next to `pgbench -S -M prepared` against the same PostgreSQL
// server in the same run, so the ratio means something on a shared, noisy machine.
//
//   crm-bench-auth [--clients=64] [--seconds=10] [--read-sessions=1] [--channels=4]
//                  [--skip-pgbench] [-- <crm-auth flags>]
//
// Starts its own PostgreSQL cluster and crm-auth process (called over a Unix-domain socket, as
// pgbench calls PostgreSQL); needs no running stack. pgbench
// runs with several client counts and the ratio is taken against its best, so a client count
// that merely overloads two cores cannot flatter the service.

#include <cstdio>
#include <regex>

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "crm/auth/v1/auth_service.grpc.pb.h"
#include "crm/auth/v1/directory_service.grpc.pb.h"
#include "libs/testing/http.h"
#include "libs/testing/pg.h"
#include "tests/bench/bench.h"
#include "tests/e2e/stack.h"

namespace {

namespace v1 = ::crm::auth::v1;
using crm::bench::Die;

struct Options {
  int clients = 64;
  int seconds = 10;
  int read_sessions = 1;
  int channels = 4;
  int client_threads = 2;
  bool skip_pgbench = false;  // for profiling the service alone
};

struct GetUserCall : crm::bench::AsyncCall {
  v1::User resp;
  std::unique_ptr<grpc::ClientAsyncResponseReader<v1::User>> rpc;
};

crm::bench::Result Drive(const std::string& target, const std::string& token,
                         const std::string& user_id, const Options& o) {
  std::vector<std::unique_ptr<v1::DirectoryService::Stub>> stubs;
  for (const auto& ch : crm::bench::Channels(target, o.channels)) {
    stubs.push_back(v1::DirectoryService::NewStub(ch));
  }
  v1::GetUserRequest req;
  req.set_id(user_id);
  return crm::bench::Drive(
      [&](int64_t n, grpc::CompletionQueue* cq) {
        auto* c = new GetUserCall();
        c->Authorize(token);
        c->rpc = stubs[n % stubs.size()]->AsyncGetUser(&c->ctx, req, cq);
        c->rpc->Finish(&c->resp, &c->status, c);
        return c;
      },
      o.clients, o.client_threads, o.seconds);
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
    if (a == "--") {
      server_args.assign(argv + i + 1, argv + argc);
      break;
    }
    auto value = [&](const char* prefix, int* out) { return crm::bench::IntFlag(a, prefix, out); };
    if (!value("--clients=", &o.clients) && !value("--seconds=", &o.seconds) &&
        !value("--read-sessions=", &o.read_sessions) && !value("--channels=", &o.channels) &&
        !value("--client-threads=", &o.client_threads)) {
      Die("usage: crm-bench-auth [--clients=N] [--seconds=N] [--read-sessions=N] [--channels=N] "
          "[--skip-pgbench] [-- <crm-auth flags>]");
    }
  }
  auto cluster = crm::test::TempCluster::Start();
  if (!cluster.ok()) Die(cluster.status().ToString());
  std::printf("PostgreSQL: private cluster on port %d; %d clients, %d s per measurement\n",
              (*cluster)->port(), o.clients, o.seconds);

  auto pgdb = crm::test::TestDatabase::CreateOn((*cluster)->Conninfo(), "pgbench");
  if (!pgdb.ok()) Die(pgdb.status().ToString());
  const crm::bench::PgbenchResult pg =
      o.skip_pgbench ? crm::bench::PgbenchResult{}
                     : crm::bench::Pgbench((*pgdb)->AdminConninfo(), o.clients, o.seconds);

  auto db = crm::test::TestDatabase::CreateOn((*cluster)->Conninfo(), "auth_bench");
  if (!db.ok()) Die(db.status().ToString());
  server_args.insert(server_args.begin(), absl::StrCat("--db-read-sessions=", o.read_sessions));
  crm::e2e::ServeOnUnixSockets(true);  // as pgbench reaches PostgreSQL
  auto server = crm::e2e::AuthServer::Start(**db, server_args);
  if (!server.ok()) Die(server.status().ToString());

  auto stub = v1::AuthService::NewStub((*server)->channel());
  grpc::ClientContext ctx;
  v1::LoginRequest login;
  login.set_username("admin");
  login.set_password(crm::e2e::kAdminPassword);
  v1::LoginResponse session;
  if (auto s = stub->Login(&ctx, login, &session); !s.ok()) Die(s.error_message());

  crm::bench::Result r =
      Drive((*server)->target(), session.tokens().access_token(), session.user().id(), o);
  std::printf(
      "auth GetUser, %d clients, %d read sessions: %10.0f requests/s   p50 %.2f ms   "
      "p99 %.2f ms   errors %lld\n",
      o.clients, o.read_sessions, r.rps, r.p50_ms, r.p99_ms, static_cast<long long>(r.errors));
  // How the pipelined reader batched the reads.
  if (auto metrics = crm::test::HttpGet((*server)->metrics_port(), "/metrics"); metrics.ok()) {
    auto mean = [&](const std::string& name) {
      std::smatch sum, count;
      std::regex s(name + "_sum\\{[^}]*\\} ([0-9.e+-]+)"), c(name + "_count\\{[^}]*\\} ([0-9]+)");
      if (!std::regex_search(*metrics, sum, s) || !std::regex_search(*metrics, count, c))
        return 0.0;
      return std::stod(sum[1]) / std::max(1.0, std::stod(count[1])) * 1e6;
    };
    std::printf("server: reads per pipelined round trip %.1f, mean wait for a batch %.0f us\n",
                mean("crm_db_read_batch_size") / 1e6, mean("crm_db_read_wait_seconds"));
  }
  if (pg.best > 0) {
    std::printf("ratio GetUser / pgbench with the same %d clients: %.2f (target >= 0.30)\n",
                o.clients, r.rps / pg.same_clients);
    std::printf("ratio GetUser / pgbench at its best client count: %.2f\n", r.rps / pg.best);
  }
  return 0;
}
