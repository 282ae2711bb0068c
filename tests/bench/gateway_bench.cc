// crm-bench-gateway: what the gateway costs, next to pgbench in the same run against the same
// PostgreSQL server.
//
//   crm-bench-gateway [--customers=2000] [--clients=32] [--seconds=10] [--rounds=3]
//                     [--get-clients=32,64] [-- <crm-gateway flags>]
//
// Starts its own PostgreSQL cluster and the backends (auth, customers, pipeline, contracts,
// payments, service, the sales system's stand-in) and crm-gateway in front of them; creates
// --customers customers of one rep, each with a contact, an interaction and a ticket; then in
// each round measures
//   1. `pgbench -S -M prepared` at its best client count;
//   2. GetCustomer directly on crm-customers' Unix socket, through the gateway over gRPC (its
//      Unix socket), both with the HTTP/2 load generator, and over HTTP/JSON (h2load --h1 on
//      the gateway's HTTP port), each at its best of --get-clients; the ratios to pgbench
//      (floors: gateway gRPC >= 0.20, HTTP/JSON >= 0.12);
//   3. Customer 360 (eight sections from five services and the sales system) through the gateway
//      at --clients clients: requests/s and p99 (target <= 50 ms);
// and prints the medians and the gateway's peak RSS.

#include <cstdio>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crm/customers/v1/customers_service.grpc.pb.h"
#include "crm/gateway/v1/gateway_service.grpc.pb.h"
#include "crm/service/v1/tickets_service.grpc.pb.h"
#include "libs/testing/pg.h"
#include "libs/testing/process.h"
#include "tests/bench/bench.h"
#include "tests/bench/get_customer.h"
#include "tests/bench/h2_drive.h"
#include "tests/e2e/stack.h"

namespace {

namespace cv1 = ::crm::customers::v1;
namespace gv1 = ::crm::gateway::v1;
namespace tv1 = ::crm::service::v1;
using crm::bench::Die;
using crm::e2e::Ctx;

struct Options {
  int customers = 2000;
  int clients = 32;
  int seconds = 10;
  int rounds = 3;
  std::vector<int> get_clients = {32, 64};
};

// h2load over HTTP/1.1 against the URIs in `uri_file` for `seconds`: requests/s, or 0 with the
// failure printed.
double H2loadHttp1(int port, const std::string& uri_file, const std::string& token, int clients,
                   int seconds) {
  const std::string command = absl::StrCat(
      "h2load --h1 -c ", clients, " -t 1 -D ", seconds, " --warm-up-time=2 -H ",
      crm::test::ShellQuote("authorization: Bearer " + token), " -i ", uri_file, " 2>&1");
  auto out = crm::test::RunCommand(command);
  if (!out.ok()) {
    std::printf("h2load failed: %s\n", std::string(out.status().message()).c_str());
    return 0;
  }
  double rps = 0;
  long long failed = -1, non2xx = -1;
  for (absl::string_view line : absl::StrSplit(*out, '\n')) {
    // "finished in 10.00s, 12345.60 req/s, 3.21MB/s"
    if (absl::StartsWith(line, "finished in")) {
      const std::vector<absl::string_view> parts = absl::StrSplit(line, ", ");
      if (parts.size() >= 2) (void)absl::SimpleAtod(parts[1].substr(0, parts[1].find(' ')), &rps);
    }
    // "requests: 123 total, 123 started, 123 done, 123 succeeded, 0 failed, 0 errored, 0 timeout"
    if (absl::StartsWith(line, "requests:")) {
      for (absl::string_view part : absl::StrSplit(line.substr(9), ", ")) {
        part = absl::StripAsciiWhitespace(part);
        if (absl::EndsWith(part, " failed"))
          (void)absl::SimpleAtoi(part.substr(0, part.find(' ')), &failed);
      }
    }
    // "status codes: 123 2xx, 0 3xx, 0 4xx, 0 5xx"
    if (absl::StartsWith(line, "status codes:")) {
      long long total = 0, ok = 0;
      for (absl::string_view part : absl::StrSplit(line.substr(13), ", ")) {
        part = absl::StripAsciiWhitespace(part);
        long long n = 0;
        (void)absl::SimpleAtoi(part.substr(0, part.find(' ')), &n);
        total += n;
        if (absl::EndsWith(part, "2xx")) ok = n;
      }
      non2xx = total - ok;
    }
  }
  if (failed != 0 || non2xx != 0) {
    std::printf("h2load: %lld failed, %lld not 2xx:\n%s\n", failed, non2xx, out->c_str());
    return 0;
  }
  return rps;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::vector<std::string> gateway_args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--") {
      gateway_args.assign(argv + i + 1, argv + argc);
      break;
    }
    if (!crm::bench::IntFlag(a, "--customers=", &o.customers) &&
        !crm::bench::IntFlag(a, "--clients=", &o.clients) &&
        !crm::bench::IntFlag(a, "--seconds=", &o.seconds) &&
        !crm::bench::IntFlag(a, "--rounds=", &o.rounds) &&
        !crm::bench::IntListFlag(a, "--get-clients=", &o.get_clients)) {
      Die("usage: crm-bench-gateway [--customers=N] [--clients=N] [--seconds=N] [--rounds=N] "
          "[--get-clients=N,N] [-- <crm-gateway flags>]");
    }
  }
  auto cluster = crm::test::TempCluster::Start();
  if (!cluster.ok()) Die(cluster.status().ToString());
  std::printf(
      "PostgreSQL: private cluster on port %d; %d customers, %d clients, %d s x %d rounds\n",
      (*cluster)->port(), o.customers, o.clients, o.seconds, o.rounds);
  auto pgdb = crm::test::TestDatabase::CreateOn((*cluster)->Conninfo(), "pgbench");
  if (!pgdb.ok()) Die(pgdb.status().ToString());
  const crm::bench::PgbenchResult pg =
      crm::bench::Pgbench((*pgdb)->AdminConninfo(), o.clients, o.seconds);
  auto db = crm::test::TestDatabase::CreateOn((*cluster)->Conninfo(), "gateway_bench");
  if (!db.ok()) Die(db.status().ToString());

  // Every process on a Unix socket (as the gateway reaches the backends in a pod's sidecar or
  // on one host).
  crm::e2e::ServeOnUnixSockets(true);
  auto auth = crm::e2e::AuthServer::Start(**db, {"--access-token-ttl=3h"});
  if (!auth.ok()) Die(auth.status().ToString());
  auto customers = crm::e2e::CustomersServer::Start(**db, **auth);
  if (!customers.ok()) Die(customers.status().ToString());
  auto pipeline = crm::e2e::PipelineServer::Start(**db, **auth, **customers);
  if (!pipeline.ok()) Die(pipeline.status().ToString());
  auto fake = crm::e2e::SalesSystemFake::Start();
  if (!fake.ok()) Die(fake.status().ToString());
  auto contracts =
      crm::e2e::ContractsServer::Start(**db, **auth, **customers, **pipeline, (*fake)->address());
  if (!contracts.ok()) Die(contracts.status().ToString());
  auto payments_secret = (*auth)->CreateServiceAccount("payments-follower", "payments_follower");
  if (!payments_secret.ok()) Die(payments_secret.status().ToString());
  auto payments = crm::e2e::PaymentsServer::Start(**db, **auth, **contracts, *payments_secret);
  if (!payments.ok()) Die(payments.status().ToString());
  auto service_secret = (*auth)->CreateServiceAccount("service-follower", "service_follower");
  if (!service_secret.ok()) Die(service_secret.status().ToString());
  auto service = crm::e2e::ServiceServer::Start(**db, **auth, **customers, *service_secret);
  if (!service.ok()) Die(service.status().ToString());
  std::vector<std::string> args = {"--customers-address=" + (*customers)->target(),
                                   "--pipeline-address=" + (*pipeline)->target(),
                                   "--contracts-address=" + (*contracts)->target(),
                                   "--payments-address=" + (*payments)->target(),
                                   "--service-address=" + (*service)->target(),
                                   "--analytics-address=",
                                   "--salesys-address=" + (*fake)->address(),
                                   "--access-log=errors",
                                   "--rate-limit=1000000",
                                   "--rate-burst=1000000"};
  args.insert(args.end(), gateway_args.begin(), gateway_args.end());
  auto gateway = crm::e2e::GatewayServer::Start(**auth, args);
  if (!gateway.ok()) Die(gateway.status().ToString());

  // The data: one rep's customers, each with a contact, an interaction and a ticket.
  auto dept = (*auth)->CreateDepartment("华东区");
  if (!dept.ok()) Die(dept.status().ToString());
  auto rep_id = (*auth)->CreateUser("chen.jie", "account_manager", *dept);
  if (!rep_id.ok()) Die(rep_id.status().ToString());
  auto token = (*auth)->Login("chen.jie", "s3cret-pass");
  if (!token.ok()) Die(token.status().ToString());
  auto customers_stub = cv1::CustomersService::NewStub((*customers)->channel());
  auto contacts_stub = cv1::ContactsService::NewStub((*customers)->channel());
  auto tickets_stub = tv1::TicketsService::NewStub((*service)->channel());
  std::vector<std::string> ids;
  for (int i = 0; i < o.customers; ++i) {
    cv1::CreateCustomerRequest req;
    req.mutable_customer()->set_name(absl::StrCat("苏州第", i, "精密机械有限公司"));
    req.set_force(true);
    cv1::Customer c;
    if (auto s = customers_stub->CreateCustomer(Ctx(*token).get(), req, &c); !s.ok()) {
      Die("CreateCustomer: " + s.error_message());
    }
    ids.push_back(c.id());
    cv1::CreateContactRequest contact;
    contact.mutable_contact()->set_customer_id(c.id());
    contact.mutable_contact()->set_name("王经理");
    cv1::Contact made;
    if (auto s = contacts_stub->CreateContact(Ctx(*token).get(), contact, &made); !s.ok()) {
      Die("CreateContact: " + s.error_message());
    }
    cv1::CreateInteractionRequest interaction;
    interaction.mutable_interaction()->set_customer_id(c.id());
    interaction.mutable_interaction()->set_summary("电话回访，客户对交付满意");
    interaction.mutable_interaction()->set_method(cv1::INTERACTION_METHOD_PHONE);
    interaction.mutable_interaction()->mutable_occur_time()->set_seconds(time(nullptr) - 3600);
    cv1::Interaction recorded;
    if (auto s = contacts_stub->CreateInteraction(Ctx(*token).get(), interaction, &recorded);
        !s.ok()) {
      Die("CreateInteraction: " + s.error_message());
    }
    tv1::CreateTicketRequest ticket;
    ticket.mutable_ticket()->set_type("consultation");
    ticket.mutable_ticket()->set_customer_id(c.id());
    ticket.mutable_ticket()->set_summary("咨询续费价格");
    ticket.mutable_ticket()->set_request("客户想了解明年续费的价格。");
    tv1::Ticket t;
    if (auto s = tickets_stub->CreateTicket(Ctx(*token).get(), ticket, &t); !s.ok()) {
      Die("CreateTicket: " + s.error_message());
    }
  }
  std::printf("created %d customers with a contact, an interaction and a ticket each\n",
              o.customers);

  auto id_of = [&](int64_t n) -> const std::string& { return crm::bench::CustomerIdOf(ids, n); };
  const crm::bench::H2Request get_request = crm::bench::GetCustomerRequests(ids);
  const crm::bench::H2Check get_check = crm::bench::GetCustomerChecks(ids);
  const std::vector<std::pair<std::string, std::string>> auth_md = {
      {"authorization", "Bearer " + *token}};
  const crm::bench::H2Target direct{(*customers)->target(),
                                    "/crm.customers.v1.CustomersService/GetCustomer", auth_md};
  const crm::bench::H2Target through{(*gateway)->target(),
                                     "/crm.customers.v1.CustomersService/GetCustomer", auth_md};
  const crm::bench::H2Target view{(*gateway)->target(),
                                  "/crm.gateway.v1.ViewsService/GetCustomer360", auth_md};
  const crm::bench::H2Request view_request = [&](int64_t n) {
    gv1::GetCustomer360Request req;
    req.set_customer_id(id_of(n));
    return req.SerializeAsString();
  };
  const crm::bench::H2Check view_check = [&](int64_t n, std::string_view message) -> std::string {
    gv1::Customer360 v;
    if (!v.ParseFromArray(message.data(), static_cast<int>(message.size()))) {
      return "the response is not a Customer360";
    }
    if (v.profile().customer().id() != id_of(n)) return "another customer's view";
    for (const auto* s : {&v.contacts().status(), &v.interactions().status(),
                          &v.opportunities().status(), &v.contracts().status(),
                          &v.receivables().status(), &v.tickets().status(), &v.orders().status()}) {
      if (s->code() != 0) return "a failed section: " + s->message();
    }
    if (v.contacts().contacts_size() != 1 || v.tickets().tickets_size() != 1) {
      return "a section without its record";
    }
    return "";
  };
  const std::string uris = absl::StrCat("/tmp/crm-bench-gateway-", getpid(), "-uris.txt");
  {
    std::ofstream out(uris);
    for (size_t i = 0; i < ids.size(); ++i) {
      out << "http://127.0.0.1:" << (*gateway)->http_port() << "/v1/customers/" << ids[i] << "\n";
    }
  }

  std::vector<double> direct_ratios, grpc_ratios, http_ratios, view_p99s;
  const std::vector<int> reference_clients(
      pg.fastest_first.begin(),
      pg.fastest_first.begin() + std::min<size_t>(2, pg.fastest_first.size()));
  for (int round = 1; round <= o.rounds; ++round) {
    int reference_at = 0;
    const double reference = crm::bench::PgbenchBestOf((*pgdb)->AdminConninfo(), reference_clients,
                                                       o.seconds, &reference_at);
    double best_direct = 0, best_grpc = 0, best_http = 0;
    for (int clients : o.get_clients) {
      const auto d = crm::bench::DriveH2(direct, get_request, get_check, clients, 2, o.seconds);
      const auto g = crm::bench::DriveH2(through, get_request, get_check, clients, 2, o.seconds);
      const double h = H2loadHttp1((*gateway)->http_port(), uris, *token, clients, o.seconds);
      std::printf(
          "round %d, %3d clients: GetCustomer direct %8.0f/s (p99 %.2f ms, errors %lld %s)   "
          "gateway gRPC %8.0f/s (p99 %.2f ms, errors %lld %s)   HTTP/JSON %8.0f/s\n",
          round, clients, d.rps, d.p99_ms, static_cast<long long>(d.errors), d.first_error.c_str(),
          g.rps, g.p99_ms, static_cast<long long>(g.errors), g.first_error.c_str(), h);
      if (d.errors == 0) best_direct = std::max(best_direct, d.rps);
      if (g.errors == 0) best_grpc = std::max(best_grpc, g.rps);
      best_http = std::max(best_http, h);
    }
    const auto v = crm::bench::DriveH2(view, view_request, view_check, o.clients, 2, o.seconds);
    std::printf(
        "round %d: Customer 360 at %d clients: %8.0f/s   p50 %.2f ms   p99 %.2f ms   errors %lld "
        "%s\n",
        round, o.clients, v.rps, v.p50_ms, v.p99_ms, static_cast<long long>(v.errors),
        v.first_error.c_str());
    if (v.errors == 0) view_p99s.push_back(v.p99_ms);
    std::printf(
        "  pgbench in the same round, best at -c %d: %8.0f/s   ratios: direct %.3f, gateway gRPC "
        "%.3f, HTTP/JSON %.3f\n",
        reference_at, reference, best_direct / reference, best_grpc / reference,
        best_http / reference);
    direct_ratios.push_back(best_direct / reference);
    grpc_ratios.push_back(best_grpc / reference);
    http_ratios.push_back(best_http / reference);
  }
  std::printf(
      "medians of %d rounds: GetCustomer / pgbench direct %.3f, through the gateway over gRPC %.3f "
      "(floor 0.20), over HTTP/JSON %.3f (floor 0.12); Customer 360 p99 at %d clients %.1f ms "
      "(target <= 50)\n",
      o.rounds, crm::bench::Median(direct_ratios), crm::bench::Median(grpc_ratios),
      crm::bench::Median(http_ratios), o.clients, crm::bench::Median(view_p99s));
  std::printf("crm-gateway peak RSS: %.0f MiB\n",
              crm::bench::PeakRssMib((*gateway)->process().pid()));
  std::remove(uris.c_str());
  return 0;
}
