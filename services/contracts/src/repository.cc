#include "services/contracts/src/repository.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/auth/scope.h"
#include "libs/db/filters.h"
#include "libs/db/pqxx_traits.h"
#include "libs/db/time_fields.h"
#include "libs/ids/uuid.h"

namespace crm::contracts_service {
namespace {

using db::Exec;
using db::Statement;

#define CONTRACT_COLUMNS                                                                         \
  "c.id::text, c.number, c.customer_id::text, coalesce(c.opportunity_id::text, ''), c.title,"    \
  " c.owner_id::text, coalesce(c.owner_department_id::text, ''), c.currency, c.gross_minor,"     \
  " c.discount_minor, c.amount_minor, c.terms, c.start_date::text, c.end_date::text, c.channel," \
  " c.status, c.review_level, coalesce(c.reviewer_id::text, ''), c.review_comment,"              \
  " coalesce(c.our_signer_id::text, ''), coalesce(c.customer_signer_contact_id::text, ''),"      \
  " c.sign_date::text, c.termination_reason, c.creator_id::text, " CRM_SQL_MICROS(               \
      "c.created_at") ", c.version, " CRM_SQL_MICROS("c.updated_at")

Contract ContractOf(const pqxx::row& r) {
  Contract c;
  c.id = r[0].as<std::string>();
  c.number = r[1].as<std::string>();
  c.customer_id = r[2].as<std::string>();
  c.opportunity_id = r[3].as<std::string>();
  c.title = r[4].as<std::string>();
  c.owner_id = r[5].as<std::string>();
  c.owner_department_id = r[6].as<std::string>();
  c.currency = r[7].as<std::string>();
  c.gross_minor = r[8].as<int64_t>();
  c.discount_minor = r[9].as<int64_t>();
  c.amount_minor = r[10].as<int64_t>();
  c.terms = r[11].as<std::string>();
  c.start_date = db::OptionalDayOf(r[12]);
  c.end_date = db::OptionalDayOf(r[13]);
  c.channel = ChannelFromName(r[14].as<std::string>());
  c.status = StatusFromName(r[15].as<std::string>());
  c.review_level = ReviewLevelFromName(r[16].as<std::string>());
  c.reviewer_id = r[17].as<std::string>();
  c.review_comment = r[18].as<std::string>();
  c.our_signer_id = r[19].as<std::string>();
  c.customer_signer_contact_id = r[20].as<std::string>();
  c.sign_date = db::OptionalDayOf(r[21]);
  c.termination_reason = r[22].as<std::string>();
  c.creator_id = r[23].as<std::string>();
  c.created_at = db::TimeOf(r[24]);
  c.version = r[25].as<int64_t>();
  c.updated_at = db::TimeOf(r[26]);
  return c;
}

#define FILE_COLUMNS                                                                      \
  "f.id::text, f.contract_id::text, f.file_name, f.content_type, f.size_bytes, f.sha256," \
  " f.chunks, f.uploaded_by::text, " CRM_SQL_MICROS("f.uploaded_at")

// FILE_COLUMNS from column `at` on.
ContractFile FileOf(const pqxx::row& r, int at = 0) {
  return {r[at].as<std::string>(),     r[at + 1].as<std::string>(), r[at + 2].as<std::string>(),
          r[at + 3].as<std::string>(), r[at + 4].as<int64_t>(),     r[at + 5].as<std::string>(),
          r[at + 6].as<int>(),         r[at + 7].as<std::string>(), db::TimeOf(r[at + 8])};
}

// A contract with its lines (as arrays, in order) and its current file, in one read: the
// CONTRACT_COLUMNS, then the lines' arrays, then FILE_COLUMNS. The aggregates take the lines
// in the order of the ordered subquery (the primary key's, by position): ten aggregates with
// an ORDER BY each would sort them ten times.
#define CONTRACT_IN_FULL                                                                     \
  CONTRACT_COLUMNS                                                                           \
  ", l.product_ids, l.quantities, l.discounts, l.codes, l.lines, l.names, l.specs, l.units," \
  " l.prices, l.amounts, " FILE_COLUMNS                                                      \
  " FROM contracts.contracts c"                                                              \
  " LEFT JOIN LATERAL (SELECT array_agg(x.product_id) AS product_ids,"                       \
  "   array_agg(x.quantity::text) AS quantities,"                                            \
  "   array_agg(x.discount_minor::text) AS discounts, array_agg(x.product_code) AS codes,"   \
  "   array_agg(x.product_line_id) AS lines, array_agg(x.product_name) AS names,"            \
  "   array_agg(x.specification) AS specs, array_agg(x.unit) AS units,"                      \
  "   array_agg(x.unit_price_minor::text) AS prices,"                                        \
  "   array_agg(x.amount_minor::text) AS amounts"                                            \
  "   FROM (SELECT * FROM contracts.lines y WHERE y.contract_id = c.id"                      \
  "     ORDER BY y.position) x) l ON true"                                                   \
  " LEFT JOIN LATERAL (SELECT * FROM contracts.files y WHERE y.contract_id = c.id"           \
  "   ORDER BY y.id DESC LIMIT 1) f ON true"

constexpr int kContractColumns = 27;

// A row of CONTRACT_IN_FULL.
Contract ContractInFull(const pqxx::row& r) {
  Contract c = ContractOf(r);
  constexpr int at = kContractColumns;
  std::vector<std::vector<std::string>> arrays;
  for (int k = 0; k < 10; ++k) arrays.push_back(db::ParseTextArray(r[at + k]));
  auto number = [](const std::string& text) {
    int64_t v = 0;
    (void)absl::SimpleAtoi(text, &v);
    return v;
  };
  for (size_t i = 0; i < arrays[0].size(); ++i) {
    c.lines.push_back({arrays[0][i], number(arrays[1][i]), number(arrays[2][i]), arrays[3][i],
                       arrays[4][i], arrays[5][i], arrays[6][i], arrays[7][i], number(arrays[8][i]),
                       number(arrays[9][i]), ""});
  }
  if (!r[at + 10].is_null()) c.file = FileOf(r, at + 10);
  return c;
}

std::string DayText(const std::optional<absl::CivilDay>& d) {
  return d ? absl::FormatCivilTime(*d) : std::string();
}

// Visible to its owner and to managers of the owner's department.
const std::vector<std::string> kOwners = {"c.owner_id"};
const std::vector<std::string> kDepartments = {"c.owner_department_id"};

// The draft, and the first step of its history.
constexpr Statement kInsert{
    "contracts.insert",
    "WITH c AS (INSERT INTO contracts.contracts AS c (id, number, customer_id, opportunity_id, "
    "title,"
    " owner_id, owner_department_id, currency, gross_minor, discount_minor, terms, start_date,"
    " end_date, channel, creator_id)"
    " VALUES ($1::uuid, 'HT' || $15 || '-'"
    "  || lpad(nextval('contracts.contract_number_seq')::text, 6, '0'),"
    " $2::uuid, nullif($3, '')::uuid, $4, $5::uuid, nullif($6, '')::uuid, $7, $8::int8,"
    " $9::int8, $10, nullif($11, '')::date, nullif($12, '')::date, $13, $14::uuid)"
    " RETURNING c.*),"
    " s AS (INSERT INTO contracts.status_changes (contract_id, from_status, to_status, user_id)"
    "   SELECT c.id, '', c.status, c.creator_id FROM c)"
    " SELECT " CONTRACT_COLUMNS " FROM c"};

constexpr Statement kFind{"contracts.find", "SELECT " CONTRACT_IN_FULL " WHERE c.id = $1::uuid"};

const auth::ScopedStatement& GetScoped(bool lock) {
  static const auth::ScopedStatement* const statements[2] = {
      new auth::ScopedStatement("contracts.get",
                                "SELECT " CONTRACT_IN_FULL " WHERE c.id = $1::uuid AND {scope}",
                                kOwners, kDepartments, 2),
      new auth::ScopedStatement("contracts.lock",
                                "SELECT " CONTRACT_IN_FULL
                                " WHERE c.id = $1::uuid AND {scope} FOR UPDATE OF c",
                                kOwners, kDepartments, 2)};
  return *statements[lock];
}

// The change, and a step of the history when the status is no longer $22.
constexpr Statement kUpdate{
    "contracts.update",
    "WITH c AS (UPDATE contracts.contracts c SET customer_id = $2::uuid, title = $3,"
    " owner_id = $4::uuid, owner_department_id = nullif($5, '')::uuid, currency = $6,"
    " gross_minor = $7::int8, discount_minor = $8::int8, terms = $9,"
    " start_date = nullif($10, '')::date, end_date = nullif($11, '')::date, channel = $12,"
    " status = $13, review_level = $14, reviewer_id = nullif($15, '')::uuid,"
    " review_comment = $16, our_signer_id = nullif($17, '')::uuid,"
    " customer_signer_contact_id = nullif($18, '')::uuid, sign_date = nullif($19, '')::date,"
    " termination_reason = $20, version = version + 1, updated_at = now()"
    " WHERE id = $1::uuid AND version = $21::int8 RETURNING c.*),"
    " s AS (INSERT INTO contracts.status_changes (contract_id, from_status, to_status, user_id,"
    "   reason) SELECT c.id, $22, c.status, nullif($23, '')::uuid, $24 FROM c"
    "   WHERE c.status <> $22)"
    " SELECT " CONTRACT_COLUMNS " FROM c"};

constexpr Statement kDeleteLines{"contracts.delete_lines",
                                 "DELETE FROM contracts.lines WHERE contract_id = $1::uuid"};
constexpr Statement kInsertLines{
    "contracts.insert_lines",
    "INSERT INTO contracts.lines (contract_id, position, product_id, product_code,"
    " product_line_id, product_name, specification, unit, unit_price_minor, quantity,"
    " discount_minor, amount_minor)"
    " SELECT $1::uuid, l.position, l.product_id, l.code, l.line, l.name, l.spec, l.unit, l.price,"
    " l.quantity, l.discount, l.amount"
    " FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],"
    "   $8::int8[], $9::int8[], $10::int8[], $11::int8[]) WITH ORDINALITY"
    "   AS l (product_id, code, line, name, spec, unit, price, quantity, discount, amount,"
    "   position)"};

constexpr Statement kReassign{
    "contracts.reassign",
    "UPDATE contracts.contracts SET owner_id = $3::uuid,"
    " owner_department_id = nullif($4, '')::uuid, version = version + 1, updated_at = now()"
    " WHERE customer_id = ANY($1::uuid[]) AND owner_id = $2::uuid"
    " AND status NOT IN ('completed', 'terminated') RETURNING id::text"};

constexpr Statement kRepoint{
    "contracts.repoint",
    "UPDATE contracts.contracts SET customer_id = $2::uuid, version = version + 1,"
    " updated_at = now() WHERE customer_id = $1::uuid RETURNING id::text"};

// Newest first; every filter optional. A customer's contracts (Customer 360, a customer's page) are
// a statement of their own, whose kept plan walks the customer's index (db::UuidFilter); other
// lists are left to the planner, which mostly plans them for each call's values (a kept plan cannot
// use an index for an `($n = '' OR …)` filter).
const auth::ScopedStatement& ListScoped(bool by_customer) {
  static const auto* s = new auth::CustomerListStatements(
      "contracts.list",
      [](bool by_customer) {
        return absl::StrCat("SELECT " CONTRACT_COLUMNS
                            " FROM contracts.contracts c"
                            " WHERE c.id < $1::uuid AND ($2 = '' OR c.status = $2) AND ",
                            db::UuidFilter(by_customer, "c.customer_id", 3),
                            " AND ($4 = '' OR c.owner_id = nullif($4, '')::uuid)"
                            " AND ($5 = '' OR c.opportunity_id = nullif($5, '')::uuid)"
                            " AND ($6 = '' OR c.sign_date >= nullif($6, '')::date)"
                            " AND ($7 = '' OR c.sign_date <= nullif($7, '')::date)"
                            " AND {scope} ORDER BY c.id DESC LIMIT $9");
      },
      kOwners, kDepartments, 8);
  return s->For(by_customer);
}

constexpr Statement kStatusChanges{
    "contracts.status_changes",
    "SELECT contract_id::text, from_status, to_status, coalesce(user_id::text, ''), reason, "
    CRM_SQL_MICROS("changed_at") " FROM contracts.status_changes WHERE contract_id = $1::uuid"
    " ORDER BY seq"};

constexpr Statement kInsertFile{
    "contracts.insert_file",
    "WITH f AS (INSERT INTO contracts.files (id, contract_id, file_name, content_type,"
    "   size_bytes, sha256, chunks, uploaded_by)"
    "   VALUES ($1::uuid, $2::uuid, $3, $4, $5::int8, $6, $7::int, $8::uuid) RETURNING id)"
    " INSERT INTO contracts.file_chunks (file_id, seq, data)"
    " SELECT f.id, c.seq - 1, c.data FROM f, unnest($9::bytea[]) WITH ORDINALITY AS c (data, seq)"};
constexpr Statement kFindFile{
    "contracts.find_file", "SELECT " FILE_COLUMNS " FROM contracts.files f WHERE f.id = $1::uuid"};
constexpr Statement kFiles{"contracts.files",
                           "SELECT " FILE_COLUMNS
                           " FROM contracts.files f"
                           " WHERE f.contract_id = $1::uuid ORDER BY f.id DESC LIMIT $2"};
constexpr Statement kFileChunk{
    "contracts.file_chunk",
    "SELECT data FROM contracts.file_chunks WHERE file_id = $1::uuid AND seq = $2::int"};

}  // namespace

Contract Repository::Insert(db::Tx& tx, const Contract& c, const std::string& day) {
  Contract stored = ContractOf(Exec(
      tx, kInsert, c.id, c.customer_id, c.opportunity_id, c.title, c.owner_id,
      c.owner_department_id, c.currency, c.gross_minor, c.discount_minor, c.terms,
      DayText(c.start_date), DayText(c.end_date), ChannelName(c.channel), c.creator_id, day)[0]);
  stored.lines = c.lines;
  return stored;
}

std::optional<Contract> Repository::Find(db::Tx& tx, const std::string& id) {
  pqxx::result r = Exec(tx, kFind, id);
  if (r.empty()) return std::nullopt;
  return ContractInFull(r[0]);
}

std::optional<Contract> Repository::Get(db::Tx& tx, const std::string& id,
                                        const auth::Principal& caller, bool lock) {
  pqxx::result r = Exec(tx, GetScoped(lock).For(caller.scope), id, auth::ScopeParam(caller));
  if (r.empty()) return std::nullopt;
  return ContractInFull(r[0]);
}

std::optional<Contract> Repository::Update(db::Tx& tx, const Contract& c, int64_t expected_version,
                                           ContractStatus from, const std::string& by,
                                           const std::string& reason) {
  pqxx::result r = Exec(
      tx, kUpdate, c.id, c.customer_id, c.title, c.owner_id, c.owner_department_id, c.currency,
      c.gross_minor, c.discount_minor, c.terms, DayText(c.start_date), DayText(c.end_date),
      ChannelName(c.channel), StatusName(c.status), ReviewLevelName(c.review_level), c.reviewer_id,
      c.review_comment, c.our_signer_id, c.customer_signer_contact_id, DayText(c.sign_date),
      c.termination_reason, expected_version, StatusName(from), by, reason);
  if (r.empty()) return std::nullopt;
  Contract stored = ContractOf(r[0]);
  stored.lines = c.lines;
  stored.file = c.file;
  return stored;
}

void Repository::ReplaceLines(db::Tx& tx, const std::string& id, const std::vector<Line>& lines,
                              bool fresh) {
  if (!fresh) Exec(tx, kDeleteLines, id);
  if (lines.empty()) return;
  std::vector<std::string> product, code, line, name, spec, unit, price, quantity, discount, amount;
  for (const Line& l : lines) {
    product.push_back(l.product_id);
    code.push_back(l.product_code);
    line.push_back(l.product_line_id);
    name.push_back(l.product_name);
    spec.push_back(l.specification);
    unit.push_back(l.unit);
    price.push_back(absl::StrCat(l.unit_price_minor));
    quantity.push_back(absl::StrCat(l.quantity));
    discount.push_back(absl::StrCat(l.discount_minor));
    amount.push_back(absl::StrCat(l.amount_minor));
  }
  Exec(tx, kInsertLines, id, db::TextArray(product), db::TextArray(code), db::TextArray(line),
       db::TextArray(name), db::TextArray(spec), db::TextArray(unit), db::TextArray(price),
       db::TextArray(quantity), db::TextArray(discount), db::TextArray(amount));
}

std::vector<std::string> Repository::Reassign(db::Tx& tx,
                                              const std::vector<std::string>& customer_ids,
                                              const std::string& from, const std::string& to,
                                              const std::string& to_department_id) {
  return db::FirstColumn(
      Exec(tx, kReassign, db::TextArray(customer_ids), from, to, to_department_id));
}

std::vector<std::string> Repository::Repoint(db::Tx& tx, const std::string& duplicate,
                                             const std::string& survivor) {
  return db::FirstColumn(Exec(tx, kRepoint, duplicate, survivor));
}

std::vector<Contract> Repository::List(db::Tx& tx, const ContractFilter& f,
                                       const auth::Principal& caller, const std::string& before_id,
                                       int limit) {
  pqxx::result r = Exec(
      tx, ListScoped(!f.customer_id.empty()).For(caller.scope),
      before_id.empty() ? std::string(ids::kMaxUuid) : before_id,
      f.status == ContractStatus::kUnspecified ? std::string() : std::string(StatusName(f.status)),
      f.customer_id, f.owner_id, f.opportunity_id, DayText(f.signed_from), DayText(f.signed_to),
      auth::ScopeParam(caller), limit);
  std::vector<Contract> out;
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(ContractOf(row));
  return out;
}

std::vector<StatusChange> Repository::StatusChanges(db::Tx& tx, const std::string& contract_id) {
  std::vector<StatusChange> out;
  for (const auto& r : Exec(tx, kStatusChanges, contract_id)) {
    out.push_back({r[0].as<std::string>(), StatusFromName(r[1].as<std::string>()),
                   StatusFromName(r[2].as<std::string>()), r[3].as<std::string>(),
                   r[4].as<std::string>(), db::TimeOf(r[5])});
  }
  return out;
}

void Repository::InsertFile(db::Tx& tx, const ContractFile& f,
                            const std::vector<std::string>& chunks) {
  Exec(tx, kInsertFile, f.id, f.contract_id, f.file_name, f.content_type, f.size_bytes, f.sha256,
       static_cast<int>(chunks.size()), f.uploaded_by, db::BinaryByteaArray(chunks));
}

std::optional<ContractFile> Repository::FindFile(db::Tx& tx, const std::string& id) {
  pqxx::result r = Exec(tx, kFindFile, id);
  if (r.empty()) return std::nullopt;
  return FileOf(r[0]);
}

std::vector<ContractFile> Repository::Files(db::Tx& tx, const std::string& contract_id) {
  std::vector<ContractFile> out;
  for (const auto& r : Exec(tx, kFiles, contract_id, 500)) out.push_back(FileOf(r));
  return out;
}

absl::StatusOr<std::string> Repository::FileChunk(db::Tx& tx, const std::string& file_id, int seq) {
  pqxx::result r = Exec(tx, kFileChunk, file_id, seq);
  if (r.empty()) return absl::InternalError(absl::StrCat("file ", file_id, " lacks chunk ", seq));
  return pqxx::binarystring(r[0][0]).str();
}

}  // namespace crm::contracts_service
