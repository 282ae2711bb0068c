// Hand-over: the SQL of Repository that moves customers between owners.

#include "libs/auth/scope.h"
#include "libs/db/time_fields.h"
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

constexpr Statement kInsertHandover{
    "customers.insert_handover",
    "INSERT INTO customers.handovers (id, from_user_id, to_user_id, to_department_id,"
    " customer_ids, reason, created_by)"
    " VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::uuid[], $6, $7::uuid)"};

constexpr Statement kFindHandover{
    "customers.find_handover",
    "SELECT h.id::text, h.from_user_id::text, h.to_user_id::text, h.to_department_id::text,"
    " h.customer_ids::text[], h.reason, h.created_by::text, " CRM_SQL_MICROS(
        "h.created_at") " FROM customers.handovers h WHERE h.id = $1::uuid"};

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
                          const std::string& user_id, const std::string& department_id) {
  Exec(tx, kReassign, db::TextArray(ids), user_id, department_id);
}

void Repository::InsertHandover(db::Tx& tx, const Handover& h) {
  Exec(tx, kInsertHandover, h.id, h.from_user_id, h.to_user_id, h.to_department_id,
       db::TextArray(h.customer_ids), h.reason, h.created_by);
}

std::optional<Handover> Repository::FindHandover(db::Tx& tx, const std::string& id) {
  pqxx::result r = Exec(tx, kFindHandover, id);
  if (r.empty()) return std::nullopt;
  Handover h;
  h.id = r[0][0].as<std::string>();
  h.from_user_id = r[0][1].as<std::string>();
  h.to_user_id = r[0][2].as<std::string>();
  h.to_department_id = r[0][3].as<std::string>();
  h.customer_ids = db::ParseTextArray(r[0][4]);
  h.reason = r[0][5].as<std::string>();
  h.created_by = r[0][6].as<std::string>();
  h.created_at = db::TimeOf(r[0][7]);
  return h;
}

}  // namespace crm::customers_service
