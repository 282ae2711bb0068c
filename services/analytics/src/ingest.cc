#include "services/analytics/src/ingest.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <type_traits>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crm/auth/v1/events.pb.h"
#include "crm/contracts/v1/events.pb.h"
#include "crm/customers/v1/events.pb.h"
#include "crm/payments/v1/events.pb.h"
#include "crm/pipeline/v1/events.pb.h"
#include "crm/service/v1/events.pb.h"
#include "libs/db/time_fields.h"
#include "libs/log/log.h"
#include "libs/money/money.h"

namespace crm::analytics {
namespace {

using db::Exec;
using db::Statement;
using money::MinorOf;
using OptText = std::optional<std::string>;

OptText Id(const std::string& id) { return db::NullIfEmpty(id); }

int64_t MicrosOf(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000000 + t.nanos() / 1000;
}
absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixMicros(MicrosOf(t));
}

// A record's version: when the event was committed, or its update time if later.
int64_t VersionOf(const common::v1::Event& e, const google::protobuf::Timestamp& update_time) {
  return std::max(MicrosOf(e.occur_time()), MicrosOf(update_time));
}

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
#define MIX_COLUMNS_OF(t)                                                                         \
  t ".owner_id, " t ".department_id, " t ".region, " t ".industry, " t ".level, " t ".credit, " t \
    ".satisfaction, " t ".source, " t ".status"
#define MIX_OF(t) "(" MIX_COLUMNS_OF(t) ")"

// The month of day $DAY, and the month of a time in the zone $ZONE.
#define MONTH_OF_DAY(DAY) "date_trunc('month', " DAY "::timestamp)::date"
#define MONTH_OF(t, ZONE) "date_trunc('month', " t " AT TIME ZONE " ZONE ")::date"

// Adds the mix's changes of CTE mix (MIX_COLUMNS, delta) on day DAY (an expression over mix)
// and the creation-month counts of CTE made (created_at, MIX_COLUMNS, n) to the monthly rollup.
#define ADD_MIX(DAY, ZONE)                                                                     \
  " INSERT INTO analytics.mix_months AS m (month, " MIX_COLUMNS                                \
  ", delta, created)"                                                                          \
  " SELECT month, " MIX_COLUMNS                                                                \
  ", sum(delta), sum(created) FROM ("                                                          \
  "   SELECT " MONTH_OF_DAY(DAY) " AS month, " MIX_COLUMNS                                     \
                                 ", delta, 0 AS created FROM mix"                              \
                                 "   UNION ALL SELECT " MONTH_OF(                              \
                                     "created_at",                                             \
                                     ZONE) ", " MIX_COLUMNS                                    \
                                           ", 0, n FROM made) x"                               \
                                           " GROUP BY month, " MIX_COLUMNS                     \
                                           " ON CONFLICT (month, " MIX_COLUMNS                 \
                                           ") DO UPDATE SET delta = m.delta + excluded.delta," \
                                           " created = m.created + excluded.created"

// Writes the mix's changes of CTE mix on day $DAY, and adds them to the monthly rollup.
#define WRITE_MIX(DAY, ZONE)                                          \
  " logged AS (INSERT INTO analytics.customer_mix (day, " MIX_COLUMNS \
  ", delta)"                                                          \
  "   SELECT " DAY ", " MIX_COLUMNS ", delta FROM mix)" ADD_MIX(DAY, ZONE)

// The customer as it is now. When its attributes (or its existence) changed: the mix's -1 / +1
// on the day of the change ($15), and -1 / +1 in the months it was created in (in zone $16).
// Nothing when the stored version is newer.
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
    " mix AS (SELECT " MIX_COLUMNS_OF("o") ", -1 AS delta FROM old o, up u"
    "   WHERE NOT o.deleted AND (u.deleted OR " MIX_OF("o") " IS DISTINCT FROM " MIX_OF("u") ")"
    "   UNION ALL SELECT " MIX_COLUMNS_OF("u") ", 1 FROM up u LEFT JOIN old o ON true"
    "   WHERE NOT u.deleted AND (o.id IS NULL OR o.deleted OR " MIX_OF("o")
    " IS DISTINCT FROM " MIX_OF("u") ")),"
    " made AS (SELECT o.created_at, " MIX_COLUMNS_OF("o") ", -1 AS n FROM old o, up u"
    "   WHERE NOT o.deleted AND (u.deleted OR o.created_at <> u.created_at"
    "   OR " MIX_OF("o") " IS DISTINCT FROM " MIX_OF("u") ")"
    "   UNION ALL SELECT u.created_at, " MIX_COLUMNS_OF("u") ", 1 FROM up u LEFT JOIN old o ON true"
    "   WHERE NOT u.deleted AND (o.id IS NULL OR o.deleted OR o.created_at <> u.created_at"
    "   OR " MIX_OF("o") " IS DISTINCT FROM " MIX_OF("u") "))," WRITE_MIX("$15::date", "$16::text")};

// A merged duplicate, gone from the mix.
constexpr Statement kDeleteCustomer{
    "analytics.delete_customer",
    "WITH up AS (UPDATE analytics.customers c SET deleted = true,"
    "   version = " CRM_SQL_FROM_MICROS("$2") " WHERE id = $1::uuid AND NOT deleted"
    "   AND version <= " CRM_SQL_FROM_MICROS("$2") " RETURNING c.*),"
    " mix AS (SELECT " MIX_COLUMNS ", -1 AS delta FROM up),"
    " made AS (SELECT created_at, " MIX_COLUMNS ", -1 AS n FROM up)," WRITE_MIX("$3::date",
                                                                                  "$4::text")};

constexpr Statement kInsertLoss{
    "analytics.insert_loss",
    "INSERT INTO analytics.losses (id, customer_id, kind, note, owner_id, department_id, at)"
    " VALUES ($1::uuid, $2::uuid, $3, $4, $5::uuid, $6::uuid, " CRM_SQL_FROM_MICROS("$7") ")"
    " ON CONFLICT (id) DO NOTHING"};

// --- pipeline ---------------------------------------------------------------------------------

constexpr Statement kUpsertStage{
    "analytics.upsert_stage",
    "INSERT INTO analytics.stages (code, name, position) VALUES ($1, $2, $3::int)"
    " ON CONFLICT (code) DO UPDATE SET name = excluded.name, position = excluded.position"};

// Statements over a batch of events: each record once (its newest version in the batch), as
// arrays; text arrays for uuids and optional values ('' for none).

// Opportunities, unless a newer version is stored, and every stage each reached.
constexpr Statement kUpsertOpportunities{
    "analytics.upsert_opportunities",
    "WITH x AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
    "   $5::text[], $6::text[], $7::int8[], $8::text[], $9::int8[])"
    "   AS x (id, status, stage, creator, assignee, customer, created, closed, version)),"
    " up AS (INSERT INTO analytics.opportunities AS o (id, status, stage, creator_id,"
    "   assignee_id, customer_id, created_at, closed_at, version)"
    "   SELECT id::uuid, status, stage, nullif(creator, '')::uuid, nullif(assignee, '')::uuid,"
    "   nullif(customer, '')::uuid, " CRM_SQL_FROM_MICROS("created") ","
    "   " CRM_SQL_FROM_MICROS("nullif(closed, '')") ", " CRM_SQL_FROM_MICROS("version")
    "   FROM x ON CONFLICT (id) DO UPDATE SET status = excluded.status, stage = excluded.stage,"
    "   creator_id = excluded.creator_id, assignee_id = excluded.assignee_id,"
    "   customer_id = excluded.customer_id, created_at = excluded.created_at,"
    "   closed_at = excluded.closed_at, version = excluded.version"
    "   WHERE o.version <= excluded.version)"
    " INSERT INTO analytics.opportunity_stages (opportunity_id, stage)"
    " SELECT DISTINCT s.id::uuid, s.stage FROM unnest($10::text[], $11::text[]) AS s (id, stage)"
    " ON CONFLICT DO NOTHING"};

// Contracts, unless a newer version is stored, with their lines: those beyond a contract's
// new count go, the others are written over.
constexpr Statement kUpsertContracts{
    "analytics.upsert_contracts",
    "WITH k AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
    "   $5::text[], $6::text[], $7::int8[], $8::text[], $9::int8[], $10::int4[])"
    "   AS k (id, customer, owner, dept, status, currency, amount, sign, version, lines)),"
    " up AS (INSERT INTO analytics.contracts AS c (id, customer_id, owner_id, department_id,"
    "   status, currency, amount_minor, sign_date, version)"
    "   SELECT id::uuid, customer::uuid, owner::uuid, nullif(dept, '')::uuid, status, currency,"
    "   amount, nullif(sign, '')::date, " CRM_SQL_FROM_MICROS("version") " FROM k"
    "   ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id,"
    "   owner_id = excluded.owner_id, department_id = excluded.department_id,"
    "   status = excluded.status, currency = excluded.currency,"
    "   amount_minor = excluded.amount_minor, sign_date = excluded.sign_date,"
    "   version = excluded.version WHERE c.version <= excluded.version RETURNING c.id),"
    " gone AS (DELETE FROM analytics.contract_lines x USING up, k"
    "   WHERE k.id::uuid = up.id AND x.contract_id = up.id AND x.position > k.lines)"
    " INSERT INTO analytics.contract_lines AS x (contract_id, position, product_id, product_name,"
    " product_line_id, quantity, amount_minor)"
    " SELECT up.id, l.position, l.product, l.name, l.line, l.quantity, l.amount"
    " FROM unnest($11::text[], $12::int4[], $13::text[], $14::text[], $15::text[], $16::int8[],"
    "   $17::int8[]) AS l (contract, position, product, name, line, quantity, amount)"
    " JOIN up ON up.id = l.contract::uuid"
    " ON CONFLICT (contract_id, position) DO UPDATE SET product_id = excluded.product_id,"
    " product_name = excluded.product_name, product_line_id = excluded.product_line_id,"
    " quantity = excluded.quantity, amount_minor = excluded.amount_minor"};

// Receivables, unless a newer version is stored; their payments take the receivable's owner
// and customer; their plans: installments beyond the new count go, the others are written over.
constexpr Statement kUpsertReceivables{
    "analytics.upsert_receivables",
    "WITH r AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
    "   $5::text[], $6::text[], $7::int8[], $8::int4[], $13::text[])"
    "   AS r (contract, customer, owner, dept, currency, status, version, installments, sign)),"
    " up AS (INSERT INTO analytics.receivables AS x (contract_id, customer_id, owner_id,"
    "   department_id, currency, status, sign_date, last_receive_day, version)"
    "   SELECT contract::uuid, customer::uuid, owner::uuid, nullif(dept, '')::uuid, currency,"
    "   status, nullif(sign, '')::date, (SELECT max(p.receive_day) FROM analytics.payments p"
    "   WHERE p.contract_id = contract::uuid), " CRM_SQL_FROM_MICROS("version") " FROM r"
    "   ON CONFLICT (contract_id) DO UPDATE SET customer_id = excluded.customer_id,"
    "   owner_id = excluded.owner_id, department_id = excluded.department_id,"
    "   currency = excluded.currency, status = excluded.status,"
    "   sign_date = excluded.sign_date, last_receive_day = excluded.last_receive_day,"
    "   version = excluded.version"
    "   WHERE x.version <= excluded.version RETURNING x.*),"
    " paid AS (UPDATE analytics.payments p SET customer_id = up.customer_id,"
    "   owner_id = up.owner_id, department_id = up.department_id FROM up"
    "   WHERE p.contract_id = up.contract_id),"
    " gone AS (DELETE FROM analytics.installments i USING up, r"
    "   WHERE r.contract::uuid = up.contract_id AND i.contract_id = up.contract_id"
    "   AND i.number > r.installments)"
    " INSERT INTO analytics.installments (contract_id, number, due_date, amount_minor)"
    " SELECT up.contract_id, i.number, i.due::date, i.amount"
    " FROM unnest($9::text[], $10::int4[], $11::text[], $12::int8[])"
    "   AS i (contract, number, due, amount) JOIN up ON up.contract_id = i.contract::uuid"
    " ON CONFLICT (contract_id, number) DO UPDATE SET due_date = excluded.due_date,"
    " amount_minor = excluded.amount_minor"};

// Payments take the receivable's current owner and customer when the receivable is known
// (its events come first in the same stream; the payload's are as of the payment), and move
// its last payment day.
constexpr Statement kInsertPayments{
    "analytics.insert_payments",
    "WITH ins AS (INSERT INTO analytics.payments (id, contract_id, customer_id, owner_id,"
    " department_id, currency, amount_minor, receive_day)"
    " SELECT x.id::uuid, x.contract::uuid, coalesce(r.customer_id, x.customer::uuid),"
    " coalesce(r.owner_id, x.owner::uuid), CASE WHEN r.contract_id IS NULL"
    " THEN nullif(x.dept, '')::uuid ELSE r.department_id END, x.currency, x.amount, x.day::date"
    " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],"
    "   $7::int8[], $8::text[]) AS x (id, contract, customer, owner, dept, currency, amount, day)"
    " LEFT JOIN analytics.receivables r ON r.contract_id = x.contract::uuid"
    " ON CONFLICT (id) DO NOTHING RETURNING contract_id, receive_day)"
    " UPDATE analytics.receivables r SET last_receive_day = greatest(r.last_receive_day, i.day)"
    " FROM (SELECT contract_id, max(receive_day) AS day FROM ins GROUP BY 1) i"
    " WHERE r.contract_id = i.contract_id"};

constexpr Statement kUpsertDeliveries{
    "analytics.upsert_deliveries",
    "INSERT INTO analytics.deliveries AS d (id, contract_id, line_position, quantity,"
    " accept_day, version)"
    " SELECT x.id::uuid, x.contract::uuid, x.position, x.quantity, nullif(x.day, '')::date,"
    " " CRM_SQL_FROM_MICROS("x.version")
    " FROM unnest($1::text[], $2::text[], $3::int4[], $4::int8[], $5::text[], $6::int8[])"
    "   AS x (id, contract, position, quantity, day, version)"
    " ON CONFLICT (id) DO UPDATE SET quantity = excluded.quantity,"
    " accept_day = excluded.accept_day, version = excluded.version"
    " WHERE d.version <= excluded.version"};

// Tickets, unless a newer version is stored, and every feedback's satisfaction, once.
constexpr Statement kUpsertTickets{
    "analytics.upsert_tickets",
    "WITH x AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
    "   $5::text[], $6::text[], $7::int8[], $8::text[], $9::text[], $10::int8[])"
    "   AS x (id, type, customer, owner, dept, status, created, responded, resolved, version)),"
    " up AS (INSERT INTO analytics.tickets AS t (id, type, customer_id, owner_id, department_id,"
    "   status, created_at, first_response_at, resolved_at, version)"
    "   SELECT id::uuid, type, customer::uuid, nullif(owner, '')::uuid, nullif(dept, '')::uuid,"
    "   status, " CRM_SQL_FROM_MICROS("created") ", " CRM_SQL_FROM_MICROS("nullif(responded, '')")
    "   , " CRM_SQL_FROM_MICROS("nullif(resolved, '')") ", " CRM_SQL_FROM_MICROS("version")
    "   FROM x ON CONFLICT (id) DO UPDATE SET type = excluded.type,"
    "   customer_id = excluded.customer_id, owner_id = excluded.owner_id,"
    "   department_id = excluded.department_id, status = excluded.status,"
    "   created_at = excluded.created_at, first_response_at = excluded.first_response_at,"
    "   resolved_at = excluded.resolved_at, version = excluded.version"
    "   WHERE t.version <= excluded.version)"
    " INSERT INTO analytics.ticket_feedback (ticket_id, at, satisfaction)"
    " SELECT f.id::uuid, " CRM_SQL_FROM_MICROS("f.at") ", f.satisfaction"
    " FROM unnest($11::text[], $12::int8[], $13::int4[]) AS f (id, at, satisfaction)"
    " ON CONFLICT DO NOTHING"};

// SLA breaches (service.ticket.overdue), after the tickets of the batch are written.
constexpr Statement kMarkBreaches{
    "analytics.mark_breaches",
    "UPDATE analytics.tickets t SET response_breached = t.response_breached OR b.response,"
    " resolution_breached = t.resolution_breached OR b.resolution"
    " FROM (SELECT id::uuid AS id, bool_or(response) AS response,"
    "   bool_or(resolution) AS resolution"
    "   FROM unnest($1::text[], $2::bool[], $3::bool[]) AS x (id, response, resolution)"
    "   GROUP BY 1) b WHERE t.id = b.id"};

// --- the sales rollup (analytics.sales_periods) -----------------------------------------------

// The sales facts of the contracts in CTE k (id): their lines when signed and in force, the
// deliveries accepted of those lines valued at the line's price, and the payments to them.
#define SALES_FACTS                                                                          \
  " e AS (SELECT c.sign_date AS day, c.owner_id, c.department_id, c.customer_id,"            \
  "   l.product_line_id AS line, l.amount_minor AS contracted, 1 AS contracted_n,"           \
  "   0::int8 AS delivered, 0 AS delivered_n, 0::int8 AS received, 0 AS received_n"          \
  "   FROM k JOIN analytics.contracts c ON c.id = k.id"                                      \
  "   JOIN analytics.contract_lines l ON l.contract_id = c.id"                               \
  "   WHERE c.sign_date IS NOT NULL AND c.status <> 'terminated' AND c.currency = 'CNY'"     \
  " UNION ALL SELECT d.accept_day, c.owner_id, c.department_id, c.customer_id,"              \
  "   l.product_line_id, 0, 0, (d.quantity * l.amount_minor) / l.quantity, 1, 0, 0"          \
  "   FROM k JOIN analytics.deliveries d ON d.contract_id = k.id"                            \
  "   JOIN analytics.contracts c ON c.id = d.contract_id"                                    \
  "   JOIN analytics.contract_lines l ON l.contract_id = d.contract_id"                      \
  "     AND l.position = d.line_position"                                                    \
  "   WHERE d.accept_day IS NOT NULL AND c.sign_date IS NOT NULL"                            \
  "   AND c.status <> 'terminated' AND c.currency = 'CNY'"                                   \
  " UNION ALL SELECT p.receive_day, p.owner_id, p.department_id, p.customer_id, NULL, 0, 0," \
  "   0, 0, p.amount_minor, 1"                                                               \
  "   FROM k JOIN analytics.payments p ON p.contract_id = k.id WHERE p.currency = 'CNY')"

// The facts of CTE e with their customer's region, industry and level as they are now, joined
// by CUSTOMERS: a batch's few hundred facts look their customers up one at a time
// (CUSTOMER_OF_EACH: expecting more facts than come, the planner read every customer into a
// hash table, twice a batch), a rebuild joins all of them (EVERY_CUSTOMER).
#define CUSTOMER_OF_EACH                                                                    \
  " LEFT JOIN LATERAL (SELECT cu.region, cu.industry, cu.level FROM analytics.customers cu" \
  "   WHERE cu.id = e.customer_id LIMIT 1) cu ON true"
#define EVERY_CUSTOMER " LEFT JOIN analytics.customers cu ON cu.id = e.customer_id"
#define SALES_FACTS_BY_REGION(CUSTOMERS)                                              \
  " SELECT e.day, e.owner_id, e.department_id, e.customer_id, e.line, cu.region,"     \
  " cu.industry, cu.level, e.contracted, e.contracted_n, e.delivered, e.delivered_n," \
  " e.received, e.received_n FROM e" CUSTOMERS

// The contracts $1 and those of the customers $2 (their contracts and the contracts they paid).
#define TOUCHED_CONTRACTS                                                                   \
  "WITH k AS (SELECT unnest($1::text[])::uuid AS id"                                        \
  "   UNION SELECT id FROM analytics.contracts WHERE customer_id = ANY($2::text[]::uuid[])" \
  "   UNION SELECT contract_id FROM analytics.payments"                                     \
  "   WHERE customer_id = ANY($2::text[]::uuid[])),"

// A batch changes the rollups by the difference between the facts of the contracts it touches
// after and before it: their facts before are kept in sales_before until the transaction ends,
// and only the sums that differ are written (a payment does not rewrite its contract's lines).
// The table lives as long as the session and is emptied by each commit and at each batch's
// start (a transaction may apply several), without a new table or file: the statements that
// read it keep their plans (created and dropped with every batch, it had them planned again
// every time).
constexpr char kCreateSalesBefore[] =
    "SET LOCAL client_min_messages = warning;"
    " CREATE TEMP TABLE IF NOT EXISTS sales_before (day date, owner_id uuid, department_id uuid,"
    " customer_id uuid, line text, region text, industry text, level text, contracted int8,"
    " contracted_n int, delivered int8, delivered_n int, received int8, received_n int)"
    " ON COMMIT DELETE ROWS;"
    " DELETE FROM sales_before";
constexpr Statement kSalesBefore{
    "analytics.sales_before", TOUCHED_CONTRACTS SALES_FACTS
    " INSERT INTO sales_before" SALES_FACTS_BY_REGION(CUSTOMER_OF_EACH)};

// Adds the facts of CTE e less those of sales_before to their month and year, and the
// contracted and received amounts among them to their customer's quarter and year
// (customer_periods: a customer moving to another region, industry or level leaves sums of 0
// under the old ones).
#define ADD_SALES(CUSTOMERS) \
  ", d AS (" SALES_FACTS_BY_REGION(CUSTOMERS)                                                     \
  "   UNION ALL SELECT day, owner_id, department_id, customer_id, line, region, industry, level," \
  "   -contracted, -contracted_n, -delivered, -delivered_n, -received, -received_n"               \
  "   FROM sales_before),"                                                                        \
  " by_customer AS (INSERT INTO analytics.customer_periods AS s (unit, start_date,"               \
  " customer_id, region, industry, level, contracted, received)"                                  \
  " SELECT p.unit, date_trunc(p.unit, d.day::timestamp)::date, d.customer_id, d.region,"          \
  " d.industry, d.level, sum(d.contracted), sum(d.received)"                                      \
  " FROM d CROSS JOIN (VALUES ('quarter'), ('year')) AS p (unit)"                                 \
  " WHERE d.contracted_n <> 0 OR d.received_n <> 0 GROUP BY 1, 2, 3, 4, 5, 6"                     \
  " HAVING sum(d.contracted) <> 0 OR sum(d.received) <> 0"                                        \
  " ON CONFLICT (unit, start_date, customer_id, region, industry, level) DO UPDATE SET"           \
  " contracted = s.contracted + excluded.contracted, received = s.received + excluded.received)"  \
  " INSERT INTO analytics.sales_periods AS s (unit, start_date, owner_id, department_id,"         \
  " region, industry, level, product_line_id, contracted, contracted_n, delivered,"               \
  " delivered_n, received, received_n)"                                                           \
  " SELECT p.unit, date_trunc(p.unit, d.day::timestamp)::date, d.owner_id, d.department_id,"      \
  " d.region, d.industry, d.level, d.line, sum(d.contracted), sum(d.contracted_n),"               \
  " sum(d.delivered), sum(d.delivered_n), sum(d.received), sum(d.received_n)"                     \
  " FROM d CROSS JOIN (VALUES ('month'), ('year')) AS p (unit)"                                   \
  " GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"                                                              \
  " HAVING sum(d.contracted) <> 0 OR sum(d.contracted_n) <> 0 OR sum(d.delivered) <> 0"           \
  " OR sum(d.delivered_n) <> 0 OR sum(d.received) <> 0 OR sum(d.received_n) <> 0"                 \
  " ON CONFLICT (unit, start_date, owner_id, department_id, region, industry, level,"             \
  " product_line_id) DO UPDATE SET contracted = s.contracted + excluded.contracted,"              \
  " contracted_n = s.contracted_n + excluded.contracted_n,"                                       \
  " delivered = s.delivered + excluded.delivered,"                                                \
  " delivered_n = s.delivered_n + excluded.delivered_n,"                                          \
  " received = s.received + excluded.received, received_n = s.received_n + excluded.received_n"

constexpr Statement kAddSales{"analytics.add_sales",
                              TOUCHED_CONTRACTS SALES_FACTS ADD_SALES(CUSTOMER_OF_EACH)};

// The facts of the contracts $1 and of the customers $2, before a batch changes them.
void SalesBefore(db::Tx& tx, const std::string& contracts, const std::string& customers) {
  tx.exec(kCreateSalesBefore);
  Exec(tx, kSalesBefore, contracts, customers);
}

// Their facts after: the differences go into the rollups.
void SalesAfter(db::Tx& tx, const std::string& contracts, const std::string& customers) {
  Exec(tx, kAddSales, contracts, customers);
}

// --- the funnel rollup (analytics.funnel_periods) --------------------------------------------

// The opportunities of CTE k (id): each once under stage '', under every stage it reached, and
// under its stage when open; its owner's, in the periods of its creation in the zone $ZONE.
#define FUNNEL_FACTS(ZONE)                                                                      \
  " o AS (SELECT o.*, coalesce(o.assignee_id, o.creator_id) AS owner_id,"                       \
  "   o.created_at AT TIME ZONE " ZONE                                                          \
  " AS local_created"                                                                           \
  "   FROM k JOIN analytics.opportunities o ON o.id = k.id),"                                   \
  " e AS (SELECT o.local_created, o.owner_id, o.customer_id, '' AS stage, 1 AS opportunities,"  \
  "   (o.status = 'won')::int AS won, (o.status = 'lost')::int AS lost,"                        \
  "   CASE WHEN o.status = 'won' THEN"                                                          \
  "     coalesce(extract(epoch FROM o.closed_at - o.created_at), 0) ELSE 0 END"                 \
  "     AS won_seconds,"                                                                        \
  "   (o.status = 'won' AND o.closed_at IS NOT NULL)::int AS won_timed, 0 AS reached,"          \
  "   0 AS open FROM o"                                                                         \
  " UNION ALL SELECT o.local_created, o.owner_id, o.customer_id, os.stage, 0, 0, 0, 0, 0, 1, 0" \
  "   FROM o JOIN analytics.opportunity_stages os ON os.opportunity_id = o.id"                  \
  " UNION ALL SELECT o.local_created, o.owner_id, o.customer_id, o.stage, 0, 0, 0, 0, 0, 0, 1"  \
  "   FROM o WHERE o.status NOT IN ('won', 'lost'))"

// Adds the facts of CTE e, times the sign $SIGN, to their month and year.
#define ADD_FUNNEL(SIGN)                                                                           \
  " INSERT INTO analytics.funnel_periods AS s (unit, start_date, owner_id, region, industry,"      \
  " level, stage, opportunities, won, lost, won_seconds, won_timed, reached, open)"                \
  " SELECT p.unit, date_trunc(p.unit, e.local_created)::date, e.owner_id, cu.region,"              \
  " cu.industry, cu.level, e.stage, " SIGN " * sum(e.opportunities), " SIGN " * sum(e.won), " SIGN \
  " * sum(e.lost), " SIGN " * sum(e.won_seconds), " SIGN " * sum(e.won_timed), " SIGN              \
  " * sum(e.reached), " SIGN                                                                       \
  " * sum(e.open)"                                                                                 \
  " FROM e LEFT JOIN analytics.customers cu ON cu.id = e.customer_id"                              \
  " CROSS JOIN (VALUES ('month'), ('year')) AS p (unit)"                                           \
  " GROUP BY 1, 2, 3, 4, 5, 6, 7"                                                                  \
  " ON CONFLICT (unit, start_date, owner_id, region, industry, level, stage) DO UPDATE SET"        \
  " opportunities = s.opportunities + excluded.opportunities, won = s.won + excluded.won,"         \
  " lost = s.lost + excluded.lost, won_seconds = s.won_seconds + excluded.won_seconds,"            \
  " won_timed = s.won_timed + excluded.won_timed, reached = s.reached + excluded.reached,"         \
  " open = s.open + excluded.open"

// The opportunities $1 and those of the customers $2, times $3, in the zone $4.
constexpr Statement kAddFunnel{"analytics.add_funnel",
                               "WITH k AS (SELECT unnest($1::text[])::uuid AS id"
                               "   UNION SELECT id FROM analytics.opportunities"
                               "   WHERE customer_id = ANY($2::text[]::uuid[]))," FUNNEL_FACTS(
                                   "$4::text") ADD_FUNNEL("$3::int")};

// --- the service rollup (analytics.ticket_months) --------------------------------------------

// The ticket facts of the tickets in CTE k (id), in the zone $ZONE: each ticket in the month
// it was created, again in the month it was archived, and each feedback in its month.
#define TICKET_FACTS(ZONE) \
  " e AS (SELECT " MONTH_OF("t.created_at", ZONE) " AS month, t.owner_id, t.department_id,"    \
  "   t.customer_id, t.type, 1 AS created, (t.first_response_at IS NOT NULL)::int AS responded," \
  "   coalesce(extract(epoch FROM t.first_response_at - t.created_at), 0) AS response_seconds," \
  "   (t.resolved_at IS NOT NULL)::int AS resolved,"                                            \
  "   coalesce(extract(epoch FROM t.resolved_at - t.created_at), 0) AS resolution_seconds,"     \
  "   t.response_breached::int AS response_breaches,"                                           \
  "   t.resolution_breached::int AS resolution_breaches, 0 AS archived, 0 AS rated_1,"          \
  "   0 AS rated_2, 0 AS rated_3, 0 AS rated_4, 0 AS rated_5"                                  \
  "   FROM k JOIN analytics.tickets t ON t.id = k.id"                                           \
  " UNION ALL SELECT " MONTH_OF("t.resolved_at", ZONE) ", t.owner_id, t.department_id,"        \
  "   t.customer_id, t.type, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0"                             \
  "   FROM k JOIN analytics.tickets t ON t.id = k.id WHERE t.resolved_at IS NOT NULL"           \
  " UNION ALL SELECT " MONTH_OF("f.at", ZONE) ", t.owner_id, t.department_id, t.customer_id,"  \
  "   t.type, 0, 0, 0, 0, 0, 0, 0, 0, (f.satisfaction = 1)::int, (f.satisfaction = 2)::int,"    \
  "   (f.satisfaction = 3)::int, (f.satisfaction = 4)::int, (f.satisfaction = 5)::int"          \
  "   FROM k JOIN analytics.ticket_feedback f ON f.ticket_id = k.id"                            \
  "   JOIN analytics.tickets t ON t.id = f.ticket_id)"

#define TICKET_SUMS                                                                        \
  "created, responded, response_seconds, resolved, resolution_seconds, response_breaches," \
  " resolution_breaches, archived, rated_1, rated_2, rated_3, rated_4, rated_5"

// Adds the facts of CTE e, times the sign $SIGN, to their months.
#define ADD_TICKETS(SIGN)                                                                          \
  " INSERT INTO analytics.ticket_months AS s (month, owner_id, department_id, region, industry,"   \
  " level, type, " TICKET_SUMS                                                                     \
  ")"                                                                                              \
  " SELECT e.month, e.owner_id, e.department_id, cu.region, cu.industry, cu.level, e.type,"        \
  " " SIGN " * sum(created), " SIGN " * sum(responded), " SIGN " * sum(response_seconds), " SIGN   \
  " * sum(resolved), " SIGN " * sum(resolution_seconds), " SIGN " * sum(response_breaches), " SIGN \
  " * sum(resolution_breaches), " SIGN " * sum(archived), " SIGN " * sum(rated_1), " SIGN          \
  " * sum(rated_2), " SIGN " * sum(rated_3), " SIGN " * sum(rated_4), " SIGN                       \
  " * sum(rated_5)"                                                                                \
  " FROM e LEFT JOIN analytics.customers cu ON cu.id = e.customer_id"                              \
  " GROUP BY 1, 2, 3, 4, 5, 6, 7"                                                                  \
  " ON CONFLICT (month, owner_id, department_id, region, industry, level, type)"                   \
  " DO UPDATE SET created = s.created + excluded.created,"                                         \
  " responded = s.responded + excluded.responded,"                                                 \
  " response_seconds = s.response_seconds + excluded.response_seconds,"                            \
  " resolved = s.resolved + excluded.resolved,"                                                    \
  " resolution_seconds = s.resolution_seconds + excluded.resolution_seconds,"                      \
  " response_breaches = s.response_breaches + excluded.response_breaches,"                         \
  " resolution_breaches = s.resolution_breaches + excluded.resolution_breaches,"                   \
  " archived = s.archived + excluded.archived, rated_1 = s.rated_1 + excluded.rated_1,"            \
  " rated_2 = s.rated_2 + excluded.rated_2, rated_3 = s.rated_3 + excluded.rated_3,"               \
  " rated_4 = s.rated_4 + excluded.rated_4, rated_5 = s.rated_5 + excluded.rated_5"

// The facts of the tickets $1 and of the customers $2, times $3, in the zone $4.
constexpr Statement kAddTickets{"analytics.add_tickets",
                                "WITH k AS (SELECT unnest($1::text[])::uuid AS id"
                                "   UNION SELECT id FROM analytics.tickets WHERE customer_id = "
                                "ANY($2::text[]::uuid[]))," TICKET_FACTS("$4::text")
                                    ADD_TICKETS("$3::int")};

// Serialises the batches that change the rollups: a batch of facts reads the customers' region
// as they are once it holds the lock, and a batch of customers the facts.
constexpr Statement kLockRollups{"analytics.lock_rollups",
                                 "SELECT pg_advisory_xact_lock(hashtext('analytics.rollups'))"};

constexpr Statement kProgress{
    "analytics.progress",
    "INSERT INTO analytics.source_progress AS p (source, last_event_time, last_apply_time)"
    " VALUES ($1, " CRM_SQL_FROM_MICROS("$2") ", now())"
    " ON CONFLICT (source) DO UPDATE SET"
    " last_event_time = greatest(p.last_event_time, excluded.last_event_time),"
    " last_apply_time = now()"};

// Microseconds as text, "" when absent (for the batch statements' optional times).
std::string MicrosText(const google::protobuf::Timestamp& t, bool present) {
  return present ? absl::StrCat(MicrosOf(t)) : std::string();
}

// Columns of a batch statement, one text array each.
class Columns {
 public:
  explicit Columns(size_t n) : columns_(n) {}
  template <typename... Values>
  void Add(const Values&... values) {
    size_t i = 0;
    (columns_[i++].push_back(Text(values)), ...);
  }
  bool empty() const { return columns_.empty() || columns_[0].empty(); }
  std::string operator[](size_t i) const { return db::TextArray(columns_[i]); }
  const std::vector<std::string>& column(size_t i) const { return columns_[i]; }

 private:
  static std::string Text(const std::string& v) { return v; }
  static std::string Text(const char* v) { return v; }
  static std::string Text(bool v) { return v ? "true" : "false"; }
  template <typename Int, typename = std::enable_if_t<std::is_integral_v<Int>>>
  static std::string Text(Int v) {
    return absl::StrCat(v);
  }
  std::vector<std::vector<std::string>> columns_;
};

// Per record id, the newest version in a batch (the later one of equal versions).
template <typename T>
class Newest {
 public:
  void Offer(const std::string& id, int64_t version, T value) {
    auto it = by_id_.find(id);
    if (it == by_id_.end() || it->second.first <= version) by_id_[id] = {version, std::move(value)};
  }
  // In id order (the order rows are locked in).
  const std::map<std::string, std::pair<int64_t, T>>& all() const { return by_id_; }

 private:
  std::map<std::string, std::pair<int64_t, T>> by_id_;
};

// The customers an event of the customers service changes.
absl::Status CustomersOf(const common::v1::Event& e, std::vector<std::string>* ids) {
  if (e.type() == "customers.customer.merged") {
    customers::v1::CustomersMerged p;
    if (absl::Status s = Unpack(e, &p); !s.ok()) return s;
    ids->push_back(p.merge().duplicate_id());
    ids->push_back(p.survivor().id());
  } else if (absl::StartsWith(e.type(), "customers.customer.")) {
    customers::v1::CustomerChanged p;
    if (absl::Status s = Unpack(e, &p); !s.ok()) return s;
    ids->push_back(p.customer().id());
  } else if (absl::StartsWith(e.type(), "customers.loss.")) {
    customers::v1::LossStatusChanged p;
    if (absl::Status s = Unpack(e, &p); !s.ok()) return s;
    ids->push_back(p.customer().id());
  }
  return absl::OkStatus();
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

absl::Status Ingest::ApplyBatch(db::Tx& tx, const std::string& source, const Batch& events) const {
  if (events.empty()) return absl::OkStatus();
  absl::Status s;
  if (source != "auth") Exec(tx, kLockRollups);
  if (source == "auth") {
    for (const common::v1::Event* e : events) {
      if (s = ApplyAuth(tx, *e); !s.ok()) return s;
    }
  } else if (source == "customers") {
    // The sales of the batch's customers move to their new region, industry or level.
    std::vector<std::string> customers;
    for (const common::v1::Event* e : events) {
      if (s = CustomersOf(*e, &customers); !s.ok()) return s;
    }
    const std::string ids = db::TextArray(customers);
    const auto add_facts = [&](int sign) {
      if (sign < 0) {
        SalesBefore(tx, "{}", ids);
      } else {
        SalesAfter(tx, "{}", ids);
      }
      Exec(tx, kAddTickets, "{}", ids, sign, zone_.name());
      Exec(tx, kAddFunnel, "{}", ids, sign, zone_.name());
    };
    add_facts(-1);
    // A customer's changes go into the mix one after the other.
    for (const common::v1::Event* e : events) {
      if (s = ApplyCustomers(tx, *e); !s.ok()) return s;
    }
    add_facts(1);
  } else if (source == "pipeline") {
    s = ApplyPipeline(tx, events);
  } else if (source == "contracts") {
    s = ApplyContracts(tx, events);
  } else if (source == "payments") {
    s = ApplyPayments(tx, events);
  } else if (source == "service") {
    s = ApplyService(tx, events);
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown source ", source));
  }
  if (!s.ok()) return s;
  int64_t latest = 0;
  for (const common::v1::Event* e : events) latest = std::max(latest, MicrosOf(e->occur_time()));
  Exec(tx, kProgress, source, latest);
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
                    const std::string& day, absl::TimeZone zone) {
  Exec(tx, kUpsertCustomer, c.id(), c.name(), Id(c.owner_id()), Id(c.owner_department_id()),
       c.region(), c.industry(), c.level(), c.credit(), c.satisfaction(), c.source(),
       CodeOf(c.status(), &customers::v1::CustomerStatus_Name, "CUSTOMER_STATUS_"),
       MicrosOf(c.create_time()), deleted, version, day, zone.name());
}

}  // namespace

absl::Status Ingest::ApplyCustomers(db::Tx& tx, const common::v1::Event& e) const {
  const int64_t at = MicrosOf(e.occur_time());
  const std::string day = Day(TimeOf(e.occur_time()));
  if (e.type() == "customers.customer.merged") {
    customers::v1::CustomersMerged p;
    if (absl::Status s = Unpack(e, &p); !s.ok()) return s;
    Exec(tx, kDeleteCustomer, p.merge().duplicate_id(), at, day, zone_.name());
    UpsertCustomer(tx, p.survivor(), false, VersionOf(e, p.survivor().update_time()), day, zone_);
  } else if (absl::StartsWith(e.type(), "customers.customer.")) {
    customers::v1::CustomerChanged p;
    if (absl::Status s = Unpack(e, &p); !s.ok()) return s;
    const bool deleted = e.type() == "customers.customer.deleted";
    UpsertCustomer(tx, p.customer(), deleted, VersionOf(e, p.customer().update_time()), day, zone_);
  } else if (absl::StartsWith(e.type(), "customers.loss.")) {
    customers::v1::LossStatusChanged p;
    if (absl::Status s = Unpack(e, &p); !s.ok()) return s;
    const auto& c = p.customer();
    const auto& a = p.action();
    Exec(tx, kInsertLoss, a.id(), c.id(),
         CodeOf(a.kind(), &customers::v1::LossActionKind_Name, "LOSS_ACTION_KIND_"), a.note(),
         Id(c.owner_id()), Id(c.owner_department_id()), MicrosOf(a.create_time()));
    UpsertCustomer(tx, c, false, VersionOf(e, c.update_time()), day, zone_);
  }
  return absl::OkStatus();
}

absl::Status Ingest::ApplyPipeline(db::Tx& tx, const Batch& events) const {
  Newest<pipeline::v1::Opportunity> opportunities;
  Columns stages(2);
  for (const common::v1::Event* e : events) {
    if (e->type() == "pipeline.stage.upserted") {
      pipeline::v1::StageChanged p;
      if (absl::Status s = Unpack(*e, &p); !s.ok()) return s;
      Exec(tx, kUpsertStage, p.stage().code(), p.stage().name(), p.stage().position());
      continue;
    }
    pipeline::v1::OpportunityChanged p;
    if (absl::Status s = Unpack(*e, &p); !s.ok()) return s;
    const auto& o = p.opportunity();
    stages.Add(o.id(), o.stage());
    opportunities.Offer(o.id(), VersionOf(*e, o.update_time()), o);
  }
  if (stages.empty()) return absl::OkStatus();
  Columns x(9);
  for (const auto& [id, newest] : opportunities.all()) {
    const auto& [version, o] = newest;
    x.Add(o.id(), CodeOf(o.status(), &pipeline::v1::OpportunityStatus_Name, "OPPORTUNITY_STATUS_"),
          o.stage(), o.creator_id(), o.assignee_id(), o.customer_id(), MicrosOf(o.create_time()),
          MicrosText(o.close_time(), o.has_close_time()), version);
  }
  Exec(tx, kAddFunnel, x[0], "{}", -1, zone_.name());
  Exec(tx, kUpsertOpportunities, x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], stages[0],
       stages[1]);
  Exec(tx, kAddFunnel, x[0], "{}", 1, zone_.name());
  return absl::OkStatus();
}

absl::Status Ingest::ApplyContracts(db::Tx& tx, const Batch& events) const {
  Newest<contracts::v1::Contract> contracts;
  for (const common::v1::Event* e : events) {
    contracts::v1::ContractChanged p;
    if (absl::Status s = Unpack(*e, &p); !s.ok()) return s;
    const auto& c = p.contract();
    contracts.Offer(c.id(), VersionOf(*e, c.update_time()), c);
  }
  if (contracts.all().empty()) return absl::OkStatus();
  Columns k(10), lines(7);
  for (const auto& [id, newest] : contracts.all()) {
    const auto& [version, c] = newest;
    k.Add(c.id(), c.customer_id(), c.owner_id(), c.owner_department_id(),
          CodeOf(c.status(), &contracts::v1::ContractStatus_Name, "CONTRACT_STATUS_"),
          c.currency_code(), MinorOf(c.amount()), DateText(c.sign_date()), version, c.lines_size());
    int position = 0;
    for (const auto& l : c.lines()) {
      lines.Add(c.id(), ++position, l.product_id(), l.product_name(), l.product_line_id(),
                l.quantity(), MinorOf(l.amount()));
    }
  }
  SalesBefore(tx, k[0], "{}");
  Exec(tx, kUpsertContracts, k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], k[8], k[9], lines[0],
       lines[1], lines[2], lines[3], lines[4], lines[5], lines[6]);
  SalesAfter(tx, k[0], "{}");
  return absl::OkStatus();
}

absl::Status Ingest::ApplyPayments(db::Tx& tx, const Batch& events) const {
  Newest<payments::v1::Receivable> receivables;
  Newest<payments::v1::Delivery> deliveries;
  Columns pay(8);
  // Every contract the batch touches: its sales are taken out before and added back after.
  std::vector<std::string> contracts;
  for (const common::v1::Event* e : events) {
    if (absl::StartsWith(e->type(), "payments.receivable.")) {
      payments::v1::ReceivableChanged p;
      if (absl::Status s = Unpack(*e, &p); !s.ok()) return s;
      const auto& r = p.receivable();
      receivables.Offer(r.contract_id(), VersionOf(*e, r.update_time()), r);
    } else if (absl::StartsWith(e->type(), "payments.payment.")) {
      payments::v1::PaymentRecorded p;
      if (absl::Status s = Unpack(*e, &p); !s.ok()) return s;
      const auto& x = p.payment();
      const auto& r = p.receivable();
      const auto& when = x.has_receive_time() ? x.receive_time() : x.record_time();
      pay.Add(x.id(), x.contract_id(), r.customer_id(), r.owner_id(), r.owner_department_id(),
              x.amount().currency_code(), MinorOf(x.amount()), Day(TimeOf(when)));
      contracts.push_back(x.contract_id());
    } else if (absl::StartsWith(e->type(), "payments.delivery.")) {
      payments::v1::DeliveryChanged p;
      if (absl::Status s = Unpack(*e, &p); !s.ok()) return s;
      const auto& d = p.delivery();
      int64_t version = MicrosOf(e->occur_time());
      for (const auto* t : {&d.create_time(), &d.ship_time(), &d.accept_time()}) {
        version = std::max(version, MicrosOf(*t));
      }
      deliveries.Offer(d.id(), version, d);
    }
  }
  Columns r(9), plan(4), d(6);
  for (const auto& [id, newest] : receivables.all()) {
    const auto& [version, x] = newest;
    r.Add(x.contract_id(), x.customer_id(), x.owner_id(), x.owner_department_id(),
          x.currency_code(),
          CodeOf(x.status(), &payments::v1::ReceivableStatus_Name, "RECEIVABLE_STATUS_"), version,
          x.installments_size(), DateText(x.sign_date()));
    int number = 0;
    for (const auto& i : x.installments()) {
      plan.Add(x.contract_id(), ++number, DateText(i.due_date()), MinorOf(i.amount()));
    }
    contracts.push_back(x.contract_id());
  }
  for (const auto& [id, newest] : deliveries.all()) {
    const auto& [version, x] = newest;
    d.Add(x.id(), x.contract_id(), x.line_position(), x.quantity(),
          x.has_accept_time() ? Day(TimeOf(x.accept_time())) : std::string(), version);
    contracts.push_back(x.contract_id());
  }
  const std::string touched = db::TextArray(contracts);
  SalesBefore(tx, touched, "{}");
  // Receivables first: a payment takes the owner of its receivable as stored.
  if (!r.empty()) {
    Exec(tx, kUpsertReceivables, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], plan[0], plan[1],
         plan[2], plan[3], r[8]);
  }
  if (!pay.empty()) {
    Exec(tx, kInsertPayments, pay[0], pay[1], pay[2], pay[3], pay[4], pay[5], pay[6], pay[7]);
  }
  if (!d.empty()) Exec(tx, kUpsertDeliveries, d[0], d[1], d[2], d[3], d[4], d[5]);
  SalesAfter(tx, touched, "{}");
  return absl::OkStatus();
}

absl::Status Ingest::ApplyService(db::Tx& tx, const Batch& events) const {
  Newest<service::v1::Ticket> tickets;
  Columns feedback(3), breaches(3);
  for (const common::v1::Event* e : events) {
    if (e->type() == "service.ticket.overdue") {
      service::v1::TicketOverdue p;
      if (absl::Status s = Unpack(*e, &p); !s.ok()) return s;
      breaches.Add(p.ticket().id(),
                   p.deadline() == service::v1::TicketOverdue::DEADLINE_FIRST_RESPONSE,
                   p.deadline() == service::v1::TicketOverdue::DEADLINE_RESOLUTION);
      continue;
    }
    service::v1::TicketChanged p;
    if (absl::Status s = Unpack(*e, &p); !s.ok()) return s;
    const auto& t = p.ticket();
    tickets.Offer(t.id(), VersionOf(*e, t.update_time()), t);
    // A feedback (returned or archived): its satisfaction.
    if ((e->type() == "service.ticket.returned" || e->type() == "service.ticket.archived") &&
        t.satisfaction() >= 1 && t.satisfaction() <= 5) {
      feedback.Add(t.id(), MicrosOf(e->occur_time()), t.satisfaction());
    }
  }
  // Every ticket the batch touches: its facts are taken out of the rollup before and added back
  // after.
  std::vector<std::string> touched;
  for (const auto& [id, newest] : tickets.all()) touched.push_back(id);
  for (const std::string& id : breaches.column(0)) touched.push_back(id);
  const std::string ids = db::TextArray(touched);
  Exec(tx, kAddTickets, ids, "{}", -1, zone_.name());
  if (!tickets.all().empty()) {
    Columns x(10);
    for (const auto& [id, newest] : tickets.all()) {
      const auto& [version, t] = newest;
      x.Add(t.id(), t.type(), t.customer_id(), t.customer_owner_id(),
            t.customer_owner_department_id(),
            CodeOf(t.status(), &service::v1::TicketStatus_Name, "TICKET_STATUS_"),
            MicrosOf(t.create_time()),
            MicrosText(t.first_response_time(), t.has_first_response_time()),
            MicrosText(t.resolve_time(), t.has_resolve_time()), version);
    }
    Exec(tx, kUpsertTickets, x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9],
         feedback[0], feedback[1], feedback[2]);
  }
  if (!breaches.empty()) Exec(tx, kMarkBreaches, breaches[0], breaches[1], breaches[2]);
  Exec(tx, kAddTickets, ids, "{}", 1, zone_.name());
  return absl::OkStatus();
}

absl::Status Ingest::Reset(db::Conn& conn, const std::string& source) const {
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
    RebuildRollups(tx);
    return absl::OkStatus();
  });
}

void Ingest::RebuildRollups(db::Tx& tx) const {
  Exec(tx, kLockRollups);
  // Every fact is read: longer than a request's statement may take, and reports running meanwhile
  // are waited for.
  tx.exec("SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0");
  tx.exec(
      "TRUNCATE analytics.mix_months, analytics.sales_periods, analytics.customer_periods,"
      " analytics.funnel_periods, analytics.ticket_months, analytics.rollup_zone");
  tx.exec_params("WITH mix AS (SELECT day, " MIX_COLUMNS
                 ", delta FROM analytics.customer_mix),"
                 " made AS (SELECT created_at, " MIX_COLUMNS
                 ", 1 AS n FROM analytics.customers"
                 "   WHERE NOT deleted)" ADD_MIX("day", "$1::text"),
                 zone_.name());
  tx.exec(kCreateSalesBefore);
  tx.exec(
      "WITH k AS (SELECT id FROM analytics.contracts"
      "   UNION SELECT contract_id FROM analytics.payments)," SALES_FACTS ADD_SALES(
          EVERY_CUSTOMER));
  tx.exec_params("WITH k AS (SELECT id FROM analytics.tickets)," TICKET_FACTS("$1::text")
                     ADD_TICKETS("1"),
                 zone_.name());
  tx.exec_params("WITH k AS (SELECT id FROM analytics.opportunities)," FUNNEL_FACTS("$1::text")
                     ADD_FUNNEL("1"),
                 zone_.name());
  tx.exec(
      "UPDATE analytics.receivables r SET last_receive_day = p.day"
      " FROM (SELECT contract_id, max(receive_day) AS day FROM analytics.payments GROUP BY 1) p"
      " WHERE r.contract_id = p.contract_id AND r.last_receive_day IS DISTINCT FROM p.day");
  tx.exec_params("INSERT INTO analytics.rollup_zone (zone) VALUES ($1)", zone_.name());
}

absl::Status Ingest::KeepRollupsInZone(db::Conn& conn) const {
  return conn.Transact([&](db::Tx& tx) -> absl::Status {
    Exec(tx, kLockRollups);
    pqxx::result zone = tx.exec("SELECT zone FROM analytics.rollup_zone");
    if (zone.empty() || zone[0][0].as<std::string>() != zone_.name()) {
      log::Info("computing the rollups in the company's time zone").Str("zone", zone_.name());
      RebuildRollups(tx);
    }
    return absl::OkStatus();
  });
}

}  // namespace crm::analytics
