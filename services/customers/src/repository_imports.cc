// Bulk import: the SQL of Repository that reads and writes customers many at a time.

#include <map>

#include "absl/strings/str_cat.h"
#include "libs/auth/scope.h"
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
                                "SELECT " CUSTOMER_COLUMNS
                                ", {scope}, c.deleted_at IS NOT NULL"
                                " FROM customers.customers c WHERE c.external_key = ANY($1::text[])"
                                " ORDER BY c.id FOR UPDATE",
                                "c.owner_id", "c.owner_department_id", 2);
  return *stmt;
}

// One row per element of the arrays, in their order; money minor units and owner department
// as text ('' for none); tags as array literals; attributes as JSON. The arrays are unnested
// in a select list, which yields their rows as it reads them: unnested in FROM, they were
// first copied into a tuple store (and sorted back into order), about 2 µs a row.
constexpr Statement kInsertMany{
    "customers.insert_many",
    "INSERT INTO customers.customers AS c (id, number, name, region, industry, level, satisfaction,"
    " credit, address, postal_code, phone, fax, website, business_licence_number,"
    " legal_representative, registered_capital_minor, registered_capital_currency,"
    " annual_revenue_minor, annual_revenue_currency, bank, bank_account, tax_id, owner_id,"
    " owner_department_id, source, tags, attributes, external_key)"
    " SELECT u.id::uuid,"
    "   'C' || lpad(nextval('customers.customer_number_seq')::text, 8, '0'),"
    "   u.name, u.region, u.industry, u.level, u.satisfaction::int, u.credit::int, u.address,"
    "   u.postal_code, u.phone, u.fax, u.website, u.licence, u.legal, nullif(u.rc, '')::int8,"
    "   u.rcc, nullif(u.ar, '')::int8, u.arc, u.bank, u.account, u.tax_id, u.owner::uuid,"
    "   nullif(u.dept, '')::uuid, u.source, u.tags::text[], u.attrs::jsonb, u.key"
    " FROM (SELECT unnest($1::text[]) AS id, unnest($2::text[]) AS name,"
    "   unnest($3::text[]) AS region, unnest($4::text[]) AS industry,"
    "   unnest($5::text[]) AS level, unnest($6::text[]) AS satisfaction,"
    "   unnest($7::text[]) AS credit, unnest($8::text[]) AS address,"
    "   unnest($9::text[]) AS postal_code, unnest($10::text[]) AS phone,"
    "   unnest($11::text[]) AS fax, unnest($12::text[]) AS website,"
    "   unnest($13::text[]) AS licence, unnest($14::text[]) AS legal,"
    "   unnest($15::text[]) AS rc, unnest($16::text[]) AS rcc, unnest($17::text[]) AS ar,"
    "   unnest($18::text[]) AS arc, unnest($19::text[]) AS bank,"
    "   unnest($20::text[]) AS account, unnest($21::text[]) AS tax_id,"
    "   unnest($22::text[]) AS owner, unnest($23::text[]) AS dept,"
    "   unnest($24::text[]) AS source, unnest($25::text[]) AS tags,"
    "   unnest($26::text[]) AS attrs, unnest($27::text[]) AS key) u"
    " RETURNING c.id::text, c.number, " CRM_SQL_MICROS("c.created_at")};

constexpr Statement kFindMany{"customers.find_many",
                              "SELECT " CUSTOMER_COLUMNS
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
    e.visible = row[35].as<bool>();
    e.deleted = row[36].as<bool>();
    std::string key = e.customer.external_key;
    out.emplace(std::move(key), std::move(e));
  }
  return out;
}

void Repository::InsertMany(db::Tx& tx, const std::vector<Customer*>& cs) {
  if (cs.empty()) return;
  constexpr int kCols = 27;
  std::vector<std::string> cols[kCols];
  for (auto& c : cols) c.reserve(cs.size());
  auto text = [](const std::optional<int64_t>& v) { return v ? absl::StrCat(*v) : std::string(); };
  for (const Customer* p : cs) {
    const Customer& c = *p;
    const std::string values[kCols] = {c.id,
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
                                       text(rows::MinorOf(c.registered_capital)),
                                       rows::CurrencyOf(c.registered_capital),
                                       text(rows::MinorOf(c.annual_revenue)),
                                       rows::CurrencyOf(c.annual_revenue),
                                       c.bank,
                                       c.bank_account,
                                       c.tax_id,
                                       c.owner_id,
                                       c.owner_department_id,
                                       c.source,
                                       db::TextArray(c.tags),
                                       rows::AttributesJson(c.attributes),
                                       c.external_key};
    for (int i = 0; i < kCols; ++i) cols[i].push_back(values[i]);
  }
  std::vector<pqxx::binarystring> arrays;
  arrays.reserve(kCols);
  for (auto& c : cols) arrays.push_back(db::BinaryTextArray(c));
  // The database returns only what it assigns (formatting every column of every row back cost
  // about a tenth of the insert); the rest of each row is as inserted.
  std::map<std::string, Customer*> by_id;
  for (Customer* c : cs) by_id.emplace(c->id, c);
  for (const auto& row : Exec(tx, kInsertMany, pqxx::prepare::make_dynamic_params(arrays))) {
    Customer& c = *by_id.at(row[0].as<std::string>());
    c.number = row[1].as<std::string>();
    c.status = Status::kActive;
    c.last_order_date.reset();
    c.loss_warned_at.reset();
    c.loss_delayed_until.reset();
    c.version = 1;
    c.created_at = c.updated_at = db::TimeOf(row[2]);
  }
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
