// Tickets against PostgreSQL: every step and who may take it, the feedback loop, SLA due times
// with a fake clock, the overdue scan, scope, Chinese search, attachments, bad input.

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crm/customers/v1/events.pb.h"
#include "crm/service/v1/events.pb.h"
#include "gmock/gmock.h"
#include "libs/auth/scope.h"
#include "libs/checksum/sha256.h"
#include "libs/testing/principals.h"
#include "libs/testing/status_matchers.h"
#include "libs/validation/updates.h"
#include "services/service/tests/fixture.h"

namespace crm::tickets_service {
namespace {

using test::IsOk;
using test::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr auto kDenied = absl::StatusCode::kPermissionDenied;
constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
constexpr auto kPrecondition = absl::StatusCode::kFailedPrecondition;

class TicketsTest : public TicketsFixture {};

// The lines of `EXPLAIN (explain) EXECUTE` of the list or search statement of filter set `set`
// that List prepared on conn for p and f, run with the parameters List gives it.
std::vector<std::string> PlanOf(db::Conn& conn, const std::string& explain, int set,
                                const auth::Principal& p, const TicketFilter& f) {
  const std::string& q = f.query;
  const std::string name = absl::StrCat("service.", q.empty() ? "list" : "search", ".", set, ".",
                                        auth::DataScopeName(p.scope));
  const std::string plan = test::ExplainPrepared(
      conn, name,
      {"ffffffff-ffff-ffff-ffff-ffffffffffff", q, q.empty() ? "" : "%" + q + "%", "", "", "",
       f.customer_id, f.assignee_id, f.queue_department_id, "0", "0",
       f.open_only ? "true" : "false", "false", "1", auth::ScopeParam(p), "20", "false"},
      explain);
  return absl::StrSplit(plan, '\n', absl::SkipEmpty());
}

std::vector<Action> ActionsOf(const std::vector<HistoryEntry>& h) {
  std::vector<Action> out;
  for (const auto& e : h) out.push_back(e.action);
  return out;
}

TEST_F(TicketsTest, AComplaintGoesThroughTheFeedbackLoopToTheArchive) {
  const std::string sales = NewId(), service = NewId();
  auto rep = Rep(sales);
  auto manager = Manager({sales, service});
  auto agent = Agent(service);
  const CustomerFacts customer = CustomerOf(rep);

  Ticket t = Create(rep, customer);
  EXPECT_EQ(t.status, TicketStatus::kNew);
  EXPECT_THAT(t.number, ::testing::StartsWith("FW20261207-"));
  EXPECT_EQ(t.customer_owner_id, rep.user_id);
  EXPECT_EQ(t.queue_department_id, sales);
  EXPECT_EQ(t.summary, "发票金额有误");

  t = Assign(manager, t, agent);
  EXPECT_EQ(t.status, TicketStatus::kAssigned);
  EXPECT_EQ(t.assignee_id, agent.user_id);
  EXPECT_EQ(t.queue_department_id, service);

  now_ += absl::Minutes(30);
  t = Handle(agent, t);
  EXPECT_EQ(t.status, TicketStatus::kHandled);
  EXPECT_EQ(t.first_response_at, now_);

  // Satisfaction 2: back to the assignee, with the feedback attached.
  auto back = tickets_->Feedback(*conn_, rep, meta_, t.id, "", "客户仍不满意：金额未改", 2, "");
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->status, TicketStatus::kAssigned);
  EXPECT_EQ(back->assignee_id, agent.user_id);
  EXPECT_EQ(back->returns, 1);
  EXPECT_EQ(back->satisfaction, 2);
  EXPECT_EQ(back->feedback_result, "客户仍不满意：金额未改");

  now_ += absl::Minutes(30);
  t = Handle(agent, *back, "金额已更正，发票已寄出");
  EXPECT_EQ(t.first_response_at, now_ - absl::Minutes(30));  // the first response stays

  auto archived = tickets_->Feedback(*conn_, rep, meta_, t.id, "", "客户满意", 5, "");
  ASSERT_THAT(archived, IsOk());
  EXPECT_EQ(archived->status, TicketStatus::kArchived);
  EXPECT_EQ(archived->resolved_at, now_);
  EXPECT_EQ(archived->satisfaction, 5);

  // Archived is final.
  EXPECT_THAT(tickets_->Assign(*conn_, manager, meta_, {t.id, "", "", "", UserOf(agent)}),
              StatusIs(kPrecondition, HasSubstr("archived")));
  EXPECT_THAT(tickets_->Handle(*conn_, agent, meta_, t.id, "", "再处理", ""),
              StatusIs(kPrecondition, HasSubstr("archived")));
  EXPECT_THAT(tickets_->Feedback(*conn_, rep, meta_, t.id, "", "再反馈", 1, ""),
              StatusIs(kPrecondition, HasSubstr("archived")));

  auto history = tickets_->History(*conn_, rep, t.id);
  ASSERT_THAT(history, IsOk());
  EXPECT_THAT(ActionsOf(*history),
              ElementsAre(Action::kCreated, Action::kAssigned, Action::kHandled, Action::kReturned,
                          Action::kHandled, Action::kArchived));
  EXPECT_EQ((*history)[3].satisfaction, 2);
  EXPECT_EQ((*history)[3].from, TicketStatus::kHandled);
  EXPECT_EQ((*history)[3].to, TicketStatus::kAssigned);
  EXPECT_EQ((*history)[1].assignee_id, agent.user_id);
  EXPECT_EQ((*history)[4].text, "金额已更正，发票已寄出");

  EXPECT_THAT(
      EventsSinceStart(t.id),
      ElementsAre("service.ticket.created", "service.ticket.assigned", "service.ticket.handled",
                  "service.ticket.returned", "service.ticket.handled", "service.ticket.archived"));
  EXPECT_THAT(EventsSinceStart(customer.id), ElementsAre("service.customer.satisfaction_changed",
                                                         "service.customer.satisfaction_changed"));
}

TEST_F(TicketsTest, TheCustomersSatisfactionIsTheMeanOfItsTicketsLatestFeedback) {
  const std::string dept = NewId();
  auto rep = Rep(dept);
  auto manager = Manager({dept});
  const CustomerFacts customer = CustomerOf(rep);
  for (int satisfaction : {2, 5}) {
    Ticket t = Handle(rep, Assign(manager, Create(rep, customer), rep));
    ASSERT_THAT(tickets_->Feedback(*conn_, rep, meta_, t.id, "", "反馈", satisfaction, ""), IsOk());
  }
  // Latest of each: 2 and 5 → 3.5 → 4.
  auto r = conn_->Read([&](db::Tx& tx) -> absl::StatusOr<std::string> {
    pqxx::result rows = tx.exec_params(
        "SELECT payload FROM service.outbox WHERE aggregate_id = $1 ORDER BY xid DESC, seq DESC"
        " LIMIT 1",
        customer.id);
    return pqxx::binarystring(rows[0][0]).str();
  });
  ASSERT_THAT(r, IsOk());
  v1::CustomerSatisfactionChanged e;
  ASSERT_TRUE(e.ParseFromString(*r));
  EXPECT_EQ(e.satisfaction(), 4);
  EXPECT_EQ(e.rated_tickets(), 2);
}

TEST_F(TicketsTest, EachStepIsTakenOnlyByWhomItBelongsTo) {
  const std::string dept = NewId(), other = NewId();
  auto rep = Rep(dept);
  auto colleague = Rep(dept);
  auto manager = Manager({dept});
  auto agent = Agent(dept);
  auto stranger_agent = Agent(other);
  Ticket t = Create(rep, CustomerOf(rep));

  // Assigning needs service.tickets.assign, and an assignee in the assigner's departments.
  EXPECT_THAT(tickets_->Assign(*conn_, rep, meta_, {t.id, "", "", "", UserOf(agent)}),
              StatusIs(kDenied));
  EXPECT_THAT(tickets_->Assign(*conn_, manager, meta_, {t.id, "", "", "", UserOf(stranger_agent)}),
              StatusIs(kDenied, HasSubstr("departments")));
  service::DirectoryUser inactive = UserOf(agent);
  inactive.active = false;
  EXPECT_THAT(tickets_->Assign(*conn_, manager, meta_, {t.id, "", "", "", inactive}),
              StatusIs(kInvalid, HasSubstr("assignee_id")));
  // A new ticket is not handled; feedback needs a handled one.
  EXPECT_THAT(tickets_->Handle(*conn_, agent, meta_, t.id, "", "处理", ""),
              StatusIs(kPrecondition, HasSubstr("is new")));
  t = Assign(manager, t, agent);
  EXPECT_THAT(tickets_->Feedback(*conn_, rep, meta_, t.id, "", "好", 4, ""),
              StatusIs(kPrecondition, HasSubstr("is assigned")));
  // Only the assignee handles.
  EXPECT_THAT(tickets_->Handle(*conn_, stranger_agent, meta_, t.id, "", "处理", ""),
              StatusIs(kDenied, HasSubstr("assignee")));
  t = Handle(agent, t);
  // Feedback: the creator or the customer's account manager, not the assignee or a colleague.
  EXPECT_THAT(tickets_->Feedback(*conn_, agent, meta_, t.id, "", "好", 4, ""),
              StatusIs(kDenied, HasSubstr("creator")));
  EXPECT_THAT(tickets_->Feedback(*conn_, colleague, meta_, t.id, "", "好", 4, ""),
              StatusIs(kDenied));
  // A stale etag.
  EXPECT_THAT(tickets_->Feedback(*conn_, rep, meta_, t.id, validation::Etag(1), "好", 4, ""),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(tickets_->Feedback(*conn_, rep, meta_, t.id, "", "好", 4, ""), IsOk());
}

TEST_F(TicketsTest, DueTimesComeFromThePolicyOfThePriorityAndTheCustomersLevel) {
  auto rep = Rep(NewId());
  struct Case {
    Priority priority;
    std::string level;
    int response, resolution;
  } cases[] = {{Priority::kNormal, "ordinary", 480, 4320},
               {Priority::kNormal, "major", 240, 2160},
               {Priority::kUrgent, "strategic_partner", 30, 240},
               {Priority::kUrgent, "", 60, 480},
               {Priority::kLow, "unknown_level", 1440, 10080}};
  for (const Case& c : cases) {
    const CustomerFacts customer = CustomerOf(rep, c.level);
    Ticket t = Create(rep, customer, Complaint(customer, "咨询", c.priority));
    EXPECT_EQ(t.created_at, now_);
    EXPECT_EQ(t.first_response_due, now_ + absl::Minutes(c.response)) << c.level;
    EXPECT_EQ(t.resolution_due, now_ + absl::Minutes(c.resolution)) << c.level;
  }
  // Policies are data: a new one applies to tickets created after it.
  auto set = settings_.SetPolicy(*conn_, Admin(), {Priority::kHigh, "partner", 15, 90});
  ASSERT_THAT(set, IsOk());
  const CustomerFacts partner = CustomerOf(rep, "partner");
  Ticket t = Create(rep, partner, Complaint(partner, "紧急", Priority::kHigh));
  EXPECT_EQ(t.first_response_due, now_ + absl::Minutes(15));
  EXPECT_EQ(t.resolution_due, now_ + absl::Minutes(90));
  EXPECT_THAT(settings_.SetPolicy(*conn_, Admin(), {Priority::kHigh, "", 90, 15}),
              StatusIs(kInvalid, HasSubstr("policy.resolution_minutes")));
  EXPECT_THAT(settings_.SetPolicy(*conn_, rep, {Priority::kHigh, "", 15, 90}), StatusIs(kDenied));
}

TEST_F(TicketsTest, TheScanAnnouncesEachBreachOnce) {
  const std::string dept = NewId();
  auto rep = Rep(dept);
  auto manager = Manager({dept});
  const CustomerFacts customer = CustomerOf(rep);
  Ticket t = Create(rep, customer, Complaint(customer, "服务器宕机", Priority::kUrgent));
  ASSERT_THAT(tickets_->ScanBreaches(*conn_), IsOk());
  EXPECT_THAT(EventsSinceStart(t.id), ElementsAre("service.ticket.created"));
  EXPECT_FALSE(t.ResponseOverdue(now_));

  now_ += absl::Minutes(61);  // first response was due after 60 minutes
  ASSERT_THAT(tickets_->ScanBreaches(*conn_), IsOk());
  ASSERT_THAT(tickets_->ScanBreaches(*conn_), IsOk());
  EXPECT_THAT(EventsSinceStart(t.id),
              ElementsAre("service.ticket.created", "service.ticket.overdue"));
  t = *tickets_->Get(*conn_, rep, t.id);
  EXPECT_TRUE(t.ResponseOverdue(now_));
  EXPECT_FALSE(t.ResolutionOverdue(now_));
  // My overdue tickets.
  TicketFilter overdue;
  overdue.overdue_only = true;
  overdue.customer_id = customer.id;
  EXPECT_EQ(tickets_->List(*conn_, rep, overdue, 0, "")->items.size(), 1u);

  // Handled late: still overdue for its first response; the resolution breach comes once.
  t = Handle(rep, Assign(manager, t, rep));
  EXPECT_TRUE(t.ResponseOverdue(now_));
  now_ += absl::Hours(8);
  ASSERT_THAT(tickets_->ScanBreaches(*conn_), IsOk());
  ASSERT_THAT(tickets_->ScanBreaches(*conn_), IsOk());
  EXPECT_THAT(
      EventsSinceStart(t.id),
      ElementsAre("service.ticket.created", "service.ticket.overdue", "service.ticket.assigned",
                  "service.ticket.handled", "service.ticket.overdue"));
  t = *tickets_->Get(*conn_, rep, t.id);
  EXPECT_TRUE(t.ResolutionOverdue(now_));
}

TEST_F(TicketsTest, ADeadlineMetLateBeforeTheScanIsAnnouncedByTheStep) {
  const std::string dept = NewId();
  auto rep = Rep(dept);
  auto manager = Manager({dept});
  const CustomerFacts customer = CustomerOf(rep);
  Ticket t = Create(rep, customer, Complaint(customer, "打印机卡纸", Priority::kUrgent));
  t = Assign(manager, t, rep);
  now_ += absl::Minutes(61);  // past the first response's due time, the scan not yet run
  t = Handle(rep, t);
  ASSERT_THAT(tickets_->ScanBreaches(*conn_), IsOk());
  EXPECT_THAT(EventsSinceStart(t.id),
              ElementsAre("service.ticket.created", "service.ticket.assigned",
                          "service.ticket.handled", "service.ticket.overdue"));
}

TEST_F(TicketsTest, EachCallerSeesTheTicketsOfTheirScope) {
  const std::string sales = NewId(), service = NewId(), elsewhere = NewId();
  auto rep = Rep(sales);
  auto other_rep = Rep(elsewhere);
  auto manager = Manager({sales, service});
  auto other_manager = Manager({elsewhere});
  auto agent = Agent(service);
  const CustomerFacts mine = CustomerOf(rep);
  Ticket own = Create(rep, mine);
  // Created by an agent for the rep's customer, then assigned to the other rep.
  Ticket by_agent = Create(agent, mine, Complaint(mine, "建议增加报表"));

  EXPECT_THAT(tickets_->Get(*conn_, rep, own.id), IsOk());
  EXPECT_THAT(tickets_->Get(*conn_, rep, by_agent.id), IsOk());  // the rep's customer
  EXPECT_THAT(tickets_->Get(*conn_, other_rep, own.id), StatusIs(kDenied));
  EXPECT_THAT(tickets_->Get(*conn_, other_manager, own.id), StatusIs(kDenied));
  EXPECT_THAT(tickets_->Get(*conn_, manager, by_agent.id), IsOk());
  EXPECT_THAT(tickets_->Get(*conn_, Executive(), own.id), IsOk());
  EXPECT_THAT(tickets_->Get(*conn_, agent, own.id), IsOk());
  EXPECT_THAT(tickets_->History(*conn_, other_rep, own.id), StatusIs(kDenied));

  // Assigned to the other rep: now theirs to see (and their manager's, through the queue).
  auto executive_assigner = test::NewPrincipal({"service.tickets.assign", "service.tickets.read"},
                                               auth::DataScope::kAll, NewId(), {"executive"});
  ASSERT_THAT(tickets_->Assign(*conn_, executive_assigner, meta_,
                               {by_agent.id, "", "", "", UserOf(other_rep)}),
              IsOk());
  EXPECT_THAT(tickets_->Get(*conn_, other_rep, by_agent.id), IsOk());
  EXPECT_THAT(tickets_->Get(*conn_, other_manager, by_agent.id), IsOk());

  TicketFilter f;
  f.customer_id = mine.id;
  EXPECT_EQ(tickets_->List(*conn_, rep, f, 0, "")->items.size(), 2u);
  EXPECT_EQ(tickets_->List(*conn_, other_rep, f, 0, "")->items.size(), 1u);
  EXPECT_EQ(tickets_->List(*conn_, other_manager, f, 0, "")->items.size(), 1u);
  EXPECT_EQ(tickets_->List(*conn_, Executive(), f, 0, "")->items.size(), 2u);
  f.assignee_id = other_rep.user_id;
  f.open_only = true;
  EXPECT_EQ(tickets_->List(*conn_, other_rep, f, 0, "")->items.size(), 1u);
}

TEST_F(TicketsTest, SearchFindsChineseTextInScopeNewestFirst) {
  auto rep = Rep(NewId());
  auto other = Rep(NewId());
  const CustomerFacts customer = CustomerOf(rep);
  const CustomerFacts theirs = CustomerOf(other);
  Ticket invoice = Create(rep, customer, Complaint(customer, "发票抬头错误"));
  Ticket delivery = Create(rep, customer, Complaint(customer, "到货延迟三天"));
  Ticket latest = Create(rep, customer, Complaint(customer, "再次要求开具增值税发票"));
  Create(other, theirs, Complaint(theirs, "发票丢失"));
  auto search = [&](const auth::Principal& p, const std::string& q) {
    TicketFilter f;
    f.query = q;
    f.customer_id = p.user_id == rep.user_id ? customer.id : "";
    std::vector<std::string> ids;
    auto page = tickets_->List(*conn_, p, f, 0, "");
    EXPECT_THAT(page, IsOk());
    if (page.ok()) {
      for (const auto& t : page->items) ids.push_back(t.id);
    }
    return ids;
  };
  EXPECT_THAT(search(rep, "发票"), ElementsAre(latest.id, invoice.id));
  EXPECT_THAT(search(rep, "增值税发票"), ElementsAre(latest.id));
  EXPECT_THAT(search(rep, "延"), ElementsAre(delivery.id));
  EXPECT_THAT(search(rep, "王经理"),
              ElementsAre(latest.id, delivery.id, invoice.id));  // request text
  EXPECT_THAT(search(rep, "发货"), ElementsAre());
  Ticket latin = Create(rep, customer, Complaint(customer, "CRM系统 Login 失败"));
  EXPECT_THAT(search(rep, "crm系统"), ElementsAre(latin.id));
  EXPECT_THAT(search(rep, "LOGIN"), ElementsAre(latin.id));
  EXPECT_THAT(search(rep, "100%"), ElementsAre());
  EXPECT_EQ(search(other, "发票").size(), 1u);  // their own only

  // Pages of one.
  TicketFilter f;
  f.query = "发票";
  f.customer_id = customer.id;
  auto first = tickets_->List(*conn_, rep, f, 1, "");
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->items.size(), 1u);
  auto second = tickets_->List(*conn_, rep, f, 1, first->next_page_token);
  ASSERT_THAT(second, IsOk());
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_EQ(second->items[0].id, invoice.id);
  f.query = "到货";
  EXPECT_THAT(tickets_->List(*conn_, rep, f, 1, first->next_page_token), StatusIs(kInvalid));
}

// A text search has three ways (the newest tickets read in turn; the gram index bucket by
// bucket over recent weeks; the gram index over older tickets). Over 6,000 tickets, 100 to a
// bucket over 60 buckets up to now, every page of each way equals a full scan with LIKE, in a
// rep's scope and company-wide.
TEST_F(TicketsTest, SearchPagesEqualAFullScanInEveryScope) {
  auto rep = Rep(NewId());
  auto agent = Agent(NewId());
  auto written = conn_->Transact([&](db::Tx& tx) -> absl::Status {
    tx.exec_params(
        "INSERT INTO service.tickets (id, number, type, customer_id, channel, priority,"
        " customer_owner_id, first_response_due, resolution_due, creator_id, created_at)"
        " SELECT (lpad(to_hex((extract(epoch FROM now()) * 1000)::int8"
        "   - (6000 - g) * 1342177::int8), 12, '0') || '7' || lpad(to_hex(g), 19, '0'))::uuid,"
        "   'FWDIFF-' || g, 'complaint', md5('customer' || g % 600)::uuid, 'phone', 'normal',"
        "   CASE WHEN g % 3 = 0 THEN $2::uuid ELSE $1::uuid END, now(), now(), $1::uuid, now()"
        " FROM generate_series(1, 6000) g",
        NewId(), rep.user_id);
    // Everywhere (one in ten: the newest tickets answer); thinly everywhere (one in 97); in
    // recent weeks but not the newest 1,000 tickets (one in 50: the recent buckets answer);
    // only in the oldest quarter (one in 7: the older buckets answer).
    tx.exec(
        "INSERT INTO service.ticket_texts (ticket_id, summary, request)"
        " SELECT t.id, concat_ws('，', CASE WHEN g % 10 = 0 THEN '常见问题甲' END,"
        "   CASE WHEN g % 97 = 0 THEN '稀有问题乙' END,"
        "   CASE WHEN g % 50 = 0 AND g <= 5000 THEN '近期问题丁' END,"
        "   CASE WHEN g % 7 = 0 AND g < 1500 THEN '旧的问题丙' END, '编号' || g), '客户来电'"
        " FROM service.tickets t, CAST(substr(t.number, 8) AS int) g WHERE t.number LIKE "
        "'FWDIFF-%'");
    tx.exec("ANALYZE service.tickets, service.ticket_texts");
    return absl::OkStatus();
  });
  ASSERT_THAT(written, IsOk());
  for (const auth::Principal& p : {rep, agent}) {
    for (const std::string q :
         {"常见问题甲", "稀有问题乙", "旧的问题丙", "编号", "编号2999", "没有的词"}) {
      SCOPED_TRACE(q + (p.user_id == rep.user_id ? " as the rep" : " company-wide"));
      auto expected = conn_->Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<std::string>> {
        std::vector<std::string> ids;
        for (const auto& r : tx.exec_params(
                 "SELECT t.id::text FROM service.tickets t"
                 " JOIN service.ticket_texts x ON x.ticket_id = t.id"
                 " WHERE x.summary || ' ' || x.request LIKE '%' || $1 || '%'"
                 " AND ($2 = '' OR $2::uuid IN (t.customer_owner_id, t.assignee_id, t.creator_id))"
                 " ORDER BY t.id DESC LIMIT 200",
                 q, p.user_id == rep.user_id ? rep.user_id : "")) {
          ids.push_back(r[0].as<std::string>());
        }
        return ids;
      });
      ASSERT_THAT(expected, IsOk());
      std::vector<std::string> found;
      TicketFilter f;
      f.query = q;
      std::string token;
      do {
        auto page = tickets_->List(*conn_, p, f, 20, token);
        ASSERT_THAT(page, IsOk());
        for (const auto& t : page->items) found.push_back(t.id);
        token = page->next_page_token;
      } while (!token.empty() && found.size() < 200);
      if (found.size() > 200) found.resize(200);
      EXPECT_EQ(found, *expected);
    }
  }
}

// The plans crm-service keeps (kSessionOptions: made once, for any values) of every list and
// search statement, in every scope and with each combination of the filters that have an index:
// each walks an index (no sequential scan), a search reads the gram index, and no plan ANDs a
// bitmap of every ticket below the cursor or merges a walk of every ticket with a few.
TEST_F(TicketsTest, KeptPlansOfListsAndSearchesUseTheirIndexes) {
  db::Conn conn(db::WithConnectOption(conninfo_, "options",
                                      absl::StrCat(kSessionOptions, " -c enable_seqscan=off")));
  const std::string dept = NewId();
  const auth::Principal rep = Rep(dept), manager = Manager({dept}), agent = Agent(dept);
  for (int set = 0; set < 16; ++set) {
    for (const auth::Principal* p : {&rep, &manager, &agent}) {
      for (const std::string q : {"", "发票"}) {
        SCOPED_TRACE(absl::StrCat(q.empty() ? "list" : "search", " ", set, " ",
                                  auth::DataScopeName(p->scope)));
        TicketFilter f;
        f.query = q;
        if (set & 1) f.customer_id = NewId();
        if (set & 2) f.assignee_id = NewId();
        if (set & 4) f.queue_department_id = dept;
        if (set & 8) f.open_only = true;
        ASSERT_THAT(tickets_->List(conn, *p, f, 20, ""), IsOk());  // prepares the statement
        const std::string plan = absl::StrJoin(PlanOf(conn, "COSTS OFF", set, *p, f), "\n");
        ASSERT_FALSE(plan.empty());
        EXPECT_THAT(plan, Not(HasSubstr("Seq Scan")));
        EXPECT_THAT(plan, Not(HasSubstr("BitmapAnd")));
        EXPECT_THAT(plan, Not(HasSubstr("Merge Join")));  // a walk of every ticket to a few
        if (!q.empty()) {
          // The recent way reads one bucket at a time through the gram index.
          EXPECT_THAT(plan, HasSubstr("Index Cond: ((bucket = b.bucket) AND"));
        }
        if (p == &agent) {  // no scope index to walk instead
          if ((set & 7) == 1) EXPECT_THAT(plan, HasSubstr("tickets_customer"));
          if ((set & 7) == 2) EXPECT_THAT(plan, HasSubstr("tickets_assignee"));
          if ((set & 7) == 4) EXPECT_THAT(plan, HasSubstr("tickets_queue"));
        }
      }
    }
  }
}

// A search in a scope of fewer than 1,000 tickets is answered by reading them: the gram index,
// whose matches of a common query would be every ticket's, is never read.
TEST_F(TicketsTest, ASearchInASmallScopeReadsOnlyItsOwnTickets) {
  auto rep = Rep(NewId());
  const CustomerFacts customer = CustomerOf(rep);
  Ticket invoice = Create(rep, customer, Complaint(customer, "发票抬头错误"));
  TicketFilter f;
  f.query = "发票";
  auto page = tickets_->List(*conn_, rep, f, 20, "");  // prepares the statement
  ASSERT_THAT(page, IsOk());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].id, invoice.id);
  int gram_scans = 0;
  for (const std::string& line : PlanOf(*conn_, "ANALYZE, COSTS OFF, TIMING OFF", 0, rep, f)) {
    if (!absl::StrContains(line, "ticket_texts_grams")) continue;
    ++gram_scans;
    EXPECT_THAT(line, HasSubstr("never executed"));
  }
  EXPECT_GT(gram_scans, 0);
}

TEST_F(TicketsTest, BadInputIsRefusedWithTheFieldAndWritesNothing) {
  const std::string dept = NewId();
  auto rep = Rep(dept);
  auto manager = Manager({dept});
  const CustomerFacts customer = CustomerOf(rep);
  const int64_t before = Count("tickets");
  Ticket t = Complaint(customer);
  t.summary = "  ";
  EXPECT_THAT(tickets_->Create(*conn_, rep, meta_, "", t, customer, ""),
              StatusIs(kInvalid, HasSubstr("ticket.summary")));
  t = Complaint(customer);
  t.type = "praise";
  EXPECT_THAT(tickets_->Create(*conn_, rep, meta_, "", t, customer, ""),
              StatusIs(kInvalid, HasSubstr("ticket.type")));
  t = Complaint(customer);
  t.customer_id = "not-a-uuid";
  EXPECT_THAT(tickets_->Create(*conn_, rep, meta_, "", t, customer, ""),
              StatusIs(kInvalid, HasSubstr("ticket.customer_id")));
  t = Complaint(customer);
  t.request = std::string(4001, 'x');
  EXPECT_THAT(tickets_->Create(*conn_, rep, meta_, "", t, customer, ""),
              StatusIs(kInvalid, HasSubstr("ticket.request")));
  t = Complaint(customer);
  t.contact_id = NewId();
  EXPECT_THAT(tickets_->Create(*conn_, rep, meta_, "", t, customer, NewId()),
              StatusIs(kInvalid, HasSubstr("ticket.contact_id")));
  EXPECT_THAT(tickets_->Create(*conn_, Executive(), meta_, "", Complaint(customer), customer, ""),
              StatusIs(kDenied));
  EXPECT_EQ(Count("tickets"), before);

  Ticket handled = Handle(rep, Assign(manager, Create(rep, customer), rep));
  const int64_t history = Count("ticket_history");
  for (int s : {0, 6, -1}) {
    EXPECT_THAT(tickets_->Feedback(*conn_, rep, meta_, handled.id, "", "好", s, ""),
                StatusIs(kInvalid, HasSubstr("satisfaction")));
  }
  EXPECT_THAT(tickets_->Feedback(*conn_, rep, meta_, handled.id, "", "", 4, ""),
              StatusIs(kInvalid, HasSubstr("result")));
  EXPECT_THAT(tickets_->Handle(*conn_, rep, meta_, handled.id, "", "", ""),
              StatusIs(kInvalid, HasSubstr("handling")));
  TicketFilter f;
  f.query = std::string(51, 'a');
  EXPECT_THAT(tickets_->List(*conn_, rep, f, 0, ""), StatusIs(kInvalid, HasSubstr("query")));
  EXPECT_EQ(Count("ticket_history"), history);
  EXPECT_EQ(tickets_->Get(*conn_, rep, handled.id)->status, TicketStatus::kHandled);
}

TEST_F(TicketsTest, ARetriedStepWithItsRequestIdIsNotTakenTwice) {
  const std::string dept = NewId();
  auto rep = Rep(dept);
  auto manager = Manager({dept});
  const CustomerFacts customer = CustomerOf(rep);
  auto created =
      tickets_->Create(*conn_, rep, meta_, "create-1", Complaint(customer), customer, "");
  ASSERT_THAT(created, IsOk());
  auto again = tickets_->Create(*conn_, rep, meta_, "create-1", Complaint(customer), customer, "");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->id, created->id);

  Ticket t = Handle(rep, Assign(manager, *created, rep));
  auto back = tickets_->Feedback(*conn_, rep, meta_, t.id, "", "不满意", 1, "fb-1");
  ASSERT_THAT(back, IsOk());
  auto retried = tickets_->Feedback(*conn_, rep, meta_, t.id, "", "不满意", 1, "fb-1");
  ASSERT_THAT(retried, IsOk());
  EXPECT_EQ(retried->returns, 1);
  EXPECT_EQ(retried->version, back->version);
  EXPECT_EQ(tickets_->History(*conn_, rep, t.id)->size(), 4u);
}

TEST_F(TicketsTest, TicketsFollowTheirCustomersHandOversAndMerges) {
  const std::string dept = NewId();
  auto rep = Rep(dept);
  auto successor = Rep(NewId());
  auto manager = Manager({dept});
  const CustomerFacts customer = CustomerOf(rep);
  Ticket t = Handle(rep, Assign(manager, Create(rep, customer), rep));
  ASSERT_THAT(tickets_->Feedback(*conn_, rep, meta_, t.id, "", "满意", 4, ""), IsOk());

  customers::v1::CustomersHandedOver h;
  h.mutable_handover()->set_from_user_id(rep.user_id);
  h.mutable_handover()->set_to_user_id(successor.user_id);
  h.mutable_handover()->set_to_department_id(successor.department_id);
  h.mutable_handover()->add_customer_ids(customer.id);
  common::v1::Event e;
  e.set_type("customers.handover.completed");
  e.mutable_payload()->PackFrom(h);
  ASSERT_THAT(conn_->Transact([&](db::Tx& tx) { return tickets_->ApplyCustomerEvent(tx, e); }),
              IsOk());
  auto moved = tickets_->Get(*conn_, successor, t.id);
  ASSERT_THAT(moved, IsOk());
  EXPECT_EQ(moved->customer_owner_id, successor.user_id);
  EXPECT_EQ(moved->customer_owner_department_id, successor.department_id);

  const std::string survivor = NewId();
  customers::v1::CustomersMerged m;
  m.mutable_merge()->set_duplicate_id(customer.id);
  m.mutable_merge()->set_survivor_id(survivor);
  auto survivor_owner = Rep(NewId());
  m.mutable_survivor()->set_owner_id(survivor_owner.user_id);
  m.mutable_survivor()->set_owner_department_id(survivor_owner.department_id);
  e.set_type("customers.customer.merged");
  e.mutable_payload()->PackFrom(m);
  ASSERT_THAT(conn_->Transact([&](db::Tx& tx) { return tickets_->ApplyCustomerEvent(tx, e); }),
              IsOk());
  auto merged = tickets_->Get(*conn_, survivor_owner, t.id);
  ASSERT_THAT(merged, IsOk());
  EXPECT_EQ(merged->customer_id, survivor);
  EXPECT_EQ(merged->customer_owner_id, survivor_owner.user_id);
  EXPECT_EQ(merged->customer_owner_department_id, survivor_owner.department_id);
  EXPECT_THAT(EventsSinceStart(survivor), ElementsAre("service.customer.satisfaction_changed"));
}

TEST_F(TicketsTest, AttachmentsAreVerifiedAndArchivedTicketsTakeNone) {
  const std::string dept = NewId();
  auto rep = Rep(dept);
  auto manager = Manager({dept});
  auto outsider = Rep(NewId());
  const CustomerFacts customer = CustomerOf(rep);
  Ticket t = Create(rep, customer);
  const std::string content = "截图：发票抬头错误";
  Attachment a;
  a.ticket_id = t.id;
  a.file_name = "截图.png";
  a.content_type = "image/png";
  a.size_bytes = static_cast<int64_t>(content.size());
  a.sha256 = checksum::Sha256Hex(content);
  auto stored = attachments_->Store(*conn_, rep, meta_, "", a, content);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->file_name, "截图.png");
  auto listed = attachments_->List(*conn_, rep, t.id);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_THAT(attachments_->List(*conn_, outsider, t.id), StatusIs(kDenied));
  EXPECT_THAT(attachments_->Store(*conn_, outsider, meta_, "", a, content), StatusIs(kDenied));
  Attachment wrong = a;
  wrong.sha256 = checksum::Sha256Hex("other");
  EXPECT_THAT(attachments_->Store(*conn_, rep, meta_, "", wrong, content), StatusIs(kInvalid));

  t = Handle(rep, Assign(manager, t, rep));
  ASSERT_THAT(tickets_->Feedback(*conn_, rep, meta_, t.id, "", "满意", 3, ""), IsOk());
  EXPECT_THAT(attachments_->Store(*conn_, rep, meta_, "", a, content),
              StatusIs(kPrecondition, HasSubstr("archived")));
  EXPECT_EQ(Count("attachments"), 1);
}

TEST_F(TicketsTest, TicketTypesAreADictionary) {
  auto rep = Rep(NewId());
  auto types = settings_.Types(*conn_, rep, false);
  ASSERT_THAT(types, IsOk());
  ASSERT_GE(types->size(), 3u);
  EXPECT_EQ((*types)[0].name, "咨询");
  ASSERT_THAT(settings_.SetType(*conn_, Admin(), {"praise", "表扬", true, 4}), IsOk());
  const CustomerFacts customer = CustomerOf(rep);
  Ticket t = Complaint(customer);
  t.type = "praise";
  EXPECT_THAT(tickets_->Create(*conn_, rep, meta_, "", t, customer, ""), IsOk());
  ASSERT_THAT(settings_.SetType(*conn_, Admin(), {"praise", "表扬", false, 4}), IsOk());
  EXPECT_THAT(tickets_->Create(*conn_, rep, meta_, "", t, customer, ""),
              StatusIs(kInvalid, HasSubstr("ticket.type")));
  EXPECT_THAT(settings_.SetType(*conn_, Admin(), {"Bad Code", "x", true, 1}),
              StatusIs(kInvalid, HasSubstr("type.code")));
  EXPECT_THAT(settings_.SetType(*conn_, rep, {"x", "x", true, 1}), StatusIs(kDenied));
}

}  // namespace
}  // namespace crm::tickets_service
