// Differential tests of the reports: random facts (customers with their history, churn steps,
// contracts with lines, receivables, payments and reversals, deliveries, opportunities,
// tickets with feedback loops and breaches) are fed as the sources' events — interleaved
// across sources, some applied twice and some again after newer ones — and each report, for
// random periods, filters and callers, is compared with a straightforward computation over the
// facts themselves.

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crm/auth/v1/events.pb.h"
#include "crm/contracts/v1/events.pb.h"
#include "crm/customers/v1/events.pb.h"
#include "crm/payments/v1/events.pb.h"
#include "crm/pipeline/v1/events.pb.h"
#include "crm/service/v1/events.pb.h"
#include "gtest/gtest.h"
#include "libs/ids/uuid.h"
#include "libs/money/money.h"
#include "libs/proto_time/proto_time.h"
#include "libs/testing/pg.h"
#include "libs/testing/principals.h"
#include "libs/testing/status_matchers.h"
#include "services/analytics/src/convert.h"
#include "services/analytics/src/ingest.h"
#include "services/analytics/src/migrations.h"
#include "services/analytics/src/reports.h"

namespace crm::analytics {
namespace {

using absl::CivilDay;
using absl::Time;

absl::TimeZone Zone() {
  absl::TimeZone z;
  EXPECT_TRUE(absl::LoadTimeZone("Asia/Shanghai", &z));
  return z;
}

// --- the facts ----------------------------------------------------------------------------

struct LossStep {
  std::string id, kind, note;
};
struct CustomerState {
  Time at;
  std::string owner, dept, region, industry, level, source, status;
  int credit = 0, satisfaction = 0;
  bool deleted = false;
  std::optional<LossStep> loss;
};
struct CustomerFact {
  std::string id, name;
  Time created;
  std::vector<CustomerState> states;
  const CustomerState& last() const { return states.back(); }
};
struct LineFact {
  std::string product, name, line;
  int64_t quantity, amount;
};
struct ContractState {
  Time at;
  std::string owner, dept, status;
  std::optional<CivilDay> sign;
};
struct ContractFact {
  std::string id, customer, currency;
  std::vector<LineFact> lines;
  std::vector<ContractState> states;
  int64_t amount() const {
    int64_t a = 0;
    for (const auto& l : lines) a += l.amount;
    return a;
  }
  const ContractState& last() const { return states.back(); }
};
struct ReceivableState {
  Time at;
  std::string owner, dept, status;
};
struct ReceivableFact {
  std::string contract, customer, currency;
  CivilDay sign;
  std::vector<std::pair<CivilDay, int64_t>> installments;
  std::vector<ReceivableState> states;
};
struct PaymentFact {
  std::string id, contract;
  int64_t amount;
  Time at;
};
struct DeliveryFact {
  std::string id, contract;
  int position;
  int64_t quantity;
  Time created;
  std::optional<Time> accepted;
};
struct OpportunityState {
  Time at;
  std::string status, stage, assignee;
  std::optional<Time> closed;
};
struct OpportunityFact {
  std::string id, creator, customer;
  Time created;
  std::vector<OpportunityState> states;
};
struct TicketState {
  Time at;
  std::string type_event, status;
  std::optional<Time> responded, resolved;
  int satisfaction = 0;
};
struct TicketFact {
  std::string id, type, customer, owner, dept;
  Time created;
  std::vector<TicketState> states;
  std::vector<std::pair<Time, bool>> breaches;  // (at, first response?)
};

struct SourcedEvent {
  std::string source;
  common::v1::Event event;
};

// In the order of their commit times (a source's stream order).
void SortByTime(std::vector<SourcedEvent>& events) {
  std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
    const auto& x = a.event.occur_time();
    const auto& y = b.event.occur_time();
    return std::make_pair(x.seconds(), x.nanos()) < std::make_pair(y.seconds(), y.nanos());
  });
}

const std::vector<std::string> kStages = {"lead", "qualification", "proposal", "negotiation",
                                          "commitment"};

class World {
 public:
  explicit World(uint32_t seed) : rng_(seed) {}

  void Generate() {
    const Time t0 = absl::FromCivil(absl::CivilSecond(2024, 1, 1, 0, 0, 0), zone_);
    // Departments: d0 ⊃ d1 ⊃ d3, d0 ⊃ d2.
    for (int i = 0; i < 4; ++i) depts_.push_back(ids::NewUuidV7());
    parent_ = {{depts_[1], depts_[0]}, {depts_[2], depts_[0]}, {depts_[3], depts_[1]}};
    for (int i = 0; i < 8; ++i) {
      users_.push_back(ids::NewUuidV7());
      user_dept_[users_[i]] = depts_[Pick(4)];
    }
    for (int i = 0; i < 50; ++i) {
      CustomerFact c;
      c.id = ids::NewUuidV7();
      c.name = absl::StrCat("客户", i, "科技有限公司");
      c.created = t0 + Hours(Pick(3 * 365 * 24));
      CustomerState s;
      s.at = c.created;
      Reassign(s);
      s.region = Of({"north", "east", "south"});
      s.industry = Of({"it", "retail", "energy"});
      s.level = Of({"ordinary", "major", "key_prospect"});
      s.source = Of({"referral", "web"});
      s.status = "active";
      s.credit = 1 + Pick(3);
      s.satisfaction = Pick(6);
      c.states.push_back(s);
      for (int k = Pick(4); k > 0; --k) {
        s.at += Hours(1 + Pick(2000));
        switch (Pick(5)) {
          case 0:
            s.level = Of({"ordinary", "major", "key_prospect"});
            break;
          case 1:
            Reassign(s);
            break;
          case 2:
            s.region = Of({"north", "east", "south"});
            break;
          case 3: {
            const std::string kind = Of({"warned", "delayed", "confirmed", "recovered"});
            s.status = kind == "warned"      ? "loss_warning"
                       : kind == "delayed"   ? "loss_delayed"
                       : kind == "confirmed" ? "lost"
                                             : "active";
            s.loss = LossStep{ids::NewUuidV7(), kind, absl::StrCat("原因", Pick(3))};
            break;
          }
          default:
            s.satisfaction = Pick(6);
        }
        c.states.push_back(s);
        s.loss.reset();
      }
      if (Pick(12) == 0) {
        s.at += Hours(1 + Pick(500));
        s.deleted = true;
        c.states.push_back(s);
      }
      customers_.push_back(c);
    }
    for (int i = 0; i < 90; ++i) {
      ContractFact k;
      k.id = ids::NewUuidV7();
      k.customer = customers_[Pick(customers_.size())].id;
      k.currency = Pick(15) == 0 ? "USD" : "CNY";
      for (int n = 1 + Pick(3); n > 0; --n) {
        const int product = Pick(6);
        const int64_t quantity = 1 + Pick(5);
        k.lines.push_back({absl::StrCat("p", product), absl::StrCat("产品", product),
                           absl::StrCat("line", product % 3), quantity,
                           quantity * (1000 + Pick(100000))});
      }
      ContractState s;
      s.at = t0 + Hours(Pick(3 * 365 * 24));
      s.owner = users_[Pick(users_.size())];
      s.dept = user_dept_[s.owner];
      s.status = "draft";
      k.states.push_back(s);
      if (Pick(5) > 0) {
        s.at += Hours(1 + Pick(300));
        s.status = "signed";
        s.sign = absl::ToCivilDay(s.at, zone_);
        k.states.push_back(s);
        if (Pick(4) == 0) {
          s.at += Hours(1 + Pick(300));
          s.status = Pick(2) == 0 ? "terminated" : "completed";
          k.states.push_back(s);
        }
        if (Pick(5) == 0) {
          s.at += Hours(1 + Pick(300));
          s.owner = users_[Pick(users_.size())];
          s.dept = user_dept_[s.owner];
          k.states.push_back(s);
        }
        ReceivableFact r;
        r.contract = k.id;
        r.customer = k.customer;
        r.currency = k.currency;
        r.sign = *k.states[1].sign;
        int64_t left = k.amount();
        const int parts = 1 + Pick(3);
        for (int n = 0; n < parts; ++n) {
          const int64_t a = n + 1 == parts ? left : left / 2;
          left -= a;
          r.installments.push_back({*k.states[1].sign + 30 * (n + 1) + Pick(20), a});
        }
        ReceivableState rs{k.states[1].at, k.states[1].owner, k.states[1].dept, "open"};
        r.states.push_back(rs);
        int64_t paid = 0;
        Time at = rs.at;
        for (int n = Pick(4); n > 0; --n) {
          at += Hours(1 + Pick(2000));
          const int64_t a = 1 + Pick(static_cast<int>(k.amount() / 3));
          if (paid + a > k.amount()) break;
          paid += a;
          payments_.push_back({ids::NewUuidV7(), k.id, a, at});
          if (Pick(6) == 0) {
            at += Hours(1 + Pick(100));
            paid -= a;
            payments_.push_back({ids::NewUuidV7(), k.id, -a, at});
          }
        }
        // A third are paid in full, and settled.
        if (Pick(3) == 0 && paid < k.amount()) {
          at += Hours(1 + Pick(2000));
          payments_.push_back({ids::NewUuidV7(), k.id, k.amount() - paid, at});
          rs.at = at;
          rs.status = "settled";
          r.states.push_back(rs);
        }
        if (k.states.back().owner != rs.owner) {
          rs.at = std::max(at, k.states.back().at) + Hours(1);
          rs.owner = k.states.back().owner;
          rs.dept = k.states.back().dept;
          r.states.push_back(rs);
        }
        receivables_.push_back(r);
        for (size_t p = 0; p < k.lines.size(); ++p) {
          if (Pick(2) == 0) continue;
          DeliveryFact d{ids::NewUuidV7(),
                         k.id,
                         static_cast<int>(p + 1),
                         1 + Pick(static_cast<int>(k.lines[p].quantity)),
                         k.states[1].at + Hours(1 + Pick(500)),
                         std::nullopt};
          if (Pick(3) > 0) d.accepted = d.created + Hours(1 + Pick(500));
          deliveries_.push_back(d);
        }
      }
      contracts_.push_back(k);
    }
    for (int i = 0; i < 40; ++i) {
      OpportunityFact o;
      o.id = ids::NewUuidV7();
      o.creator = users_[Pick(users_.size())];
      if (Pick(4) > 0) o.customer = customers_[Pick(customers_.size())].id;
      o.created = t0 + Hours(Pick(3 * 365 * 24));
      OpportunityState s{o.created, "unassigned", "lead", "", std::nullopt};
      o.states.push_back(s);
      if (Pick(4) > 0) {
        s.at += Hours(1 + Pick(100));
        s.status = "assigned";
        s.assignee = users_[Pick(users_.size())];
        o.states.push_back(s);
        for (size_t st = 1; st < kStages.size() && Pick(3) > 0; ++st) {
          s.at += Hours(1 + Pick(300));
          s.status = "developing";
          s.stage = kStages[st];
          o.states.push_back(s);
        }
        if (Pick(2) == 0) {
          s.at += Hours(1 + Pick(300));
          s.status = Pick(2) == 0 ? "won" : "lost";
          s.closed = s.at;
          o.states.push_back(s);
        }
      }
      opportunities_.push_back(o);
    }
    for (int i = 0; i < 60; ++i) {
      TicketFact t;
      t.id = ids::NewUuidV7();
      const CustomerFact& c = customers_[Pick(customers_.size())];
      t.customer = c.id;
      t.owner = c.states[0].owner;
      t.dept = c.states[0].dept;
      t.type = Of({"consultation", "suggestion", "complaint"});
      t.created = t0 + Hours(Pick(3 * 365 * 24)) + absl::Minutes(Pick(60));
      TicketState s{t.created, "service.ticket.created", "new", {}, {}, 0};
      t.states.push_back(s);
      if (Pick(6) == 0) t.breaches.push_back({s.at + Hours(2), true});
      for (int loop = 0; loop < 3 && Pick(4) > 0; ++loop) {
        s.at += absl::Minutes(1 + Pick(3000));
        s.type_event = "service.ticket.assigned";
        s.status = "assigned";
        t.states.push_back(s);
        s.at += absl::Minutes(1 + Pick(3000));
        s.type_event = "service.ticket.handled";
        s.status = "handled";
        if (!s.responded) s.responded = s.at;
        t.states.push_back(s);
        s.at += absl::Minutes(1 + Pick(3000));
        s.satisfaction = 1 + Pick(5);
        if (s.satisfaction >= 3) {
          s.type_event = "service.ticket.archived";
          s.status = "archived";
          s.resolved = s.at;
          t.states.push_back(s);
          break;
        }
        s.type_event = "service.ticket.returned";
        s.status = "assigned";
        t.states.push_back(s);
      }
      if (Pick(5) == 0) t.breaches.push_back({s.at + absl::Minutes(5), false});
      tickets_.push_back(t);
    }
  }

  // Every fact as its source's events, in each source's order.
  std::vector<SourcedEvent> Events() const {
    std::vector<SourcedEvent> out;
    for (int i = 0; i < 4; ++i) {
      auth::v1::DepartmentChanged p;
      p.mutable_department()->set_id(depts_[i]);
      p.mutable_department()->set_name(absl::StrCat("部门", i));
      if (parent_.count(depts_[i])) p.mutable_department()->set_parent_id(parent_.at(depts_[i]));
      out.push_back(Make("auth", "auth.department.created", Start(), p));
    }
    for (size_t i = 0; i < users_.size(); ++i) {
      auth::v1::UserChanged p;
      p.mutable_user()->set_id(users_[i]);
      p.mutable_user()->set_display_name(absl::StrCat("用户", i));
      p.mutable_user()->set_department_id(user_dept_.at(users_[i]));
      out.push_back(Make("auth", "auth.user.created", Start(), p));
    }
    for (const auto& c : customers_) {
      for (size_t i = 0; i < c.states.size(); ++i) {
        const CustomerState& s = c.states[i];
        customers::v1::Customer pc;
        pc.set_id(c.id);
        pc.set_name(c.name);
        pc.set_owner_id(s.owner);
        pc.set_owner_department_id(s.dept);
        pc.set_region(s.region);
        pc.set_industry(s.industry);
        pc.set_level(s.level);
        pc.set_source(s.source);
        pc.set_credit(s.credit);
        pc.set_satisfaction(s.satisfaction);
        customers::v1::CustomerStatus status;
        customers::v1::CustomerStatus_Parse(absl::AsciiStrToUpper("customer_status_" + s.status),
                                            &status);
        pc.set_status(status);
        proto_time::SetTimestamp(c.created, pc.mutable_create_time());
        proto_time::SetTimestamp(s.at, pc.mutable_update_time());
        if (s.loss) {
          customers::v1::LossStatusChanged p;
          *p.mutable_customer() = pc;
          p.mutable_action()->set_id(s.loss->id);
          p.mutable_action()->set_customer_id(c.id);
          customers::v1::LossActionKind kind;
          customers::v1::LossActionKind_Parse(
              absl::AsciiStrToUpper("loss_action_kind_" + s.loss->kind), &kind);
          p.mutable_action()->set_kind(kind);
          p.mutable_action()->set_note(s.loss->note);
          proto_time::SetTimestamp(s.at, p.mutable_action()->mutable_create_time());
          out.push_back(Make("customers", "customers.loss." + s.loss->kind, s.at, p));
        } else {
          customers::v1::CustomerChanged p;
          *p.mutable_customer() = pc;
          const std::string type = s.deleted ? "customers.customer.deleted"
                                   : i == 0  ? "customers.customer.created"
                                             : "customers.customer.updated";
          out.push_back(Make("customers", type, s.at, p));
        }
      }
    }
    for (const auto& k : contracts_) {
      for (const auto& s : k.states) {
        contracts::v1::ContractChanged p;
        auto* c = p.mutable_contract();
        c->set_id(k.id);
        c->set_customer_id(k.customer);
        c->set_owner_id(s.owner);
        c->set_owner_department_id(s.dept);
        c->set_currency_code(k.currency);
        money::SetProto({k.amount(), k.currency}, c->mutable_amount());
        contracts::v1::ContractStatus status;
        contracts::v1::ContractStatus_Parse(absl::AsciiStrToUpper("contract_status_" + s.status),
                                            &status);
        c->set_status(status);
        proto_time::SetDate(s.sign, c->mutable_sign_date());
        proto_time::SetTimestamp(s.at, c->mutable_update_time());
        for (const auto& l : k.lines) {
          auto* pl = c->add_lines();
          pl->set_product_id(l.product);
          pl->set_product_name(l.name);
          pl->set_product_line_id(l.line);
          pl->set_quantity(l.quantity);
          money::SetProto({l.amount, k.currency}, pl->mutable_amount());
        }
        out.push_back(Make("contracts", "contracts.contract.updated", s.at, p));
      }
    }
    // Payments' events: receivables, payments and deliveries in time order.
    std::vector<SourcedEvent> payments;
    for (const auto& r : receivables_) {
      for (const auto& s : r.states) {
        payments::v1::ReceivableChanged p;
        Receivable(r, s, p.mutable_receivable());
        for (const auto& [due, amount] : r.installments) {
          auto* i = p.mutable_receivable()->add_installments();
          proto_time::SetDate(due, i->mutable_due_date());
          money::SetProto({amount, r.currency}, i->mutable_amount());
        }
        payments.push_back(Make("payments", "payments.receivable.created", s.at, p));
      }
    }
    for (const auto& pay : payments_) {
      const ReceivableFact& r = ReceivableOf(pay.contract);
      const ReceivableState* s = &r.states[0];
      for (const auto& st : r.states) {
        if (st.at <= pay.at) s = &st;
      }
      payments::v1::PaymentRecorded p;
      p.mutable_payment()->set_id(pay.id);
      p.mutable_payment()->set_contract_id(pay.contract);
      money::SetProto({pay.amount, r.currency}, p.mutable_payment()->mutable_amount());
      proto_time::SetTimestamp(pay.at, p.mutable_payment()->mutable_receive_time());
      Receivable(r, *s, p.mutable_receivable());
      payments.push_back(Make("payments", "payments.payment.recorded", pay.at, p));
    }
    for (const auto& d : deliveries_) {
      payments::v1::DeliveryChanged p;
      auto* pd = p.mutable_delivery();
      pd->set_id(d.id);
      pd->set_contract_id(d.contract);
      pd->set_line_position(d.position);
      pd->set_quantity(d.quantity);
      proto_time::SetTimestamp(d.created, pd->mutable_create_time());
      payments.push_back(Make("payments", "payments.delivery.created", d.created, p));
      if (d.accepted) {
        proto_time::SetTimestamp(*d.accepted, pd->mutable_accept_time());
        payments.push_back(Make("payments", "payments.delivery.accepted", *d.accepted, p));
      }
    }
    SortByTime(payments);
    out.insert(out.end(), payments.begin(), payments.end());
    for (const auto& o : opportunities_) {
      for (const auto& s : o.states) {
        pipeline::v1::OpportunityChanged p;
        auto* po = p.mutable_opportunity();
        po->set_id(o.id);
        po->set_creator_id(o.creator);
        po->set_customer_id(o.customer);
        po->set_assignee_id(s.assignee);
        po->set_stage(s.stage);
        pipeline::v1::OpportunityStatus status;
        pipeline::v1::OpportunityStatus_Parse(
            absl::AsciiStrToUpper("opportunity_status_" + s.status), &status);
        po->set_status(status);
        proto_time::SetTimestamp(o.created, po->mutable_create_time());
        if (s.closed) proto_time::SetTimestamp(*s.closed, po->mutable_close_time());
        proto_time::SetTimestamp(s.at, po->mutable_update_time());
        out.push_back(Make("pipeline", "pipeline.opportunity.updated", s.at, p));
      }
    }
    for (const auto& t : tickets_) {
      std::vector<SourcedEvent> events;
      for (const auto& s : t.states) {
        service::v1::TicketChanged p;
        Ticket(t, s, p.mutable_ticket());
        events.push_back(Make("service", s.type_event, s.at, p));
      }
      for (const auto& [at, first] : t.breaches) {
        service::v1::TicketOverdue p;
        const TicketState* s = &t.states[0];
        for (const auto& st : t.states) {
          if (st.at <= at) s = &st;
        }
        Ticket(t, *s, p.mutable_ticket());
        p.set_deadline(first ? service::v1::TicketOverdue::DEADLINE_FIRST_RESPONSE
                             : service::v1::TicketOverdue::DEADLINE_RESOLUTION);
        events.push_back(Make("service", "service.ticket.overdue", at, p));
      }
      SortByTime(events);
      out.insert(out.end(), events.begin(), events.end());
    }
    return out;
  }

  // The events interleaved across sources (each source's own order kept), with some applied
  // twice at once and some again after newer ones.
  std::vector<SourcedEvent> Shuffled() {
    std::map<std::string, std::vector<SourcedEvent>> by_source;
    for (auto& e : Events()) by_source[e.source].push_back(e);
    std::vector<SourcedEvent> out;
    std::map<std::string, size_t> next;
    for (;;) {
      std::vector<std::string> left;
      for (const auto& [s, list] : by_source) {
        if (next[s] < list.size()) left.push_back(s);
      }
      if (left.empty()) break;
      const std::string& s = left[Pick(left.size())];
      const auto& list = by_source[s];
      const size_t i = next[s]++;
      out.push_back(list[i]);
      if (Pick(10) == 0) out.push_back(list[i]);
      if (i >= 3 && Pick(10) == 0) out.push_back(list[i - 1 - Pick(3)]);
    }
    return out;
  }

  int Pick(size_t n) {
    return static_cast<int>(std::uniform_int_distribution<size_t>(0, n - 1)(rng_));
  }
  std::string Of(std::vector<std::string> options) { return options[Pick(options.size())]; }
  static absl::Duration Hours(int h) { return absl::Hours(h); }

  // Whether a record owned by (owner, dept) is in the caller's scope.
  bool Sees(const auth::Principal& p, const std::string& owner, const std::string& dept) const {
    switch (p.scope) {
      case auth::DataScope::kAll:
        return true;
      case auth::DataScope::kDepartment:
        return p.InDepartmentTree(dept);
      case auth::DataScope::kOwn:
        return owner == p.user_id;
      default:
        return false;
    }
  }
  // The department and those below it.
  std::set<std::string> Subtree(const std::string& root) const {
    std::set<std::string> out = {root};
    for (int pass = 0; pass < 3; ++pass) {
      for (const auto& [child, parent] : parent_) {
        if (out.count(parent)) out.insert(child);
      }
    }
    return out;
  }
  const CustomerFact* Customer(const std::string& id) const {
    for (const auto& c : customers_) {
      if (c.id == id) return &c;
    }
    return nullptr;
  }
  // The filters of r over a fact's customer (final attributes) and owner.
  bool Passes(const ReportFilter& f, const std::string& customer, const std::string& owner,
              const std::string& dept) const {
    const CustomerFact* c = Customer(customer);
    const CustomerState* s = c ? &c->last() : nullptr;
    if (!f.region.empty() && (!s || s->region != f.region)) return false;
    if (!f.industry.empty() && (!s || s->industry != f.industry)) return false;
    if (!f.level.empty() && (!s || s->level != f.level)) return false;
    if (!f.department_id.empty() && !Subtree(f.department_id).count(dept)) return false;
    if (!f.owner_id.empty() && owner != f.owner_id) return false;
    return true;
  }
  // The name a report shows for a key of `dimension` (users' and departments' names as their
  // events gave them, a product's name).
  std::string NameOf(const std::string& dimension, const std::string& key) const {
    for (size_t i = 0; i < users_.size(); ++i) {
      if (dimension == "owner" && users_[i] == key) return absl::StrCat("用户", i);
    }
    for (size_t i = 0; i < depts_.size(); ++i) {
      if (dimension == "department" && depts_[i] == key) return absl::StrCat("部门", i);
    }
    if (dimension == "product") return "产品" + key.substr(1);
    return "";
  }

  const ReceivableFact& ReceivableOf(const std::string& contract) const {
    for (const auto& r : receivables_) {
      if (r.contract == contract) return r;
    }
    static const ReceivableFact none;
    return none;
  }

  absl::TimeZone zone_ = Zone();
  std::mt19937 rng_;
  std::vector<std::string> depts_, users_;
  std::map<std::string, std::string> parent_, user_dept_;
  std::vector<CustomerFact> customers_;
  std::vector<ContractFact> contracts_;
  std::vector<ReceivableFact> receivables_;
  std::vector<PaymentFact> payments_;
  std::vector<DeliveryFact> deliveries_;
  std::vector<OpportunityFact> opportunities_;
  std::vector<TicketFact> tickets_;

 private:
  static Time Start() { return absl::FromUnixSeconds(1700000000); }

  void Reassign(CustomerState& s) {
    s.owner = users_[Pick(users_.size())];
    s.dept = user_dept_[s.owner];
  }

  static void Receivable(const ReceivableFact& r, const ReceivableState& s,
                         payments::v1::Receivable* out) {
    out->set_contract_id(r.contract);
    out->set_customer_id(r.customer);
    out->set_owner_id(s.owner);
    out->set_owner_department_id(s.dept);
    out->set_currency_code(r.currency);
    out->set_status(s.status == "settled" ? payments::v1::RECEIVABLE_STATUS_SETTLED
                                          : payments::v1::RECEIVABLE_STATUS_OPEN);
    proto_time::SetDate(r.sign, out->mutable_sign_date());
    proto_time::SetTimestamp(s.at, out->mutable_update_time());
  }

  static void Ticket(const TicketFact& t, const TicketState& s, service::v1::Ticket* out) {
    out->set_id(t.id);
    out->set_type(t.type);
    out->set_customer_id(t.customer);
    out->set_customer_owner_id(t.owner);
    out->set_customer_owner_department_id(t.dept);
    service::v1::TicketStatus status;
    service::v1::TicketStatus_Parse(absl::AsciiStrToUpper("ticket_status_" + s.status), &status);
    out->set_status(status);
    out->set_satisfaction(s.satisfaction);
    proto_time::SetTimestamp(t.created, out->mutable_create_time());
    if (s.responded) proto_time::SetTimestamp(*s.responded, out->mutable_first_response_time());
    if (s.resolved) proto_time::SetTimestamp(*s.resolved, out->mutable_resolve_time());
    proto_time::SetTimestamp(s.at, out->mutable_update_time());
  }

  template <typename Payload>
  static SourcedEvent Make(const std::string& source, const std::string& type, Time at,
                           const Payload& p) {
    SourcedEvent e{source, {}};
    e.event.set_id(ids::NewUuidV7());
    e.event.set_type(type);
    e.event.set_source(source);
    proto_time::SetTimestamp(at, e.event.mutable_occur_time());
    e.event.mutable_payload()->PackFrom(p);
    return e;
  }
};

// --- the test -----------------------------------------------------------------------------

// Rows compared by the running test (so that a test comparing empty reports fails).
int64_t compared_rows = 0;

class ReportsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto db = test::TestDatabase::Create("analytics");
    ASSERT_THAT(db, test::IsOk());
    db_ = *std::move(db);
    auto conninfo = db_->ProvisionAndMigrate("analytics", "crm_analytics", AllMigrations());
    ASSERT_THAT(conninfo, test::IsOk());
    conninfo_ = *conninfo;
  }
  static void TearDownTestSuite() { db_.reset(); }

  void SetUp() override {
    compared_rows = 0;
    conn_ = std::make_unique<db::Conn>(conninfo_);
    ASSERT_THAT(Ingest(absl::UTCTimeZone()).Reset(*conn_, ""), test::IsOk());
    ASSERT_THAT(conn_->Transact([](db::Tx& tx) -> absl::Status {
      tx.exec("TRUNCATE analytics.sales_targets");
      return absl::OkStatus();
    }),
                test::IsOk());
  }

  void TearDown() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    if (name.find("MatchesTheFacts") != std::string::npos) EXPECT_GE(compared_rows, 40);
  }

  // Applies the world's events as followers would: consecutive events of a source in
  // batches of random sizes (1 to 40), each in a transaction.
  void Feed(World& w) {
    const Ingest ingest(w.zone_);
    const std::vector<SourcedEvent> events = w.Shuffled();
    for (size_t i = 0; i < events.size();) {
      // One to three batches a transaction: a transaction may apply several sources' batches.
      std::vector<std::pair<std::string, Ingest::Batch>> batches(1 + w.Pick(3));
      for (auto& [source, batch] : batches) {
        if (i == events.size()) break;
        const size_t limit = 1 + w.Pick(40);
        source = events[i].source;
        for (; i < events.size() && events[i].source == source && batch.size() < limit; ++i) {
          batch.push_back(&events[i].event);
        }
      }
      ASSERT_THAT(conn_->Transact([&](db::Tx& tx) -> absl::Status {
        for (const auto& [source, batch] : batches) {
          if (absl::Status s = ingest.ApplyBatch(tx, source, batch); !s.ok()) return s;
        }
        return absl::OkStatus();
      }),
                  test::IsOk())
          << batches.front().second.front()->type();
    }
  }

  // Callers: an executive, a manager of d1 (with d3), and an account manager (own scope).
  std::vector<auth::Principal> Callers(const World& w) {
    auto exec = test::NewPrincipal({"analytics.reports.read"}, auth::DataScope::kAll, w.depts_[0],
                                   {"executive"});
    auto manager = test::NewPrincipal({"analytics.reports.read", "analytics.targets.write"},
                                      auth::DataScope::kDepartment, w.depts_[1], {"sales_manager"});
    manager.department_tree = {w.depts_[1], w.depts_[3]};
    auto rep = test::NewPrincipal({"analytics.reports.read"}, auth::DataScope::kOwn,
                                  w.user_dept_.at(w.users_[0]), {"account_manager"});
    rep.user_id = w.users_[0];
    return {exec, manager, rep};
  }

  ReportRequest RandomRequest(World& w, ReportKind kind) {
    ReportRequest r;
    r.kind = kind;
    const PeriodUnit unit =
        std::vector<PeriodUnit>{PeriodUnit::kMonth, PeriodUnit::kQuarter, PeriodUnit::kYear,
                                PeriodUnit::kYear, PeriodUnit::kWeek}[w.Pick(5)];
    r.period = PeriodOf(unit, CivilDay(2024, 1, 1) + w.Pick(3 * 365));
    switch (w.Pick(7)) {
      case 0:
        r.filter.region = w.Of({"north", "east", "south"});
        break;
      case 1:
        r.filter.level = w.Of({"ordinary", "major", "key_prospect"});
        break;
      case 2:
        r.filter.department_id = w.depts_[w.Pick(4)];
        break;
      case 3:
        r.filter.owner_id = w.users_[w.Pick(w.users_.size())];
        break;
      case 4:
        if (kind == ReportKind::kSalesPerformance || kind == ReportKind::kCustomerContribution) {
          r.filter.product_line_id = w.Of({"line0", "line1", "line2"});
        }
        break;
      default:
        break;
    }
    return r;
  }

  Table Run(const World& w, const auth::Principal& p, const ReportRequest& r) {
    Reports reports(w.zone_);
    auto t = reports.Run(*conn_, p, r, kToday);
    EXPECT_THAT(t, test::IsOk());
    return t.ok() ? *t : Table();
  }

  // Calls check(caller, request) for 12 random requests of `kind` for each caller.
  template <typename Check>
  void ForEachRequest(World& w, ReportKind kind, Check check) {
    for (int round = 0; round < 12; ++round) {
      for (const auto& p : Callers(w)) {
        ReportRequest r = RandomRequest(w, kind);
        check(p, r);
      }
    }
  }

  // The report's rows and totals are these.
  void ExpectReport(const World& w, const auth::Principal& p, const ReportRequest& r,
                    const std::vector<Row>& rows, const Row& totals);

  static constexpr CivilDay kToday = CivilDay(2026, 12, 6);
  static std::unique_ptr<test::TestDatabase> db_;
  static std::string conninfo_;
  std::unique_ptr<db::Conn> conn_;
};

std::unique_ptr<test::TestDatabase> ReportsTest::db_;
std::string ReportsTest::conninfo_;

std::string Describe(const ReportRequest& r, const auth::Principal& p) {
  return absl::StrCat("period ", absl::FormatCivilTime(r.period.start), "..",
                      absl::FormatCivilTime(r.period.end), " region=", r.filter.region,
                      " level=", r.filter.level, " dept=", r.filter.department_id,
                      " owner=", r.filter.owner_id, " line=", r.filter.product_line_id,
                      " dimension=", r.dimension, " caller=", p.roles.front());
}

// Cells equal, numbers within a relative 1e-9.
void ExpectRows(const std::vector<Row>& got, const std::vector<Row>& want,
                const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  compared_rows += static_cast<int64_t>(want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].size(), want[i].size()) << what;
    for (size_t k = 0; k < got[i].size(); ++k) {
      const auto* a = std::get_if<double>(&got[i][k]);
      const auto* b = std::get_if<double>(&want[i][k]);
      if (a && b) {
        EXPECT_NEAR(*a, *b, 1e-9 * std::max(1.0, std::abs(*b))) << what << " row " << i;
      } else {
        EXPECT_TRUE(got[i][k] == want[i][k]) << what << " row " << i << " column " << k;
      }
    }
  }
}

void ReportsTest::ExpectReport(const World& w, const auth::Principal& p, const ReportRequest& r,
                               const std::vector<Row>& rows, const Row& totals) {
  Table t = Run(w, p, r);
  ExpectRows(t.rows, rows, Describe(r, p));
  ExpectRows({t.totals}, {totals}, "totals " + Describe(r, p));
}

Cell Ratio(int64_t part, int64_t whole) {
  if (whole == 0) return std::monostate{};
  return static_cast<double>(part) / static_cast<double>(whole);
}

bool Signed(const ContractFact& k, const CivilDay* from, const CivilDay* to) {
  const auto& s = k.last();
  if (!s.sign || s.status == "terminated" || k.currency != "CNY") return false;
  return (!from || *s.sign >= *from) && (!to || *s.sign <= *to);
}

std::string DayOf(Time t, absl::TimeZone z) {
  return absl::FormatCivilTime(absl::ToCivilDay(t, z));
}

TEST_F(ReportsTest, CustomerContributionMatchesTheFacts) {
  World w(11);
  w.Generate();
  Feed(w);
  ForEachRequest(
      w, ReportKind::kCustomerContribution, [&](const auth::Principal& p, ReportRequest& r) {
        std::map<std::string, std::pair<int64_t, int64_t>> sums;
        for (const auto& k : w.contracts_) {
          const auto& s = k.last();
          if (!Signed(k, &r.period.start, &r.period.end) || !w.Sees(p, s.owner, s.dept) ||
              !w.Passes(r.filter, k.customer, s.owner, s.dept)) {
            continue;
          }
          for (const auto& l : k.lines) {
            if (r.filter.product_line_id.empty() || l.line == r.filter.product_line_id) {
              sums[k.customer].first += l.amount;
            }
          }
        }
        for (const auto& pay : w.payments_) {
          const ReceivableFact& rf = w.ReceivableOf(pay.contract);
          const auto& s = rf.states.back();
          const CivilDay day = absl::ToCivilDay(pay.at, w.zone_);
          if (rf.currency != "CNY" || day < r.period.start || day > r.period.end ||
              !w.Sees(p, s.owner, s.dept) || !w.Passes(r.filter, rf.customer, s.owner, s.dept)) {
            continue;
          }
          sums[rf.customer].second += pay.amount;
        }
        std::vector<std::tuple<int64_t, int64_t, std::string>> order;
        int64_t total = 0, received = 0;
        for (const auto& [id, v] : sums) {
          if (v.first == 0 && v.second == 0) continue;
          order.push_back({v.first, v.second, id});
          total += v.first;
          received += v.second;
        }
        std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
          if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a) > std::get<0>(b);
          if (std::get<1>(a) != std::get<1>(b)) return std::get<1>(a) > std::get<1>(b);
          return std::get<2>(a) < std::get<2>(b);
        });
        std::vector<Row> want;
        int64_t running = 0;
        for (const auto& [contracted, got, id] : order) {
          const int64_t before = running;
          running += contracted;
          const std::string cls = total > 0 && before * 100 < total * 80   ? "A"
                                  : total > 0 && before * 100 < total * 95 ? "B"
                                                                           : "C";
          want.push_back({static_cast<int64_t>(want.size() + 1), id, w.Customer(id)->name,
                          Money{contracted}, Money{got}, Ratio(contracted, total),
                          Ratio(running, total), cls});
        }
        ExpectReport(w, p, r, want,
                     {static_cast<int64_t>(want.size()), Money{total}, Money{received}});
      });
  // An executive's ranking over a year is read from customer_periods alone; a manager's from
  // the facts.
  const auto callers = Callers(w);
  ReportRequest r;
  r.kind = ReportKind::kCustomerContribution;
  r.period = PeriodOf(PeriodUnit::kYear, CivilDay(2025, 6, 1));
  const Table kept = Run(w, callers[0], r);
  ASSERT_FALSE(kept.rows.empty());
  ASSERT_FALSE(Run(w, callers[1], r).rows.empty());
  ASSERT_THAT(conn_->Transact([](db::Tx& tx) -> absl::Status {
    tx.exec("TRUNCATE analytics.contracts, analytics.contract_lines, analytics.payments");
    return absl::OkStatus();
  }),
              test::IsOk());
  ExpectRows(Run(w, callers[0], r).rows, kept.rows, "from the rollup");
  EXPECT_TRUE(Run(w, callers[1], r).rows.empty());
}

TEST_F(ReportsTest, CustomerCompositionMatchesTheFacts) {
  World w(12);
  w.Generate();
  Feed(w);
  const std::vector<std::string> dimensions = {"level", "region",     "credit", "satisfaction",
                                               "owner", "department", "status"};
  ForEachRequest(
      w, ReportKind::kCustomerComposition, [&](const auth::Principal& p, ReportRequest& r) {
        r.dimension = dimensions[w.Pick(dimensions.size())];
        const auto value = [&](const CustomerState& s) -> std::string {
          if (r.dimension == "level") return s.level;
          if (r.dimension == "region") return s.region;
          if (r.dimension == "credit") return absl::StrCat(s.credit);
          if (r.dimension == "satisfaction") return absl::StrCat(s.satisfaction);
          if (r.dimension == "owner") return s.owner;
          if (r.dimension == "department") return s.dept;
          return s.status;
        };
        const auto counts = [&](const CustomerState& s) {
          return !s.deleted && w.Sees(p, s.owner, s.dept) &&
                 (r.filter.region.empty() || s.region == r.filter.region) &&
                 (r.filter.level.empty() || s.level == r.filter.level) &&
                 (r.filter.department_id.empty() ||
                  w.Subtree(r.filter.department_id).count(s.dept)) &&
                 (r.filter.owner_id.empty() || s.owner == r.filter.owner_id);
        };
        std::map<std::string, std::array<int64_t, 3>> by;  // start, end, new
        const Time from = absl::FromCivil(r.period.start, w.zone_);
        const Time to = absl::FromCivil(r.period.end + 1, w.zone_);
        for (const auto& c : w.customers_) {
          const CustomerState* start = nullptr;
          const CustomerState* end = nullptr;
          for (const auto& s : c.states) {
            const CivilDay day = absl::ToCivilDay(s.at, w.zone_);
            if (day < r.period.start) start = &s;
            if (day <= r.period.end) end = &s;
          }
          if (start && counts(*start)) ++by[value(*start)][0];
          if (end && counts(*end)) ++by[value(*end)][1];
          if (c.created >= from && c.created < to && counts(c.last())) ++by[value(c.last())][2];
        }
        std::vector<std::tuple<int64_t, std::string, std::array<int64_t, 3>>> order;
        int64_t s0 = 0, s1 = 0, s2 = 0;
        for (const auto& [v, n] : by) {
          if (n[0] == 0 && n[1] == 0 && n[2] == 0) continue;
          order.push_back({n[1], v, n});
          s0 += n[0];
          s1 += n[1];
          s2 += n[2];
        }
        std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
          if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a) > std::get<0>(b);
          return std::get<1>(a) < std::get<1>(b);
        });
        std::vector<Row> want;
        for (const auto& [end, v, n] : order) {
          want.push_back(
              {v, w.NameOf(r.dimension, v), n[0], n[1], n[1] - n[0], n[2], Ratio(n[1], s1)});
        }
        ExpectReport(w, p, r, want, {s0, s1, s2});
      });
}

TEST_F(ReportsTest, ServiceCompositionMatchesTheFacts) {
  World w(13);
  w.Generate();
  Feed(w);
  ForEachRequest(
      w, ReportKind::kServiceComposition, [&](const auth::Principal& p, ReportRequest& r) {
        const bool by_day = r.period.unit == PeriodUnit::kWeek;
        const Time from = absl::FromCivil(r.period.start, w.zone_);
        const Time to = absl::FromCivil(r.period.end + 1, w.zone_);
        const auto bucket = [&](Time t) {
          const CivilDay d = absl::ToCivilDay(t, w.zone_);
          return by_day ? absl::FormatCivilTime(d) : absl::FormatCivilTime(absl::CivilMonth(d));
        };
        struct Acc {
          int64_t created = 0, archived = 0, rb = 0, sb = 0;
          std::array<int64_t, 6> s{};
          double response = 0, resolution = 0;
          int64_t nresponse = 0, nresolution = 0;
        };
        std::map<std::pair<std::string, std::string>, Acc> by;
        for (const auto& tk : w.tickets_) {
          if (!w.Sees(p, tk.owner, tk.dept) ||
              !w.Passes(r.filter, tk.customer, tk.owner, tk.dept)) {
            continue;
          }
          const TicketState& last = tk.states.back();
          if (tk.created >= from && tk.created < to) {
            Acc& a = by[{bucket(tk.created), tk.type}];
            ++a.created;
            if (last.responded) {
              a.response += absl::ToDoubleSeconds(*last.responded - tk.created);
              ++a.nresponse;
            }
            if (last.resolved) {
              a.resolution += absl::ToDoubleSeconds(*last.resolved - tk.created);
              ++a.nresolution;
            }
            for (const auto& [at, first] : tk.breaches) ++(first ? a.rb : a.sb);
          }
          if (last.resolved && *last.resolved >= from && *last.resolved < to) {
            ++by[{bucket(*last.resolved), tk.type}].archived;
          }
          for (const auto& s : tk.states) {
            if ((s.type_event == "service.ticket.returned" ||
                 s.type_event == "service.ticket.archived") &&
                s.at >= from && s.at < to) {
              ++by[{bucket(s.at), tk.type}].s[s.satisfaction];
            }
          }
        }
        std::vector<Row> want;
        std::vector<int64_t> sums(9, 0);
        for (const auto& [key, a] : by) {
          Row row = {key.first, key.second, a.created, a.archived};
          for (int s = 1; s <= 5; ++s) row.push_back(a.s[s]);
          row.push_back(a.nresponse ? Cell{a.response / a.nresponse} : Cell{});
          row.push_back(a.nresolution ? Cell{a.resolution / a.nresolution} : Cell{});
          row.push_back(a.rb);
          row.push_back(a.sb);
          want.push_back(row);
          const std::vector<int64_t> add = {a.created, a.archived, a.s[1], a.s[2], a.s[3],
                                            a.s[4],    a.s[5],     a.rb,   a.sb};
          for (size_t i = 0; i < add.size(); ++i) sums[i] += add[i];
        }
        ExpectReport(w, p, r, want, Row(sums.begin(), sums.end()));
      });
}

TEST_F(ReportsTest, CustomerChurnMatchesTheFacts) {
  World w(14);
  w.Generate();
  Feed(w);
  ForEachRequest(w, ReportKind::kCustomerChurn, [&](const auth::Principal& p, ReportRequest& r) {
    const Time from = absl::FromCivil(r.period.start, w.zone_);
    const Time to = absl::FromCivil(r.period.end + 1, w.zone_);
    struct Acc {
      const CustomerState* latest = nullptr;
      std::set<std::string> kinds;
    };
    std::map<std::string, Acc> by;
    for (const auto& c : w.customers_) {
      for (const auto& s : c.states) {
        if (!s.loss || s.at < from || s.at >= to || !w.Sees(p, s.owner, s.dept) ||
            !w.Passes(r.filter, c.id, s.owner, s.dept)) {
          continue;
        }
        Acc& a = by[c.id];
        a.latest = &s;
        a.kinds.insert(s.loss->kind);
      }
    }
    std::vector<std::tuple<int64_t, std::string, Row>> order;
    int64_t warned = 0, delayed = 0, lost = 0, recovered = 0, lost_value = 0;
    for (const auto& [id, a] : by) {
      int64_t value = 0;
      for (const auto& k : w.contracts_) {
        if (k.customer == id && Signed(k, nullptr, &r.period.end) &&
            w.Sees(p, k.last().owner, k.last().dept)) {
          value += k.amount();
        }
      }
      const auto flag = [&](const char* kind) -> int64_t { return a.kinds.count(kind) ? 1 : 0; };
      warned += flag("warned");
      delayed += flag("delayed");
      lost += flag("confirmed");
      recovered += flag("recovered");
      if (a.latest->loss->kind == "confirmed") lost_value += value;
      order.push_back({value,
                       id,
                       {id, w.Customer(id)->name, a.latest->loss->kind,
                        DayOf(a.latest->at, w.zone_), a.latest->loss->note, Money{value},
                        flag("warned"), flag("delayed"), flag("confirmed"), flag("recovered")}});
    }
    std::sort(order.begin(), order.end(), [](const auto& x, const auto& y) {
      if (std::get<0>(x) != std::get<0>(y)) return std::get<0>(x) > std::get<0>(y);
      return std::get<1>(x) < std::get<1>(y);
    });
    std::vector<Row> want;
    for (const auto& o : order) want.push_back(std::get<2>(o));
    ExpectReport(w, p, r, want, {warned, delayed, lost, recovered, Money{lost_value}});
  });
}

TEST_F(ReportsTest, SalesPerformanceMatchesTheFactsAndTargets) {
  World w(15);
  w.Generate();
  Feed(w);
  const std::vector<std::string> dimensions = {"owner", "department", "region", "product_line",
                                               "product"};
  Targets targets;
  auto boss = Callers(w)[0];
  boss.permissions = {"analytics.reports.read", "analytics.targets.write"};
  for (int i = 0; i < 40; ++i) {
    SalesTarget t;
    const bool user = w.Pick(2) == 0;
    t.subject = user ? TargetSubject::kUser : TargetSubject::kDepartment;
    t.subject_id = user ? w.users_[w.Pick(w.users_.size())] : w.depts_[w.Pick(4)];
    t.department_id = user ? w.user_dept_.at(t.subject_id) : t.subject_id;
    t.unit = std::vector<PeriodUnit>{PeriodUnit::kMonth, PeriodUnit::kQuarter,
                                     PeriodUnit::kYear}[w.Pick(3)];
    t.start = CivilDay(2024, 1, 1) + w.Pick(3 * 365);
    t.amount_minor = 1000000 + w.Pick(1000000);
    ASSERT_THAT(targets.Set(*conn_, boss, t), test::IsOk());
  }
  auto listed = targets.List(*conn_, boss, {});
  ASSERT_THAT(listed, test::IsOk());
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> target;
  for (const auto& t : *listed) {
    target[{t.subject_id, UnitName(t.unit), absl::FormatCivilTime(t.start)}] = t.amount_minor;
  }
  ForEachRequest(w, ReportKind::kSalesPerformance, [&](const auth::Principal& p, ReportRequest& r) {
    r.dimension = dimensions[w.Pick(dimensions.size())];
    const bool splits_payments =
        r.dimension == "owner" || r.dimension == "department" || r.dimension == "region";
    const auto key = [&](const ContractFact& k, const LineFact& l) -> std::string {
      if (r.dimension == "owner") return k.last().owner;
      if (r.dimension == "department") return k.last().dept;
      if (r.dimension == "region") return w.Customer(k.customer)->last().region;
      if (r.dimension == "product_line") return l.line;
      return l.product;
    };
    std::map<std::string, std::array<int64_t, 3>> by;
    std::set<std::string> keys;
    for (const auto& k : w.contracts_) {
      const auto& s = k.last();
      if (!Signed(k, nullptr, nullptr) || !w.Sees(p, s.owner, s.dept) ||
          !w.Passes(r.filter, k.customer, s.owner, s.dept)) {
        continue;
      }
      for (size_t i = 0; i < k.lines.size(); ++i) {
        const LineFact& l = k.lines[i];
        if (!r.filter.product_line_id.empty() && l.line != r.filter.product_line_id) continue;
        if (*s.sign >= r.period.start && *s.sign <= r.period.end) {
          by[key(k, l)][0] += l.amount;
          keys.insert(key(k, l));
        }
        for (const auto& d : w.deliveries_) {
          if (d.contract != k.id || d.position != static_cast<int>(i + 1) || !d.accepted) {
            continue;
          }
          const CivilDay day = absl::ToCivilDay(*d.accepted, w.zone_);
          if (day < r.period.start || day > r.period.end) continue;
          by[key(k, l)][1] += d.quantity * l.amount / l.quantity;
          keys.insert(key(k, l));
        }
      }
    }
    if (splits_payments) {
      for (const auto& pay : w.payments_) {
        const ReceivableFact& rf = w.ReceivableOf(pay.contract);
        const auto& s = rf.states.back();
        const CivilDay day = absl::ToCivilDay(pay.at, w.zone_);
        if (rf.currency != "CNY" || day < r.period.start || day > r.period.end ||
            !w.Sees(p, s.owner, s.dept) || !w.Passes(r.filter, rf.customer, s.owner, s.dept)) {
          continue;
        }
        const std::string k = r.dimension == "owner" ? s.owner
                              : r.dimension == "department"
                                  ? s.dept
                                  : w.Customer(rf.customer)->last().region;
        by[k][2] += pay.amount;
        keys.insert(k);
      }
    }
    std::vector<std::tuple<int64_t, std::string>> order;
    int64_t c = 0, d = 0, rc = 0;
    for (const auto& k : keys) {
      order.push_back({by[k][0], k});
      c += by[k][0];
      d += by[k][1];
      rc += by[k][2];
    }
    std::sort(order.begin(), order.end(), [](const auto& x, const auto& y) {
      if (std::get<0>(x) != std::get<0>(y)) return std::get<0>(x) > std::get<0>(y);
      return std::get<1>(x) < std::get<1>(y);
    });
    std::vector<Row> want;
    for (const auto& [amount, k] : order) {
      const std::string name = w.NameOf(r.dimension, k);
      Cell tgt, attainment;
      if (r.dimension == "owner" || r.dimension == "department") {
        auto it = target.find({k, UnitName(r.period.unit), absl::FormatCivilTime(r.period.start)});
        if (it != target.end()) {
          tgt = Money{it->second};
          attainment = Ratio(by[k][0], it->second);
        }
      }
      want.push_back({k, name, Money{by[k][0]}, Money{by[k][1]},
                      splits_payments ? Cell{Money{by[k][2]}} : Cell{}, tgt, attainment});
    }
    ExpectReport(w, p, r, want, {Money{c}, Money{d}, splits_payments ? Cell{Money{rc}} : Cell{}});
  });
}

TEST_F(ReportsTest, PipelineFunnelMatchesTheFacts) {
  World w(16);
  w.Generate();
  Feed(w);
  ForEachRequest(w, ReportKind::kPipelineFunnel, [&](const auth::Principal& p, ReportRequest& r) {
    const Time from = absl::FromCivil(r.period.start, w.zone_);
    const Time to = absl::FromCivil(r.period.end + 1, w.zone_);
    std::map<std::string, std::array<int64_t, 2>> by;
    int64_t created = 0, won = 0, lost = 0, nwon = 0;
    double days = 0;
    for (const auto& o : w.opportunities_) {
      const auto& s = o.states.back();
      const std::string owner = s.assignee.empty() ? o.creator : s.assignee;
      const std::string dept = w.user_dept_.at(owner);
      if (o.created < from || o.created >= to || !w.Sees(p, owner, dept) ||
          !w.Passes(r.filter, o.customer, owner, dept)) {
        continue;
      }
      ++created;
      std::set<std::string> reached;
      for (const auto& st : o.states) reached.insert(st.stage);
      for (const auto& st : reached) ++by[st][0];
      if (s.status != "won" && s.status != "lost") ++by[s.stage][1];
      if (s.status == "won") {
        ++won;
        ++nwon;
        days += absl::ToDoubleSeconds(*s.closed - o.created) / 86400;
      }
      if (s.status == "lost") ++lost;
    }
    const std::vector<std::string> names = {"初步接触", "需求确认", "方案报价", "商务谈判",
                                            "签约承诺"};
    std::vector<Row> want;
    std::optional<int64_t> previous;
    for (size_t i = 0; i < kStages.size(); ++i) {
      const auto n = by[kStages[i]];
      want.push_back(
          {kStages[i], names[i], n[0], n[1], previous ? Ratio(n[0], *previous) : Cell{}});
      previous = n[0];
    }
    ExpectReport(w, p, r, want,
                 {created, won, lost, Ratio(won, won + lost), Ratio(won, created),
                  nwon ? Cell{days / nwon} : Cell{}});
  });
}

TEST_F(ReportsTest, ReceivablesAgingMatchesTheFacts) {
  World w(17);
  w.Generate();
  Feed(w);
  ForEachRequest(w, ReportKind::kReceivablesAging, [&](const auth::Principal& p, ReportRequest& r) {
    r.dimension = w.Pick(2) == 0 ? "owner" : "department";
    const CivilDay as_of = std::min(r.period.end, kToday);
    std::map<std::string, std::array<int64_t, 6>> by;
    for (const auto& rf : w.receivables_) {
      const auto& s = rf.states.back();
      // Settled receivables owe nothing today; at an earlier day they may have.
      if (rf.currency != "CNY" || rf.sign > as_of || !w.Sees(p, s.owner, s.dept) ||
          !w.Passes(r.filter, rf.customer, s.owner, s.dept) ||
          (s.status == "settled" && as_of >= kToday)) {
        continue;
      }
      int64_t paid = 0;
      for (const auto& pay : w.payments_) {
        if (pay.contract == rf.contract && absl::ToCivilDay(pay.at, w.zone_) <= as_of) {
          paid += pay.amount;
        }
      }
      auto inst = rf.installments;
      std::stable_sort(inst.begin(), inst.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      int64_t upto = 0;
      const std::string k = r.dimension == "owner" ? s.owner : s.dept;
      for (const auto& [due, amount] : inst) {
        upto += amount;
        const int64_t open = std::min(amount, std::max<int64_t>(0, upto - paid));
        if (open <= 0) continue;
        const int64_t late = as_of - due;
        auto& a = by[k];
        a[late <= 0 ? 0 : late <= 30 ? 1 : late <= 60 ? 2 : late <= 90 ? 3 : 4] += open;
        a[5] += open;
      }
    }
    std::vector<std::tuple<int64_t, std::string>> order;
    for (const auto& [k, a] : by) order.push_back({a[5], k});
    std::sort(order.begin(), order.end(), [](const auto& x, const auto& y) {
      if (std::get<0>(x) != std::get<0>(y)) return std::get<0>(x) > std::get<0>(y);
      return std::get<1>(x) < std::get<1>(y);
    });
    std::vector<Row> want;
    std::array<int64_t, 6> sums{};
    for (const auto& [total, k] : order) {
      Row row = {k, w.NameOf(r.dimension, k)};
      for (int i = 0; i < 6; ++i) {
        row.push_back(Money{by[k][i]});
        sums[i] += by[k][i];
      }
      want.push_back(row);
    }
    Row totals;
    for (int64_t s : sums) totals.push_back(Money{s});
    ExpectReport(w, p, r, want, totals);
  });
}

TEST_F(ReportsTest, CustomerValueMatchesTheFacts) {
  World w(18);
  w.Generate();
  Feed(w);
  ForEachRequest(w, ReportKind::kCustomerValue, [&](const auth::Principal& p, ReportRequest& r) {
    const Time to = absl::FromCivil(r.period.end + 1, w.zone_);
    std::vector<std::tuple<int64_t, std::string, Row>> order;
    for (const auto& c : w.customers_) {
      const auto& s = c.last();
      if (s.deleted || c.created >= to || !w.Sees(p, s.owner, s.dept) ||
          !w.Passes(r.filter, c.id, s.owner, s.dept)) {
        continue;
      }
      std::optional<CivilDay> last;
      int64_t frequency = 0, monetary = 0, lifetime = 0;
      for (const auto& k : w.contracts_) {
        if (k.customer != c.id || !Signed(k, nullptr, &r.period.end) ||
            !w.Sees(p, k.last().owner, k.last().dept)) {
          continue;
        }
        const CivilDay day = *k.last().sign;
        last = last ? std::max(*last, day) : day;
        lifetime += k.amount();
        if (day >= r.period.start) {
          ++frequency;
          monetary += k.amount();
        }
      }
      order.push_back({lifetime,
                       c.id,
                       {c.id, c.name, last ? Cell{r.period.end - *last} : Cell{}, frequency,
                        Money{monetary}, Money{lifetime}}});
    }
    std::sort(order.begin(), order.end(), [](const auto& x, const auto& y) {
      if (std::get<0>(x) != std::get<0>(y)) return std::get<0>(x) > std::get<0>(y);
      return std::get<1>(x) < std::get<1>(y);
    });
    Table t = Run(w, p, r);
    std::vector<Row> got, want;
    for (const auto& row : t.rows) {
      // Without the scores and the segment, which are derived from these columns.
      got.push_back({row[0], row[1], row[2], row[3], row[4], row[9]});
    }
    for (const auto& o : order) want.push_back(std::get<2>(o));
    ExpectRows(got, want, Describe(r, p));
    int64_t potential = 0;
    for (const auto& row : t.rows) {
      const bool buyer = std::get<Money>(row[9]).minor > 0;
      EXPECT_EQ(std::get<std::string>(row[8]) == "潜在客户", !buyer);
      potential += buyer ? 0 : 1;
      if (buyer) {
        for (int k : {5, 6, 7}) {
          EXPECT_GE(std::get<int64_t>(row[k]), 1);
          EXPECT_LE(std::get<int64_t>(row[k]), 5);
        }
      }
    }
    EXPECT_EQ(std::get<int64_t>(t.totals[3]), potential);
  });
}

TEST_F(ReportsTest, TargetsStayWithinTheManagersDepartments) {
  World w(22);
  w.Generate();
  Targets targets;
  auto manager = Callers(w)[1];  // d1 with d3
  SalesTarget t;
  t.subject = TargetSubject::kDepartment;
  t.subject_id = w.depts_[3];
  t.unit = PeriodUnit::kMonth;
  t.start = CivilDay(2026, 12, 6);
  t.amount_minor = 5000000;
  auto stored = targets.Set(*conn_, manager, t);
  ASSERT_THAT(stored, test::IsOk());
  EXPECT_EQ(stored->start, CivilDay(2026, 12, 1));
  EXPECT_EQ(stored->department_id, w.depts_[3]);
  // Another department's target: refused whether or not it exists.
  SalesTarget other = t;
  other.subject_id = w.depts_[2];
  EXPECT_THAT(targets.Set(*conn_, manager, other).status(),
              test::StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(targets.Delete(*conn_, manager, other),
              test::StatusIs(absl::StatusCode::kPermissionDenied));
  auto listed = targets.List(*conn_, manager, {});
  ASSERT_THAT(listed, test::IsOk());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().amount_minor, 5000000);
  // Any day of the month names it.
  SalesTarget key = t;
  key.start = CivilDay(2026, 12, 31);
  EXPECT_THAT(targets.Delete(*conn_, manager, key), test::IsOk());
  EXPECT_THAT(targets.Delete(*conn_, manager, key), test::StatusIs(absl::StatusCode::kNotFound));
  t.amount_minor = -1;
  EXPECT_THAT(targets.Set(*conn_, manager, t).status(), test::HasFieldViolation("target.amount"));
}

TEST_F(ReportsTest, AUserTargetStaysInTheDepartmentItWasSetIn) {
  World w(23);
  w.Generate();
  Targets targets;
  auto manager = Callers(w)[1];  // d1 with d3
  auto other = test::NewPrincipal({"analytics.reports.read", "analytics.targets.write"},
                                  auth::DataScope::kDepartment, w.depts_[2], {"sales_manager"});
  other.department_tree = {w.depts_[2]};
  SalesTarget t;
  t.subject = TargetSubject::kUser;
  t.subject_id = w.users_[0];
  t.department_id = w.depts_[1];  // the user's department when the target is set
  t.unit = PeriodUnit::kMonth;
  t.start = CivilDay(2026, 5, 1);
  t.amount_minor = 3000000;
  ASSERT_THAT(targets.Set(*conn_, manager, t), test::IsOk());
  // The user has moved to d2: d2's manager neither replaces nor deletes d1's target, and does
  // not see it.
  SalesTarget moved = t;
  moved.department_id = w.depts_[2];
  moved.amount_minor = 1;
  EXPECT_THAT(targets.Set(*conn_, other, moved).status(),
              test::StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(targets.Delete(*conn_, other, moved), test::StatusIs(absl::StatusCode::kNotFound));
  auto seen = targets.List(*conn_, other, {});
  ASSERT_THAT(seen, test::IsOk());
  EXPECT_TRUE(seen->empty());
  auto kept = targets.List(*conn_, manager, {});
  ASSERT_THAT(kept, test::IsOk());
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ(kept->front().amount_minor, 3000000);
  EXPECT_THAT(targets.Delete(*conn_, manager, t), test::IsOk());
  // Filters a target cannot have are refused, each field named.
  TargetFilter bad;
  bad.unit = PeriodUnit::kWeek;
  bad.year = -3;
  bad.subject_id = "x";
  auto refused = targets.List(*conn_, manager, bad);
  EXPECT_THAT(refused.status(), test::HasFieldViolation("unit"));
  EXPECT_THAT(refused.status(), test::HasFieldViolation("year"));
  EXPECT_THAT(refused.status(), test::HasFieldViolation("subject_id"));
  t.subject_id = "x";
  EXPECT_THAT(targets.Set(*conn_, manager, t).status(),
              test::HasFieldViolation("target.subject_id"));
}

TEST_F(ReportsTest, RefusesWhatDoesNotApply) {
  World w(19);
  auto rep = test::NewPrincipal({"customers.read"}, auth::DataScope::kOwn, ids::NewUuidV7(),
                                {"account_manager"});
  ReportRequest r;
  r.kind = ReportKind::kCustomerChurn;
  r.period = PeriodOf(PeriodUnit::kYear, CivilDay(2026, 1, 1));
  Reports reports(w.zone_);
  EXPECT_THAT(reports.Run(*conn_, rep, r).status(),
              test::StatusIs(absl::StatusCode::kPermissionDenied));
  auto exec = test::NewPrincipal({"analytics.reports.read"}, auth::DataScope::kAll,
                                 ids::NewUuidV7(), {"executive"});
  r.filter.product_line_id = "line1";
  EXPECT_THAT(reports.Run(*conn_, exec, r).status(),
              test::HasFieldViolation("filter.product_line_id"));
  r.filter = {};
  r.dimension = "colour";
  EXPECT_THAT(reports.Run(*conn_, exec, r).status(), test::HasFieldViolation("dimension"));
  r.kind = ReportKind::kSalesPerformance;
  EXPECT_THAT(reports.Run(*conn_, exec, r).status(), test::HasFieldViolation("dimension"));
  r.dimension = "";
  r.filter.owner_id = "not-a-uuid";
  EXPECT_THAT(reports.Run(*conn_, exec, r).status(), test::HasFieldViolation("filter.owner_id"));
}

// Pages of a report, asked for one after the other, are its rows: computed in full and cut
// (value), or read a window at a time from a rollup (contribution, for an executive).
TEST_F(ReportsTest, PagesAndCsv) {
  World w(20);
  w.Generate();
  Feed(w);
  auto exec = Callers(w)[0];
  ReportRequest r;
  r.kind = ReportKind::kCustomerValue;
  r.period = PeriodOf(PeriodUnit::kYear, CivilDay(2026, 6, 1));
  Reports reports(w.zone_);
  auto all = reports.Run(*conn_, exec, r, kToday);
  ASSERT_THAT(all, test::IsOk());
  ASSERT_GT(all->rows.size(), 10u);
  for (ReportKind kind : {ReportKind::kCustomerValue, ReportKind::kCustomerContribution}) {
    ReportRequest k = r;
    k.kind = kind;
    auto whole = reports.Run(*conn_, exec, k, kToday);
    ASSERT_THAT(whole, test::IsOk());
    ASSERT_GT(whole->rows.size(), 10u);
    EXPECT_EQ(whole->total_rows, static_cast<int64_t>(whole->rows.size()));
    std::vector<Row> paged;
    std::string token;
    do {
      auto window = Reports::PageWindow(k, 7, token);
      ASSERT_THAT(window, test::IsOk());
      auto page = reports.Run(*conn_, exec, k, kToday, *window);
      ASSERT_THAT(page, test::IsOk());
      EXPECT_EQ(page->total_rows, whole->total_rows);
      EXPECT_LE(page->rows.size(), 7u);
      ExpectRows({page->totals}, {whole->totals}, "page totals");
      paged.insert(paged.end(), page->rows.begin(), page->rows.end());
      token = Reports::NextPageToken(k, *window, page->total_rows);
    } while (!token.empty());
    ExpectRows(paged, whole->rows, "pages");
  }
  // A token is bound to its report's period and filters.
  const std::string next = Reports::NextPageToken(r, *Reports::PageWindow(r, 7, ""), 100);
  ASSERT_FALSE(next.empty());
  ReportRequest other = r;
  other.filter.region = "north";
  EXPECT_THAT(Reports::PageWindow(other, 7, next).status(), test::HasFieldViolation("page_token"));
  EXPECT_THAT(Reports::PageWindow(r, -1, "").status(), test::HasFieldViolation("page_size"));

  const std::string csv = CsvHeader(*all) + CsvRows(*all, 0, all->rows.size());
  EXPECT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_NE(csv.find("客户名称"), std::string::npos);
  EXPECT_NE(csv.find("科技有限公司"), std::string::npos);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), static_cast<long>(all->rows.size() + 1));
}

// The rollups kept batch by batch, through events out of order, applied twice and customers
// changing region, equal the rollups computed from the facts at the end.
TEST_F(ReportsTest, RollupsKeptByTheIngestEqualOnesFromTheFacts) {
  World w(33);
  w.Generate();
  Feed(w);
  const auto rollups = [&]() {
    std::vector<std::string> rows;
    EXPECT_THAT(conn_->Transact([&](db::Tx& tx) -> absl::Status {
      for (const auto& row : tx.exec(
               "SELECT 'sales|' || concat_ws('|', unit, start_date, owner_id, department_id, "
               "region, industry,"
               " level, product_line_id, contracted, contracted_n, delivered, delivered_n,"
               " received, received_n) FROM analytics.sales_periods"
               " WHERE contracted_n <> 0 OR delivered_n <> 0 OR received_n <> 0"
               " UNION ALL SELECT 'customers|' || concat_ws('|', unit, start_date, customer_id,"
               " region, industry, level, contracted, received) FROM analytics.customer_periods"
               " WHERE contracted <> 0 OR received <> 0"
               " UNION ALL SELECT 'mix|' || concat_ws('|', month, owner_id, department_id, region,"
               " industry, level, credit, satisfaction, source, status, delta, created)"
               " FROM analytics.mix_months WHERE delta <> 0 OR created <> 0"
               " UNION ALL SELECT 'funnel|' || concat_ws('|', unit, start_date, owner_id, region,"
               " industry, level, stage, opportunities, won, lost, won_seconds, won_timed, reached,"
               " open) FROM analytics.funnel_periods"
               " WHERE opportunities <> 0 OR reached <> 0 OR open <> 0"
               " UNION ALL SELECT 'tickets|' || concat_ws('|', month, owner_id, department_id,"
               " region, industry, level, type, created, responded, response_seconds, resolved,"
               " resolution_seconds, response_breaches, resolution_breaches, archived, rated_1,"
               " rated_2, rated_3, rated_4, rated_5) FROM analytics.ticket_months"
               " WHERE created <> 0 OR archived <> 0"
               "   OR rated_1 + rated_2 + rated_3 + rated_4 + rated_5 <> 0"
               " ORDER BY 1")) {
        rows.push_back(row[0].as<std::string>());
      }
      return absl::OkStatus();
    }),
                test::IsOk());
    return rows;
  };
  const std::vector<std::string> kept = rollups();
  for (const char* rollup : {"customers|", "mix|", "sales|", "funnel|", "tickets|"}) {
    EXPECT_GE(std::count_if(kept.begin(), kept.end(),
                            [&](const std::string& r) { return absl::StartsWith(r, rollup); }),
              40)
        << rollup;
  }
  ASSERT_THAT(conn_->Transact([&](db::Tx& tx) -> absl::Status {
    Ingest(w.zone_).RebuildRollups(tx);
    return absl::OkStatus();
  }),
              test::IsOk());
  const std::vector<std::string> rebuilt = rollups();
  std::vector<std::string> only_kept, only_rebuilt;
  std::set_difference(kept.begin(), kept.end(), rebuilt.begin(), rebuilt.end(),
                      std::back_inserter(only_kept));
  std::set_difference(rebuilt.begin(), rebuilt.end(), kept.begin(), kept.end(),
                      std::back_inserter(only_rebuilt));
  EXPECT_THAT(only_kept, ::testing::IsEmpty());
  EXPECT_THAT(only_rebuilt, ::testing::IsEmpty());
}

TEST_F(ReportsTest, RebuildingASourceStartsItOver) {
  World w(21);
  w.Generate();
  Feed(w);
  auto exec = Callers(w)[0];
  ReportRequest r;
  r.kind = ReportKind::kCustomerContribution;
  r.period = PeriodOf(PeriodUnit::kYear, CivilDay(2025, 6, 1));
  const Table before = Run(w, exec, r);
  ASSERT_FALSE(before.rows.empty());
  const Ingest ingest(w.zone_);
  ASSERT_THAT(ingest.Reset(*conn_, "contracts"), test::IsOk());
  ASSERT_THAT(ingest.Reset(*conn_, "payments"), test::IsOk());
  EXPECT_TRUE(Run(w, exec, r).rows.empty());
  EXPECT_THAT(ingest.Reset(*conn_, "nope"), test::StatusIs(absl::StatusCode::kInvalidArgument));
  Feed(w);
  ExpectRows(Run(w, exec, r).rows, before.rows, "rebuilt");
}

}  // namespace
}  // namespace crm::analytics
