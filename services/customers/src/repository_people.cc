// Contacts and interactions: the SQL of Repository that concerns people at customers.

#include "absl/strings/str_cat.h"
#include "libs/auth/scope.h"
#include "libs/db/pqxx_traits.h"
#include "libs/db/time_fields.h"
#include "services/customers/src/customer_rows.h"
#include "services/customers/src/repository.h"

namespace crm::customers_service {
namespace {

using db::Exec;
using db::Statement;

const auth::ScopedStatement& CustomerInScopeStmt(bool lock) {
  static const auto* plain =
      new auth::ScopedStatement("customers.in_scope",
                                "SELECT 1 FROM customers.customers c"
                                " WHERE c.id = $1::uuid AND c.deleted_at IS NULL AND {scope}",
                                "c.owner_id", "c.owner_department_id", 2);
  static const auto* locked = new auth::ScopedStatement(
      "customers.in_scope_locked",
      "SELECT 1 FROM customers.customers c"
      " WHERE c.id = $1::uuid AND c.deleted_at IS NULL AND {scope} FOR SHARE",
      "c.owner_id", "c.owner_department_id", 2);
  return lock ? *locked : *plain;
}

#define CONTACT_COLUMNS                                                                          \
  "k.id::text, k.customer_id::text, k.name, k.gender, k.position, k.office_phone, k.mobile,"     \
  " k.email, k.notes, k.is_primary, coalesce(k.reports_to_id::text, ''), k.buying_role,"         \
  " k.attitude, k.social_style, k.version, " CRM_SQL_MICROS("k.created_at") ", " CRM_SQL_MICROS( \
      "k.updated_at")

Contact ContactFromRow(const pqxx::row& r) {
  Contact c;
  c.id = r[0].as<std::string>();
  c.customer_id = r[1].as<std::string>();
  c.name = r[2].as<std::string>();
  c.gender = r[3].as<std::string>();
  c.position = r[4].as<std::string>();
  c.office_phone = r[5].as<std::string>();
  c.mobile = r[6].as<std::string>();
  c.email = r[7].as<std::string>();
  c.notes = r[8].as<std::string>();
  c.primary = r[9].as<bool>();
  c.reports_to_id = r[10].as<std::string>();
  c.buying_role = r[11].as<std::string>();
  c.attitude = r[12].as<std::string>();
  c.social_style = r[13].as<std::string>();
  c.version = r[14].as<int64_t>();
  c.created_at = db::TimeOf(r[15]);
  c.updated_at = db::TimeOf(r[16]);
  return c;
}

const auth::ScopedStatement& FindContactStmt(bool lock) {
  static const auto* plain = new auth::ScopedStatement(
      "customers.find_contact",
      "SELECT " CONTACT_COLUMNS
      " FROM customers.contacts k"
      " JOIN customers.customers c ON c.id = k.customer_id AND c.deleted_at IS NULL"
      " WHERE k.id = $1::uuid AND k.deleted_at IS NULL AND {scope}",
      "c.owner_id", "c.owner_department_id", 2);
  static const auto* locked = new auth::ScopedStatement(
      "customers.find_contact_locked",
      "SELECT " CONTACT_COLUMNS
      " FROM customers.contacts k"
      " JOIN customers.customers c ON c.id = k.customer_id AND c.deleted_at IS NULL"
      " WHERE k.id = $1::uuid AND k.deleted_at IS NULL AND {scope} FOR UPDATE OF k",
      "c.owner_id", "c.owner_department_id", 2);
  return lock ? *locked : *plain;
}

constexpr Statement kListContacts{
    "customers.list_contacts",
    "SELECT " CONTACT_COLUMNS
    " FROM customers.contacts k"
    " WHERE k.customer_id = $1::uuid AND k.deleted_at IS NULL AND k.id > $2::uuid"
    " ORDER BY k.id LIMIT $3"};

constexpr Statement kFindContacts{"customers.find_contacts",
                                  "SELECT " CONTACT_COLUMNS
                                  " FROM customers.contacts k WHERE k.id = ANY($1::uuid[])"
                                  " ORDER BY k.id"};

constexpr Statement kInsertContact{
    "customers.insert_contact",
    "INSERT INTO customers.contacts (id, customer_id, name, gender, position, office_phone,"
    " mobile, email, notes, is_primary, reports_to_id, buying_role, attitude, social_style)"
    " VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7, $8, $9, $10, $11::uuid, $12, $13, $14)"};

constexpr Statement kUpdateContact{
    "customers.update_contact",
    "UPDATE customers.contacts SET name = $2, gender = $3, position = $4, office_phone = $5,"
    " mobile = $6, email = $7, notes = $8, is_primary = $9, reports_to_id = $10::uuid,"
    " buying_role = $11, attitude = $12, social_style = $13, version = version + 1,"
    " updated_at = now() WHERE id = $1::uuid AND deleted_at IS NULL AND version = $14"};

constexpr Statement kDeleteContact{
    "customers.delete_contact",
    "UPDATE customers.contacts SET deleted_at = now(), is_primary = false, reports_to_id = NULL,"
    " version = version + 1, updated_at = now()"
    " WHERE id = $1::uuid AND deleted_at IS NULL AND version = $2"};

constexpr Statement kClearPrimary{
    "customers.clear_primary",
    "UPDATE customers.contacts SET is_primary = false, version = version + 1, updated_at = now()"
    " WHERE customer_id = $1::uuid AND is_primary AND deleted_at IS NULL AND id <> $2::uuid"
    " RETURNING id"};

constexpr Statement kDetachReports{
    "customers.detach_reports",
    "UPDATE customers.contacts SET reports_to_id = NULL, version = version + 1, updated_at = now()"
    " WHERE reports_to_id = $1::uuid AND deleted_at IS NULL RETURNING id"};

constexpr Statement kReportingChain{
    "customers.reporting_chain",
    "WITH RECURSIVE up AS ("
    "  SELECT reports_to_id AS id, 1 AS depth FROM customers.contacts WHERE id = $1::uuid"
    "  UNION ALL"
    "  SELECT k.reports_to_id, up.depth + 1 FROM customers.contacts k JOIN up ON k.id = up.id"
    "  WHERE up.depth < 100)"
    " SELECT id::text FROM up WHERE id IS NOT NULL"};

constexpr Statement kContactOfCustomer{
    "customers.contact_of_customer",
    "SELECT EXISTS (SELECT 1 FROM customers.contacts WHERE id = $1::uuid"
    " AND customer_id = $2::uuid AND deleted_at IS NULL)"};

#define INTERACTION_COLUMNS \
  "i.id::text, i.customer_id::text, coalesce(i.contact_id::text, ''), i.user_id::text,"    \
  " i.method, " CRM_SQL_MICROS("i.occurred_at") ", i.location, i.summary, i.details,"     \
  " i.result, i.next_follow_up_date::text, i.version, " CRM_SQL_MICROS("i.created_at") "," \
  " " CRM_SQL_MICROS("i.updated_at")

Interaction InteractionFromRow(const pqxx::row& r) {
  Interaction i;
  i.id = r[0].as<std::string>();
  i.customer_id = r[1].as<std::string>();
  i.contact_id = r[2].as<std::string>();
  i.user_id = r[3].as<std::string>();
  i.method = r[4].as<std::string>();
  i.occurred_at = db::TimeOf(r[5]);
  i.location = r[6].as<std::string>();
  i.summary = r[7].as<std::string>();
  i.details = r[8].as<std::string>();
  i.result = r[9].as<std::string>();
  i.next_follow_up_date = db::OptionalDayOf(r[10]);
  i.version = r[11].as<int64_t>();
  i.created_at = db::TimeOf(r[12]);
  i.updated_at = db::TimeOf(r[13]);
  return i;
}

const auth::ScopedStatement& FindInteractionStmt() {
  static const auto* s = new auth::ScopedStatement(
      "customers.find_interaction",
      "SELECT " INTERACTION_COLUMNS
      " FROM customers.interactions i"
      " JOIN customers.customers c ON c.id = i.customer_id AND c.deleted_at IS NULL"
      " WHERE i.id = $1::uuid AND {scope} FOR UPDATE OF i",
      "c.owner_id", "c.owner_department_id", 2);
  return *s;
}

constexpr Statement kListInteractions{
    "customers.list_interactions",
    "SELECT " INTERACTION_COLUMNS
    " FROM customers.interactions i"
    " WHERE i.customer_id = $1::uuid AND (i.occurred_at, i.id) < (" CRM_SQL_FROM_MICROS(
        "$2") ", $3::uuid) ORDER BY i.occurred_at DESC, i.id DESC LIMIT $4"};

constexpr Statement kInsertInteraction{
    "customers.insert_interaction",
    "INSERT INTO customers.interactions (id, customer_id, contact_id, user_id,"
    " follow_up_user_id, method, occurred_at, location, summary, details, result,"
    " next_follow_up_date)"
    " VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $4::uuid, $5, " CRM_SQL_FROM_MICROS(
        "$6") ", $7, $8, $9, $10, $11::date)"};

constexpr Statement kUpdateInteraction{
    "customers.update_interaction",
    "UPDATE customers.interactions SET contact_id = $2::uuid, method = $3,"
    " occurred_at = " CRM_SQL_FROM_MICROS("$4") ", location = $5, summary = $6, details = $7,"
    " result = $8, next_follow_up_date = $9::date, version = version + 1, updated_at = now()"
    " WHERE id = $1::uuid AND version = $10"};

// A follow-up is due when its date has come and nothing was recorded with the customer since.
// The caller's follow-ups ($1) on customers still in their scope ($6): one handed over out of
// it takes its follow-ups along.
const auth::ScopedStatement& FollowUpsDueStmt() {
  static const auto* s = new auth::ScopedStatement(
      "customers.follow_ups_due",
      "SELECT " INTERACTION_COLUMNS
      " FROM customers.interactions i"
      " JOIN customers.customers c ON c.id = i.customer_id AND c.deleted_at IS NULL"
      " WHERE i.follow_up_user_id = $1::uuid AND i.next_follow_up_date <= $2::date"
      " AND (i.next_follow_up_date, i.id) > ($3::date, $4::uuid) AND {scope}"
      " AND NOT EXISTS (SELECT 1 FROM customers.interactions later"
      "                 WHERE later.customer_id = i.customer_id"
      "                 AND (later.occurred_at, later.id) > (i.occurred_at, i.id))"
      " ORDER BY i.next_follow_up_date, i.id LIMIT $5",
      "c.owner_id", "c.owner_department_id", 6);
  return *s;
}

std::optional<std::string> DateText(const std::optional<absl::CivilDay>& d) {
  if (!d) return std::nullopt;
  return absl::FormatCivilTime(*d);
}

}  // namespace

bool Repository::CustomerInScope(db::Tx& tx, const std::string& id, const auth::Principal& caller,
                                 bool lock) {
  return !Exec(tx, CustomerInScopeStmt(lock).For(caller.scope), id, auth::ScopeParam(caller))
              .empty();
}

absl::Status Repository::CheckCustomerInScope(db::Tx& tx, const std::string& id,
                                              const auth::Principal& caller, bool lock) {
  if (CustomerInScope(tx, id, caller, lock)) return absl::OkStatus();
  return auth::NotVisible(caller.scope, "customer", id);
}

std::optional<Contact> Repository::FindContactInScope(db::Tx& tx, const std::string& id,
                                                      const auth::Principal& caller, bool lock) {
  pqxx::result r = Exec(tx, FindContactStmt(lock).For(caller.scope), id, auth::ScopeParam(caller));
  if (r.empty()) return std::nullopt;
  return ContactFromRow(r[0]);
}

std::vector<Contact> Repository::FindContacts(db::Tx& tx, const std::vector<std::string>& ids) {
  std::vector<Contact> out;
  if (ids.empty()) return out;
  for (const auto& row : Exec(tx, kFindContacts, db::TextArray(ids))) {
    out.push_back(ContactFromRow(row));
  }
  return out;
}

std::vector<Contact> Repository::ListContacts(db::Tx& tx, const std::string& customer_id,
                                              const std::string& after_id, int limit) {
  std::vector<Contact> out;
  for (const auto& row :
       Exec(tx, kListContacts, customer_id, after_id.empty() ? ids::kMinUuid : after_id, limit)) {
    out.push_back(ContactFromRow(row));
  }
  return out;
}

void Repository::InsertContact(db::Tx& tx, const Contact& c) {
  Exec(tx, kInsertContact, c.id, c.customer_id, c.name, c.gender, c.position, c.office_phone,
       c.mobile, c.email, c.notes, c.primary, db::NullIfEmpty(c.reports_to_id), c.buying_role,
       c.attitude, c.social_style);
}

bool Repository::UpdateContact(db::Tx& tx, const Contact& c, int64_t expected_version) {
  return Exec(tx, kUpdateContact, c.id, c.name, c.gender, c.position, c.office_phone, c.mobile,
              c.email, c.notes, c.primary, db::NullIfEmpty(c.reports_to_id), c.buying_role,
              c.attitude, c.social_style, expected_version)
             .affected_rows() == 1;
}

bool Repository::DeleteContact(db::Tx& tx, const std::string& id, int64_t expected_version) {
  return Exec(tx, kDeleteContact, id, expected_version).affected_rows() == 1;
}

std::vector<std::string> Repository::ClearPrimary(db::Tx& tx, const std::string& customer_id,
                                                  const std::string& keep_id) {
  return db::FirstColumn(Exec(tx, kClearPrimary, customer_id, keep_id));
}

std::vector<std::string> Repository::DetachReports(db::Tx& tx, const std::string& id) {
  return db::FirstColumn(Exec(tx, kDetachReports, id));
}

std::vector<std::string> Repository::ReportingChain(db::Tx& tx, const std::string& id) {
  return db::FirstColumn(Exec(tx, kReportingChain, id));
}

bool Repository::ContactOfCustomer(db::Tx& tx, const std::string& contact_id,
                                   const std::string& customer_id) {
  return Exec(tx, kContactOfCustomer, contact_id, customer_id)[0][0].as<bool>();
}

std::optional<Interaction> Repository::FindInteractionInScope(db::Tx& tx, const std::string& id,
                                                              const auth::Principal& caller) {
  pqxx::result r = Exec(tx, FindInteractionStmt().For(caller.scope), id, auth::ScopeParam(caller));
  if (r.empty()) return std::nullopt;
  return InteractionFromRow(r[0]);
}

std::vector<Interaction> Repository::ListInteractions(db::Tx& tx, const std::string& customer_id,
                                                      absl::Time before_time,
                                                      const std::string& before_id, int limit) {
  std::vector<Interaction> out;
  for (const auto& row : Exec(tx, kListInteractions, customer_id, db::MicrosOf(before_time),
                              before_id.empty() ? ids::kMaxUuid : before_id, limit)) {
    out.push_back(InteractionFromRow(row));
  }
  return out;
}

void Repository::InsertInteraction(db::Tx& tx, const Interaction& i) {
  Exec(tx, kInsertInteraction, i.id, i.customer_id, db::NullIfEmpty(i.contact_id), i.user_id,
       i.method, db::MicrosOf(i.occurred_at), i.location, i.summary, i.details, i.result,
       DateText(i.next_follow_up_date));
}

bool Repository::UpdateInteraction(db::Tx& tx, const Interaction& i, int64_t expected_version) {
  return Exec(tx, kUpdateInteraction, i.id, db::NullIfEmpty(i.contact_id), i.method,
              db::MicrosOf(i.occurred_at), i.location, i.summary, i.details, i.result,
              DateText(i.next_follow_up_date), expected_version)
             .affected_rows() == 1;
}

std::vector<Interaction> Repository::FollowUpsDue(db::Tx& tx, const auth::Principal& caller,
                                                  absl::CivilDay due_by,
                                                  const std::string& after_date,
                                                  const std::string& after_id, int limit) {
  std::vector<Interaction> out;
  for (const auto& row :
       Exec(tx, FollowUpsDueStmt().For(caller.scope), caller.user_id, absl::FormatCivilTime(due_by),
            after_date.empty() ? "0001-01-01" : after_date,
            after_id.empty() ? ids::kMinUuid : after_id, limit, auth::ScopeParam(caller))) {
    out.push_back(InteractionFromRow(row));
  }
  return out;
}

}  // namespace crm::customers_service
