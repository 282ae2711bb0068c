#include "services/service/src/repository.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "libs/auth/scope.h"
#include "libs/db/filters.h"
#include "libs/db/pqxx_traits.h"
#include "libs/db/search_grams.h"
#include "libs/db/time_fields.h"
#include "libs/ids/uuid.h"

namespace crm::tickets_service {
namespace {

using db::Exec;
using db::Statement;

// A ticket row: the state (t) and the texts (x).
#define TICKET_COLUMNS \
  "t.id::text, t.number, t.type, t.customer_id::text, coalesce(t.contact_id::text, ''),"       \
  " t.channel, x.summary, x.request, t.priority, t.status, coalesce(t.assignee_id::text, ''),"  \
  " coalesce(t.queue_department_id::text, ''), coalesce(t.customer_owner_id::text, ''),"       \
  " coalesce(t.customer_owner_department_id::text, ''), t.customer_level, t.handling,"         \
  " t.feedback_result, t.satisfaction, t.returns, " CRM_SQL_MICROS("t.first_response_due") "," \
  " " CRM_SQL_MICROS("t.resolution_due") ", " CRM_SQL_MICROS("t.first_response_at") ","        \
  " " CRM_SQL_MICROS("t.resolved_at") ", t.creator_id::text, " CRM_SQL_MICROS("t.created_at")  \
  ", t.version, " CRM_SQL_MICROS("t.updated_at")

#define TICKETS_WITH_TEXTS \
  " FROM service.tickets t JOIN service.ticket_texts x ON x.ticket_id = t.id"

Ticket TicketOf(const pqxx::row& r) {
  Ticket t;
  t.id = r[0].as<std::string>();
  t.number = r[1].as<std::string>();
  t.type = r[2].as<std::string>();
  t.customer_id = r[3].as<std::string>();
  t.contact_id = r[4].as<std::string>();
  t.channel = ChannelFromName(r[5].as<std::string>());
  t.summary = r[6].as<std::string>();
  t.request = r[7].as<std::string>();
  t.priority = PriorityFromName(r[8].as<std::string>());
  t.status = StatusFromName(r[9].as<std::string>());
  t.assignee_id = r[10].as<std::string>();
  t.queue_department_id = r[11].as<std::string>();
  t.customer_owner_id = r[12].as<std::string>();
  t.customer_owner_department_id = r[13].as<std::string>();
  t.customer_level = r[14].as<std::string>();
  t.handling = r[15].as<std::string>();
  t.feedback_result = r[16].as<std::string>();
  t.satisfaction = r[17].as<int>();
  t.returns = r[18].as<int>();
  t.first_response_due = db::TimeOf(r[19]);
  t.resolution_due = db::TimeOf(r[20]);
  t.first_response_at = db::OptionalTimeOf(r[21]);
  t.resolved_at = db::OptionalTimeOf(r[22]);
  t.creator_id = r[23].as<std::string>();
  t.created_at = db::TimeOf(r[24]);
  t.version = r[25].as<int64_t>();
  t.updated_at = db::TimeOf(r[26]);
  return t;
}

std::vector<Ticket> TicketsOf(const pqxx::result& r) {
  std::vector<Ticket> out;
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(TicketOf(row));
  return out;
}

std::string Micros(const std::optional<absl::Time>& t) {
  return t ? absl::StrCat(db::MicrosOf(*t)) : std::string();
}

// Visible to the customer's account manager, the assignee and the creator, and to managers of
// the account manager's department or of the queue's.
const std::vector<std::string> kOwners = {"t.customer_owner_id", "t.assignee_id", "t.creator_id"};
const std::vector<std::string> kDepartments = {"t.customer_owner_department_id",
                                               "t.queue_department_id"};

// The ticket, its texts and the first step of its history.
constexpr Statement kInsert{
    "service.insert",
    "WITH t AS (INSERT INTO service.tickets AS t (id, number, type, customer_id, contact_id,"
    "   channel, priority, queue_department_id, customer_owner_id, customer_owner_department_id,"
    "   customer_level, first_response_due, resolution_due, creator_id, created_at, updated_at)"
    " VALUES ($1::uuid, 'FW' || $2 || '-' || lpad(nextval('service.ticket_number_seq')::text, 6, '0'),"
    "   $3, $4::uuid, nullif($5, '')::uuid, $6, $7, nullif($8, '')::uuid, nullif($9, '')::uuid,"
    "   nullif($10, '')::uuid, $11, " CRM_SQL_FROM_MICROS("$12") ", " CRM_SQL_FROM_MICROS(
        "$13") ", $14::uuid, " CRM_SQL_FROM_MICROS("$15") ", " CRM_SQL_FROM_MICROS("$15") ")"
    "   RETURNING t.*),"
    " x AS (INSERT INTO service.ticket_texts (ticket_id, summary, request)"
    "   SELECT t.id, $16, $17 FROM t RETURNING ticket_id, summary, request),"
    " h AS (INSERT INTO service.ticket_history (ticket_id, action, from_status, to_status, user_id,"
    "   text, at) SELECT t.id, 'created', '', t.status, t.creator_id, $16, t.created_at FROM t)"
    " SELECT " TICKET_COLUMNS " FROM t JOIN x ON x.ticket_id = t.id"};

constexpr Statement kFind{"service.find",
                          "SELECT " TICKET_COLUMNS TICKETS_WITH_TEXTS " WHERE t.id = $1::uuid"};

const auth::ScopedStatement& GetScoped(bool lock) {
  static const auth::ScopedStatement* const statements[2] = {
      new auth::ScopedStatement("service.get",
                                "SELECT " TICKET_COLUMNS TICKETS_WITH_TEXTS
                                " WHERE t.id = $1::uuid AND {scope}",
                                kOwners, kDepartments, 2),
      new auth::ScopedStatement("service.lock",
                                "SELECT " TICKET_COLUMNS TICKETS_WITH_TEXTS
                                " WHERE t.id = $1::uuid AND {scope} FOR UPDATE OF t",
                                kOwners, kDepartments, 2)};
  return *statements[lock];
}

// The change, and its step of the history (at $15).
constexpr Statement kUpdate{
    "service.update",
    "WITH t AS (UPDATE service.tickets t SET status = $2, assignee_id = nullif($3, '')::uuid,"
    " queue_department_id = nullif($4, '')::uuid, handling = $5, feedback_result = $6,"
    " satisfaction = $7::int2, returns = $8::int4,"
    " first_response_at = " CRM_SQL_FROM_MICROS("nullif($9, '')") ","
    " resolved_at = " CRM_SQL_FROM_MICROS("nullif($10, '')") ","
    " version = version + 1, updated_at = " CRM_SQL_FROM_MICROS("$15")
    " WHERE id = $1::uuid AND version = $11::int8 RETURNING t.*),"
    " h AS (INSERT INTO service.ticket_history (ticket_id, action, from_status, to_status,"
    "   user_id, text, satisfaction, assignee_id, at)"
    "   SELECT t.id, $12, $13, t.status, nullif($14, '')::uuid, $16, $17::int2,"
    "   nullif($18, '')::uuid, t.updated_at FROM t)"
    " SELECT " TICKET_COLUMNS " FROM t JOIN service.ticket_texts x ON x.ticket_id = t.id"};

// Which filters a list is given: those that lead it to an index of their own
// (tickets_customer, tickets_assignee, tickets_queue), and whether any other is. Each
// combination is a statement of its own, so that the plan kept for it (kSessionOptions) walks
// that index whatever the values, and a list without other filters walks the index alone.
enum FilterSet : int { kByCustomer = 1, kByAssignee = 2, kByQueue = 4, kByOthers = 8, kSets = 16 };

int FilterSetOf(const TicketFilter& f, bool dated) {
  const bool others = f.status != TicketStatus::kUnspecified || !f.type.empty() ||
                      f.priority != Priority::kUnspecified || dated || f.open_only ||
                      f.overdue_only;
  return (f.customer_id.empty() ? 0 : kByCustomer) | (f.assignee_id.empty() ? 0 : kByAssignee) |
         (f.queue_department_id.empty() ? 0 : kByQueue) | (others ? kByOthers : 0);
}

// The list filters and the caller's scope over tickets t ($4 … $13, the scope $15; $14 is now):
// those of `set` are conditions; the others are given empty (a condition on the parameters
// alone, checked once).
std::string TicketFilters(int set, absl::string_view id = "t.id") {
  return absl::StrCat(
      " ", id, " < $1::uuid",
      " AND ", db::UuidFilter(set & kByCustomer, "t.customer_id", 7),
      " AND ", db::UuidFilter(set & kByAssignee, "t.assignee_id", 8),
      " AND ", db::UuidFilter(set & kByQueue, "t.queue_department_id", 9),
      set & kByOthers
          ? " AND ($4 = '' OR t.status = $4) AND ($5 = '' OR t.type = $5)"
            " AND ($6 = '' OR t.priority = $6)"
            " AND ($10::int8 = 0 OR t.created_at >= " CRM_SQL_FROM_MICROS("$10") ")"
            " AND ($11::int8 = 0 OR t.created_at < " CRM_SQL_FROM_MICROS("$11") ")"
            " AND (NOT $12::boolean OR t.status <> 'archived')"
            " AND (NOT $13::boolean OR (t.status <> 'archived' AND (t.resolution_due < "
            CRM_SQL_FROM_MICROS("$14") " OR (t.first_response_at IS NULL AND"
            " t.first_response_due < " CRM_SQL_FROM_MICROS("$14") "))))"
          : " AND $4 = '' AND $5 = '' AND $6 = '' AND $10::int8 = 0 AND $11::int8 = 0"
            " AND NOT $12::boolean AND NOT $13::boolean AND $14::int8 > 0",
      " AND {scope}");
}

// One statement per filter set and scope kind, written by sql(set, scope) with {scope}.
template <typename Sql>
std::vector<auth::ScopedStatement>* StatementsByFilters(const char* name, Sql sql) {
  auto* all = new std::vector<auth::ScopedStatement>();
  for (int set = 0; set < kSets; ++set) {
    all->emplace_back(absl::StrCat(name, ".", set), [&](auth::DataScope scope) {
      return absl::StrReplaceAll(
          sql(set, scope), {{"{scope}", auth::ScopePredicate(scope, kOwners, kDepartments, 15)}});
    });
  }
  return all;
}

// The query $2 in the texts x: all its grams (q, computed once) through the gram index, then
// the text by LIKE $3, both lower-cased (as the grams are) when case matters to the query
// ($17, search_grams::CaseMatters). A text read by key is checked by LIKE alone (TEXT_HAS).
#define TEXT_HAS                                                                     \
  " CASE WHEN $17::boolean THEN lower(x.summary || ' ' || x.request) LIKE lower($3)" \
  " ELSE x.summary || ' ' || x.request LIKE $3 END"
#define TEXT_MATCHES " x.grams @> (SELECT grams FROM q) AND" TEXT_HAS

// Newest first, without a query (its parameters $2, $3 and $17, empty, keep SearchScoped's
// numbering). Texts are read for the page's tickets only: by key, in a nested loop (a LATERAL
// subquery kept apart by OFFSET 0), never by merging with a walk of every text.
const auth::ScopedStatement& ListScoped(int set) {
  static const auto* s = StatementsByFilters("service.list", [](int set, auth::DataScope) {
    return absl::StrCat("SELECT " TICKET_COLUMNS
                        " FROM service.tickets t, LATERAL (SELECT x.summary, x.request"
                        "   FROM service.ticket_texts x WHERE x.ticket_id = t.id OFFSET 0) x"
                        " WHERE $2 = '' AND $3 = '' AND NOT $17::boolean AND",
                        TicketFilters(set), " ORDER BY t.id DESC LIMIT $16");
  });
  return (*s)[set];
}

// Newest first, containing the query. The planner cannot tell how many texts contain a query
// (and a kept plan is made for any query), so three ways give one answer, each tried only when
// the one before did not answer (one-time filters):
//   w:      the newest 1,000 tickets the filters and scope allow, read newest first, each one's
//           text checked (a subquery by key) until a page is found. It answers a common query,
//           or any query where there are no more tickets. Company-wide and without filters,
//           every ticket is allowed: the texts themselves are read newest first.
//   recent: the gram index, bucket by bucket (service.ticket_bucket), newest first, over the
//           32 buckets (about seven weeks of tickets) below the cursor: a bucket's matches are
//           checked against the filters and scope and sorted, and the buckets are read in turn
//           (a nested loop: its inner side depends on the bucket) until a page is found. It
//           answers a rarer query without reading every match of the whole table.
//   older:  the gram index over the older buckets: every match, sorted, then checked (OFFSET 0
//           keeps the sort below the check, so it stops at a page). Reached by a query that is
//           rare in recent weeks; it reads all its older matches. (Their bucket is computed from
//           the id, so that no plan reads the bucket column's range in the index.)
// A query common in the company but rare in a scope of more than 1,000 tickets reads every
// recent match and checks its scope: the gram index has no scope columns.
// The filters and scope are checked on each match by a subquery (not EXISTS, which the planner
// could turn into a join led by the scope's tickets, away from the gram index); the page's
// rows are read by key, as in ListScoped.
// recent takes the first page-full of rows in the order its nested loop gives them: buckets
// newest first (generate_series counts down; the LATERAL subquery, sorted, is not pulled up),
// each bucket's matches sorted; the sessions start no parallel workers.
// In the gram ways the cursor ($1) is checked on the tickets, never on the texts, so that no
// plan ANDs the gram index with a range of the texts' key (a bitmap of every ticket below it).
const auth::ScopedStatement& SearchScoped(int set) {
  static const auto* s = StatementsByFilters("service.search", [](int set, auth::DataScope scope) {
    const std::string filters = TicketFilters(set);
    const std::string newest =
        scope == auth::DataScope::kAll && set == 0
            ? absl::StrCat("SELECT c.id FROM (SELECT x.ticket_id AS id, (" TEXT_HAS
                           ") AS hit"
                           "   FROM service.ticket_texts x WHERE",
                           TicketFilters(set, "x.ticket_id"),
                           "   ORDER BY x.ticket_id DESC LIMIT 1000) c WHERE c.hit")
            : absl::StrCat("SELECT c.id FROM (SELECT t.id FROM service.tickets t WHERE", filters,
                           " ORDER BY t.id DESC LIMIT 1000) c"
                           "   WHERE (SELECT" TEXT_HAS
                           " FROM service.ticket_texts x WHERE x.ticket_id = c.id)");
    return absl::StrCat(
        "WITH q AS (SELECT service.query_grams($2) AS grams),"
        " w AS MATERIALIZED (",
        newest,
        " ORDER BY c.id DESC LIMIT $16),"
        " found AS (SELECT (SELECT count(*) FROM w) = $16 OR (SELECT count(*) FROM (SELECT"
        "   FROM service.tickets t WHERE",
        filters,
        " LIMIT 1000) c) < 1000 AS yes),"
        " top AS (SELECT service.ticket_bucket(x.ticket_id) AS bucket FROM service.ticket_texts x"
        "   WHERE x.ticket_id < $1::uuid ORDER BY x.ticket_id DESC LIMIT 1),"
        " recent AS MATERIALIZED (SELECT m.id FROM top,"
        "   generate_series(top.bucket, top.bucket - 31, -1) AS b (bucket),"
        "   LATERAL (SELECT x.ticket_id AS id FROM service.ticket_texts x"
        "     WHERE NOT (SELECT yes FROM found) AND x.bucket = b.bucket AND" TEXT_MATCHES
        "     AND (SELECT true FROM service.tickets t WHERE t.id = x.ticket_id AND",
        filters,
        ")"
        "     ORDER BY x.ticket_id DESC) m"
        "   LIMIT $16),"
        " ids AS (SELECT w.id FROM w WHERE (SELECT yes FROM found)"
        "   UNION ALL SELECT recent.id FROM recent"
        "   UNION ALL"
        "   (SELECT m.id FROM (SELECT x.ticket_id AS id FROM service.ticket_texts x"
        "     WHERE NOT (SELECT yes FROM found) AND (SELECT count(*) FROM recent) < $16"
        "     AND" TEXT_MATCHES
        " AND service.ticket_bucket(x.ticket_id) < (SELECT bucket - 31 FROM top)"
        "     ORDER BY x.ticket_id DESC OFFSET 0) m"
        "    WHERE (SELECT true FROM service.tickets t WHERE t.id = m.id AND",
        filters,
        ")"
        "    ORDER BY m.id DESC LIMIT $16))"
        " SELECT r.* FROM ids, LATERAL (SELECT " TICKET_COLUMNS TICKETS_WITH_TEXTS
        "   WHERE t.id = ids.id OFFSET 0) r ORDER BY ids.id DESC LIMIT $16");
  });
  return (*s)[set];
}

constexpr Statement kHistory{
    "service.history",
    "SELECT action, from_status, to_status, coalesce(user_id::text, ''), text, satisfaction,"
    " coalesce(assignee_id::text, ''), " CRM_SQL_MICROS(
        "at") " FROM service.ticket_history WHERE ticket_id = $1::uuid ORDER BY seq"};

constexpr Statement kReassign{
    "service.reassign",
    "UPDATE service.tickets SET customer_owner_id = $3::uuid,"
    " customer_owner_department_id = nullif($4, '')::uuid, version = version + 1,"
    " updated_at = now()"
    " WHERE customer_id = ANY($1::uuid[]) AND customer_owner_id = $2::uuid RETURNING id::text"};

constexpr Statement kRepoint{
    "service.repoint",
    "UPDATE service.tickets SET customer_id = $2::uuid,"
    " customer_owner_id = coalesce(nullif($3, '')::uuid, customer_owner_id),"
    " customer_owner_department_id = CASE WHEN $3 = '' THEN customer_owner_department_id"
    "   ELSE nullif($4, '')::uuid END, version = version + 1, updated_at = now()"
    " WHERE customer_id = $1::uuid RETURNING id::text"};

constexpr Statement kSatisfaction{
    "service.satisfaction",
    "SELECT coalesce(round(avg(satisfaction))::int, 0), count(*)::int FROM service.tickets"
    " WHERE customer_id = $1::uuid AND satisfaction > 0"};

// The partial indexes' conditions are spelt out so each claim uses its index.
constexpr Statement kClaimResponseBreaches{
    "service.claim_response_breaches",
    "UPDATE service.tickets t SET response_breach_sent = true FROM ("
    "  SELECT id FROM service.tickets WHERE first_response_at IS NULL"
    "  AND NOT response_breach_sent AND first_response_due < " CRM_SQL_FROM_MICROS("$1")
    "  ORDER BY first_response_due LIMIT $2 FOR UPDATE SKIP LOCKED) due"
    " WHERE t.id = due.id RETURNING t.id::text"};
constexpr Statement kClaimResolutionBreaches{
    "service.claim_resolution_breaches",
    "UPDATE service.tickets t SET resolution_breach_sent = true FROM ("
    "  SELECT id FROM service.tickets WHERE resolved_at IS NULL"
    "  AND NOT resolution_breach_sent AND resolution_due < " CRM_SQL_FROM_MICROS("$1")
    "  ORDER BY resolution_due LIMIT $2 FOR UPDATE SKIP LOCKED) due"
    " WHERE t.id = due.id RETURNING t.id::text"};

constexpr Statement kClaimResponseBreach{
    "service.claim_response_breach",
    "UPDATE service.tickets SET response_breach_sent = true"
    " WHERE id = $1::uuid AND NOT response_breach_sent RETURNING id::text"};
constexpr Statement kClaimResolutionBreach{
    "service.claim_resolution_breach",
    "UPDATE service.tickets SET resolution_breach_sent = true"
    " WHERE id = $1::uuid AND NOT resolution_breach_sent RETURNING id::text"};

constexpr Statement kTypes{"service.types",
                           "SELECT code, name, active, position FROM service.ticket_types"
                           " WHERE active OR $1::boolean ORDER BY position, code"};
constexpr Statement kFindType{
    "service.find_type",
    "SELECT code, name, active, position FROM service.ticket_types WHERE code = $1"};
constexpr Statement kSetType{
    "service.set_type",
    "INSERT INTO service.ticket_types (code, name, active, position) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (code) DO UPDATE SET name = excluded.name, active = excluded.active,"
    " position = excluded.position RETURNING code, name, active, position"};

#define POLICY_COLUMNS "priority, customer_level, first_response_minutes, resolution_minutes"
constexpr Statement kPolicies{
    "service.policies",
    "SELECT " POLICY_COLUMNS
    " FROM service.sla_policies"
    " ORDER BY array_position(ARRAY['urgent', 'high', 'normal', 'low'], priority), customer_level"};
constexpr Statement kPolicyFor{
    "service.policy_for",
    "SELECT " POLICY_COLUMNS
    " FROM service.sla_policies"
    " WHERE priority = $1 AND customer_level IN ($2, '') ORDER BY customer_level DESC LIMIT 1"};
constexpr Statement kSetPolicy{
    "service.set_policy",
    "INSERT INTO service.sla_policies (" POLICY_COLUMNS
    ") VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (priority, customer_level) DO UPDATE SET"
    " first_response_minutes = excluded.first_response_minutes,"
    " resolution_minutes = excluded.resolution_minutes RETURNING " POLICY_COLUMNS};

#define ATTACHMENT_COLUMNS                                                              \
  "a.id::text, a.ticket_id::text, a.file_name, a.content_type, a.size_bytes, a.sha256," \
  " a.chunks, a.uploaded_by::text, " CRM_SQL_MICROS("a.uploaded_at")

Attachment AttachmentOf(const pqxx::row& r) {
  return {r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
          r[3].as<std::string>(), r[4].as<int64_t>(),     r[5].as<std::string>(),
          r[6].as<int>(),         r[7].as<std::string>(), db::TimeOf(r[8])};
}

constexpr Statement kInsertAttachment{
    "service.insert_attachment",
    "WITH a AS (INSERT INTO service.attachments (id, ticket_id, file_name, content_type,"
    "   size_bytes, sha256, chunks, uploaded_by)"
    "   VALUES ($1::uuid, $2::uuid, $3, $4, $5::int8, $6, $7::int, $8::uuid) RETURNING id)"
    " INSERT INTO service.attachment_chunks (attachment_id, seq, data)"
    " SELECT a.id, c.seq - 1, c.data FROM a, unnest($9::bytea[]) WITH ORDINALITY AS c (data, seq)"};
constexpr Statement kFindAttachment{"service.find_attachment",
                                    "SELECT " ATTACHMENT_COLUMNS
                                    " FROM service.attachments a WHERE a.id = $1::uuid"};
constexpr Statement kAttachments{"service.attachments",
                                 "SELECT " ATTACHMENT_COLUMNS
                                 " FROM service.attachments a"
                                 " WHERE a.ticket_id = $1::uuid ORDER BY a.id DESC LIMIT $2"};
constexpr Statement kAttachmentChunk{
    "service.attachment_chunk",
    "SELECT data FROM service.attachment_chunks WHERE attachment_id = $1::uuid AND seq = $2::int"};

SlaPolicy PolicyOf(const pqxx::row& r) {
  return {PriorityFromName(r[0].as<std::string>()), r[1].as<std::string>(), r[2].as<int>(),
          r[3].as<int>()};
}

TicketType TypeOf(const pqxx::row& r) {
  return {r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<bool>(), r[3].as<int>()};
}

}  // namespace

Ticket Repository::Insert(db::Tx& tx, const Ticket& t, const std::string& day) {
  return TicketOf(Exec(tx, kInsert, t.id, day, t.type, t.customer_id, t.contact_id,
                       ChannelName(t.channel), PriorityName(t.priority), t.queue_department_id,
                       t.customer_owner_id, t.customer_owner_department_id, t.customer_level,
                       db::MicrosOf(t.first_response_due), db::MicrosOf(t.resolution_due),
                       t.creator_id, db::MicrosOf(t.created_at), t.summary, t.request)[0]);
}

std::optional<Ticket> Repository::Find(db::Tx& tx, const std::string& id) {
  pqxx::result r = Exec(tx, kFind, id);
  if (r.empty()) return std::nullopt;
  return TicketOf(r[0]);
}

std::optional<Ticket> Repository::Get(db::Tx& tx, const std::string& id,
                                      const auth::Principal& caller, bool lock) {
  pqxx::result r = Exec(tx, GetScoped(lock).For(caller.scope), id, auth::ScopeParam(caller));
  if (r.empty()) return std::nullopt;
  return TicketOf(r[0]);
}

std::optional<Ticket> Repository::Update(db::Tx& tx, const Ticket& t, int64_t expected_version,
                                         const HistoryEntry& e) {
  pqxx::result r =
      Exec(tx, kUpdate, t.id, StatusName(t.status), t.assignee_id, t.queue_department_id,
           t.handling, t.feedback_result, t.satisfaction, t.returns, Micros(t.first_response_at),
           Micros(t.resolved_at), expected_version, ActionName(e.action), StatusName(e.from),
           e.user_id, db::MicrosOf(e.at), e.text, e.satisfaction, e.assignee_id);
  if (r.empty()) return std::nullopt;
  return TicketOf(r[0]);
}

std::vector<Ticket> Repository::List(db::Tx& tx, const TicketFilter& f,
                                     std::optional<absl::Time> from, std::optional<absl::Time> to,
                                     absl::Time now, const auth::Principal& caller,
                                     const std::string& before_id, int limit) {
  const std::string q = absl::AsciiStrToLower(f.query);
  const int set = FilterSetOf(f, from || to);
  pqxx::result r = Exec(
      tx, (q.empty() ? ListScoped(set) : SearchScoped(set)).For(caller.scope),
      before_id.empty() ? std::string(ids::kMaxUuid) : before_id, q,
      q.empty() ? std::string() : db::search_grams::LikeContains(q), StatusName(f.status), f.type,
      PriorityName(f.priority),  // "" when unspecified
      f.customer_id, f.assignee_id, f.queue_department_id, from ? db::MicrosOf(*from) : 0,
      to ? db::MicrosOf(*to) : 0, f.open_only, f.overdue_only, db::MicrosOf(now),
      auth::ScopeParam(caller), limit, db::search_grams::CaseMatters(q));
  return TicketsOf(r);
}

std::vector<HistoryEntry> Repository::History(db::Tx& tx, const std::string& ticket_id) {
  std::vector<HistoryEntry> out;
  for (const auto& r : Exec(tx, kHistory, ticket_id)) {
    out.push_back({ActionFromName(r[0].as<std::string>()), StatusFromName(r[1].as<std::string>()),
                   StatusFromName(r[2].as<std::string>()), r[3].as<std::string>(),
                   r[4].as<std::string>(), r[5].as<int>(), r[6].as<std::string>(),
                   db::TimeOf(r[7])});
  }
  return out;
}

std::vector<std::string> Repository::Reassign(db::Tx& tx,
                                              const std::vector<std::string>& customer_ids,
                                              const std::string& from, const std::string& to,
                                              const std::string& to_department_id) {
  return db::FirstColumn(
      Exec(tx, kReassign, db::TextArray(customer_ids), from, to, to_department_id));
}

std::vector<std::string> Repository::Repoint(db::Tx& tx, const std::string& duplicate,
                                             const std::string& survivor,
                                             const std::string& owner_id,
                                             const std::string& owner_department_id) {
  return db::FirstColumn(Exec(tx, kRepoint, duplicate, survivor, owner_id, owner_department_id));
}

CustomerSatisfaction Repository::SatisfactionOf(db::Tx& tx, const std::string& customer_id) {
  pqxx::row r = Exec(tx, kSatisfaction, customer_id)[0];
  return {customer_id, r[0].as<int>(), r[1].as<int>()};
}

bool Repository::ClaimBreach(db::Tx& tx, const std::string& id, bool resolution) {
  return !Exec(tx, resolution ? kClaimResolutionBreach : kClaimResponseBreach, id).empty();
}

std::vector<std::string> Repository::ClaimBreaches(db::Tx& tx, bool resolution, absl::Time now,
                                                   int limit) {
  return db::FirstColumn(Exec(tx, resolution ? kClaimResolutionBreaches : kClaimResponseBreaches,
                              db::MicrosOf(now), limit));
}

std::vector<TicketType> Repository::Types(db::Tx& tx, bool include_inactive) {
  std::vector<TicketType> out;
  for (const auto& r : Exec(tx, kTypes, include_inactive)) out.push_back(TypeOf(r));
  return out;
}

std::optional<TicketType> Repository::FindType(db::Tx& tx, const std::string& code) {
  pqxx::result r = Exec(tx, kFindType, code);
  if (r.empty()) return std::nullopt;
  return TypeOf(r[0]);
}

TicketType Repository::SetType(db::Tx& tx, const TicketType& t) {
  return TypeOf(Exec(tx, kSetType, t.code, t.name, t.active, t.position)[0]);
}

std::vector<SlaPolicy> Repository::Policies(db::Tx& tx) {
  std::vector<SlaPolicy> out;
  for (const auto& r : Exec(tx, kPolicies)) out.push_back(PolicyOf(r));
  return out;
}

std::optional<SlaPolicy> Repository::PolicyFor(db::Tx& tx, Priority priority,
                                               const std::string& level) {
  pqxx::result r = Exec(tx, kPolicyFor, PriorityName(priority), level);
  if (r.empty()) return std::nullopt;
  return PolicyOf(r[0]);
}

SlaPolicy Repository::SetPolicy(db::Tx& tx, const SlaPolicy& p) {
  return PolicyOf(Exec(tx, kSetPolicy, PriorityName(p.priority), p.customer_level,
                       p.first_response_minutes, p.resolution_minutes)[0]);
}

void Repository::InsertAttachment(db::Tx& tx, const Attachment& a,
                                  const std::vector<std::string>& chunks) {
  Exec(tx, kInsertAttachment, a.id, a.ticket_id, a.file_name, a.content_type, a.size_bytes,
       a.sha256, static_cast<int>(chunks.size()), a.uploaded_by, db::BinaryByteaArray(chunks));
}

std::optional<Attachment> Repository::FindAttachment(db::Tx& tx, const std::string& id) {
  pqxx::result r = Exec(tx, kFindAttachment, id);
  if (r.empty()) return std::nullopt;
  return AttachmentOf(r[0]);
}

std::vector<Attachment> Repository::Attachments(db::Tx& tx, const std::string& ticket_id) {
  std::vector<Attachment> out;
  for (const auto& r : Exec(tx, kAttachments, ticket_id, 500)) out.push_back(AttachmentOf(r));
  return out;
}

absl::StatusOr<std::string> Repository::AttachmentChunk(db::Tx& tx, const std::string& id,
                                                        int seq) {
  pqxx::result r = Exec(tx, kAttachmentChunk, id, seq);
  if (r.empty()) return absl::InternalError(absl::StrCat("attachment ", id, " lacks chunk ", seq));
  return pqxx::binarystring(r[0][0]).str();
}

}  // namespace crm::tickets_service
