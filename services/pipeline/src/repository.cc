#include "services/pipeline/src/repository.h"

#include "absl/strings/str_cat.h"
#include "libs/auth/scope.h"
#include "libs/db/filters.h"
#include "libs/db/pqxx_traits.h"
#include "libs/db/time_fields.h"
#include "libs/ids/uuid.h"

namespace crm::pipeline_service {
namespace {

using db::Exec;
using db::Statement;

#define OPPORTUNITY_COLUMNS \
  "o.id::text, o.source, coalesce(o.customer_id::text, ''), o.prospect_name, o.summary,"         \
  " o.contact_name, o.contact_phone, o.probability, o.expected_amount_minor, o.expected_currency," \
  " o.expected_close_date::text, o.description, o.stage, o.status, o.creator_id::text,"          \
  " coalesce(o.creator_department_id::text, ''), " CRM_SQL_MICROS("o.created_at")                \
  ", coalesce(o.assignee_id::text, ''), coalesce(o.assignee_department_id::text, ''), "           \
  CRM_SQL_MICROS("o.assigned_at") ", coalesce(o.assigned_by::text, ''), "                         \
  CRM_SQL_MICROS("o.closed_at") ", o.lost_reason, o.version, " CRM_SQL_MICROS("o.updated_at")

// Visible to its creator and its assignee, and to managers of either's department.
const std::vector<std::string> kOwners = {"o.creator_id", "o.assignee_id"};
const std::vector<std::string> kDepartments = {"o.creator_department_id",
                                               "o.assignee_department_id"};

Opportunity OpportunityOf(const pqxx::row& r) {
  Opportunity o;
  o.id = r[0].as<std::string>();
  o.source = r[1].as<std::string>();
  o.customer_id = r[2].as<std::string>();
  o.prospect_name = r[3].as<std::string>();
  o.summary = r[4].as<std::string>();
  o.contact_name = r[5].as<std::string>();
  o.contact_phone = r[6].as<std::string>();
  o.probability = r[7].as<int>();
  if (!r[8].is_null()) o.expected_amount = Money{r[8].as<int64_t>(), r[9].as<std::string>()};
  o.expected_close_date = db::OptionalDayOf(r[10]);
  o.description = r[11].as<std::string>();
  o.stage = r[12].as<std::string>();
  o.status = StatusFromName(r[13].as<std::string>());
  o.creator_id = r[14].as<std::string>();
  o.creator_department_id = r[15].as<std::string>();
  o.created_at = db::TimeOf(r[16]);
  o.assignee_id = r[17].as<std::string>();
  o.assignee_department_id = r[18].as<std::string>();
  o.assigned_at = db::OptionalTimeOf(r[19]);
  o.assigned_by = r[20].as<std::string>();
  o.closed_at = db::OptionalTimeOf(r[21]);
  o.lost_reason = r[22].as<std::string>();
  o.version = r[23].as<int64_t>();
  o.updated_at = db::TimeOf(r[24]);
  return o;
}

std::string DayText(const std::optional<absl::CivilDay>& d) {
  return d ? absl::FormatCivilTime(*d) : std::string();
}

std::string MinorText(const std::optional<Money>& m) {
  return m ? absl::StrCat(m->minor) : std::string();
}

// The opportunity in the stage named $13 (none: the first active one), if that stage is
// active, with the stage's default probability unless $8 gives one, and its first stage change;
// the opportunity as stored, or no row when the stage is not active.
constexpr Statement kInsert{
    "pipeline.insert_opportunity",
    "WITH o AS ("
    "  INSERT INTO pipeline.opportunities (id, source, customer_id, prospect_name, summary,"
    "   contact_name, contact_phone, probability, expected_amount_minor, expected_currency,"
    "   expected_close_date, description, stage, creator_id, creator_department_id)"
    "  SELECT $1::uuid, $2, nullif($3, '')::uuid, $4, $5, $6, $7,"
    "   CASE WHEN $8::int = 0 THEN s.default_probability ELSE $8::int END,"
    "   nullif($9, '')::int8, $10, nullif($11, '')::date, $12, s.code, $14::uuid,"
    "   nullif($15, '')::uuid"
    "  FROM (SELECT s.code, s.default_probability FROM pipeline.stages s"
    "        WHERE s.active AND ($13 = '' OR s.code = $13) ORDER BY s.position, s.code LIMIT 1) s"
    "  RETURNING *),"
    " c AS (INSERT INTO pipeline.stage_changes (opportunity_id, from_stage, to_stage,"
    "   probability, changed_by) SELECT o.id, '', o.stage, o.probability, o.creator_id FROM o)"
    " SELECT " OPPORTUNITY_COLUMNS " FROM o"};

constexpr Statement kFind{"pipeline.find_opportunity",
                          "SELECT " OPPORTUNITY_COLUMNS
                          " FROM pipeline.opportunities o WHERE o.id = $1::uuid"};

const auth::ScopedStatement& GetScoped(bool lock) {
  static const auth::ScopedStatement* const statements[2] = {
      new auth::ScopedStatement("pipeline.get_opportunity",
                                "SELECT " OPPORTUNITY_COLUMNS
                                " FROM pipeline.opportunities o WHERE o.id = $1::uuid AND {scope}",
                                kOwners, kDepartments, 2),
      new auth::ScopedStatement(
          "pipeline.lock_opportunity",
          "SELECT " OPPORTUNITY_COLUMNS
          " FROM pipeline.opportunities o WHERE o.id = $1::uuid AND {scope} FOR UPDATE",
          kOwners, kDepartments, 2)};
  return *statements[lock];
}

constexpr Statement kUpdate{
    "pipeline.update_opportunity",
    "UPDATE pipeline.opportunities o SET source = $2, customer_id = nullif($3, '')::uuid,"
    " prospect_name = $4, summary = $5, contact_name = $6, contact_phone = $7,"
    " probability = $8::int, expected_amount_minor = nullif($9, '')::int8,"
    " expected_currency = $10, expected_close_date = nullif($11, '')::date, description = $12,"
    " stage = $13, status = $14, assignee_id = nullif($15, '')::uuid,"
    " assignee_department_id = nullif($16, '')::uuid,"
    " assigned_at = CASE WHEN $17::bool THEN now() ELSE assigned_at END,"
    " assigned_by = nullif($18, '')::uuid,"
    " closed_at = CASE WHEN $19::bool THEN now() ELSE closed_at END, lost_reason = $20,"
    " version = version + 1, updated_at = now()"
    " WHERE id = $1::uuid AND version = $21::int8 RETURNING " OPPORTUNITY_COLUMNS};

constexpr Statement kReassign{
    "pipeline.reassign",
    "UPDATE pipeline.opportunities SET assignee_id = $3::uuid,"
    " assignee_department_id = nullif($4, '')::uuid, assigned_by = nullif($5, '')::uuid,"
    " assigned_at = now(), version = version + 1, updated_at = now()"
    " WHERE customer_id = ANY($1::uuid[]) AND assignee_id = $2::uuid"
    " AND status IN ('assigned', 'developing') RETURNING id::text"};

constexpr Statement kRepoint{
    "pipeline.repoint",
    "UPDATE pipeline.opportunities SET customer_id = $2::uuid, version = version + 1,"
    " updated_at = now() WHERE customer_id = $1::uuid RETURNING id::text"};

// Newest first; every filter optional. A customer's opportunities (Customer 360, a customer's page)
// are a statement of their own, whose kept plan walks the customer's index (db::UuidFilter); other
// lists are left to the planner, which mostly plans them for each call's values (a kept plan cannot
// use an index for an `($n = '' OR …)` filter).
const auth::ScopedStatement& ListScoped(bool by_customer) {
  static const auto* s = new auth::CustomerListStatements(
      "pipeline.list_opportunities",
      [](bool by_customer) {
        return absl::StrCat(
            "SELECT " OPPORTUNITY_COLUMNS
            " FROM pipeline.opportunities o"
            " WHERE o.id < $1::uuid AND ($2 = '' OR o.status = $2) AND ($3 = '' OR o.stage = $3)"
            " AND ($4 = '' OR o.assignee_id = nullif($4, '')::uuid)"
            " AND ($5 = '' OR o.creator_id = nullif($5, '')::uuid) AND ",
            db::UuidFilter(by_customer, "o.customer_id", 6),
            " AND ($7 = '' OR o.expected_close_date >= nullif($7, '')::date)"
            " AND ($8 = '' OR o.expected_close_date <= nullif($8, '')::date)"
            " AND {scope} ORDER BY o.id DESC LIMIT $10");
      },
      kOwners, kDepartments, 9);
  return s->For(by_customer);
}

// The contracts made from an opportunity that the caller may see (by the contract's owner).
const auth::ScopedStatement& ContractsOfScoped() {
  static const auto* s = new auth::ScopedStatement(
      "pipeline.contracts_of",
      "SELECT k.contract_id::text, k.opportunity_id::text, k.number, k.status, k.amount_minor,"
      " k.currency, " CRM_SQL_MICROS("k.updated_at") ", k.owner_id::text,"
      " coalesce(k.owner_department_id::text, '') FROM pipeline.opportunity_contracts k"
      " WHERE k.opportunity_id = $1::uuid AND {scope} ORDER BY k.contract_id",
      "k.owner_id", "k.owner_department_id", 2);
  return *s;
}

// The report, unless an equally recent or newer one is kept; whether the opportunity is here.
constexpr Statement kUpsertContract{
    "pipeline.upsert_contract",
    "WITH o AS (SELECT id FROM pipeline.opportunities WHERE id = $2::uuid),"
    " u AS (INSERT INTO pipeline.opportunity_contracts AS c (contract_id, opportunity_id, number,"
    "   status, amount_minor, currency, updated_at, owner_id, owner_department_id)"
    "   SELECT $1::uuid, o.id, $3, $4, $5::int8, $6, to_timestamp($7::int8 / 1e6), $8::uuid,"
    "   nullif($9, '')::uuid FROM o"
    "   ON CONFLICT (contract_id) DO UPDATE SET number = excluded.number,"
    "   status = excluded.status, amount_minor = excluded.amount_minor,"
    "   currency = excluded.currency, updated_at = excluded.updated_at,"
    "   owner_id = excluded.owner_id, owner_department_id = excluded.owner_department_id"
    "   WHERE c.updated_at <= excluded.updated_at)"
    " SELECT EXISTS (SELECT FROM o)"};

#define STAGE_COLUMNS "s.code, s.name, s.position, s.default_probability, s.active"

Stage StageOf(const pqxx::row& r) {
  return {r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<int>(), r[3].as<int>(),
          r[4].as<bool>()};
}

constexpr Statement kStages{"pipeline.stages",
                            "SELECT " STAGE_COLUMNS
                            " FROM pipeline.stages s ORDER BY s.position, s.code"};
constexpr Statement kFindStage{"pipeline.find_stage",
                               "SELECT " STAGE_COLUMNS " FROM pipeline.stages s WHERE s.code = $1"};
constexpr Statement kUpsertStage{
    "pipeline.upsert_stage",
    "INSERT INTO pipeline.stages AS s (code, name, position, default_probability, active)"
    " VALUES ($1, $2, $3::int, $4::int, $5::bool)"
    " ON CONFLICT (code) DO UPDATE SET name = excluded.name, position = excluded.position,"
    " default_probability = excluded.default_probability, active = excluded.active"
    " RETURNING " STAGE_COLUMNS};

constexpr Statement kAddStageChange{
    "pipeline.add_stage_change",
    "INSERT INTO pipeline.stage_changes (opportunity_id, from_stage, to_stage, probability,"
    " changed_by) VALUES ($1::uuid, $2, $3, $4::int, $5::uuid)"};
constexpr Statement kStageChanges{
    "pipeline.stage_changes",
    "SELECT opportunity_id::text, from_stage, to_stage, probability, changed_by::text, "
    CRM_SQL_MICROS("changed_at") " FROM pipeline.stage_changes WHERE opportunity_id = $1::uuid"
    " ORDER BY seq"};

#define PLAN_COLUMNS \
  "p.id::text, p.opportunity_id::text, p.plan_date::text, p.content, p.result, "          \
  CRM_SQL_MICROS("p.executed_at") ", p.created_by::text, " CRM_SQL_MICROS("p.created_at") \
  ", p.version, " CRM_SQL_MICROS("p.updated_at")

PlanItem PlanItemOf(const pqxx::row& r) {
  PlanItem p;
  p.id = r[0].as<std::string>();
  p.opportunity_id = r[1].as<std::string>();
  p.plan_date = db::OptionalDayOf(r[2]);
  p.content = r[3].as<std::string>();
  p.result = r[4].as<std::string>();
  p.executed_at = db::OptionalTimeOf(r[5]);
  p.created_by = r[6].as<std::string>();
  p.created_at = db::TimeOf(r[7]);
  p.version = r[8].as<int64_t>();
  p.updated_at = db::TimeOf(r[9]);
  return p;
}

constexpr Statement kInsertPlanItem{
    "pipeline.insert_plan_item",
    "INSERT INTO pipeline.plan_items AS p (id, opportunity_id, plan_date, content, created_by)"
    " VALUES ($1::uuid, $2::uuid, $3::date, $4, $5::uuid) RETURNING " PLAN_COLUMNS};
constexpr Statement kFindPlanItem{"pipeline.find_plan_item",
                                  "SELECT " PLAN_COLUMNS
                                  " FROM pipeline.plan_items p WHERE p.id = $1::uuid"};
constexpr Statement kLockPlanItem{"pipeline.lock_plan_item",
                                  "SELECT " PLAN_COLUMNS
                                  " FROM pipeline.plan_items p WHERE p.id = $1::uuid FOR UPDATE"};
constexpr Statement kUpdatePlanItem{
    "pipeline.update_plan_item",
    "UPDATE pipeline.plan_items p SET plan_date = $2::date, content = $3, result = $4,"
    " executed_at = CASE WHEN $5::bool THEN now() ELSE executed_at END,"
    " version = version + 1, updated_at = now() WHERE id = $1::uuid AND version = $6::int8"
    " RETURNING " PLAN_COLUMNS};
constexpr Statement kPlanItems{"pipeline.plan_items",
                               "SELECT " PLAN_COLUMNS
                               " FROM pipeline.plan_items p WHERE p.opportunity_id = $1::uuid"
                               " ORDER BY p.plan_date, p.id"};

}  // namespace

std::optional<Opportunity> Repository::Insert(db::Tx& tx, const Opportunity& o) {
  pqxx::result r =
      Exec(tx, kInsert, o.id, o.source, o.customer_id, o.prospect_name, o.summary, o.contact_name,
           o.contact_phone, o.probability, MinorText(o.expected_amount),
           o.expected_amount ? o.expected_amount->currency : std::string(),
           DayText(o.expected_close_date), o.description, o.stage, o.creator_id,
           o.creator_department_id);
  if (r.empty()) return std::nullopt;
  return OpportunityOf(r[0]);
}

std::optional<Opportunity> Repository::Find(db::Tx& tx, const std::string& id) {
  pqxx::result r = Exec(tx, kFind, id);
  if (r.empty()) return std::nullopt;
  return OpportunityOf(r[0]);
}

std::optional<Opportunity> Repository::Get(db::Tx& tx, const std::string& id,
                                           const auth::Principal& caller, bool lock) {
  pqxx::result r = Exec(tx, GetScoped(lock).For(caller.scope), id, auth::ScopeParam(caller));
  if (r.empty()) return std::nullopt;
  return OpportunityOf(r[0]);
}

std::optional<Opportunity> Repository::Update(db::Tx& tx, const Opportunity& o,
                                              int64_t expected_version, bool assigned_now,
                                              bool closed_now) {
  pqxx::result r =
      Exec(tx, kUpdate, o.id, o.source, o.customer_id, o.prospect_name, o.summary, o.contact_name,
           o.contact_phone, o.probability, MinorText(o.expected_amount),
           o.expected_amount ? o.expected_amount->currency : std::string(),
           DayText(o.expected_close_date), o.description, o.stage, StatusName(o.status),
           o.assignee_id, o.assignee_department_id, assigned_now, o.assigned_by, closed_now,
           o.lost_reason, expected_version);
  if (r.empty()) return std::nullopt;
  return OpportunityOf(r[0]);
}

std::vector<std::string> Repository::Reassign(db::Tx& tx,
                                              const std::vector<std::string>& customer_ids,
                                              const std::string& from, const std::string& to,
                                              const std::string& to_department_id,
                                              const std::string& by) {
  return db::FirstColumn(
      Exec(tx, kReassign, db::TextArray(customer_ids), from, to, to_department_id, by));
}

std::vector<std::string> Repository::Repoint(db::Tx& tx, const std::string& duplicate,
                                             const std::string& survivor) {
  return db::FirstColumn(Exec(tx, kRepoint, duplicate, survivor));
}

std::vector<Opportunity> Repository::List(db::Tx& tx, const OpportunityFilter& f,
                                          const auth::Principal& caller,
                                          const std::string& before_id, int limit) {
  pqxx::result r =
      Exec(tx, ListScoped(!f.customer_id.empty()).For(caller.scope),
           before_id.empty() ? std::string(ids::kMaxUuid) : before_id,
           f.status == OpportunityStatus::kUnspecified ? std::string()
                                                       : std::string(StatusName(f.status)),
           f.stage, f.assignee_id, f.creator_id, f.customer_id, DayText(f.close_from),
           DayText(f.close_to), auth::ScopeParam(caller), limit);
  std::vector<Opportunity> out;
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(OpportunityOf(row));
  return out;
}

std::vector<ContractRef> Repository::ContractsOf(db::Tx& tx, const std::string& opportunity_id,
                                                 const auth::Principal& caller) {
  std::vector<ContractRef> out;
  for (const auto& r :
       Exec(tx, ContractsOfScoped().For(caller.scope), opportunity_id, auth::ScopeParam(caller))) {
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                   r[3].as<std::string>(), Money{r[4].as<int64_t>(), r[5].as<std::string>()},
                   db::TimeOf(r[6]), r[7].as<std::string>(), r[8].as<std::string>()});
  }
  return out;
}

bool Repository::UpsertContract(db::Tx& tx, const ContractRef& c) {
  return Exec(tx, kUpsertContract, c.contract_id, c.opportunity_id, c.number, c.status,
              c.amount.minor, c.amount.currency, absl::ToUnixMicros(c.updated_at), c.owner_id,
              c.owner_department_id)[0][0]
      .as<bool>();
}

std::vector<Stage> Repository::Stages(db::Tx& tx) {
  std::vector<Stage> out;
  for (const auto& row : Exec(tx, kStages)) out.push_back(StageOf(row));
  return out;
}

std::optional<Stage> Repository::FindStage(db::Tx& tx, const std::string& code) {
  pqxx::result r = Exec(tx, kFindStage, code);
  if (r.empty()) return std::nullopt;
  return StageOf(r[0]);
}

Stage Repository::UpsertStage(db::Tx& tx, const Stage& s) {
  return StageOf(
      Exec(tx, kUpsertStage, s.code, s.name, s.position, s.default_probability, s.active)[0]);
}

void Repository::AddStageChange(db::Tx& tx, const StageChange& c) {
  Exec(tx, kAddStageChange, c.opportunity_id, c.from_stage, c.to_stage, c.probability,
       c.changed_by);
}

std::vector<StageChange> Repository::StageChanges(db::Tx& tx, const std::string& opportunity_id) {
  std::vector<StageChange> out;
  for (const auto& r : Exec(tx, kStageChanges, opportunity_id)) {
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                   r[3].as<int>(), r[4].as<std::string>(), db::TimeOf(r[5])});
  }
  return out;
}

PlanItem Repository::InsertPlanItem(db::Tx& tx, const PlanItem& p) {
  return PlanItemOf(Exec(tx, kInsertPlanItem, p.id, p.opportunity_id, DayText(p.plan_date),
                         p.content, p.created_by)[0]);
}

std::optional<PlanItem> Repository::FindPlanItem(db::Tx& tx, const std::string& id, bool lock) {
  pqxx::result r = Exec(tx, lock ? kLockPlanItem : kFindPlanItem, id);
  if (r.empty()) return std::nullopt;
  return PlanItemOf(r[0]);
}

std::optional<PlanItem> Repository::UpdatePlanItem(db::Tx& tx, const PlanItem& p,
                                                   int64_t expected_version, bool executed_now) {
  pqxx::result r = Exec(tx, kUpdatePlanItem, p.id, DayText(p.plan_date), p.content, p.result,
                        executed_now, expected_version);
  if (r.empty()) return std::nullopt;
  return PlanItemOf(r[0]);
}

std::vector<PlanItem> Repository::PlanItems(db::Tx& tx, const std::string& opportunity_id) {
  std::vector<PlanItem> out;
  for (const auto& row : Exec(tx, kPlanItems, opportunity_id)) out.push_back(PlanItemOf(row));
  return out;
}

}  // namespace crm::pipeline_service
