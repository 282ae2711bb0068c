// Bulk import: the SQL of Repository that reads and writes customers many at a time.

#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "libs/auth/scope.h"
#include "libs/db/copy.h"
#include "libs/db/time_fields.h"
#include "services/customers/src/customer_rows.h"
#include "services/customers/src/repository.h"

namespace crm::customers_service {
namespace {

using db::Exec;
using db::Statement;

const auth::ScopedStatement& LockByKeysStmt() {
  static const auto* stmt =
      new auth::ScopedStatement("customers.lock_by_external_keys",
                                "SELECT " CRM_CUSTOMER_COLUMNS
                                ", {scope}, c.deleted_at IS NOT NULL"
                                " FROM customers.customers c WHERE c.external_key = ANY($1::text[])"
                                " ORDER BY c.id FOR UPDATE",
                                "c.owner_id", "c.owner_department_id", 2);
  return *stmt;
}

// The columns an import writes; the others take their defaults (the creation time is the
// transaction's).
constexpr const char* kInsertColumns =
    "id, number, name, region, industry, level, satisfaction, credit, address, postal_code,"
    " phone, fax, website, business_licence_number, legal_representative,"
    " registered_capital_minor, registered_capital_currency, annual_revenue_minor,"
    " annual_revenue_currency, bank, bank_account, tax_id, owner_id, owner_department_id, source,"
    " tags, attributes, external_key";

constexpr Statement kFindMany{"customers.find_many",
                              "SELECT " CRM_CUSTOMER_COLUMNS
                              " FROM customers.customers c WHERE c.id = ANY($1::uuid[])"};

#define JOB_COLUMNS                                                                      \
  "j.id::text, j.created_by::text, j.rows, j.created, j.updated, j.unchanged, j.failed," \
  " j.last_row_number, " CRM_SQL_MICROS("j.created_at") ", " CRM_SQL_MICROS("j.updated_at")

constexpr Statement kCreateJob{
    "customers.create_import_job",
    "INSERT INTO customers.import_jobs (id, created_by) VALUES ($1::uuid, $2::uuid)"
    " ON CONFLICT (id) DO NOTHING"};

constexpr Statement kLockJob{"customers.lock_import_job",
                             "SELECT " JOB_COLUMNS
                             " FROM customers.import_jobs j WHERE j.id = $1::uuid FOR UPDATE"};

constexpr Statement kFindJob{"customers.find_import_job",
                             "SELECT " JOB_COLUMNS
                             " FROM customers.import_jobs j WHERE j.id = $1::uuid"};

constexpr Statement kAdvanceJob{
    "customers.advance_import_job",
    "UPDATE customers.import_jobs SET rows = rows + $2, created = created + $3,"
    " updated = updated + $4, unchanged = unchanged + $5, failed = failed + $6,"
    " last_row_number = greatest(last_row_number, $7), updated_at = now()"
    " WHERE id = $1::uuid"};

ImportJob JobOf(const pqxx::row& r) {
  ImportJob j;
  j.id = r[0].as<std::string>();
  j.created_by = r[1].as<std::string>();
  j.rows = r[2].as<int64_t>();
  j.created = r[3].as<int64_t>();
  j.updated = r[4].as<int64_t>();
  j.unchanged = r[5].as<int64_t>();
  j.failed = r[6].as<int64_t>();
  j.last_row_number = r[7].as<int64_t>();
  j.created_at = db::TimeOf(r[8]);
  j.updated_at = db::TimeOf(r[9]);
  return j;
}

}  // namespace

std::map<std::string, Repository::Existing> Repository::LockByExternalKeys(
    db::Tx& tx, const std::vector<std::string>& keys, const auth::Principal& caller) {
  std::map<std::string, Existing> out;
  if (keys.empty()) return out;
  for (const auto& row : Exec(tx, LockByKeysStmt().For(caller.scope), db::BinaryTextArray(keys),
                              auth::ScopeParam(caller))) {
    Existing e;
    e.customer = rows::CustomerFromRow(row);
    e.visible = row[rows::kCustomerColumnCount].as<bool>();
    e.deleted = row[rows::kCustomerColumnCount + 1].as<bool>();
    std::string key = e.customer.external_key;
    out.emplace(std::move(key), std::move(e));
  }
  return out;
}

// With COPY, which inserts a page of rows at a time where INSERT ... SELECT inserts them one
// by one.
void Repository::InsertMany(db::Tx& tx, const std::vector<Customer*>& cs) {
  if (cs.empty()) return;
  auto [numbers, now] = NextNumbers(tx, cs.size());
  db::CopyRows copy;
  auto optional_text = [](const std::optional<int64_t>& v) -> std::optional<std::string> {
    if (!v) return std::nullopt;
    return absl::StrCat(*v);
  };
  for (size_t i = 0; i < cs.size(); ++i) {
    Customer& c = *cs[i];
    c.number = std::move(numbers[i]);
    const std::optional<std::string> rc = optional_text(rows::MinorOf(c.registered_capital));
    const std::optional<std::string> ar = optional_text(rows::MinorOf(c.annual_revenue));
    copy.Add({c.id,
              c.number,
              c.name,
              c.region,
              c.industry,
              c.level,
              absl::StrCat(c.satisfaction),
              absl::StrCat(c.credit),
              c.address,
              c.postal_code,
              c.phone,
              c.fax,
              c.website,
              c.business_licence_number,
              c.legal_representative,
              rc,
              rows::CurrencyOf(c.registered_capital),
              ar,
              rows::CurrencyOf(c.annual_revenue),
              c.bank,
              c.bank_account,
              c.tax_id,
              c.owner_id,
              db::NullIfEmpty(c.owner_department_id),
              c.source,
              db::TextArray(c.tags),
              rows::AttributesJson(c.attributes),
              c.external_key});
    c.status = CustomerStatus::kActive;
    c.last_order_date.reset();
    c.loss_warned_at.reset();
    c.loss_delayed_until.reset();
    c.version = 1;
    c.created_at = c.updated_at = now;
  }
  copy.Into(tx, "customers.customers", kInsertColumns);
}

std::vector<Customer> Repository::FindMany(db::Tx& tx, const std::vector<std::string>& ids) {
  std::vector<Customer> out;
  if (ids.empty()) return out;
  for (const auto& row : Exec(tx, kFindMany, db::TextArray(ids))) {
    out.push_back(rows::CustomerFromRow(row));
  }
  return out;
}

ImportJob Repository::LockImportJob(db::Tx& tx, const std::string& id, const std::string& user_id) {
  Exec(tx, kCreateJob, id, user_id);
  return JobOf(Exec(tx, kLockJob, id)[0]);
}

std::optional<ImportJob> Repository::FindImportJob(db::Tx& tx, const std::string& id) {
  pqxx::result r = Exec(tx, kFindJob, id);
  if (r.empty()) return std::nullopt;
  return JobOf(r[0]);
}

void Repository::AdvanceImportJob(db::Tx& tx, const ImportJob& d) {
  Exec(tx, kAdvanceJob, d.id, d.rows, d.created, d.updated, d.unchanged, d.failed,
       d.last_row_number);
}

}  // namespace crm::customers_service
