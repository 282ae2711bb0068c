#include "services/analytics/src/ingest.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crm/auth/v1/events.pb.h"
#include "crm/contracts/v1/events.pb.h"
#include "crm/customers/v1/events.pb.h"
#include "crm/payments/v1/events.pb.h"
#include "crm/pipeline/v1/events.pb.h"
#include "crm/service/v1/events.pb.h"
#include "libs/db/time_fields.h"

namespace crm::analytics {
namespace {

using db::Exec;
using db::Statement;
using OptText = std::optional<std::string>;

OptText Id(const std::string& id) { return db::NullIfEmpty(id); }

int64_t MicrosOf(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000000 + t.nanos() / 1000;
}
absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixMicros(MicrosOf(t));
}

// Minor units of a google.type.Money (two decimal places; more are cut).
int64_t MinorOf(const google::type::Money& m) { return m.units() * 100 + m.nanos() / 10000000; }

// The lower-case name of an enum value without its prefix: CUSTOMER_STATUS_LOSS_WARNING →
// "loss_warning".
template <typename Enum>
std::string CodeOf(Enum value, const std::string& (*name)(Enum), absl::string_view prefix) {
  std::string n = name(value);
  if (absl::StartsWith(n, prefix)) n = n.substr(prefix.size());
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  return n;
}

std::string DateText(const google::type::Date& d) {
  if (d.year() == 0) return "";
  return absl::FormatCivilTime(absl::CivilDay(d.year(), d.month(), d.day()));
}

template <typename Message>
absl::Status Unpack(const common::v1::Event& e, Message* m) {
  if (!e.payload().UnpackTo(m)) {
    return absl::InternalError(absl::StrCat("event ", e.id(), " (", e.type(), ") has no ",
                                            Message::descriptor()->full_name(), " payload"));
  }
  return absl::OkStatus();
}

// --- auth -------------------------------------------------------------------------------------

constexpr Statement kUpsertUser{
    "analytics.upsert_user",
    "INSERT INTO analytics.users AS u (id, display_name, department_id, version)"
    " VALUES ($1::uuid, $2, $3::uuid, " CRM_SQL_FROM_MICROS("$4") ")"
    " ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name,"
    " department_id = excluded.department_id, version = excluded.version"
    " WHERE u.version <= excluded.version"};

constexpr Statement kUpsertDepartment{
    "analytics.upsert_department",
    "INSERT INTO analytics.departments AS d (id, name, parent_id, version)"
    " VALUES ($1::uuid, $2, $3::uuid, " CRM_SQL_FROM_MICROS("$4") ")"
    " ON CONFLICT (id) DO UPDATE SET name = excluded.name, parent_id = excluded.parent_id,"
    " version = excluded.version WHERE d.version <= excluded.version"};

// --- customers --------------------------------------------------------------------------------

#define MIX_COLUMNS \
  "owner_id, department_id, region, industry, level, credit, satisfaction, source, status"
#define MIX_OF(t)                                                                       \
  "(" t ".owner_id, " t ".department_id, " t ".region, " t ".industry, " t ".level, " t \
  ".credit, " t ".satisfaction, " t ".source, " t ".status)"

// The customer as it is now, and the mix's -1 / +1 on the day of the change when its
// attributes (or its existence) changed. Nothing when the stored version is newer.
constexpr Statement kUpsertCustomer{
    "analytics.upsert_customer",
    "WITH old AS (SELECT * FROM analytics.customers WHERE id = $1::uuid),"
    " up AS (INSERT INTO analytics.customers AS c (id, name, " MIX_COLUMNS
    ", created_at, deleted, version)"
    "   VALUES ($1::uuid, $2, $3::uuid, $4::uuid, $5, $6, $7, $8::int, $9::int, $10, $11,"
    "   " CRM_SQL_FROM_MICROS("$12") ", $13::bool, " CRM_SQL_FROM_MICROS("$14") ")"
    "   ON CONFLICT (id) DO UPDATE SET name = excluded.name, owner_id = excluded.owner_id,"
    "   department_id = excluded.department_id, region = excluded.region,"
    "   industry = excluded.industry, level = excluded.level, credit = excluded.credit,"
    "   satisfaction = excluded.satisfaction, source = excluded.source,"
    "   status = excluded.status, created_at = excluded.created_at,"
    "   deleted = excluded.deleted, version = excluded.version"
    "   WHERE c.version <= excluded.version RETURNING c.*),"
    " minus AS (INSERT INTO analytics.customer_mix (day, " MIX_COLUMNS
    ", delta)"
    "   SELECT $15::date, o.owner_id, o.department_id, o.region, o.industry, o.level, o.credit,"
    "   o.satisfaction, o.source, o.status, -1 FROM old o, up u"
    "   WHERE NOT o.deleted AND (u.deleted OR " MIX_OF("o") " IS DISTINCT FROM " MIX_OF("u") "))"
    " INSERT INTO analytics.customer_mix (day, " MIX_COLUMNS
    ", delta)"
    " SELECT $15::date, u.owner_id, u.department_id, u.region, u.industry, u.level, u.credit,"
    " u.satisfaction, u.source, u.status, 1 FROM up u LEFT JOIN old o ON true"
    " WHERE NOT u.deleted AND (o.id IS NULL OR o.deleted OR " MIX_OF("o") " IS DISTINCT FROM "
    MIX_OF("u") ")"};

// A merged duplicate, gone from the mix.
constexpr Statement kDeleteCustomer{
    "analytics.delete_customer",
    "WITH up AS (UPDATE analytics.customers c SET deleted = true,"
    "   version = " CRM_SQL_FROM_MICROS("$2") " WHERE id = $1::uuid AND NOT deleted"
    "   AND version <= " CRM_SQL_FROM_MICROS("$2") " RETURNING c.*)"
    " INSERT INTO analytics.customer_mix (day, " MIX_COLUMNS
    ", delta)"
    " SELECT $3::date, " MIX_COLUMNS ", -1 FROM up"};

constexpr Statement kInsertLoss{
    "analytics.insert_loss",
    "INSERT INTO analytics.losses (id, customer_id, kind, note, owner_id, department_id, at)"
    " VALUES ($1::uuid, $2::uuid, $3, $4, $5::uuid, $6::uuid, " CRM_SQL_FROM_MICROS("$7") ")"
    " ON CONFLICT (id) DO NOTHING"};

// --- pipeline ---------------------------------------------------------------------------------

constexpr Statement kUpsertOpportunity{
    "analytics.upsert_opportunity",
    "WITH up AS (INSERT INTO analytics.opportunities AS o (id, status, stage, creator_id,"
    "   assignee_id, customer_id, created_at, closed_at, version)"
    "   VALUES ($1::uuid, $2, $3, $4::uuid, $5::uuid, $6::uuid, " CRM_SQL_FROM_MICROS("$7") ","
    "   " CRM_SQL_FROM_MICROS("$8") ", " CRM_SQL_FROM_MICROS("$9") ")"
    "   ON CONFLICT (id) DO UPDATE SET status = excluded.status, stage = excluded.stage,"
    "   creator_id = excluded.creator_id, assignee_id = excluded.assignee_id,"
    "   customer_id = excluded.customer_id, created_at = excluded.created_at,"
    "   closed_at = excluded.closed_at, version = excluded.version"
    "   WHERE o.version <= excluded.version)"
    " INSERT INTO analytics.opportunity_stages (opportunity_id, stage)"
    " VALUES ($1::uuid, $3) ON CONFLICT DO NOTHING"};

constexpr Statement kUpsertStage{
    "analytics.upsert_stage",
    "INSERT INTO analytics.stages (code, name, position) VALUES ($1, $2, $3::int)"
    " ON CONFLICT (code) DO UPDATE SET name = excluded.name, position = excluded.position"};

// --- contracts --------------------------------------------------------------------------------

// The contract and its lines, unless a newer version is stored.
constexpr Statement kUpsertContract{
    "analytics.upsert_contract",
    "WITH up AS (INSERT INTO analytics.contracts AS c (id, customer_id, owner_id, department_id, status,"
    " currency, amount_minor, sign_date, version)"
    " VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5, $6, $7::int8, nullif($8, '')::date,"
    " " CRM_SQL_FROM_MICROS("$9") ")"
    " ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id,"
    " owner_id = excluded.owner_id, department_id = excluded.department_id,"
    " status = excluded.status, currency = excluded.currency,"
    " amount_minor = excluded.amount_minor, sign_date = excluded.sign_date,"
    " version = excluded.version WHERE c.version <= excluded.version RETURNING id),"
    // The lines, when the contract's version was stored: those beyond the new count go, the
    // others are written over.
    " gone AS (DELETE FROM analytics.contract_lines x USING up WHERE x.contract_id = up.id"
    "   AND x.position > cardinality($10::text[]))"
    " INSERT INTO analytics.contract_lines AS x (contract_id, position, product_id, product_name,"
    " product_line_id, quantity, amount_minor)"
    " SELECT up.id, l.position, l.product_id, l.name, l.line, l.quantity, l.amount"
    " FROM up, unnest($10::text[], $11::text[], $12::text[], $13::int8[], $14::int8[])"
    "   WITH ORDINALITY AS l (product_id, name, line, quantity, amount, position)"
    " ON CONFLICT (contract_id, position) DO UPDATE SET product_id = excluded.product_id,"
    " product_name = excluded.product_name, product_line_id = excluded.product_line_id,"
    " quantity = excluded.quantity, amount_minor = excluded.amount_minor"};

// --- payments ---------------------------------------------------------------------------------

constexpr Statement kUpsertReceivable{
    "analytics.upsert_receivable",
    "WITH up AS (INSERT INTO analytics.receivables AS r (contract_id, customer_id, owner_id,"
    "   department_id, currency, status, version)"
    "   VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5, $6, " CRM_SQL_FROM_MICROS("$7") ")"
    "   ON CONFLICT (contract_id) DO UPDATE SET customer_id = excluded.customer_id,"
    "   owner_id = excluded.owner_id, department_id = excluded.department_id,"
    "   currency = excluded.currency, status = excluded.status, version = excluded.version"
    "   WHERE r.version <= excluded.version RETURNING r.*),"
    " paid AS (UPDATE analytics.payments p SET customer_id = up.customer_id,"
    "   owner_id = up.owner_id, department_id = up.department_id FROM up"
    "   WHERE p.contract_id = up.contract_id),"
    // The plan, when the receivable's version was stored.
    " gone AS (DELETE FROM analytics.installments i USING up"
    "   WHERE i.contract_id = up.contract_id AND i.number > cardinality($8::date[]))"
    " INSERT INTO analytics.installments (contract_id, number, due_date, amount_minor)"
    " SELECT up.contract_id, l.number, l.due, l.amount"
    " FROM up, unnest($8::date[], $9::int8[]) WITH ORDINALITY AS l (due, amount, number)"
    " ON CONFLICT (contract_id, number) DO UPDATE SET due_date = excluded.due_date,"
    " amount_minor = excluded.amount_minor"};

// A payment takes the receivable's current owner and customer when the receivable is known
// (its events come first in the same stream; the payload's are as of the payment).
constexpr Statement kInsertPayment{
    "analytics.insert_payment",
    "INSERT INTO analytics.payments (id, contract_id, customer_id, owner_id, department_id,"
    " currency, amount_minor, receive_day)"
    " SELECT $1::uuid, $2::uuid, coalesce(r.customer_id, $3::uuid),"
    " coalesce(r.owner_id, $4::uuid), CASE WHEN r.contract_id IS NULL THEN $5::uuid"
    " ELSE r.department_id END, $6, $7::int8, $8::date"
    " FROM (SELECT) AS one LEFT JOIN analytics.receivables r ON r.contract_id = $2::uuid"
    " ON CONFLICT (id) DO NOTHING"};

constexpr Statement kUpsertDelivery{
    "analytics.upsert_delivery",
    "INSERT INTO analytics.deliveries AS d (id, contract_id, line_position, quantity,"
    " accept_day, version)"
    " VALUES ($1::uuid, $2::uuid, $3::int, $4::int8, nullif($5, '')::date,"
    " " CRM_SQL_FROM_MICROS("$6") ")"
    " ON CONFLICT (id) DO UPDATE SET quantity = excluded.quantity,"
    " accept_day = excluded.accept_day, version = excluded.version"
    " WHERE d.version <= excluded.version"};

// --- service ----------------------------------------------------------------------------------

// The ticket, unless a newer version is stored, and the satisfaction of a feedback ($12,
// 0 for none).
constexpr Statement kUpsertTicket{
    "analytics.upsert_ticket",
    "WITH up AS (INSERT INTO analytics.tickets AS t (id, type, customer_id, owner_id, department_id,"
    " status, created_at, first_response_at, resolved_at, version)"
    " VALUES ($1::uuid, $2, $3::uuid, $4::uuid, $5::uuid, $6, " CRM_SQL_FROM_MICROS("$7") ","
    " " CRM_SQL_FROM_MICROS("$8") ", " CRM_SQL_FROM_MICROS("$9") ", " CRM_SQL_FROM_MICROS("$10") ")"
    " ON CONFLICT (id) DO UPDATE SET type = excluded.type, customer_id = excluded.customer_id,"
    " owner_id = excluded.owner_id, department_id = excluded.department_id,"
    " status = excluded.status, created_at = excluded.created_at,"
    " first_response_at = excluded.first_response_at, resolved_at = excluded.resolved_at,"
    " version = excluded.version WHERE t.version <= excluded.version)"
    // A feedback (returned or archived): its satisfaction, once.
    " INSERT INTO analytics.ticket_feedback (ticket_id, at, satisfaction)"
    " SELECT $1::uuid, " CRM_SQL_FROM_MICROS("$11") ", $12::int WHERE $12::int BETWEEN 1 AND 5"
    " ON CONFLICT DO NOTHING"};

constexpr Statement kMarkBreach{
    "analytics.mark_breach",
    "UPDATE analytics.tickets SET response_breached = response_breached OR $2::bool,"
    " resolution_breached = resolution_breached OR $3::bool WHERE id = $1::uuid"};

constexpr Statement kProgress{
    "analytics.progress",
    "INSERT INTO analytics.source_progress AS p (source, last_event_time, last_apply_time)"
    " VALUES ($1, " CRM_SQL_FROM_MICROS("$2") ", now())"
    " ON CONFLICT (source) DO UPDATE SET"
    " last_event_time = greatest(p.last_event_time, excluded.last_event_time),"
    " last_apply_time = now()"};

std::optional<int64_t> MicrosOrNull(const google::protobuf::Timestamp& t, bool present) {
  if (!present) return std::nullopt;
  return MicrosOf(t);
}

}  // namespace

const std::vector<Source>& Sources() {
  static const auto* sources = new std::vector<Source>{
      {"auth",
       "/crm.auth.v1.AuthService/WatchEvents",
       {"auth.user.created", "auth.user.updated", "auth.department.created",
        "auth.department.updated"}},
      {"customers",
       "/crm.customers.v1.CustomersService/WatchEvents",
       {"customers.customer.created", "customers.customer.updated", "customers.customer.deleted",
        "customers.customer.merged", "customers.loss.warned", "customers.loss.delayed",
        "customers.loss.confirmed", "customers.loss.recovered"}},
      {"pipeline",
       "/crm.pipeline.v1.PipelineService/WatchEvents",
       {"pipeline.opportunity.created", "pipeline.opportunity.updated",
        "pipeline.opportunity.assigned", "pipeline.opportunity.stage_changed",
        "pipeline.opportunity.developing", "pipeline.opportunity.won", "pipeline.opportunity.lost",
        "pipeline.opportunity.handed_over", "pipeline.opportunity.customer_merged",
        "pipeline.stage.upserted"}},
      {"contracts",
       "/crm.contracts.v1.ContractsService/WatchEvents",
       {"contracts.contract.created", "contracts.contract.updated", "contracts.contract.submitted",
        "contracts.contract.approved", "contracts.contract.rejected", "contracts.contract.signed",
        "contracts.contract.terminated", "contracts.contract.completed",
        "contracts.contract.handed_over", "contracts.contract.customer_merged"}},
      {"payments",
       "/crm.payments.v1.PaymentsService/WatchEvents",
       {"payments.receivable.created", "payments.receivable.plan_set",
        "payments.receivable.settled", "payments.receivable.reopened",
        "payments.receivable.terminated", "payments.receivable.handed_over",
        "payments.receivable.customer_merged", "payments.payment.recorded",
        "payments.payment.reversed", "payments.delivery.created", "payments.delivery.shipped",
        "payments.delivery.accepted"}},
      {"service",
       "/crm.service.v1.TicketsService/WatchEvents",
       {"service.ticket.created", "service.ticket.assigned", "service.ticket.handled",
        "service.ticket.returned", "service.ticket.archived", "service.ticket.handed_over",
        "service.ticket.customer_merged", "service.ticket.overdue"}},
  };
  return *sources;
}

std::string Ingest::Day(absl::Time t) const {
  return absl::FormatCivilTime(absl::ToCivilDay(t, zone_));
}

absl::Status Ingest::Apply(db::Tx& tx, const std::string& source,
                           const common::v1::Event& e) const {
  absl::Status s;
  if (source == "auth") {
    s = ApplyAuth(tx, e);
  } else if (source == "customers") {
    s = ApplyCustomers(tx, e);
  } else if (source == "pipeline") {
    s = ApplyPipeline(tx, e);
  } else if (source == "contracts") {
    s = ApplyContracts(tx, e);
  } else if (source == "payments") {
    s = ApplyPayments(tx, e);
  } else if (source == "service") {
    s = ApplyService(tx, e);
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown source ", source));
  }
  if (!s.ok()) return s;
  const absl::Time now = absl::Now();
  {
    std::lock_guard<std::mutex> lock(progress_mu_);
    absl::Time& written = progress_written_[source];
    if (now - written < absl::Milliseconds(100)) return absl::OkStatus();
    written = now;
  }
  Exec(tx, kProgress, source, MicrosOf(e.occur_time()));
  return absl::OkStatus();
}

absl::Status Ingest::ApplyAuth(db::Tx& tx, const common::v1::Event& e) const {
  if (absl::StartsWith(e.type(), "auth.user.")) {
    auth::v1::UserChanged p;
    if (absl::Status s = Unpack(e, &p); !s.ok()) return s;
    const auto& u = p.user();
    Exec(tx, kUpsertUser, u.id(), u.display_name(), Id(u.department_id()),
         MicrosOf(u.update_time()));
  } else if (absl::StartsWith(e.type(), "auth.department.")) {
    auth::v1::DepartmentChanged p;
    if (absl::Status s = Unpack(e, &p); !s.ok()) return s;
    const auto& d = p.department();
    Exec(tx, kUpsertDepartment, d.id(), d.name(), Id(d.parent_id()), MicrosOf(d.update_time()));
  }
  return absl::OkStatus();
}

namespace {

void UpsertCustomer(db::Tx& tx, const customers::v1::Customer& c, bool deleted, int64_t version,
                    const std::string& day) {
  Exec(tx, kUpsertCustomer, c.id(), c.name(), Id(c.owner_id()), Id(c.owner_department_id()),
       c.region(), c.industry(), c.level(), c.credit(), c.satisfaction(), c.source(),
       CodeOf(c.status(), &customers::v1::CustomerStatus_Name, "CUSTOMER_STATUS_"),
       MicrosOf(c.create_time()), deleted, version, day);
}

}  // namespace

absl::Status Ingest::ApplyCustomers(db::Tx& tx, const common::v1::Event& e) const {
  const int64_t at = MicrosOf(e.occur_time());
  const std::string day = Day(TimeOf(e.occur_time()));
  if (e.type() == "customers.customer.merged") {
    customers::v1::CustomersMerged p;
    if (absl::Status s = Unpack(e, &p); !s.ok()) return s;
    Exec(tx, kDeleteCustomer, p.merge().duplicate_id(), at, day);
    UpsertCustomer(tx, p.survivor(), false, std::max(at, MicrosOf(p.survivor().update_time())),
                   day);
  } else if (absl::StartsWith(e.type(), "customers.customer.")) {
    customers::v1::CustomerChanged p;
    if (absl::Status s = Unpack(e, &p); !s.ok()) return s;
    const bool deleted = e.type() == "customers.customer.deleted";
    UpsertCustomer(tx, p.customer(), deleted, std::max(at, MicrosOf(p.customer().update_time())),
                   day);
  } else if (absl::StartsWith(e.type(), "customers.loss.")) {
    customers::v1::LossStatusChanged p;
    if (absl::Status s = Unpack(e, &p); !s.ok()) return s;
    const auto& c = p.customer();
    const auto& a = p.action();
    Exec(tx, kInsertLoss, a.id(), c.id(),
         CodeOf(a.kind(), &customers::v1::LossActionKind_Name, "LOSS_ACTION_KIND_"), a.note(),
         Id(c.owner_id()), Id(c.owner_department_id()), MicrosOf(a.create_time()));
    UpsertCustomer(tx, c, false, std::max(at, MicrosOf(c.update_time())), day);
  }
  return absl::OkStatus();
}

absl::Status Ingest::ApplyPipeline(db::Tx& tx, const common::v1::Event& e) const {
  if (e.type() == "pipeline.stage.upserted") {
    pipeline::v1::StageChanged p;
    if (absl::Status s = Unpack(e, &p); !s.ok()) return s;
    Exec(tx, kUpsertStage, p.stage().code(), p.stage().name(), p.stage().position());
    return absl::OkStatus();
  }
  pipeline::v1::OpportunityChanged p;
  if (absl::Status s = Unpack(e, &p); !s.ok()) return s;
  const auto& o = p.opportunity();
  Exec(tx, kUpsertOpportunity, o.id(),
       CodeOf(o.status(), &pipeline::v1::OpportunityStatus_Name, "OPPORTUNITY_STATUS_"), o.stage(),
       Id(o.creator_id()), Id(o.assignee_id()), Id(o.customer_id()), MicrosOf(o.create_time()),
       MicrosOrNull(o.close_time(), o.has_close_time()),
       std::max(MicrosOf(e.occur_time()), MicrosOf(o.update_time())));
  return absl::OkStatus();
}

absl::Status Ingest::ApplyContracts(db::Tx& tx, const common::v1::Event& e) const {
  contracts::v1::ContractChanged p;
  if (absl::Status s = Unpack(e, &p); !s.ok()) return s;
  const auto& c = p.contract();
  std::vector<std::string> product, name, line, quantity, amount;
  for (const auto& l : c.lines()) {
    product.push_back(l.product_id());
    name.push_back(l.product_name());
    line.push_back(l.product_line_id());
    quantity.push_back(absl::StrCat(l.quantity()));
    amount.push_back(absl::StrCat(MinorOf(l.amount())));
  }
  Exec(tx, kUpsertContract, c.id(), c.customer_id(), c.owner_id(), Id(c.owner_department_id()),
       CodeOf(c.status(), &contracts::v1::ContractStatus_Name, "CONTRACT_STATUS_"),
       c.currency_code(), MinorOf(c.amount()), DateText(c.sign_date()),
       std::max(MicrosOf(e.occur_time()), MicrosOf(c.update_time())), db::TextArray(product),
       db::TextArray(name), db::TextArray(line), db::TextArray(quantity), db::TextArray(amount));
  return absl::OkStatus();
}

absl::Status Ingest::ApplyPayments(db::Tx& tx, const common::v1::Event& e) const {
  if (absl::StartsWith(e.type(), "payments.receivable.")) {
    payments::v1::ReceivableChanged p;
    if (absl::Status s = Unpack(e, &p); !s.ok()) return s;
    const auto& r = p.receivable();
    std::vector<std::string> due, amount;
    for (const auto& i : r.installments()) {
      due.push_back(DateText(i.due_date()));
      amount.push_back(absl::StrCat(MinorOf(i.amount())));
    }
    Exec(tx, kUpsertReceivable, r.contract_id(), r.customer_id(), r.owner_id(),
         Id(r.owner_department_id()), r.currency_code(),
         CodeOf(r.status(), &payments::v1::ReceivableStatus_Name, "RECEIVABLE_STATUS_"),
         std::max(MicrosOf(e.occur_time()), MicrosOf(r.update_time())), db::TextArray(due),
         db::TextArray(amount));
  } else if (absl::StartsWith(e.type(), "payments.payment.")) {
    payments::v1::PaymentRecorded p;
    if (absl::Status s = Unpack(e, &p); !s.ok()) return s;
    const auto& pay = p.payment();
    const auto& r = p.receivable();
    const auto& when = pay.has_receive_time() ? pay.receive_time() : pay.record_time();
    Exec(tx, kInsertPayment, pay.id(), pay.contract_id(), r.customer_id(), r.owner_id(),
         Id(r.owner_department_id()), pay.amount().currency_code(), MinorOf(pay.amount()),
         Day(TimeOf(when)));
  } else if (absl::StartsWith(e.type(), "payments.delivery.")) {
    payments::v1::DeliveryChanged p;
    if (absl::Status s = Unpack(e, &p); !s.ok()) return s;
    const auto& d = p.delivery();
    int64_t version = MicrosOf(e.occur_time());
    for (const auto* t : {&d.create_time(), &d.ship_time(), &d.accept_time()}) {
      version = std::max(version, MicrosOf(*t));
    }
    Exec(tx, kUpsertDelivery, d.id(), d.contract_id(), d.line_position(), d.quantity(),
         d.has_accept_time() ? Day(TimeOf(d.accept_time())) : std::string(), version);
  }
  return absl::OkStatus();
}

absl::Status Ingest::ApplyService(db::Tx& tx, const common::v1::Event& e) const {
  if (e.type() == "service.ticket.overdue") {
    service::v1::TicketOverdue p;
    if (absl::Status s = Unpack(e, &p); !s.ok()) return s;
    Exec(tx, kMarkBreach, p.ticket().id(),
         p.deadline() == service::v1::TicketOverdue::DEADLINE_FIRST_RESPONSE,
         p.deadline() == service::v1::TicketOverdue::DEADLINE_RESOLUTION);
    return absl::OkStatus();
  }
  service::v1::TicketChanged p;
  if (absl::Status s = Unpack(e, &p); !s.ok()) return s;
  const auto& t = p.ticket();
  Exec(tx, kUpsertTicket, t.id(), t.type(), t.customer_id(), Id(t.customer_owner_id()),
       Id(t.customer_owner_department_id()),
       CodeOf(t.status(), &service::v1::TicketStatus_Name, "TICKET_STATUS_"),
       MicrosOf(t.create_time()),
       MicrosOrNull(t.first_response_time(), t.has_first_response_time()),
       MicrosOrNull(t.resolve_time(), t.has_resolve_time()),
       std::max(MicrosOf(e.occur_time()), MicrosOf(t.update_time())), MicrosOf(e.occur_time()),
       e.type() == "service.ticket.returned" || e.type() == "service.ticket.archived"
           ? t.satisfaction()
           : 0);
  return absl::OkStatus();
}

absl::Status Ingest::Reset(db::Conn& conn, const std::string& source) {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> kTables = {
      {"auth", {"users", "departments"}},
      {"customers", {"customers", "customer_mix", "losses"}},
      {"pipeline", {"opportunities", "opportunity_stages"}},
      {"contracts", {"contracts", "contract_lines"}},
      {"payments", {"receivables", "installments", "payments", "deliveries"}},
      {"service", {"tickets", "ticket_feedback"}},
  };
  bool known = source.empty();
  for (const auto& [name, tables] : kTables) known |= name == source;
  if (!known) return absl::InvalidArgumentError(absl::StrCat("unknown source: ", source));
  return conn.Transact([&](db::Tx& tx) -> absl::Status {
    for (const auto& [name, tables] : kTables) {
      if (!source.empty() && name != source) continue;
      for (const auto& t : tables) tx.exec(absl::StrCat("TRUNCATE analytics.", t));
      // The cursor goes back to the beginning; a follower running meanwhile finds it moved
      // (compare-and-set) and starts over from it.
      tx.exec_params("UPDATE analytics.event_cursors SET cursor = '' WHERE stream = $1", name);
      tx.exec_params("DELETE FROM analytics.source_progress WHERE source = $1", name);
    }
    return absl::OkStatus();
  });
}

}  // namespace crm::analytics
