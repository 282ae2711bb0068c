// Churn: the SQL of Repository that follows orders, warns of customers without any and
// records what their owners do about it.

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "libs/db/pqxx_traits.h"
#include "libs/db/time_fields.h"
#include "services/customers/src/repository.h"

namespace crm::customers_service {
namespace {

using db::Exec;
using db::Statement;

std::string DayText(absl::CivilDay d) { return absl::FormatCivilTime(d); }

// The order lands on the customer, or on its survivor when it was merged. Only a status
// change moves the version (the last order date is derived, not edited).
constexpr Statement kApplyOrder{
    "customers.apply_order",
    "WITH t AS (SELECT c.id, c.status AS old_status FROM customers.customers c"
    "   WHERE c.id = coalesce((SELECT m.merged_into FROM customers.customers m"
    "                          WHERE m.id = $1::uuid), $1::uuid) FOR UPDATE),"
    " n AS (SELECT t.id, t.old_status,"
    "   CASE WHEN t.old_status <> 'active' AND $2::date >= $3::date THEN 'active'"
    "        ELSE t.old_status END AS new_status FROM t)"
    " UPDATE customers.customers c SET"
    "   last_order_date = greatest(c.last_order_date, $2::date),"
    "   status = n.new_status,"
    "   loss_warned_at = CASE WHEN n.new_status = 'active' THEN NULL ELSE c.loss_warned_at END,"
    "   loss_delayed_until = CASE WHEN n.new_status = 'active' THEN NULL"
    "                        ELSE c.loss_delayed_until END,"
    "   version = c.version + CASE WHEN n.new_status <> n.old_status THEN 1 ELSE 0 END,"
    "   updated_at = CASE WHEN n.new_status <> n.old_status THEN now() ELSE c.updated_at END"
    " FROM n WHERE c.id = n.id"
    " RETURNING c.id::text, n.new_status <> n.old_status"};

constexpr Statement kWarnDue{
    "customers.warn_due",
    "WITH due AS (SELECT c.id FROM customers.customers c WHERE c.deleted_at IS NULL AND ("
    "   (c.status = 'active' AND (c.last_order_date < $1::date OR (c.last_order_date IS NULL"
    "     AND c.created_at < ($1::date::timestamp AT TIME ZONE $3))))"
    "   OR (c.status = 'loss_delayed' AND c.loss_delayed_until < $2::date))"
    "   ORDER BY c.id LIMIT $4 FOR UPDATE SKIP LOCKED)"
    " UPDATE customers.customers c SET status = 'loss_warning', loss_warned_at = now(),"
    " loss_delayed_until = NULL, version = c.version + 1, updated_at = now()"
    " FROM due WHERE c.id = due.id RETURNING c.id::text"};

constexpr Statement kSetLossStatus{
    "customers.set_loss_status",
    "UPDATE customers.customers SET status = $2, loss_delayed_until = $3::date,"
    " version = version + 1, updated_at = now()"
    " WHERE id = $1::uuid AND version = $4 AND deleted_at IS NULL"};

constexpr Statement kInsertLossAction{
    "customers.insert_loss_action",
    "INSERT INTO customers.loss_actions (id, customer_id, kind, note, delayed_until, user_id)"
    " VALUES ($1::uuid, $2::uuid, $3, $4, $5::date, $6::uuid)"};

constexpr Statement kLossActions{
    "customers.loss_actions",
    "SELECT * FROM (SELECT a.id::text, a.customer_id::text, a.kind, a.note,"
    " a.delayed_until::text, coalesce(a.user_id::text, ''), " CRM_SQL_MICROS("a.created_at")
    " AS at FROM customers.loss_actions a WHERE a.customer_id = $1::uuid"
    " ORDER BY a.created_at DESC, a.id DESC LIMIT $2) x ORDER BY x.at, x.id"};

}  // namespace

std::optional<Repository::OrderApplied> Repository::ApplyOrder(db::Tx& tx,
                                                               const std::string& customer_id,
                                                               absl::CivilDay day,
                                                               absl::CivilDay recent_from) {
  pqxx::result r = Exec(tx, kApplyOrder, customer_id, DayText(day), DayText(recent_from));
  if (r.empty()) return std::nullopt;
  return OrderApplied{r[0][0].as<std::string>(), r[0][1].as<bool>()};
}

std::vector<std::string> Repository::WarnDue(db::Tx& tx, absl::CivilDay cutoff,
                                             absl::CivilDay today, const std::string& zone,
                                             int limit) {
  return db::FirstColumn(Exec(tx, kWarnDue, DayText(cutoff), DayText(today), zone, limit));
}

bool Repository::SetLossStatus(db::Tx& tx, const std::string& id, const std::string& status,
                               std::optional<absl::CivilDay> delayed_until,
                               int64_t expected_version) {
  std::optional<std::string> until;
  if (delayed_until) until = DayText(*delayed_until);
  return Exec(tx, kSetLossStatus, id, status, until, expected_version).affected_rows() == 1;
}

void Repository::InsertLossAction(db::Tx& tx, const LossAction& a) {
  std::optional<std::string> until;
  if (a.delayed_until) until = DayText(*a.delayed_until);
  Exec(tx, kInsertLossAction, a.id, a.customer_id, a.kind, a.note, until,
       db::NullIfEmpty(a.user_id));
}

std::vector<LossAction> Repository::LossActions(db::Tx& tx, const std::string& customer_id,
                                                int limit) {
  std::vector<LossAction> out;
  for (const auto& row : Exec(tx, kLossActions, customer_id, limit)) {
    LossAction a;
    a.id = row[0].as<std::string>();
    a.customer_id = row[1].as<std::string>();
    a.kind = row[2].as<std::string>();
    a.note = row[3].as<std::string>();
    a.delayed_until = db::OptionalDayOf(row[4]);
    a.user_id = row[5].as<std::string>();
    a.created_at = db::TimeOf(row[6]);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace crm::customers_service
