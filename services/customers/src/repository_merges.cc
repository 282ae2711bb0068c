// Duplicates and merges: the SQL of Repository that finds customers that look alike and
// folds one into another.

#include "libs/auth/scope.h"
#include "libs/db/pqxx_traits.h"
#include "libs/db/time_fields.h"
#include "services/customers/src/customer_rows.h"
#include "services/customers/src/repository.h"

namespace crm::customers_service {
namespace {

using db::Exec;
using db::Statement;

// Every pair within scope: one self-join per key, grouped by pair. A key shared by more than
// 50 customers (a switchboard number, a group's tax id) is not a sign of duplicates, and would
// make pairs by the square of its size: such keys are left out, which bounds the join.
// clang-format off
#define CRM_PAIRS_OF_KEY(key, label, nonempty)                                      \
  " SELECT a.id AS a, b.id AS b, '" label "' AS m FROM (SELECT " key " AS k FROM s" \
  "   WHERE " nonempty " GROUP BY " key " HAVING count(*) BETWEEN 2 AND 50) g"     \
  "   JOIN s a ON a." key " = g.k JOIN s b ON b." key " = g.k AND b.id > a.id"
// clang-format on
const auth::ScopedStatement& AllPairsStmt() {
  static const auto* stmt = new auth::ScopedStatement(
      "customers.duplicate_pairs",
      "WITH s AS MATERIALIZED (SELECT c.id, c.tax_id, c.normalized_name, c.phone_digits"
      "   FROM customers.customers c WHERE c.deleted_at IS NULL AND {scope}),"
      " p AS (" CRM_PAIRS_OF_KEY("tax_id", "tax_id", "tax_id <> ''")
      "   UNION ALL" CRM_PAIRS_OF_KEY("normalized_name", "name", "normalized_name <> ''")
      "   UNION ALL" CRM_PAIRS_OF_KEY("phone_digits", "phone", "phone_digits <> ''") ")"
      " SELECT p.a::text, p.b::text, array_agg(p.m ORDER BY p.m)::text[] FROM p"
      " WHERE (p.a, p.b) > ($2::uuid, $3::uuid)"
      " GROUP BY p.a, p.b ORDER BY p.a, p.b LIMIT $4",
      "c.owner_id", "c.owner_department_id", 1);
  return *stmt;
}
#undef CRM_PAIRS_OF_KEY

// The pairs of one customer (which must be within scope: checked by the caller).
const auth::ScopedStatement& PairsOfStmt() {
  static const auto* stmt = new auth::ScopedStatement(
      "customers.duplicate_pairs_of",
      "WITH x AS (SELECT * FROM customers.customers WHERE id = $2::uuid),"
      " p AS (SELECT c.id, 'tax_id' AS m FROM x JOIN customers.customers c"
      "       ON c.tax_id = x.tax_id AND c.tax_id <> '' AND c.deleted_at IS NULL"
      "       AND c.id <> x.id AND {scope}"
      "   UNION ALL SELECT c.id, 'name' FROM x JOIN customers.customers c"
      "       ON c.normalized_name = x.normalized_name AND c.deleted_at IS NULL"
      "       AND c.id <> x.id AND {scope}"
      "   UNION ALL SELECT c.id, 'phone' FROM x JOIN customers.customers c"
      "       ON c.phone_digits = x.phone_digits AND c.phone_digits <> ''"
      "       AND c.deleted_at IS NULL AND c.id <> x.id AND {scope})"
      " SELECT $2::uuid::text, p.id::text, array_agg(p.m ORDER BY p.m)::text[] FROM p"
      " WHERE p.id > $3::uuid GROUP BY p.id ORDER BY p.id LIMIT $4",
      "c.owner_id", "c.owner_department_id", 1);
  return *stmt;
}

constexpr Statement kMoveContacts{
    "customers.move_contacts",
    "UPDATE customers.contacts k SET customer_id = $2::uuid,"
    " is_primary = k.is_primary AND NOT EXISTS (SELECT 1 FROM customers.contacts p"
    "   WHERE p.customer_id = $2::uuid AND p.is_primary AND p.deleted_at IS NULL),"
    " version = k.version + 1, updated_at = now()"
    " WHERE k.customer_id = $1::uuid RETURNING k.id::text"};

// The duplicate owner's follow-ups pass to the survivor's owner with the interactions.
constexpr Statement kMoveInteractions{
    "customers.move_interactions",
    "UPDATE customers.interactions i SET customer_id = $2::uuid, version = i.version + 1,"
    " updated_at = now(), follow_up_user_id = CASE WHEN i.follow_up_user_id = d.owner_id"
    " THEN coalesce(s.owner_id, i.follow_up_user_id) ELSE i.follow_up_user_id END"
    " FROM customers.customers d, customers.customers s"
    " WHERE i.customer_id = $1::uuid AND d.id = $1::uuid AND s.id = $2::uuid"};

// Each link of $1 with $1 replaced by $2 (a partnership re-ordered); those that would link $2
// to itself or repeat a link are deleted, the others updated.
constexpr Statement kMoveLinks{
    "customers.move_links",
    "WITH x AS (SELECT id, kind,"
    "   CASE WHEN from_customer_id = $1::uuid THEN $2::uuid ELSE from_customer_id END AS f,"
    "   CASE WHEN to_customer_id = $1::uuid THEN $2::uuid ELSE to_customer_id END AS t"
    "   FROM customers.customer_links"
    "   WHERE from_customer_id = $1::uuid OR to_customer_id = $1::uuid),"
    " m AS (SELECT id, kind,"
    "   CASE WHEN kind = 'partner' THEN least(f, t) ELSE f END AS f,"
    "   CASE WHEN kind = 'partner' THEN greatest(f, t) ELSE t END AS t FROM x),"
    " dropped AS (DELETE FROM customers.customer_links l USING m WHERE l.id = m.id AND"
    "   (m.f = m.t OR EXISTS (SELECT 1 FROM customers.customer_links o WHERE o.id <> m.id"
    "    AND o.from_customer_id = m.f AND o.to_customer_id = m.t AND o.kind = m.kind))"
    "   RETURNING l.id)"
    " UPDATE customers.customer_links l SET from_customer_id = m.f, to_customer_id = m.t"
    " FROM m WHERE l.id = m.id AND l.id NOT IN (SELECT id FROM dropped)"};

// The duplicate $1 marked merged into $2, with what else it had: its documents and churn
// steps, the customers merged into it before (so that merged_into is one step from a
// survivor), and its last order's day if later than the survivor's.
constexpr Statement kMarkMerged{
    "customers.mark_merged",
    "WITH documents AS (UPDATE customers.documents SET customer_id = $2::uuid"
    "   WHERE customer_id = $1::uuid),"
    " losses AS (UPDATE customers.loss_actions SET customer_id = $2::uuid"
    "   WHERE customer_id = $1::uuid),"
    " earlier AS (UPDATE customers.customers SET merged_into = $2::uuid"
    "   WHERE merged_into = $1::uuid),"
    " d AS (UPDATE customers.customers SET deleted_at = now(), merged_into = $2::uuid,"
    "   version = version + 1, updated_at = now() WHERE id = $1::uuid RETURNING last_order_date)"
    " UPDATE customers.customers s SET last_order_date = d.last_order_date FROM d"
    " WHERE s.id = $2::uuid AND d.last_order_date > coalesce(s.last_order_date, '-infinity')"};

constexpr Statement kInsertMerge{
    "customers.insert_merge",
    "INSERT INTO customers.merges (id, survivor_id, duplicate_id, contacts_moved,"
    " interactions_moved, links_moved, created_by)"
    " VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6, $7::uuid)"};

#define MERGE_COLUMNS                                                        \
  "m.id::text, m.survivor_id::text, m.duplicate_id::text, m.contacts_moved," \
  " m.interactions_moved, m.links_moved, m.created_by::text, " CRM_SQL_MICROS("m.created_at")

constexpr Statement kFindMerge{"customers.find_merge", "SELECT " MERGE_COLUMNS
                                                       " FROM customers.merges m"
                                                       " WHERE m.id = $1::uuid"};

// Newest first; a merge is seen with its survivor (the duplicate is deleted). $1 narrows to the
// merges of one customer, as survivor or as duplicate.
const auth::ScopedStatement& ListMergesScoped() {
  static const auto* s = new auth::ScopedStatement(
      "customers.list_merges",
      "SELECT " MERGE_COLUMNS
      " FROM customers.merges m JOIN customers.customers c ON c.id = m.survivor_id"
      " WHERE m.id < $3::uuid AND ($1 = '' OR $1::uuid IN (m.survivor_id, m.duplicate_id))"
      " AND {scope} ORDER BY m.id DESC LIMIT $4",
      "c.owner_id", "c.owner_department_id", 2);
  return *s;
}

Merge MergeOf(const pqxx::row& r) {
  Merge m;
  m.id = r[0].as<std::string>();
  m.survivor_id = r[1].as<std::string>();
  m.duplicate_id = r[2].as<std::string>();
  m.contacts_moved = r[3].as<int>();
  m.interactions_moved = r[4].as<int>();
  m.links_moved = r[5].as<int>();
  m.created_by = r[6].as<std::string>();
  m.created_at = db::TimeOf(r[7]);
  return m;
}

}  // namespace

std::vector<DuplicatePair> Repository::DuplicatePairs(db::Tx& tx, const auth::Principal& caller,
                                                      const std::string& customer_id,
                                                      const std::string& after_a,
                                                      const std::string& after_b, int limit) {
  pqxx::result r = customer_id.empty()
                       ? Exec(tx, AllPairsStmt().For(caller.scope), auth::ScopeParam(caller),
                              after_a.empty() ? ids::kMinUuid : after_a,
                              after_b.empty() ? ids::kMinUuid : after_b, limit)
                       : Exec(tx, PairsOfStmt().For(caller.scope), auth::ScopeParam(caller),
                              customer_id, after_b.empty() ? ids::kMinUuid : after_b, limit);
  std::vector<DuplicatePair> out;
  for (const auto& row : r) {
    out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), db::ParseTextArray(row[2])});
  }
  return out;
}

std::vector<std::string> Repository::MoveContacts(db::Tx& tx, const std::string& from,
                                                  const std::string& to) {
  return db::FirstColumn(Exec(tx, kMoveContacts, from, to));
}

int Repository::MoveInteractions(db::Tx& tx, const std::string& from, const std::string& to) {
  return static_cast<int>(Exec(tx, kMoveInteractions, from, to).affected_rows());
}

int Repository::MoveLinks(db::Tx& tx, const std::string& from, const std::string& to) {
  return static_cast<int>(Exec(tx, kMoveLinks, from, to).affected_rows());
}

void Repository::MarkMerged(db::Tx& tx, const std::string& duplicate_id,
                            const std::string& survivor_id) {
  Exec(tx, kMarkMerged, duplicate_id, survivor_id);
}

void Repository::InsertMerge(db::Tx& tx, const Merge& m) {
  Exec(tx, kInsertMerge, m.id, m.survivor_id, m.duplicate_id, m.contacts_moved,
       m.interactions_moved, m.links_moved, m.created_by);
}

std::optional<Merge> Repository::FindMerge(db::Tx& tx, const std::string& id) {
  pqxx::result r = Exec(tx, kFindMerge, id);
  if (r.empty()) return std::nullopt;
  return MergeOf(r[0]);
}

std::vector<Merge> Repository::ListMerges(db::Tx& tx, const auth::Principal& caller,
                                          const std::string& customer_id,
                                          const std::string& before_id, int limit) {
  std::vector<Merge> out;
  for (const auto& row :
       Exec(tx, ListMergesScoped().For(caller.scope), customer_id, auth::ScopeParam(caller),
            before_id.empty() ? std::string(ids::kMaxUuid) : before_id, limit)) {
    out.push_back(MergeOf(row));
  }
  return out;
}

}  // namespace crm::customers_service
