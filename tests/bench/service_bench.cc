// crm-bench-service: customer-service tickets' whole path and their search, next to pgbench in
// the same run against the same PostgreSQL server.
//
//   crm-bench-service [--clients=16] [--seconds=10] [--rounds=3] [--tcp] [--tickets=1000000]
//                     [-- <crm-service flags>]
//
// Starts its own PostgreSQL cluster, crm-auth, crm-customers and crm-service; then
//   1. loads --tickets tickets of synthetic Chinese text straight into the schema, and times
//      ListTickets' text search as a service agent (company-wide scope) at 8 clients: p99
//      per round and the median (target <= 20 ms);
//   2. in each round runs `pgbench -M prepared` (TPC-B-like: three updates and an insert) with
//      --clients clients, and --clients client threads each repeating, as fast as answers come
//      back: an account manager creates a complaint for one of their customers (checked in the
//      customers service), their sales manager assigns it to them (checked in the auth
//      directory), they handle it, and give feedback 4 (archived); it prints the flows per
//      second, p50 / p99, and a write RPC's ratio to pgbench's transactions per second (floor
//      0.25); then crm-service's peak RSS.

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "crm/customers/v1/customers_service.grpc.pb.h"
#include "crm/service/v1/tickets_service.grpc.pb.h"
#include "libs/testing/pg.h"
#include "tests/bench/bench.h"
#include "tests/e2e/stack.h"

namespace {

namespace cv1 = ::crm::customers::v1;
namespace tv1 = ::crm::service::v1;
using crm::bench::Die;
using crm::e2e::Ctx;

constexpr int kCustomers = 200;

// One ticket from the request to the archive; the first failure, or OK.
grpc::Status Flow(tv1::TicketsService::Stub& stub, const std::string& manager,
                  const std::string& rep, const std::string& rep_id,
                  const std::vector<std::string>& customers, int64_t n,
                  std::vector<double>* step_ms) {
  crm::bench::Laps lap(step_ms);
  tv1::CreateTicketRequest create;
  create.set_request_id(absl::StrCat("bench-ticket-", n));
  tv1::Ticket& t = *create.mutable_ticket();
  t.set_type("complaint");
  t.set_customer_id(customers[n % customers.size()]);
  t.set_summary(absl::StrCat("第", n, "号投诉：发票金额有误"));
  t.set_request("客户财务来电：上月发票金额与合同不符，要求核对后重开。");
  tv1::Ticket created;
  if (auto s = stub.CreateTicket(Ctx(rep).get(), create, &created); !s.ok()) return s;
  lap();
  tv1::AssignTicketRequest assign;
  assign.set_id(created.id());
  assign.set_assignee_id(rep_id);
  tv1::Ticket assigned;
  if (auto s = stub.AssignTicket(Ctx(manager).get(), assign, &assigned); !s.ok()) return s;
  lap();
  tv1::HandleTicketRequest handle;
  handle.set_id(created.id());
  handle.set_handling("已核对金额并重开发票，快递寄出。");
  tv1::Ticket handled;
  if (auto s = stub.HandleTicket(Ctx(rep).get(), handle, &handled); !s.ok()) return s;
  lap();
  tv1::RecordFeedbackRequest feedback;
  feedback.set_id(created.id());
  feedback.set_result("客户确认收到");
  feedback.set_satisfaction(4);
  tv1::Ticket archived;
  if (auto s = stub.RecordFeedback(Ctx(rep).get(), feedback, &archived); !s.ok()) return s;
  lap();
  if (archived.status() != tv1::TICKET_STATUS_ARCHIVED) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "not archived");
  }
  return grpc::Status::OK;
}

// What tickets say, and what people search for.
const char* const kProblems[] = {
    "发票抬头错误", "设备无法开机", "到货延迟",     "系统登录失败", "数据导出乱码", "合同金额有误",
    "培训安排",     "升级费用咨询", "打印机卡纸",   "网络连接中断", "密码重置",     "报表显示异常",
    "上门维修",     "配件更换",     "退货申请",     "安装调试",     "账单核对",     "价格咨询",
    "功能建议",     "操作手册",     "服务态度投诉", "响应太慢",     "质量问题",     "噪音过大",
    "授权过期",     "移动端闪退",   "审批流程建议", "信息修改",     "物流查询",     "地址变更"};
const char* const kCities[] = {"北京", "上海", "杭州", "南京", "苏州", "广州", "深圳", "成都",
                               "重庆", "武汉", "西安", "天津", "青岛", "厦门", "长沙", "郑州"};

// A query: a whole problem (one ticket in about fifteen), two characters of one, a customer of a
// city with a problem (one in about 400), or a word no ticket has.
std::string QueryOf(int64_t n) {
  const std::string problem = kProblems[(n / 4) % std::size(kProblems)];
  switch (n % 4) {
    case 0:
      return problem;
    case 1:
      return problem.substr(0, 6);  // two characters (UTF-8: three bytes each)
    case 2:
      return absl::StrCat(kCities[(n / 4) % std::size(kCities)], "客户", problem);
    default:
      return "量子纠缠";
  }
}

struct ListCall : crm::bench::AsyncCall {
  tv1::ListTicketsResponse resp;
  std::unique_ptr<grpc::ClientAsyncResponseReader<tv1::ListTicketsResponse>> rpc;
};

// The SQL that writes `tickets` tickets, one a second until now (UUIDv7 ids of their creation
// times, so below any the service makes), spread over 50 account managers, 5 departments and
// 2,000 customers, in every status.
std::string LoadSql(int tickets) {
  std::string problems, cities;
  for (const char* p : kProblems)
    absl::StrAppend(&problems, problems.empty() ? "" : ",", "\"", p, "\"");
  for (const char* c : kCities) absl::StrAppend(&cities, cities.empty() ? "" : ",", "\"", c, "\"");
  return absl::StrCat(
      "SET synchronous_commit = off;\n"
      "CREATE TEMP TABLE words AS SELECT '{",
      problems, "}'::text[] AS p, '{", cities,
      "}'::text[] AS c, (extract(epoch FROM now()) * 1000)::int8 AS ms;\n"
      "INSERT INTO service.tickets (id, number, type, customer_id, channel, priority, status,"
      " assignee_id, queue_department_id, customer_owner_id, customer_owner_department_id,"
      " customer_level, first_response_due, resolution_due, creator_id, created_at,"
      " satisfaction, first_response_at, resolved_at)"
      " SELECT (lpad(to_hex(w.ms - (",
      tickets,
      " - g) * 1000), 12, '0') || '7'"
      " || lpad(to_hex(g), 19, '0'))::uuid, 'FWBENCH-' || g,"
      " (ARRAY['consultation', 'suggestion', 'complaint'])[1 + g % 3],"
      " ('0187' || lpad(to_hex(g % 2000), 28, '0'))::uuid, 'phone', 'normal',"
      " (ARRAY['new', 'assigned', 'handled', 'archived'])[1 + g % 4],"
      " CASE WHEN g % 4 = 0 THEN NULL ELSE ('0186' || lpad(to_hex(g % 50), 28, '0'))::uuid END,"
      " ('0185' || lpad(to_hex(g % 5), 28, '0'))::uuid,"
      " ('0186' || lpad(to_hex(g % 50), 28, '0'))::uuid,"
      " ('0185' || lpad(to_hex(g % 5), 28, '0'))::uuid, 'ordinary',"
      " now() + interval '8 hours', now() + interval '3 days',"
      " ('0186' || lpad(to_hex(g % 50), 28, '0'))::uuid,"
      " now() - (",
      tickets,
      " - g) * interval '1 second',"
      " CASE WHEN g % 4 = 3 THEN 4 ELSE 0 END,"
      " CASE WHEN g % 4 >= 2 THEN now() - (",
      tickets,
      " - g) * interval '1 second' END,"
      " CASE WHEN g % 4 = 3 THEN now() - (",
      tickets,
      " - g) * interval '1 second' END"
      " FROM generate_series(1, ",
      tickets,
      ") g, words w;\n"
      "INSERT INTO service.ticket_texts (ticket_id, summary, request)"
      " SELECT (lpad(to_hex(w.ms - (",
      tickets,
      " - g) * 1000), 12, '0') || '7'"
      " || lpad(to_hex(g), 19, '0'))::uuid,"
      " w.c[1 + (g / 7) % 16] || '客户' || w.p[1 + g % 30],"
      " '客户来电反映' || w.p[1 + g % 30] || '，另外提到' || w.p[1 + (g / 30) % 30] ||"
      " '，希望尽快安排处理。联系人：' || w.c[1 + g % 16] || '办事处王经理'"
      " FROM generate_series(1, ",
      tickets,
      ") g, words w;\n"
      "VACUUM ANALYZE service.tickets, service.ticket_texts;\n");
}

}  // namespace

int main(int argc, char** argv) {
  crm::bench::FlowOptions o;
  int tickets = 1000000;
  const std::vector<std::string> server_args = crm::bench::ParseFlowFlags(
      argc, argv, o,
      "crm-bench-service [--clients=N] [--seconds=N] [--rounds=N] [--tcp] [--tickets=N] "
      "[-- <crm-service flags>]",
      {{"--tickets=", &tickets}});
  crm::bench::FlowDatabases dbs = crm::bench::StartFlowDatabases(o, "service_bench");
  auto auth = crm::e2e::AuthServer::Start(*dbs.services);
  if (!auth.ok()) Die(auth.status().ToString());
  auto customers = crm::e2e::CustomersServer::Start(*dbs.services, **auth);
  if (!customers.ok()) Die(customers.status().ToString());
  auto secret = (*auth)->CreateServiceAccount("service-follower", "service_follower");
  if (!secret.ok()) Die(secret.status().ToString());
  auto service =
      crm::e2e::ServiceServer::Start(*dbs.services, **auth, **customers, *secret, server_args);
  if (!service.ok()) Die(service.status().ToString());
  auto dept = (*auth)->CreateDepartment("华东区");
  if (!dept.ok()) Die(dept.status().ToString());
  std::string rep_id;
  for (auto [name, role] : {std::pair{"bench.manager", "sales_manager"},
                            {"bench.rep", "account_manager"},
                            {"bench.agent", "service_agent"}}) {
    auto u = (*auth)->CreateUser(name, role, *dept);
    if (!u.ok()) Die(u.status().ToString());
    if (std::string(role) == "account_manager") rep_id = *u;
  }
  auto manager = (*auth)->Login("bench.manager", "s3cret-pass");
  auto rep = (*auth)->Login("bench.rep", "s3cret-pass");
  auto agent = (*auth)->Login("bench.agent", "s3cret-pass");
  if (!manager.ok() || !rep.ok() || !agent.ok()) Die("login failed");
  auto customer_stub = cv1::CustomersService::NewStub((*customers)->channel());
  std::vector<std::string> customer_ids;
  for (int i = 0; i < kCustomers; ++i) {
    cv1::CreateCustomerRequest req;
    req.set_request_id(absl::StrCat("bench-customer-", i));
    req.mutable_customer()->set_name(absl::StrCat("基准客服测试客户", i, "号有限公司"));
    cv1::Customer c;
    if (auto s = customer_stub->CreateCustomer(Ctx(*rep).get(), req, &c); !s.ok()) {
      Die(s.error_message());
    }
    customer_ids.push_back(c.id());
  }
  auto stub = tv1::TicketsService::NewStub((*service)->channel());

  // 1. Search over the loaded tickets, as a service agent (before the flows add tickets of
  // their own on top).
  const double load_seconds =
      crm::bench::RunSqlScript(LoadSql(tickets), dbs.services->AdminConninfo());
  std::printf("loaded %d tickets in %.0f s\n", tickets, load_seconds);
  for (int64_t n = 0; n < 4; ++n) {
    tv1::ListTicketsRequest req;
    req.set_query(QueryOf(n));
    req.set_page_size(20);
    tv1::ListTicketsResponse resp;
    const auto start = crm::bench::Clock::now();
    grpc::Status s = stub->ListTickets(Ctx(*agent).get(), req, &resp);
    std::printf("  search \"%s\": %d found in %.1f ms %s\n", req.query().c_str(),
                resp.tickets_size(),
                std::chrono::duration<double, std::milli>(crm::bench::Clock::now() - start).count(),
                s.error_message().c_str());
  }
  const auto channels = crm::bench::Channels((*service)->target(), 2);
  std::vector<std::unique_ptr<tv1::TicketsService::Stub>> stubs;
  for (const auto& ch : channels) stubs.push_back(tv1::TicketsService::NewStub(ch));
  std::vector<double> p99s;
  for (int round = 1; round <= o.rounds; ++round) {
    const crm::bench::Result r = crm::bench::Drive(
        [&](int64_t n, grpc::CompletionQueue* cq) {
          auto* c = new ListCall();
          c->Authorize(*agent);
          tv1::ListTicketsRequest req;
          req.set_query(QueryOf(n));
          req.set_page_size(20);
          c->kind = static_cast<int>(n % 4);
          c->rpc =
              stubs[crm::bench::ThreadOf(n) % stubs.size()]->AsyncListTickets(&c->ctx, req, cq);
          c->rpc->Finish(&c->resp, &c->status, c);
          return c;
        },
        8, 2, o.seconds);
    std::printf(
        "ListTickets search round %d, 8 clients, an agent's scope (%d tickets): %7.0f requests/s"
        "   p50 %.2f ms   p99 %.2f ms   errors %lld %s\n",
        round, tickets, r.rps, r.p50_ms, r.p99_ms, static_cast<long long>(r.errors),
        r.first_error.c_str());
    std::printf(
        "  p99 by query: a problem %.2f ms, two characters %.2f ms, city and problem %.2f ms,"
        " no match %.2f ms\n",
        r.p99_ms_by_kind.count(0) ? r.p99_ms_by_kind.at(0) : 0,
        r.p99_ms_by_kind.count(1) ? r.p99_ms_by_kind.at(1) : 0,
        r.p99_ms_by_kind.count(2) ? r.p99_ms_by_kind.at(2) : 0,
        r.p99_ms_by_kind.count(3) ? r.p99_ms_by_kind.at(3) : 0);
    p99s.push_back(r.errors == 0 ? r.p99_ms : 1e9);
  }
  std::printf("ListTickets search, median of %d rounds: p99 at 8 clients %.2f ms (target <= 20)\n",
              o.rounds, crm::bench::Median(p99s));
  // 2. The whole path of a ticket.
  o.steps = {"CreateTicket", "AssignTicket", "HandleTicket", "RecordFeedback"};
  crm::bench::RunFlows(dbs.pgbench->AdminConninfo(), o,
                       [&](int64_t n, std::vector<double>* step_ms) {
                         return Flow(*stub, *manager, *rep, rep_id, customer_ids, n, step_ms);
                       });

  std::printf("crm-service peak RSS: %.0f MiB; crm-customers: %.0f MiB\n",
              crm::bench::PeakRssMib((*service)->process().pid()),
              crm::bench::PeakRssMib((*customers)->process().pid()));
  return 0;
}
