// Hand-over: the SQL of Repository that moves customers between owners.

#include "libs/auth/scope.h"
#include "libs/db/time_fields.h"
#include "services/customers/src/customer_rows.h"
#include "services/customers/src/repository.h"

namespace crm::customers_service {
namespace {

using db::Exec;
using db::Statement;

const auth::ScopedStatement& LockOwnedStmt() {
  static const auto* stmt = new auth::ScopedStatement(
      "customers.lock_owned",
      "SELECT c.id::text FROM customers.customers c"
      " WHERE c.owner_id = $1::uuid AND c.deleted_at IS NULL"
      " AND (cardinality($3::uuid[]) = 0 OR c.id = ANY($3::uuid[])) AND {scope}"
      " ORDER BY c.id LIMIT $4 FOR UPDATE",
      "c.owner_id", "c.owner_department_id", 2);
  return *stmt;
}

constexpr Statement kReassign{
    "customers.reassign",
    "UPDATE customers.customers SET owner_id = $2::uuid, owner_department_id = $3::uuid,"
    " version = version + 1, updated_at = now() WHERE id = ANY($1::uuid[])"};

// The previous owner's follow-ups on those customers (pending or later set) pass to the new one.
constexpr Statement kReassignFollowUps{
    "customers.reassign_follow_ups",
    "UPDATE customers.interactions SET follow_up_user_id = $3::uuid"
    " WHERE customer_id = ANY($1::uuid[]) AND follow_up_user_id = $2::uuid"};

// Before the customers move: their departments until now are recorded with the hand-over.
constexpr Statement kInsertHandover{
    "customers.insert_handover",
    "INSERT INTO customers.handovers (id, from_user_id, to_user_id, to_department_id,"
    " customer_ids, reason, created_by, from_department_ids)"
    " VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::uuid[], $6, $7::uuid,"
    "  ARRAY(SELECT DISTINCT c.owner_department_id FROM customers.customers c"
    "        WHERE c.id = ANY($5::uuid[]) AND c.owner_department_id IS NOT NULL))"};

#define HANDOVER_COLUMNS                                                            \
  "h.id::text, h.from_user_id::text, h.to_user_id::text, h.to_department_id::text," \
  " h.customer_ids::text[], h.reason, h.created_by::text, " CRM_SQL_MICROS(         \
      "h.created_at") ", h.from_department_ids::text[]"

constexpr Statement kFindHandover{"customers.find_handover",
                                  "SELECT " HANDOVER_COLUMNS
                                  " FROM customers.handovers h WHERE h.id = $1::uuid"};

// Newest first. Scope ($1): own - hand-overs from or to the caller ($2); department - into or
// out of the caller's department subtree ($3); all - every one. $4 narrows to one user.
constexpr Statement kListHandovers{
    "customers.list_handovers",
    "SELECT " HANDOVER_COLUMNS
    " FROM customers.handovers h"
    " WHERE h.id < $5::uuid"
    " AND ($4 = '' OR $4::uuid IN (h.from_user_id, h.to_user_id))"
    " AND ($1 = 'all'"
    "      OR ($1 = 'own' AND $2::uuid IN (h.from_user_id, h.to_user_id))"
    "      OR ($1 = 'department' AND (h.to_department_id = ANY($3::uuid[])"
    "                                 OR h.from_department_ids && $3::uuid[])))"
    " ORDER BY h.id DESC LIMIT $6"};

Handover HandoverOf(const pqxx::row& r) {
  Handover h;
  h.id = r[0].as<std::string>();
  h.from_user_id = r[1].as<std::string>();
  h.to_user_id = r[2].as<std::string>();
  h.to_department_id = r[3].as<std::string>();
  h.customer_ids = db::ParseTextArray(r[4]);
  h.reason = r[5].as<std::string>();
  h.created_by = r[6].as<std::string>();
  h.created_at = db::TimeOf(r[7]);
  h.from_department_ids = db::ParseTextArray(r[8]);
  return h;
}

}  // namespace

std::vector<std::string> Repository::LockOwned(db::Tx& tx, const std::string& owner_id,
                                               const std::vector<std::string>& ids,
                                               const auth::Principal& caller, int limit) {
  std::vector<std::string> out;
  for (const auto& row : Exec(tx, LockOwnedStmt().For(caller.scope), owner_id,
                              auth::ScopeParam(caller), db::TextArray(ids), limit)) {
    out.push_back(row[0].as<std::string>());
  }
  return out;
}

void Repository::Reassign(db::Tx& tx, const std::vector<std::string>& ids,
                          const std::string& from_user_id, const std::string& user_id,
                          const std::string& department_id) {
  Exec(tx, kReassign, db::TextArray(ids), user_id, department_id);
  Exec(tx, kReassignFollowUps, db::TextArray(ids), from_user_id, user_id);
}

void Repository::InsertHandover(db::Tx& tx, const Handover& h) {
  Exec(tx, kInsertHandover, h.id, h.from_user_id, h.to_user_id, h.to_department_id,
       db::TextArray(h.customer_ids), h.reason, h.created_by);
}

std::optional<Handover> Repository::FindHandover(db::Tx& tx, const std::string& id) {
  pqxx::result r = Exec(tx, kFindHandover, id);
  if (r.empty()) return std::nullopt;
  return HandoverOf(r[0]);
}

std::vector<Handover> Repository::ListHandovers(db::Tx& tx, const auth::Principal& caller,
                                                const std::string& user_id,
                                                const std::string& before_id, int limit) {
  std::vector<Handover> out;
  for (const auto& row : Exec(tx, kListHandovers, std::string(auth::DataScopeName(caller.scope)),
                              caller.user_id, db::TextArray(caller.department_tree), user_id,
                              before_id.empty() ? std::string(ids::kMaxUuid) : before_id, limit)) {
    out.push_back(HandoverOf(row));
  }
  return out;
}

}  // namespace crm::customers_service
