// The name index's SQL: loading it, and following the outbox to keep it current.

#include "services/customers/src/repository.h"

namespace crm::customers_service {
namespace {

using db::Exec;
using db::Statement;

constexpr Statement kIndexStart{
    "customers.index_start",
    "SELECT pg_snapshot_xmin(pg_current_snapshot())::text, current_setting('lc_ctype')"};

#define INDEXED_COLUMNS                                                              \
  "c.id::text, c.owner_id::text, coalesce(c.owner_department_id::text, ''), c.name," \
  " c.deleted_at IS NULL"

constexpr Statement kIndexPage{
    "customers.index_page",
    "SELECT " INDEXED_COLUMNS
    " FROM customers.customers c WHERE c.deleted_at IS NULL AND c.id > $1::uuid"
    " ORDER BY c.id LIMIT $2"};

// Events after the cursor: settled ones only ($4 false: transactions older than every running
// one), or every committed one ($4 true). Either bound is a condition of the index scan, so the
// scan stops at the first event it may not return. (As a filter, every poll during an import
// walked through the running imports' events, a few thousand rows each time.)
constexpr Statement kIndexEvents{
    "customers.index_events",
    "SELECT o.xid::text, o.seq, o.xid < pg_snapshot_xmin(pg_current_snapshot()),"
    " CASE WHEN o.aggregate_type = 'customer' THEN o.aggregate_id ELSE '' END,"
    " o.type = 'customers.customer.merged', o.type = 'customers.customer.created'"
    " FROM customers.outbox o WHERE (o.xid, o.seq) > ($1::xid8, $2::int8)"
    " AND o.xid < CASE WHEN $4 THEN pg_snapshot_xmax(pg_current_snapshot())"
    "                  ELSE pg_snapshot_xmin(pg_current_snapshot()) END"
    " ORDER BY o.xid, o.seq LIMIT $3"};

// `c.id = ANY(array)` and not `c.id IN (SELECT unnest(...))`: the search reader's generic
// plan is made once, and one made while the table was empty joined by a scan of every row.
constexpr Statement kIndexRows{
    "customers.index_rows",
    "SELECT " INDEXED_COLUMNS
    " FROM customers.customers c WHERE c.id = ANY($1::uuid[] || ARRAY("
    "   SELECT m.duplicate_id FROM customers.merges m WHERE m.survivor_id = ANY($2::uuid[])))"};

// One row of INDEXED_COLUMNS (libpqxx's or the reader's).
template <typename Row>
IndexedCustomer IndexedCustomerOf(const Row& row) {
  return {row[0].template as<std::string>(), row[1].template as<std::string>(),
          row[2].template as<std::string>(), row[3].template as<std::string>(),
          row[4].template as<bool>()};
}

}  // namespace

std::pair<std::string, std::string> Repository::IndexStart(db::Tx& tx) {
  pqxx::result r = Exec(tx, kIndexStart);
  return {r[0][0].as<std::string>(), r[0][1].as<std::string>()};
}

std::vector<IndexedCustomer> Repository::IndexPage(db::Tx& tx, const std::string& after_id,
                                                   int limit) {
  std::vector<IndexedCustomer> out;
  for (const auto& row : Exec(tx, kIndexPage, after_id, limit)) {
    out.push_back(IndexedCustomerOf(row));
  }
  return out;
}

db::Query Repository::IndexEvents(const std::string& xid, int64_t seq, int limit, bool unsettled) {
  return {kIndexEvents, db::MakeParams(xid, seq, limit, unsettled)};
}

db::Query Repository::IndexRows(const std::vector<std::string>& ids,
                                const std::vector<std::string>& survivors) {
  return {kIndexRows, db::MakeParams(db::TextArray(ids), db::TextArray(survivors))};
}

std::vector<IndexedCustomer> Repository::IndexedCustomersOf(const db::Rows& rows) {
  std::vector<IndexedCustomer> out;
  out.reserve(rows.size());
  for (const auto& row : rows) out.push_back(IndexedCustomerOf(row));
  return out;
}

}  // namespace crm::customers_service
