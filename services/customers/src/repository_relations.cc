// The relationship map: the SQL of Repository that concerns who knows whom.

#include "libs/auth/scope.h"
#include "libs/db/time_fields.h"
#include "services/customers/src/repository.h"

namespace crm::customers_service {
namespace {

using db::Exec;
using db::Statement;

#define RELATION_COLUMNS                                                           \
  "r.user_id::text, r.contact_id::text, k.customer_id::text, r.strength, r.notes," \
  " r.version, " CRM_SQL_MICROS("r.created_at") ", " CRM_SQL_MICROS("r.updated_at")

ContactRelation RelationFromRow(const pqxx::row& row) {
  ContactRelation r;
  r.user_id = row[0].as<std::string>();
  r.contact_id = row[1].as<std::string>();
  r.customer_id = row[2].as<std::string>();
  r.strength = row[3].as<int>();
  r.notes = row[4].as<std::string>();
  r.version = row[5].as<int64_t>();
  r.created_at = db::TimeOf(row[6]);
  r.updated_at = db::TimeOf(row[7]);
  return r;
}

constexpr Statement kFindRelation{
    "customers.find_relation",
    "SELECT " RELATION_COLUMNS
    " FROM customers.contact_relations r JOIN customers.contacts k ON k.id = r.contact_id"
    " WHERE r.user_id = $1::uuid AND r.contact_id = $2::uuid FOR UPDATE OF r"};

constexpr Statement kUpsertRelation{
    "customers.upsert_relation",
    "INSERT INTO customers.contact_relations AS r (user_id, contact_id, strength, notes)"
    " VALUES ($1::uuid, $2::uuid, $3, $4)"
    " ON CONFLICT (user_id, contact_id) DO UPDATE SET strength = excluded.strength,"
    " notes = excluded.notes, version = r.version + 1, updated_at = now()"};

constexpr Statement kDeleteRelation{
    "customers.delete_relation",
    "DELETE FROM customers.contact_relations WHERE user_id = $1::uuid AND contact_id = $2::uuid"};

constexpr Statement kRelationsOfCustomer{
    "customers.relations_of_customer",
    "SELECT " RELATION_COLUMNS
    " FROM customers.contacts k JOIN customers.contact_relations r ON r.contact_id = k.id"
    " WHERE k.customer_id = $1::uuid AND k.deleted_at IS NULL"
    " ORDER BY r.contact_id, r.strength DESC, r.user_id LIMIT $2"};

#define LINK_COLUMNS                                                               \
  "l.id::text, l.from_customer_id::text, l.to_customer_id::text, l.kind, l.notes," \
  " l.created_by::text, " CRM_SQL_MICROS("l.created_at")

CustomerLink LinkFromRow(const pqxx::row& row) {
  CustomerLink l;
  l.id = row[0].as<std::string>();
  l.from_customer_id = row[1].as<std::string>();
  l.to_customer_id = row[2].as<std::string>();
  l.kind = row[3].as<std::string>();
  l.notes = row[4].as<std::string>();
  l.created_by = row[5].as<std::string>();
  l.created_at = db::TimeOf(row[6]);
  return l;
}

constexpr Statement kInsertLink{
    "customers.insert_link",
    "INSERT INTO customers.customer_links (id, from_customer_id, to_customer_id, kind, notes,"
    " created_by) VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6::uuid)"
    " ON CONFLICT (from_customer_id, to_customer_id, kind) DO NOTHING RETURNING id"};

constexpr Statement kFindLink{"customers.find_link",
                              "SELECT " LINK_COLUMNS
                              " FROM customers.customer_links l WHERE l.id = $1::uuid"
                              " FOR UPDATE"};

constexpr Statement kDeleteLink{"customers.delete_link",
                                "DELETE FROM customers.customer_links WHERE id = $1::uuid"};

// Links of a customer whose other end is a live customer within the caller's scope.
const auth::ScopedStatement& LinksOfCustomerStmt() {
  static const auto* stmt = new auth::ScopedStatement(
      "customers.links_of_customer",
      "SELECT " LINK_COLUMNS
      " FROM customers.customer_links l"
      " JOIN customers.customers c ON c.id = CASE WHEN l.from_customer_id = $1::uuid"
      "   THEN l.to_customer_id ELSE l.from_customer_id END AND c.deleted_at IS NULL"
      " WHERE (l.from_customer_id = $1::uuid OR l.to_customer_id = $1::uuid) AND {scope}"
      " ORDER BY l.created_at, l.id LIMIT $3",
      "c.owner_id", "c.owner_department_id", 2);
  return *stmt;
}

// The contacts (live, of live customers within the caller's scope) these users know.
const auth::ScopedStatement& KnownContactsStmt() {
  static const auto* stmt = new auth::ScopedStatement(
      "customers.known_contacts",
      "SELECT r.user_id::text, r.contact_id::text, r.strength"
      " FROM customers.contact_relations r"
      " JOIN customers.contacts k ON k.id = r.contact_id AND k.deleted_at IS NULL"
      " JOIN customers.customers c ON c.id = k.customer_id AND c.deleted_at IS NULL"
      " WHERE r.user_id = ANY($1::uuid[]) AND {scope}",
      "c.owner_id", "c.owner_department_id", 2);
  return *stmt;
}

constexpr Statement kContactKnowers{
    "customers.contact_knowers",
    "SELECT r.contact_id::text, r.user_id::text, r.strength FROM customers.contact_relations r"
    " WHERE r.contact_id = ANY($1::uuid[])"};

// Reporting lines touching these contacts: (contact, the contact it reports to).
constexpr Statement kReportingLines{
    "customers.reporting_lines",
    "SELECT k.id::text, k.reports_to_id::text FROM customers.contacts k"
    " WHERE k.deleted_at IS NULL AND k.reports_to_id IS NOT NULL"
    " AND (k.id = ANY($1::uuid[]) OR k.reports_to_id = ANY($1::uuid[]))"};

std::vector<Edge> EdgesOf(const pqxx::result& r) {
  std::vector<Edge> out;
  out.reserve(r.size());
  for (const auto& row : r) {
    out.push_back({row[0].as<std::string>(), row[1].as<std::string>(),
                   row.size() > 2 ? row[2].as<int>() : 0});
  }
  return out;
}

}  // namespace

std::optional<ContactRelation> Repository::LockRelation(db::Tx& tx, const std::string& user_id,
                                                        const std::string& contact_id) {
  pqxx::result r = Exec(tx, kFindRelation, user_id, contact_id);
  if (r.empty()) return std::nullopt;
  return RelationFromRow(r[0]);
}

void Repository::UpsertRelation(db::Tx& tx, const ContactRelation& r) {
  Exec(tx, kUpsertRelation, r.user_id, r.contact_id, r.strength, r.notes);
}

void Repository::DeleteRelation(db::Tx& tx, const std::string& user_id,
                                const std::string& contact_id) {
  Exec(tx, kDeleteRelation, user_id, contact_id);
}

std::vector<ContactRelation> Repository::RelationsOfCustomer(db::Tx& tx,
                                                             const std::string& customer_id,
                                                             int limit) {
  std::vector<ContactRelation> out;
  for (const auto& row : Exec(tx, kRelationsOfCustomer, customer_id, limit)) {
    out.push_back(RelationFromRow(row));
  }
  return out;
}

bool Repository::InsertLink(db::Tx& tx, const CustomerLink& l) {
  return !Exec(tx, kInsertLink, l.id, l.from_customer_id, l.to_customer_id, l.kind, l.notes,
               l.created_by)
              .empty();
}

std::optional<CustomerLink> Repository::LockLink(db::Tx& tx, const std::string& id) {
  pqxx::result r = Exec(tx, kFindLink, id);
  if (r.empty()) return std::nullopt;
  return LinkFromRow(r[0]);
}

void Repository::DeleteLink(db::Tx& tx, const std::string& id) { Exec(tx, kDeleteLink, id); }

std::vector<CustomerLink> Repository::LinksOfCustomer(db::Tx& tx, const std::string& customer_id,
                                                      const auth::Principal& caller, int limit) {
  std::vector<CustomerLink> out;
  for (const auto& row : Exec(tx, LinksOfCustomerStmt().For(caller.scope), customer_id,
                              auth::ScopeParam(caller), limit)) {
    out.push_back(LinkFromRow(row));
  }
  return out;
}

std::vector<Edge> Repository::KnownContacts(db::Tx& tx, const std::vector<std::string>& user_ids,
                                            const auth::Principal& caller) {
  return EdgesOf(Exec(tx, KnownContactsStmt().For(caller.scope), db::TextArray(user_ids),
                      auth::ScopeParam(caller)));
}

std::vector<Edge> Repository::ContactKnowers(db::Tx& tx,
                                             const std::vector<std::string>& contact_ids) {
  return EdgesOf(Exec(tx, kContactKnowers, db::TextArray(contact_ids)));
}

std::vector<Edge> Repository::ReportingLines(db::Tx& tx,
                                             const std::vector<std::string>& contact_ids) {
  return EdgesOf(Exec(tx, kReportingLines, db::TextArray(contact_ids)));
}

}  // namespace crm::customers_service
