#pragma once
// The pipeline's SQL: opportunities (always under the caller's record scope when read for a
// caller), stages, stage history and plan items.

#include <optional>
#include <string>
#include <vector>

#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "services/pipeline/src/model.h"

namespace crm::pipeline_service {

class Repository {
 public:
  // Inserts the opportunity in its stage (none: the first active one), with the stage's
  // default probability unless it has one, and records that first stage. The opportunity as
  // stored, or nullopt when the stage is not active.
  static std::optional<Opportunity> Insert(db::Tx& tx, const Opportunity& o);
  // Without scope: for reading back what this request wrote.
  static std::optional<Opportunity> Find(db::Tx& tx, const std::string& id);
  // Within the caller's scope (creator or assignee, or their departments); `lock`: FOR UPDATE.
  static std::optional<Opportunity> Get(db::Tx& tx, const std::string& id,
                                        const auth::Principal& caller, bool lock);
  // Writes every changeable field; assigned_at / closed_at become now() when asked. The
  // opportunity as stored, or nullopt when the version is not `expected_version`.
  static std::optional<Opportunity> Update(db::Tx& tx, const Opportunity& o,
                                           int64_t expected_version, bool assigned_now,
                                           bool closed_now);
  // Open (assigned or developing) opportunities of these customers assigned to `from` go to
  // `to` (assigned by `by`); returns their ids.
  static std::vector<std::string> Reassign(db::Tx& tx, const std::vector<std::string>& customer_ids,
                                           const std::string& from, const std::string& to,
                                           const std::string& to_department_id,
                                           const std::string& by);
  // Opportunities of `duplicate` now name `survivor`; returns their ids.
  static std::vector<std::string> Repoint(db::Tx& tx, const std::string& duplicate,
                                          const std::string& survivor);
  static std::vector<Opportunity> List(db::Tx& tx, const OpportunityFilter& f,
                                       const auth::Principal& caller, const std::string& before_id,
                                       int limit);

  // The contracts made from an opportunity, oldest first.
  static std::vector<ContractRef> ContractsOf(db::Tx& tx, const std::string& opportunity_id,
                                              const auth::Principal& caller);
  // Records the contract as reported (a report older than the one kept changes nothing);
  // false when the opportunity is not here.
  static bool UpsertContract(db::Tx& tx, const ContractRef& c);

  static std::vector<Stage> Stages(db::Tx& tx);
  static std::optional<Stage> FindStage(db::Tx& tx, const std::string& code);
  static Stage UpsertStage(db::Tx& tx, const Stage& s);

  static void AddStageChange(db::Tx& tx, const StageChange& c);
  static std::vector<StageChange> StageChanges(db::Tx& tx, const std::string& opportunity_id);

  // The item as stored.
  static PlanItem InsertPlanItem(db::Tx& tx, const PlanItem& p);
  static std::optional<PlanItem> FindPlanItem(db::Tx& tx, const std::string& id, bool lock);
  // Date, content, result and execution time; the item as stored, or nullopt when the version
  // is not expected.
  static std::optional<PlanItem> UpdatePlanItem(db::Tx& tx, const PlanItem& p,
                                                int64_t expected_version, bool executed_now);
  static std::vector<PlanItem> PlanItems(db::Tx& tx, const std::string& opportunity_id);
};

}  // namespace crm::pipeline_service
