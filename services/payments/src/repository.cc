#include "services/payments/src/repository.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "libs/auth/scope.h"
#include "libs/db/filters.h"
#include "libs/db/pqxx_traits.h"
#include "libs/db/time_fields.h"
#include "libs/ids/uuid.h"

namespace crm::payments_service {
namespace {

using db::Exec;
using db::Statement;

// Visible to the contract's owner and to managers of the owner's department.
const std::vector<std::string> kOwners = {"r.owner_id"};
const std::vector<std::string> kDepartments = {"r.owner_department_id"};

// What is due: a terminated contract's receivable owes nothing more than was received.
#define DUE "CASE WHEN r.status = 'terminated' THEN r.received_minor ELSE r.due_minor END"

#define HEADER_COLUMNS                                                                        \
  "r.contract_id::text, r.contract_number, r.customer_id::text, r.owner_id::text,"            \
  " coalesce(r.owner_department_id::text, ''), r.currency, r.sign_date::text, r.status, " DUE \
  ", r.received_minor, r.has_payments, r.version, " CRM_SQL_MICROS(                           \
      "r.created_at") ", " CRM_SQL_MICROS("r.updated_at")
constexpr int kHeaderColumns = 14;

// The unpaid part of a receivable's installments past due on `today` (a date parameter), in
// all and by age: b.overdue, b.aging_30, b.aging_60, b.aging_90, b.aging_older (nothing for a
// terminated contract's).
#define BALANCE_JOIN(today)                                                          \
  " LEFT JOIN LATERAL (SELECT"                                                       \
  "   coalesce(sum(i.amount_minor - i.paid_minor) FILTER (WHERE i.due_date < " today \
  "), 0)::int8 AS overdue,"                                                          \
  "   coalesce(sum(i.amount_minor - i.paid_minor) FILTER (WHERE " today              \
  " - i.due_date BETWEEN 1 AND 30), 0)::int8 AS aging_30,"                           \
  "   coalesce(sum(i.amount_minor - i.paid_minor) FILTER (WHERE " today              \
  " - i.due_date BETWEEN 31 AND 60), 0)::int8 AS aging_60,"                          \
  "   coalesce(sum(i.amount_minor - i.paid_minor) FILTER (WHERE " today              \
  " - i.due_date BETWEEN 61 AND 90), 0)::int8 AS aging_90,"                          \
  "   coalesce(sum(i.amount_minor - i.paid_minor) FILTER (WHERE " today              \
  " - i.due_date > 90), 0)::int8 AS aging_older"                                     \
  "   FROM payments.installments i"                                                  \
  "   WHERE i.contract_id = r.contract_id AND i.paid_minor < i.amount_minor"         \
  "   AND r.status <> 'terminated') b ON true"
#define BALANCE_COLUMNS "b.overdue, b.aging_30, b.aging_60, b.aging_90, b.aging_older"

// A receivable with its installments and lines (as arrays, in order): HEADER_COLUMNS,
// BALANCE_COLUMNS, then the arrays. $2 is today. The aggregates take the rows in the order of
// their ordered subquery: with an ORDER BY each, they would sort them once each.
#define RECEIVABLE_IN_FULL \
  HEADER_COLUMNS ", " BALANCE_COLUMNS                                                          \
  ", p.numbers, p.dues, p.amounts, p.paids, ln.positions, ln.products, ln.names, ln.quantities," \
  " ln.delivered, ln.accepted FROM payments.receivables r" BALANCE_JOIN("$2::date")            \
  " LEFT JOIN LATERAL (SELECT array_agg(x.number::text) AS numbers,"                           \
  "   array_agg(x.due_date::text) AS dues, array_agg(x.amount_minor::text) AS amounts,"       \
  "   array_agg(x.paid_minor::text) AS paids"                                                  \
  "   FROM (SELECT * FROM payments.installments y WHERE y.contract_id = r.contract_id"         \
  "     ORDER BY y.number) x) p ON true"                                                       \
  " LEFT JOIN LATERAL (SELECT array_agg(l.position::text) AS positions,"                       \
  "   array_agg(l.product_id) AS products, array_agg(l.product_name) AS names,"                \
  "   array_agg(l.quantity::text) AS quantities, array_agg(l.delivered::text) AS delivered,"   \
  "   array_agg(l.accepted::text) AS accepted"                                                 \
  "   FROM (SELECT y.position, y.product_id, y.product_name, y.quantity,"                      \
  "     coalesce(d.delivered, 0) AS delivered, coalesce(d.accepted, 0) AS accepted"           \
  "     FROM payments.receivable_lines y LEFT JOIN (SELECT line_position,"                     \
  "       sum(quantity) AS delivered,"                                                         \
  "       sum(quantity) FILTER (WHERE status = 'accepted') AS accepted"                        \
  "       FROM payments.deliveries WHERE contract_id = r.contract_id GROUP BY line_position) d" \
  "       ON d.line_position = y.position"                                                     \
  "     WHERE y.contract_id = r.contract_id ORDER BY y.position) l) ln ON true"

int64_t Number(const std::string& text) {
  int64_t v = 0;
  (void)absl::SimpleAtoi(text, &v);
  return v;
}

absl::CivilDay Day(const std::string& text) {
  absl::CivilDay day;
  (void)absl::ParseCivilTime(text, &day);
  return day;
}

std::string DayText(const std::optional<absl::CivilDay>& d) {
  return d ? absl::FormatCivilTime(*d) : std::string();
}

Receivable HeaderOf(const pqxx::row& r) {
  Receivable v;
  v.contract_id = r[0].as<std::string>();
  v.contract_number = r[1].as<std::string>();
  v.customer_id = r[2].as<std::string>();
  v.owner_id = r[3].as<std::string>();
  v.owner_department_id = r[4].as<std::string>();
  v.currency = r[5].as<std::string>();
  v.sign_date = Day(r[6].as<std::string>());
  v.status = StatusFromName(r[7].as<std::string>());
  v.balance.due_minor = r[8].as<int64_t>();
  v.balance.received_minor = r[9].as<int64_t>();
  v.has_payments = r[10].as<bool>();
  v.version = r[11].as<int64_t>();
  v.created_at = db::TimeOf(r[12]);
  v.updated_at = db::TimeOf(r[13]);
  return v;
}

// HEADER_COLUMNS and BALANCE_COLUMNS.
Receivable ReceivableOf(const pqxx::row& r) {
  Receivable v = HeaderOf(r);
  constexpr int at = kHeaderColumns;
  v.balance.overdue_minor = r[at].as<int64_t>();
  for (int k = 0; k < 4; ++k) v.balance.aging_minor[k] = r[at + 1 + k].as<int64_t>();
  return v;
}

// A row of RECEIVABLE_IN_FULL.
Receivable ReceivableInFull(const pqxx::row& r) {
  Receivable v = ReceivableOf(r);
  constexpr int at = kHeaderColumns + 5;
  std::vector<std::vector<std::string>> a;
  for (int k = 0; k < 10; ++k) a.push_back(db::ParseTextArray(r[at + k]));
  for (size_t i = 0; i < a[0].size(); ++i) {
    v.installments.push_back(
        {static_cast<int>(Number(a[0][i])), Day(a[1][i]), Number(a[2][i]), Number(a[3][i])});
  }
  for (size_t i = 0; i < a[4].size(); ++i) {
    v.lines.push_back({static_cast<int>(Number(a[4][i])), a[5][i], a[6][i], Number(a[7][i]),
                       Number(a[8][i]), Number(a[9][i])});
  }
  return v;
}

#define PAYMENT_COLUMNS \
  "p.id::text, p.contract_id::text, p.kind, coalesce(p.reverses_id::text, ''), " \
  "p.method, "    \
  CRM_SQL_MICROS("p.received_at") ", p.amount_minor, r.currency, p.handler_id::text,"         \
  " p.payer_bank, p.payer_account_name, p.payer_account_number, p.reference, p.note,"         \
  " p.recorded_by::text, " CRM_SQL_MICROS("p.recorded_at") ", coalesce(q.id::text, '')"       \
  " FROM payments.payments p JOIN payments.receivables r ON r.contract_id = p.contract_id"    \
  " LEFT JOIN payments.payments q ON q.reverses_id = p.id"

Payment PaymentOf(const pqxx::row& r) {
  Payment p;
  p.id = r[0].as<std::string>();
  p.contract_id = r[1].as<std::string>();
  p.kind = KindFromName(r[2].as<std::string>());
  p.reverses_id = r[3].as<std::string>();
  p.method = r[4].as<std::string>();
  p.received_at = db::TimeOf(r[5]);
  p.amount_minor = r[6].as<int64_t>();
  p.currency = r[7].as<std::string>();
  p.handler_id = r[8].as<std::string>();
  p.payer = {r[9].as<std::string>(), r[10].as<std::string>(), r[11].as<std::string>()};
  p.reference = r[12].as<std::string>();
  p.note = r[13].as<std::string>();
  p.recorded_by = r[14].as<std::string>();
  p.recorded_at = db::TimeOf(r[15]);
  p.reversed_by_id = r[16].as<std::string>();
  return p;
}

#define DELIVERY_COLUMNS \
  "d.id::text, d.contract_id::text, d.line_position, d.quantity, d.note, d.status,"           \
  " d.created_by::text, " CRM_SQL_MICROS("d.created_at") ", coalesce(d.shipped_by::text, ''), " \
  CRM_SQL_MICROS("d.shipped_at") ", coalesce(d.accepted_by::text, ''), "                      \
  CRM_SQL_MICROS("d.accepted_at") ", d.version"

Delivery DeliveryOf(const pqxx::row& r) {
  Delivery d;
  d.id = r[0].as<std::string>();
  d.contract_id = r[1].as<std::string>();
  d.line_position = r[2].as<int>();
  d.quantity = r[3].as<int64_t>();
  d.note = r[4].as<std::string>();
  d.status = DeliveryStatusFromName(r[5].as<std::string>());
  d.created_by = r[6].as<std::string>();
  d.created_at = db::TimeOf(r[7]);
  d.shipped_by = r[8].as<std::string>();
  d.shipped_at = db::OptionalTimeOf(r[9]);
  d.accepted_by = r[10].as<std::string>();
  d.accepted_at = db::OptionalTimeOf(r[11]);
  d.version = r[12].as<int64_t>();
  return d;
}

#define NOTE_COLUMNS                                                                        \
  "n.id::text, n.contract_id::text, n.installment_number, n.result, n.promised_date::text," \
  " n.author_id::text, " CRM_SQL_MICROS("n.created_at")

// NOTE_COLUMNS from column `at` on.
CollectionNote NoteOf(const pqxx::row& r, int at = 0) {
  return {r[at].as<std::string>(),     r[at + 1].as<std::string>(),  r[at + 2].as<int>(),
          r[at + 3].as<std::string>(), db::OptionalDayOf(r[at + 4]), r[at + 5].as<std::string>(),
          db::TimeOf(r[at + 6])};
}

constexpr Statement kInsertReceivable{
    "payments.insert_receivable",
    "WITH r AS (INSERT INTO payments.receivables (contract_id, contract_number, customer_id,"
    "   owner_id, owner_department_id, currency, due_minor, sign_date)"
    "   VALUES ($1::uuid, $2, $3::uuid, $4::uuid, nullif($5, '')::uuid, $6, $7::int8, $8::date)"
    "   ON CONFLICT (contract_id) DO NOTHING RETURNING contract_id),"
    " l AS (INSERT INTO payments.receivable_lines (contract_id, position, product_id,"
    "   product_name, quantity)"
    "   SELECT r.contract_id, x.position, x.product_id, x.name, x.quantity"
    "   FROM r, unnest($9::int[], $10::text[], $11::text[], $12::int8[])"
    "     AS x (position, product_id, name, quantity)),"
    " i AS (INSERT INTO payments.installments (contract_id, number, due_date, amount_minor)"
    "   SELECT r.contract_id, x.number, x.due, x.amount"
    "   FROM r, unnest($13::int[], $14::date[], $15::int8[]) AS x (number, due, amount))"
    " SELECT count(*) FROM r"};

constexpr Statement kFollow{
    "payments.follow",
    "UPDATE payments.receivables SET customer_id = $2::uuid, owner_id = $3::uuid,"
    " owner_department_id = nullif($4, '')::uuid,"
    " status = CASE WHEN $5::bool AND status = 'open' THEN 'terminated' ELSE status END,"
    " version = version + 1, updated_at = now()"
    " WHERE contract_id = $1::uuid AND (customer_id <> $2::uuid OR owner_id <> $3::uuid"
    "   OR owner_department_id IS DISTINCT FROM nullif($4, '')::uuid"
    "   OR ($5::bool AND status = 'open')) RETURNING 1"};

constexpr Statement kFind{"payments.find",
                          "SELECT " RECEIVABLE_IN_FULL " WHERE r.contract_id = $1::uuid"};

const auth::ScopedStatement& GetScoped(bool lock) {
  static const auth::ScopedStatement* const statements[2] = {
      new auth::ScopedStatement("payments.get",
                                "SELECT " RECEIVABLE_IN_FULL
                                " WHERE r.contract_id = $1::uuid AND {scope}",
                                kOwners, kDepartments, 3),
      new auth::ScopedStatement("payments.lock",
                                "SELECT " RECEIVABLE_IN_FULL
                                " WHERE r.contract_id = $1::uuid AND {scope} FOR UPDATE OF r",
                                kOwners, kDepartments, 3)};
  return *statements[lock];
}

const auth::ScopedStatement& LockForPaymentScoped() {
  static const auto* s = new auth::ScopedStatement(
      "payments.lock_for_payment",
      "SELECT " HEADER_COLUMNS
      ", (SELECT m.active FROM payments.payment_methods m"
      "   WHERE m.code = $2)"
      " FROM payments.receivables r WHERE r.contract_id = $1::uuid AND {scope} FOR UPDATE OF r",
      kOwners, kDepartments, 3);
  return *s;
}

// The list filters over $2…$7 (status, customer, owner, department, signed from, to); the
// customer's is written in for each statement ({customer}).
#define FILTERS                                                    \
  " ($2 = '' OR r.status = $2) AND {customer}"                     \
  " AND ($4 = '' OR r.owner_id = nullif($4, '')::uuid)"            \
  " AND ($5 = '' OR r.owner_department_id = nullif($5, '')::uuid)" \
  " AND ($6 = '' OR r.sign_date >= nullif($6, '')::date)"          \
  " AND ($7 = '' OR r.sign_date <= nullif($7, '')::date)"

// A customer's receivables (Customer 360, a customer's page) are a statement of their own, whose
// kept plan walks the customer's index (db::UuidFilter); other lists are left to the planner, which
// mostly plans them for each call's values (a kept plan cannot use an index for an `($n = '' OR …)`
// filter).
const auth::ScopedStatement& ListScoped(bool by_customer) {
  static const auto* s = new auth::CustomerListStatements(
      "payments.list",
      [](bool by_customer) {
        return absl::StrReplaceAll(
            "SELECT " HEADER_COLUMNS ", " BALANCE_COLUMNS
            " FROM payments.receivables r" BALANCE_JOIN(
                "$10::date") " WHERE r.contract_id < $1::uuid AND" FILTERS
                             " AND (NOT $8::bool OR b.overdue > 0)"
                             " AND {scope} ORDER BY r.contract_id DESC LIMIT $11",
            {{"{customer}", db::UuidFilter(by_customer, "r.customer_id", 3)}});
      },
      kOwners, kDepartments, 9);
  return s->For(by_customer);
}

const auth::ScopedStatement& SummarizeScoped() {
  static const auto* s = new auth::ScopedStatement(
      "payments.summarize",
      absl::StrReplaceAll("SELECT coalesce(sum(" DUE
                          "), 0)::int8, coalesce(sum(r.received_minor), 0)::int8,"
                          " coalesce(sum(b.overdue), 0)::int8, coalesce(sum(b.aging_30), 0)::int8,"
                          " coalesce(sum(b.aging_60), 0)::int8, coalesce(sum(b.aging_90), 0)::int8,"
                          " coalesce(sum(b.aging_older), 0)::int8"
                          " FROM payments.receivables r" BALANCE_JOIN(
                              "$9::date") " WHERE r.currency = $1 AND" FILTERS " AND {scope}",
                          {{"{customer}", "($3 = '' OR r.customer_id = nullif($3, '')::uuid)"}}),
      kOwners, kDepartments, 8);
  return *s;
}

constexpr Statement kBumpVersion{
    "payments.bump_version",
    "UPDATE payments.receivables SET version = version + 1, updated_at = now()"
    " WHERE contract_id = $1::uuid AND version = $2::int8 RETURNING 1"};
constexpr Statement kDeletePlan{"payments.delete_plan",
                                "DELETE FROM payments.installments WHERE contract_id = $1::uuid"};
constexpr Statement kInsertPlan{
    "payments.insert_plan",
    "INSERT INTO payments.installments (contract_id, number, due_date, amount_minor)"
    " SELECT $1::uuid, x.number, x.due, x.amount"
    " FROM unnest($2::int[], $3::date[], $4::int8[]) AS x (number, due, amount)"};

constexpr Statement kMethods{
    "payments.methods",
    "SELECT code, name FROM payments.payment_methods WHERE active ORDER BY position, code"};

// The record, the receivable's new received amount ($15), and that amount applied to the
// installments in order: each gets what is left after those before it, up to its amount.
constexpr Statement kWritePayment{
    "payments.write_payment",
    "WITH p AS (INSERT INTO payments.payments (id, contract_id, kind, reverses_id, method,"
    "   received_at, amount_minor, handler_id, payer_bank, payer_account_name,"
    "   payer_account_number, reference, note, recorded_by)"
    "   VALUES ($1::uuid, $2::uuid, $3, nullif($4, '')::uuid, $5, " CRM_SQL_FROM_MICROS("$6")
    ", $7::int8, $8::uuid, $9, $10, $11, $12, $13, $14::uuid) RETURNING recorded_at),"
    " r AS (UPDATE payments.receivables SET received_minor = $15::int8, has_payments = true,"
    "   version = version + 1, updated_at = now() WHERE contract_id = $2::uuid),"
    " x AS (SELECT number, least(greatest($15::int8 - (sum(amount_minor) OVER (ORDER BY number)"
    "     - amount_minor), 0), amount_minor) AS paid"
    "   FROM payments.installments WHERE contract_id = $2::uuid),"
    " i AS (UPDATE payments.installments i SET paid_minor = x.paid FROM x"
    "   WHERE i.contract_id = $2::uuid AND i.number = x.number AND i.paid_minor <> x.paid)"
    " SELECT " CRM_SQL_MICROS("recorded_at") " FROM p"};

constexpr Statement kSettle{
    "payments.settle",
    "UPDATE payments.receivables r SET status = 'settled', version = version + 1,"
    " updated_at = now()"
    " WHERE r.contract_id = $1::uuid AND r.status = 'open' AND r.received_minor = r.due_minor"
    " AND NOT EXISTS (SELECT 1 FROM payments.receivable_lines l"
    "   WHERE l.contract_id = r.contract_id AND l.quantity > (SELECT coalesce(sum(d.quantity), 0)"
    "     FROM payments.deliveries d WHERE d.contract_id = l.contract_id"
    "     AND d.line_position = l.position AND d.status = 'accepted'))"
    " RETURNING 1"};
constexpr Statement kReopen{
    "payments.reopen",
    "UPDATE payments.receivables SET status = 'open', version = version + 1, updated_at = now()"
    " WHERE contract_id = $1::uuid AND status = 'settled' AND received_minor < due_minor"
    " RETURNING 1"};

constexpr Statement kFindPayment{"payments.find_payment",
                                 "SELECT " PAYMENT_COLUMNS " WHERE p.id = $1::uuid"};
constexpr Statement kPayments{"payments.payments",
                              "SELECT " PAYMENT_COLUMNS
                              " WHERE p.contract_id = $1::uuid AND p.id < $2::uuid"
                              " ORDER BY p.id DESC LIMIT $3"};

constexpr Statement kInsertDelivery{
    "payments.insert_delivery",
    "INSERT INTO payments.deliveries (id, contract_id, line_position, quantity, note, created_by)"
    " VALUES ($1::uuid, $2::uuid, $3::int, $4::int8, $5, $6::uuid)"};
constexpr Statement kFindDelivery{"payments.find_delivery",
                                  "SELECT " DELIVERY_COLUMNS
                                  " FROM payments.deliveries d WHERE d.id = $1::uuid"};
constexpr Statement kAdvanceDelivery{
    "payments.advance_delivery",
    "UPDATE payments.deliveries d SET status = $3,"
    " shipped_by = CASE WHEN $3 = 'shipped' THEN $4::uuid ELSE shipped_by END,"
    " shipped_at = CASE WHEN $3 = 'shipped' THEN now() ELSE shipped_at END,"
    " accepted_by = CASE WHEN $3 = 'accepted' THEN $4::uuid ELSE accepted_by END,"
    " accepted_at = CASE WHEN $3 = 'accepted' THEN now() ELSE accepted_at END,"
    " version = version + 1 WHERE d.id = $1::uuid AND d.version = $2::int8"
    " RETURNING " DELIVERY_COLUMNS};
constexpr Statement kDeliveries{"payments.deliveries",
                                "SELECT " DELIVERY_COLUMNS
                                " FROM payments.deliveries d WHERE d.contract_id = $1::uuid"
                                " ORDER BY d.id LIMIT 1000"};

constexpr Statement kInsertNote{
    "payments.insert_note",
    "INSERT INTO payments.collection_notes AS n (id, contract_id, installment_number, result,"
    " promised_date, author_id)"
    " VALUES ($1::uuid, $2::uuid, $3::int, $4, nullif($5, '')::date, $6::uuid)"
    " RETURNING " NOTE_COLUMNS};
constexpr Statement kNotes{"payments.notes",
                           "SELECT " NOTE_COLUMNS
                           " FROM payments.collection_notes n WHERE n.contract_id = $1::uuid"
                           " ORDER BY n.id DESC LIMIT 1000"};

const auth::ScopedStatement& OverdueScoped() {
  static const auto* s = new auth::ScopedStatement(
      "payments.overdue",
      "SELECT " HEADER_COLUMNS
      ", i.number, i.due_date::text, i.amount_minor, i.paid_minor, " NOTE_COLUMNS
      " FROM payments.installments i JOIN payments.receivables r"
      "   ON r.contract_id = i.contract_id"
      " LEFT JOIN LATERAL (SELECT * FROM payments.collection_notes x"
      "   WHERE x.contract_id = i.contract_id AND x.installment_number = i.number"
      "   ORDER BY x.id DESC LIMIT 1) n ON true"
      " WHERE i.paid_minor < i.amount_minor AND i.due_date < $1::date AND r.status = 'open'"
      " AND (i.due_date, i.contract_id, i.number) > ($2::date, $3::uuid, $4::int)"
      " AND ($5 = '' OR r.owner_id = nullif($5, '')::uuid)"
      " AND ($6 = '' OR r.owner_department_id = nullif($6, '')::uuid)"
      " AND ($7 = '' OR r.customer_id = nullif($7, '')::uuid)"
      " AND {scope} ORDER BY i.due_date, i.contract_id, i.number LIMIT $9",
      kOwners, kDepartments, 8);
  return *s;
}

template <typename T>
std::string Joined(const std::vector<T>& values) {
  std::vector<std::string> text;
  for (const auto& v : values) text.push_back(absl::StrCat(v));
  return db::TextArray(text);
}

}  // namespace

bool Repository::InsertReceivable(db::Tx& tx, const Receivable& r) {
  std::vector<int> positions, numbers;
  std::vector<std::string> products, names, dues;
  std::vector<int64_t> quantities, amounts;
  for (const Line& l : r.lines) {
    positions.push_back(l.position);
    products.push_back(l.product_id);
    names.push_back(l.product_name);
    quantities.push_back(l.quantity);
  }
  for (const Installment& i : r.installments) {
    numbers.push_back(i.number);
    dues.push_back(absl::FormatCivilTime(i.due_date));
    amounts.push_back(i.amount_minor);
  }
  pqxx::result res = Exec(tx, kInsertReceivable, r.contract_id, r.contract_number, r.customer_id,
                          r.owner_id, r.owner_department_id, r.currency, r.balance.due_minor,
                          absl::FormatCivilTime(r.sign_date), Joined(positions),
                          db::TextArray(products), db::TextArray(names), Joined(quantities),
                          Joined(numbers), db::TextArray(dues), Joined(amounts));
  return res[0][0].as<int64_t>() == 1;
}

bool Repository::Follow(db::Tx& tx, const Receivable& r, bool terminated) {
  return !Exec(tx, kFollow, r.contract_id, r.customer_id, r.owner_id, r.owner_department_id,
               terminated)
              .empty();
}

std::optional<Receivable> Repository::Find(db::Tx& tx, const std::string& contract_id,
                                           absl::CivilDay today) {
  pqxx::result r = Exec(tx, kFind, contract_id, absl::FormatCivilTime(today));
  if (r.empty()) return std::nullopt;
  return ReceivableInFull(r[0]);
}

std::optional<Receivable> Repository::Get(db::Tx& tx, const std::string& contract_id,
                                          const auth::Principal& caller, absl::CivilDay today,
                                          bool lock) {
  pqxx::result r = Exec(tx, GetScoped(lock).For(caller.scope), contract_id,
                        absl::FormatCivilTime(today), auth::ScopeParam(caller));
  if (r.empty()) return std::nullopt;
  return ReceivableInFull(r[0]);
}

std::optional<Repository::PaymentTarget> Repository::LockForPayment(db::Tx& tx,
                                                                    const std::string& contract_id,
                                                                    const auth::Principal& caller,
                                                                    const std::string& method) {
  pqxx::result r = Exec(tx, LockForPaymentScoped().For(caller.scope), contract_id, method,
                        auth::ScopeParam(caller));
  if (r.empty()) return std::nullopt;
  PaymentTarget t{HeaderOf(r[0]), std::nullopt};
  if (!r[0][kHeaderColumns].is_null()) t.method_active = r[0][kHeaderColumns].as<bool>();
  return t;
}

std::vector<Receivable> Repository::List(db::Tx& tx, const ReceivableFilter& f,
                                         const auth::Principal& caller, absl::CivilDay today,
                                         const std::string& before_id, int limit) {
  pqxx::result r =
      Exec(tx, ListScoped(!f.customer_id.empty()).For(caller.scope),
           before_id.empty() ? std::string(ids::kMaxUuid) : before_id,
           f.status == ReceivableStatus::kUnspecified ? std::string() : StatusName(f.status),
           f.customer_id, f.owner_id, f.department_id, DayText(f.signed_from), DayText(f.signed_to),
           f.overdue_only, auth::ScopeParam(caller), absl::FormatCivilTime(today), limit);
  std::vector<Receivable> out;
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(ReceivableOf(row));
  return out;
}

Balance Repository::Summarize(db::Tx& tx, const ReceivableFilter& f, const auth::Principal& caller,
                              absl::CivilDay today) {
  pqxx::row r =
      Exec(tx, SummarizeScoped().For(caller.scope), f.currency,
           f.status == ReceivableStatus::kUnspecified ? std::string() : StatusName(f.status),
           f.customer_id, f.owner_id, f.department_id, DayText(f.signed_from), DayText(f.signed_to),
           auth::ScopeParam(caller), absl::FormatCivilTime(today))[0];
  Balance b;
  b.due_minor = r[0].as<int64_t>();
  b.received_minor = r[1].as<int64_t>();
  b.overdue_minor = r[2].as<int64_t>();
  for (int k = 0; k < 4; ++k) b.aging_minor[k] = r[3 + k].as<int64_t>();
  return b;
}

bool Repository::ReplacePlan(db::Tx& tx, const std::string& contract_id, int64_t expected_version,
                             const std::vector<Installment>& plan) {
  if (Exec(tx, kBumpVersion, contract_id, expected_version).empty()) return false;
  Exec(tx, kDeletePlan, contract_id);
  std::vector<int> numbers;
  std::vector<std::string> dues;
  std::vector<int64_t> amounts;
  for (const Installment& i : plan) {
    numbers.push_back(i.number);
    dues.push_back(absl::FormatCivilTime(i.due_date));
    amounts.push_back(i.amount_minor);
  }
  Exec(tx, kInsertPlan, contract_id, Joined(numbers), db::TextArray(dues), Joined(amounts));
  return true;
}

std::vector<PaymentMethod> Repository::Methods(db::Tx& tx) {
  std::vector<PaymentMethod> out;
  for (const auto& r : Exec(tx, kMethods)) {
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>()});
  }
  return out;
}

absl::Time Repository::WritePayment(db::Tx& tx, const Payment& p, int64_t received) {
  return db::TimeOf(Exec(tx, kWritePayment, p.id, p.contract_id, KindName(p.kind), p.reverses_id,
                         p.method, db::MicrosOf(p.received_at.value_or(absl::Now())),
                         p.amount_minor, p.handler_id, p.payer.bank, p.payer.account_name,
                         p.payer.account_number, p.reference, p.note, p.recorded_by,
                         received)[0][0]);
}

bool Repository::Settle(db::Tx& tx, const std::string& contract_id) {
  return !Exec(tx, kSettle, contract_id).empty();
}

bool Repository::Reopen(db::Tx& tx, const std::string& contract_id) {
  return !Exec(tx, kReopen, contract_id).empty();
}

std::optional<Payment> Repository::FindPayment(db::Tx& tx, const std::string& id) {
  pqxx::result r = Exec(tx, kFindPayment, id);
  if (r.empty()) return std::nullopt;
  return PaymentOf(r[0]);
}

std::vector<Payment> Repository::Payments(db::Tx& tx, const std::string& contract_id,
                                          const std::string& before_id, int limit) {
  std::vector<Payment> out;
  for (const auto& r : Exec(tx, kPayments, contract_id,
                            before_id.empty() ? std::string(ids::kMaxUuid) : before_id, limit)) {
    out.push_back(PaymentOf(r));
  }
  return out;
}

void Repository::InsertDelivery(db::Tx& tx, const Delivery& d) {
  Exec(tx, kInsertDelivery, d.id, d.contract_id, d.line_position, d.quantity, d.note, d.created_by);
}

std::optional<Delivery> Repository::FindDelivery(db::Tx& tx, const std::string& id) {
  pqxx::result r = Exec(tx, kFindDelivery, id);
  if (r.empty()) return std::nullopt;
  return DeliveryOf(r[0]);
}

std::optional<Delivery> Repository::AdvanceDelivery(db::Tx& tx, const std::string& id,
                                                    int64_t expected_version, DeliveryStatus to,
                                                    const std::string& by) {
  pqxx::result r = Exec(tx, kAdvanceDelivery, id, expected_version, DeliveryStatusName(to), by);
  if (r.empty()) return std::nullopt;
  return DeliveryOf(r[0]);
}

std::vector<Delivery> Repository::Deliveries(db::Tx& tx, const std::string& contract_id) {
  std::vector<Delivery> out;
  for (const auto& r : Exec(tx, kDeliveries, contract_id)) out.push_back(DeliveryOf(r));
  return out;
}

CollectionNote Repository::InsertNote(db::Tx& tx, const CollectionNote& n) {
  return NoteOf(Exec(tx, kInsertNote, n.id, n.contract_id, n.installment_number, n.result,
                     DayText(n.promised_date), n.author_id)[0]);
}

std::vector<CollectionNote> Repository::Notes(db::Tx& tx, const std::string& contract_id) {
  std::vector<CollectionNote> out;
  for (const auto& r : Exec(tx, kNotes, contract_id)) out.push_back(NoteOf(r));
  return out;
}

std::vector<OverdueInstallment> Repository::Overdue(db::Tx& tx, const ReceivableFilter& f,
                                                    const auth::Principal& caller,
                                                    absl::CivilDay today,
                                                    const std::optional<OverdueKey>& after,
                                                    int limit) {
  const OverdueKey start = after.value_or(OverdueKey{"0001-01-01", std::string(ids::kMinUuid), 0});
  std::vector<OverdueInstallment> out;
  for (const auto& r : Exec(tx, OverdueScoped().For(caller.scope), absl::FormatCivilTime(today),
                            start.due_date, start.contract_id, start.number, f.owner_id,
                            f.department_id, f.customer_id, auth::ScopeParam(caller), limit)) {
    OverdueInstallment o;
    o.receivable = HeaderOf(r);
    constexpr int at = kHeaderColumns;
    o.installment = {r[at].as<int>(), Day(r[at + 1].as<std::string>()), r[at + 2].as<int64_t>(),
                     r[at + 3].as<int64_t>()};
    if (!r[at + 4].is_null()) o.last_note = NoteOf(r, at + 4);
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace crm::payments_service
