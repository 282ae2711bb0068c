#include "services/customers/src/repository.h"

#include <algorithm>

#include "services/customers/src/customer_rows.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "libs/auth/scope.h"
#include "libs/db/search_grams.h"
#include "libs/db/time_fields.h"

namespace crm::customers_service {
namespace {

using rows::AttributesJson;
using rows::CurrencyOf;
using rows::CustomerFromRow;
using rows::MinorOf;

using db::Exec;
using db::Statement;

// The live customer $1 within the caller's scope ($2): GetCustomer, and the lock of a write.
#define CUSTOMER_LIVE_IN_SCOPE \
  " FROM customers.customers c WHERE c.id = $1::uuid AND c.deleted_at IS NULL AND {scope}"

const auth::ScopedStatement* LiveInScope(const char* name, absl::string_view sql) {
  return new auth::ScopedStatement(name, sql, "c.owner_id", "c.owner_department_id", 2);
}

const auth::ScopedStatement& GetScoped() {
  static const auto* s =
      LiveInScope("customers.get", "SELECT " CRM_CUSTOMER_COLUMNS CUSTOMER_LIVE_IN_SCOPE);
  return *s;
}

const auth::ScopedStatement& LockScoped() {
  static const auto* s = LiveInScope(
      "customers.lock", "SELECT " CRM_CUSTOMER_COLUMNS CUSTOMER_LIVE_IN_SCOPE " FOR UPDATE");
  return *s;
}

constexpr Statement kFind{"customers.find", "SELECT " CRM_CUSTOMER_COLUMNS
                                            " FROM customers.customers c WHERE c.id = $1::uuid"};

// Whether the name matches the LIKE pattern LIKE, both lower-cased only when case matters to
// the query (CASE_MATTERS, search_grams::CaseMatters): a Chinese query is checked against the
// name as it is.
// clang-format off
#define NAME_LIKE(LIKE, CASE_MATTERS)                                      \
  "CASE WHEN " CASE_MATTERS "::boolean"                                    \
  " THEN lower(c.name) LIKE lower(" LIKE ") ELSE c.name LIKE " LIKE " END"
// clang-format on

// Newest first; every filter optional. A name filter is found through the gram index and
// checked by LIKE. Planned for its parameters (see Repository::List).
const auth::ScopedStatement& ListScoped() {
  static const auto* s = new auth::ScopedStatement(
      "customers.list",
      "SELECT " CRM_CUSTOMER_COLUMNS
      " FROM customers.customers c"
      " WHERE c.deleted_at IS NULL AND c.id < $1::uuid"
      " AND ($2 = '' OR c.region = $2) AND ($3 = '' OR c.industry = $3)"
      " AND ($4 = '' OR c.level = $4) AND ($5 = '' OR c.owner_id = $5::uuid)"
      " AND ($6 = '' OR c.status = $6) AND ($7 = '' OR c.tags @> ARRAY[$7])"
      " AND ($8 = '' OR (c.name_grams @> customers.query_grams($8) AND " NAME_LIKE("$9", "$12") "))"
      " AND {scope} ORDER BY c.id DESC LIMIT $11",
      "c.owner_id", "c.owner_department_id", 10);
  return *s;
}

// Warned and delayed customers, longest-warned first.
const auth::ScopedStatement& LossWarningsScoped() {
  static const auto* s = new auth::ScopedStatement(
      "customers.loss_warnings",
      "SELECT " CRM_CUSTOMER_COLUMNS
      " FROM customers.customers c"
      " WHERE c.deleted_at IS NULL AND c.status IN ('loss_warning', 'loss_delayed')"
      " AND ($1 = '' OR c.owner_id = $1::uuid) AND {scope}"
      " AND (c.loss_warned_at, c.id) > (" CRM_SQL_FROM_MICROS("$3") ", $4::uuid)"
      " ORDER BY c.loss_warned_at, c.id LIMIT $5",
      "c.owner_id", "c.owner_department_id", 2);
  return *s;
}

// A search is a few branches, each finding at most $4 customers by its own index and ranking
// them by ids and keys alone; the columns are read for the winners only, once the branches are
// merged: exact customer numbers and phone numbers first, then names containing the query,
// shortest names first, then - for Latin queries - names with words like the query's (trigram
// similarity, for misspellings), most similar first. A customer found by two branches
// comes twice; SearchResultsOf keeps its first.
//
// A Latin query (three or more ASCII characters, a letter or digit among them) finds names
// through the trigram index (ILIKE for containing it or the words like its words), any other
// query through the gram index; LIKE rechecks the real text either way. Each kind has
// its own statement, planned once for any parameters (kSearchSessionOptions): the query's
// grams are computed when it runs and the index is searched for them, and a branch whose
// condition on the parameters alone is false stops at that check.
//
// $1 query, $2 LIKE pattern, $3 scope, $4 limit, $5 phone digits ("": none); a query that is
// not Latin also $6, whether case matters to it (NAME_LIKE).
#define SEARCH_FETCH_BEGIN "SELECT " CRM_CUSTOMER_COLUMNS " FROM ("
#define SEARCH_FETCH_END                          \
  ") t JOIN customers.customers c ON c.id = t.id" \
  " ORDER BY t.kind, t.len, t.sim DESC, t.id DESC"
#define SEARCH_PHONE_BRANCH                                                      \
  "(SELECT c.id, 0 AS kind, 0 AS len, 0::real AS sim FROM customers.customers c" \
  "  WHERE $5 <> '' AND c.phone_digits = $5 AND c.phone_digits <> ''"            \
  "  AND c.deleted_at IS NULL AND {scope} LIMIT $4)"

const auth::ScopedStatement& SearchScoped() {
  static const auto* s = new auth::ScopedStatement(
      "customers.search",
      SEARCH_FETCH_BEGIN SEARCH_PHONE_BRANCH
      " UNION ALL"
      " (SELECT c.id, 1, length(c.name), 0 FROM customers.customers c"
      "  WHERE c.deleted_at IS NULL AND {scope}"
      // clang-format off
      "  AND c.name_grams @> customers.query_grams($1) AND " NAME_LIKE("$2", "$6")
      "  ORDER BY length(c.name), c.id DESC LIMIT $4)" SEARCH_FETCH_END,
      // clang-format on
      "c.owner_id", "c.owner_department_id", 3);
  return *s;
}

// A Latin search's branch over the trigram index, written with {scope}, ordered by `order`
// over its columns (id, kind, len, sim). In a manager's scope it runs once per department, so
// that the department and the query reach the index together: given the departments as one
// array, the planner underestimates how many names are like the query (its statistics sample
// few Latin names) and checks the departments after the index, over every name in the company.
std::string TrigramBranch(auth::DataScope scope, absl::string_view branch,
                          absl::string_view order) {
  if (scope != auth::DataScope::kDepartment) {
    return absl::StrReplaceAll(
        branch,
        {{"{scope}", auth::ScopePredicate(scope, "c.owner_id", "c.owner_department_id", 3)}});
  }
  return absl::StrCat("(SELECT b.* FROM unnest($3::uuid[]) AS d (id) CROSS JOIN LATERAL ",
                      absl::StrReplaceAll(branch, {{"{scope}", "c.owner_department_id = d.id"}}),
                      " b ORDER BY ", order, " LIMIT $4)");
}

// A Latin query's misspellings (its last branch): each word typed (customers.latin_words,
// longest first) is matched by trigram similarity to the words names have
// (customers.name_words), the three nearest (`near`; a query of one word spelt as names have
// it is no misspelling: the branch of names containing it finds those). The branch finds the
// names containing a word near the first through the trigram index; a query of several words
// needs on them a word near each of the others too (`rx`, null for one word), and finds
// nothing if one has none (`usable`).
#define SEARCH_NEAR_WORDS                                                                   \
  "WITH typed AS MATERIALIZED (SELECT customers.latin_words($1) AS words),"                 \
  " near AS MATERIALIZED ("                                                                 \
  "  SELECT t.n, s.word, s.sim"                                                             \
  "  FROM typed, unnest(typed.words) WITH ORDINALITY AS t (word, n)"                        \
  "  CROSS JOIN LATERAL (SELECT d.word, similarity(d.word, t.word) AS sim"                  \
  "   FROM customers.name_words d"                                                          \
  "   WHERE d.word % t.word AND (d.word <> t.word OR cardinality(typed.words) > 1)"         \
  "   ORDER BY 2 DESC, 1 LIMIT 3) s),"                                                      \
  " fuzzy AS MATERIALIZED ("                                                                \
  "  SELECT (SELECT count(DISTINCT n) FROM near) = (SELECT cardinality(words) FROM typed)"  \
  "   AS usable,"                                                                           \
  "   (SELECT '^' || string_agg('(?=.*(' || x.words || '))', '' ORDER BY x.n)"              \
  "    FROM (SELECT n, string_agg(word, '|') AS words FROM near WHERE n > 1 GROUP BY n) x)" \
  "   AS rx) "

const auth::ScopedStatement& LatinSearchScoped() {
  static const auto* s =
      new auth::ScopedStatement("customers.search_latin", [](auth::DataScope scope) {
        const std::string predicate =
            auth::ScopePredicate(scope, "c.owner_id", "c.owner_department_id", 3);
        return absl::StrCat(
            SEARCH_NEAR_WORDS SEARCH_FETCH_BEGIN
            "(SELECT c.id, 0 AS kind, 0 AS len, 0::real AS sim"
            "  FROM customers.customers c"
            "  WHERE $1 ~* '^c[0-9]{8,}$' AND c.number = upper($1) AND c.deleted_at IS NULL AND ",
            predicate, ") UNION ALL ",
            absl::StrReplaceAll(SEARCH_PHONE_BRANCH, {{"{scope}", predicate}}), " UNION ALL ",
            TrigramBranch(scope,
                          "(SELECT c.id, 1 AS kind, length(c.name) AS len, 0::real AS sim"
                          "  FROM customers.customers c"
                          "  WHERE c.deleted_at IS NULL AND {scope} AND c.name ~ '[A-Za-z0-9]'"
                          "  AND c.name ILIKE $2 AND lower(c.name) LIKE lower($2)"
                          "  ORDER BY length(c.name), c.id DESC LIMIT $4)",
                          "b.len, b.id DESC"),
            " UNION ALL ",
            TrigramBranch(
                scope,
                "(SELECT m.id, 2 AS kind, 0 AS len, s.sim FROM near s"
                "  CROSS JOIN LATERAL (SELECT c.id FROM customers.customers c"
                "   WHERE c.deleted_at IS NULL AND {scope} AND c.name ~ '[A-Za-z0-9]'"
                "   AND c.name ILIKE ('%' || s.word || '%')"
                "   AND ((SELECT rx FROM fuzzy) IS NULL OR c.name ~* (SELECT rx FROM fuzzy))"
                "   ORDER BY c.id DESC LIMIT $4) m"
                "  WHERE s.n = 1 AND (SELECT usable FROM fuzzy)"
                "  ORDER BY s.sim DESC, m.id DESC LIMIT $4)",
                "b.sim DESC, b.id DESC"),
            SEARCH_FETCH_END);
      });
  return *s;
}

// The keys in the same order every time (name, then tax id), so two creates cannot deadlock.
constexpr Statement kLockDuplicateKeys{
    "customers.lock_duplicate_keys",
    "SELECT pg_advisory_xact_lock(hashtext('customers.name:' || customers.normalized_name($1))),"
    " CASE WHEN $2 <> '' THEN pg_advisory_xact_lock(hashtext('customers.tax_id:' || $2)) END"};

// One branch per key, each on its index (the partial indexes' conditions are spelled out: as
// one OR it became a scan computing every row's normalised name); a customer matching several
// keys is reported for the first. A kept (generic) plan serves every lookup: the keys' indexes
// are hash indexes, equality only, and a branch whose key is empty stops at its one-time
// filter; planning it for each lookup cost several times its execution.
constexpr Statement kFindDuplicates{
    "customers.find_duplicates",
    "SELECT DISTINCT ON (d.id) d.id::text, d.number, d.matched, d.owner_id::text,"
    "   d.owner_department_id::text FROM ("
    "  SELECT c.id, c.number, 1 AS rank, 'tax_id' AS matched, c.owner_id,"
    "   c.owner_department_id FROM customers.customers c"
    "   WHERE $2 <> '' AND c.tax_id = $2 AND c.tax_id <> '' AND c.deleted_at IS NULL"
    "  UNION ALL"
    "  SELECT c.id, c.number, 2, 'name', c.owner_id, c.owner_department_id"
    "   FROM customers.customers c"
    "   WHERE c.normalized_name = customers.normalized_name($1) AND c.deleted_at IS NULL"
    "  UNION ALL"
    "  SELECT c.id, c.number, 3, 'phone', c.owner_id, c.owner_department_id"
    "   FROM customers.customers c"
    "   WHERE $3 <> '' AND c.phone_digits = $3 AND c.phone_digits <> ''"
    "   AND c.deleted_at IS NULL"
    ") d ORDER BY d.id, d.rank LIMIT 5"};

// $1 customer numbers, in the order they were drawn, and the transaction's time (which rows
// inserted now get as their creation time).
constexpr Statement kNextNumbers{
    "customers.next_numbers",
    "WITH s AS MATERIALIZED (SELECT g, nextval('customers.customer_number_seq') AS n"
    "   FROM generate_series(1, $1) g ORDER BY g)"
    " SELECT customers.customer_number(s.n), " CRM_SQL_MICROS("now()") " FROM s ORDER BY s.g"};

// A new customer gets the next number; the row as stored.
constexpr Statement kInsert{
    "customers.insert",
    "INSERT INTO customers.customers AS c (id, number, name, region, industry, level,"
    " satisfaction, credit, address, postal_code, phone, fax, website, business_licence_number,"
    " legal_representative, registered_capital_minor, registered_capital_currency,"
    " annual_revenue_minor, annual_revenue_currency, bank, bank_account, tax_id, owner_id,"
    " owner_department_id, source, tags, attributes)"
    " VALUES ($1::uuid, customers.customer_number(nextval('customers.customer_number_seq')),"
    " $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,"
    " $21, $22::uuid, $23::uuid, $24, $25::text[], $26::jsonb)"
    " RETURNING " CRM_CUSTOMER_COLUMNS};

// Every updatable field; the row as stored, or none when the version is not $25.
constexpr Statement kUpdate{
    "customers.update",
    "UPDATE customers.customers c SET name = $2, region = $3, industry = $4, level = $5,"
    " satisfaction = $6, credit = $7, address = $8, postal_code = $9, phone = $10, fax = $11,"
    " website = $12, business_licence_number = $13, legal_representative = $14,"
    " registered_capital_minor = $15, registered_capital_currency = $16,"
    " annual_revenue_minor = $17, annual_revenue_currency = $18, bank = $19, bank_account = $20,"
    " tax_id = $21, source = $22, tags = $23::text[], attributes = $24::jsonb,"
    " version = version + 1, updated_at = now()"
    " WHERE id = $1::uuid AND deleted_at IS NULL AND version = $25"
    " RETURNING " CRM_CUSTOMER_COLUMNS};

constexpr Statement kSetSalesSystemKey{
    "customers.set_sales_system_key",
    "UPDATE customers.customers c SET sales_system_key = nullif($2, ''),"
    " version = version + 1, updated_at = now()"
    " WHERE id = $1::uuid AND deleted_at IS NULL AND version = $3 RETURNING " CRM_CUSTOMER_COLUMNS};

constexpr Statement kSetSatisfaction{
    "customers.set_satisfaction",
    "UPDATE customers.customers c SET satisfaction = $2::int2, version = version + 1,"
    " updated_at = now() WHERE id = $1::uuid AND deleted_at IS NULL AND satisfaction <> $2::int2"
    " RETURNING " CRM_CUSTOMER_COLUMNS};

constexpr Statement kFindBySalesSystemKey{
    "customers.find_by_sales_system_key",
    "SELECT id::text FROM customers.customers WHERE sales_system_key = $1"};

constexpr Statement kRememberSalesSystemOrder{
    "customers.remember_sales_system_order",
    "INSERT INTO customers.sales_system_orders AS o (customer_key, last_order_date)"
    " VALUES ($1, $2::date) ON CONFLICT (customer_key) DO UPDATE"
    " SET last_order_date = greatest(o.last_order_date, excluded.last_order_date)"};

constexpr Statement kSalesSystemLastOrder{
    "customers.sales_system_last_order",
    "SELECT last_order_date::text FROM customers.sales_system_orders WHERE customer_key = $1"};

constexpr Statement kSoftDelete{
    "customers.soft_delete",
    "UPDATE customers.customers SET deleted_at = now(), version = version + 1, updated_at = now()"
    " WHERE id = $1::uuid AND deleted_at IS NULL AND version = $2"};

constexpr Statement kListDictionary{
    "customers.list_dictionary",
    "SELECT kind, code, name, sort_order, active FROM customers.dictionary_entries"
    " WHERE $1 = '' OR kind = $1 ORDER BY kind, sort_order, code"};

constexpr Statement kUpsertDictionary{
    "customers.upsert_dictionary",
    "INSERT INTO customers.dictionary_entries (kind, code, name, sort_order, active)"
    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, code) DO UPDATE"
    " SET name = excluded.name, sort_order = excluded.sort_order, active = excluded.active"};

constexpr Statement kUnknownCodes{
    "customers.unknown_codes",
    "SELECT k, c FROM unnest($1::text[], $2::text[]) AS x (k, c)"
    " WHERE NOT EXISTS (SELECT 1 FROM customers.dictionary_entries d"
    "                   WHERE d.kind = x.k AND d.code = x.c AND d.active)"};

std::string Digits(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch >= '0' && ch <= '9') out.push_back(ch);
  }
  return out;
}

std::string Lower(const std::string& s) {
  // ASCII only, for telling Latin queries apart; the SQL lowers the LIKE pattern in full.
  std::string out = s;
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return out;
}

}  // namespace

db::Query Repository::GetInScope(const std::string& id, const auth::Principal& caller) {
  return {GetScoped().For(caller.scope), db::MakeParams(id, auth::ScopeParam(caller))};
}

std::optional<Customer> Repository::CustomerOf(const db::Rows& rows) {
  if (rows.empty()) return std::nullopt;
  return CustomerFromRow(rows[0]);
}

std::optional<Customer> Repository::LockInScope(db::Tx& tx, const std::string& id,
                                                const auth::Principal& caller) {
  pqxx::result r = Exec(tx, LockScoped().For(caller.scope), id, auth::ScopeParam(caller));
  if (r.empty()) return std::nullopt;
  return CustomerFromRow(r[0]);
}

std::optional<Customer> Repository::Find(db::Tx& tx, const std::string& id) {
  pqxx::result r = Exec(tx, kFind, id);
  if (r.empty()) return std::nullopt;
  return CustomerFromRow(r[0]);
}

void Repository::LockDuplicateKeys(db::Tx& tx, const std::string& name, const std::string& tax_id) {
  Exec(tx, kLockDuplicateKeys, name, tax_id);
}

const db::Statement& Repository::FindDuplicatesStatement() { return kFindDuplicates; }

db::Statement Repository::ListStatement(auth::DataScope scope) { return ListScoped().For(scope); }

std::vector<Duplicate> Repository::FindDuplicates(db::Tx& tx, const std::string& name,
                                                  const std::string& tax_id,
                                                  const std::string& phone) {
  std::vector<Duplicate> out;
  for (const auto& row : db::Exec(tx, kFindDuplicates, name, tax_id, Digits(phone))) {
    out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                   row[3].as<std::string>(), row[4].as<std::string>()});
  }
  return out;
}

std::pair<std::vector<std::string>, absl::Time> Repository::NextNumbers(db::Tx& tx, size_t n) {
  std::vector<std::string> numbers;
  numbers.reserve(n);
  absl::Time now;
  for (const auto& row : Exec(tx, kNextNumbers, static_cast<int64_t>(n))) {
    numbers.push_back(row[0].as<std::string>());
    now = db::TimeOf(row[1]);
  }
  return {std::move(numbers), now};
}

Customer Repository::Insert(db::Tx& tx, const Customer& c) {
  return CustomerFromRow(
      Exec(tx, kInsert, c.id, c.name, c.region, c.industry, c.level, c.satisfaction, c.credit,
           c.address, c.postal_code, c.phone, c.fax, c.website, c.business_licence_number,
           c.legal_representative, MinorOf(c.registered_capital), CurrencyOf(c.registered_capital),
           MinorOf(c.annual_revenue), CurrencyOf(c.annual_revenue), c.bank, c.bank_account,
           c.tax_id, c.owner_id, db::NullIfEmpty(c.owner_department_id), c.source,
           db::TextArray(c.tags), AttributesJson(c.attributes))[0]);
}

std::optional<Customer> Repository::Update(db::Tx& tx, const Customer& c,
                                           int64_t expected_version) {
  pqxx::result r = Exec(
      tx, kUpdate, c.id, c.name, c.region, c.industry, c.level, c.satisfaction, c.credit, c.address,
      c.postal_code, c.phone, c.fax, c.website, c.business_licence_number, c.legal_representative,
      MinorOf(c.registered_capital), CurrencyOf(c.registered_capital), MinorOf(c.annual_revenue),
      CurrencyOf(c.annual_revenue), c.bank, c.bank_account, c.tax_id, c.source,
      db::TextArray(c.tags), AttributesJson(c.attributes), expected_version);
  if (r.empty()) return std::nullopt;
  return CustomerFromRow(r[0]);
}

std::optional<Customer> Repository::SetSalesSystemKey(db::Tx& tx, const std::string& id,
                                                      const std::string& key,
                                                      int64_t expected_version) {
  pqxx::result r = Exec(tx, kSetSalesSystemKey, id, key, expected_version);
  if (r.empty()) return std::nullopt;
  return CustomerFromRow(r[0]);
}

std::optional<Customer> Repository::SetSatisfaction(db::Tx& tx, const std::string& id,
                                                    int satisfaction) {
  pqxx::result r = Exec(tx, kSetSatisfaction, id, satisfaction);
  if (r.empty()) return std::nullopt;
  return CustomerFromRow(r[0]);
}

std::optional<std::string> Repository::FindBySalesSystemKey(db::Tx& tx, const std::string& key) {
  pqxx::result r = Exec(tx, kFindBySalesSystemKey, key);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::string>();
}

void Repository::RememberSalesSystemOrder(db::Tx& tx, const std::string& key, absl::CivilDay day) {
  Exec(tx, kRememberSalesSystemOrder, key, absl::FormatCivilTime(day));
}

std::optional<absl::CivilDay> Repository::SalesSystemLastOrder(db::Tx& tx, const std::string& key) {
  pqxx::result r = Exec(tx, kSalesSystemLastOrder, key);
  if (r.empty()) return std::nullopt;
  return db::OptionalDayOf(r[0][0]);
}

bool Repository::SoftDelete(db::Tx& tx, const std::string& id, int64_t expected_version) {
  return Exec(tx, kSoftDelete, id, expected_version).affected_rows() == 1;
}

std::vector<Customer> Repository::LossWarnings(db::Tx& tx, const auth::Principal& caller,
                                               const std::string& owner_id, int64_t after_micros,
                                               const std::string& after_id, int limit) {
  pqxx::result r =
      Exec(tx, LossWarningsScoped().For(caller.scope), owner_id, auth::ScopeParam(caller),
           after_micros, after_id.empty() ? ids::kMinUuid : after_id, limit);
  std::vector<Customer> out;
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(CustomerFromRow(row));
  return out;
}

std::vector<Customer> Repository::List(db::Tx& tx, const CustomerFilter& f,
                                       const auth::Principal& caller, const std::string& before_id,
                                       int limit) {
  const std::string name = Lower(f.name_contains);
  const std::string before = before_id.empty() ? std::string(ids::kMaxUuid) : before_id;
  const std::string like = name.empty() ? std::string() : db::search_grams::LikeContains(name);
  // Planned for its filters: a name filter's grams must be constants for the gram index to
  // serve it, and the filters left empty drop out of the plan.
  pqxx::result r = db::ExecPlanned(
      tx, ListStatement(caller.scope), before, f.region, f.industry, f.level, f.owner_id, f.status,
      f.tag, name, like, auth::ScopeParam(caller), limit, db::search_grams::CaseMatters(name));
  std::vector<Customer> out;
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(CustomerFromRow(row));
  return out;
}

db::Query Repository::Search(const std::string& query, const auth::Principal& caller, int limit) {
  const std::string q = Lower(query);
  // Misspellings are looked for in Latin names only: a CJK query is a fragment to contain.
  const bool latin =
      q.size() >= 3 &&
      std::all_of(q.begin(), q.end(),
                  [](char ch) { return static_cast<unsigned char>(ch) < 0x80; }) &&
      std::any_of(q.begin(), q.end(), [](char ch) { return absl::ascii_isalnum(ch); });
  // Only a query with digits enough to be a phone number looks for one.
  std::string digits = Digits(query);
  if (digits.size() < 5) digits.clear();
  if (latin) {
    return {LatinSearchScoped().For(caller.scope),
            db::MakeParams(q, db::search_grams::LikeContains(q), auth::ScopeParam(caller), limit,
                           digits)};
  }
  return {SearchScoped().For(caller.scope),
          db::MakeParams(q, db::search_grams::LikeContains(q), auth::ScopeParam(caller), limit,
                         digits, db::search_grams::CaseMatters(q))};
}

std::vector<Customer> Repository::SearchResultsOf(const db::Rows& rows, int limit) {
  std::vector<Customer> out;
  absl::flat_hash_set<std::string> seen;
  for (const auto& row : rows) {
    if (static_cast<int>(out.size()) >= limit) break;
    if (seen.insert(row[0].as<std::string>()).second) out.push_back(CustomerFromRow(row));
  }
  return out;
}

std::vector<DictionaryEntry> Repository::ListDictionary(db::Tx& tx, const std::string& kind) {
  std::vector<DictionaryEntry> out;
  for (const auto& row : Exec(tx, kListDictionary, kind)) {
    out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                   row[3].as<int>(), row[4].as<bool>()});
  }
  return out;
}

void Repository::UpsertDictionaryEntry(db::Tx& tx, const DictionaryEntry& e) {
  Exec(tx, kUpsertDictionary, e.kind, e.code, e.name, e.sort_order, e.active);
}

std::vector<std::pair<std::string, std::string>> Repository::UnknownCodes(
    db::Tx& tx, const std::vector<std::pair<std::string, std::string>>& codes) {
  std::vector<std::string> kinds, values;
  for (const auto& [k, c] : codes) {
    kinds.push_back(k);
    values.push_back(c);
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& row : Exec(tx, kUnknownCodes, db::TextArray(kinds), db::TextArray(values))) {
    out.emplace_back(row[0].as<std::string>(), row[1].as<std::string>());
  }
  return out;
}

}  // namespace crm::customers_service
