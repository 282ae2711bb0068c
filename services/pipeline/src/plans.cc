#include "services/pipeline/src/plans.h"

#include "absl/strings/match.h"
#include "crm/pipeline/v1/events.pb.h"
#include "libs/ids/uuid.h"
#include "libs/status/status_macros.h"
#include "libs/validation/text.h"
#include "libs/validation/updates.h"
#include "services/pipeline/src/convert.h"
#include "services/pipeline/src/opportunities.h"
#include "services/pipeline/src/repository.h"

namespace crm::pipeline_service {
namespace {

using auth::Principal;
using validation::InMask;

constexpr char kRead[] = "pipeline.opportunities.read";
constexpr char kWrite[] = "pipeline.opportunities.write";

void Emit(db::Tx& tx, const events::Outbox& outbox, const RequestMeta& meta, const char* type,
          const PlanItem& item) {
  v1::PlanItemChanged e;
  *e.mutable_item() = ToProto(item);
  outbox.Append(tx, {type, "plan_item", item.id, &e, meta.actor_id, meta.request_id});
}

// Whether the caller plans on opportunity `o` (locked; none when not visible): open for
// planning, and the caller its assignee.
absl::StatusOr<Opportunity> Plannable(const Principal& caller, const std::string& opportunity_id,
                                      std::optional<Opportunity> o) {
  if (!o) return auth::NotVisible(caller.scope, "opportunity", opportunity_id);
  if (o->status != OpportunityStatus::kAssigned && o->status != OpportunityStatus::kDeveloping) {
    return WrongStatus(*o, "plans are made for an assigned or developing one");
  }
  if (o->assignee_id != caller.user_id) {
    return absl::PermissionDeniedError("a development plan is made and executed by the assignee");
  }
  return *o;
}

// The opportunity of a plan change, locked and checked as Plannable.
absl::StatusOr<Opportunity> PlanningOn(db::Tx& tx, const Principal& caller,
                                       const std::string& opportunity_id) {
  return Plannable(caller, opportunity_id,
                   Repository::Get(tx, opportunity_id, caller, /*lock=*/true));
}

// The item and its opportunity (locked, as PlanningOn); ABORTED when etag names another
// version.
absl::StatusOr<PlanItem> LockItem(db::Tx& tx, const Principal& caller, const std::string& id,
                                  int64_t expected_version) {
  std::optional<PlanItem> item = Repository::FindPlanItem(tx, id, /*lock=*/true);
  // An item is as visible as its opportunity: a missing one and one the caller cannot see
  // answer alike, and neither names the opportunity.
  if (!item || !Repository::Get(tx, item->opportunity_id, caller, /*lock=*/false)) {
    return auth::NotVisible(caller.scope, "plan item", id);
  }
  CRM_RETURN_IF_ERROR(PlanningOn(tx, caller, item->opportunity_id).status());
  if (expected_version != 0 && item->version != expected_version) {
    return validation::StaleEtag();
  }
  return *item;
}

void Content(Violations& v, const std::string& content) {
  validation::RequiredText(v, "item.content", content, 2000, true);
}

}  // namespace

absl::StatusOr<PlanItem> Plans::Create(db::Conn& conn, const Principal& caller,
                                       const RequestMeta& meta, const std::string& request_id,
                                       PlanItem item, Violations decoding) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kWrite));
  Violations v = std::move(decoding);
  db::CheckRequestId(v, request_id);
  validation::RequiredUuid(v, "item.opportunity_id", item.opportunity_id);
  if (!item.plan_date && !v.Has("item.plan_date")) v.Add("item.plan_date", "is required");
  item.content = std::string(validation::TrimSpace(item.content));
  Content(v, item.content);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  item.id = ids::NewUuidV7();
  item.created_by = caller.user_id;
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<PlanItem> {
    // The opportunity is locked before anything is written (the request's claim too), so that
    // its events are in the order of their commits (see the outbox).
    std::optional<Opportunity> locked =
        Repository::Get(tx, item.opportunity_id, caller, /*lock=*/true);
    if (!locked) return auth::NotVisible(caller.scope, "opportunity", item.opportunity_id);
    CRM_ASSIGN_OR_RETURN(auto earlier, request_log_->Claim(tx, caller.user_id, request_id,
                                                           "CreatePlanItem", item.id));
    if (earlier) {
      auto existing = Repository::FindPlanItem(tx, *earlier, /*lock=*/false);
      if (!existing) return absl::NotFoundError("the plan item this request created is gone");
      if (!absl::EqualsIgnoreCase(existing->opportunity_id, item.opportunity_id)) {
        return InvalidField("request_id", "was used for a plan item of another opportunity");
      }
      return *existing;
    }
    CRM_ASSIGN_OR_RETURN(Opportunity o, Plannable(caller, item.opportunity_id, locked));
    PlanItem created = Repository::InsertPlanItem(tx, item);
    if (o.status == OpportunityStatus::kAssigned) {
      Opportunity next = o;
      next.status = OpportunityStatus::kDeveloping;
      CRM_RETURN_IF_ERROR(
          SaveOpportunity(tx, *outbox_, meta, "pipeline.opportunity.developing", o, next).status());
    }
    Emit(tx, *outbox_, meta, "pipeline.plan_item.created", created);
    return created;
  });
}

absl::StatusOr<PlanItem> Plans::Update(db::Conn& conn, const Principal& caller,
                                       const RequestMeta& meta, const PlanItem& patch,
                                       const std::string& etag,
                                       const std::vector<std::string>& mask,
                                       Violations decoding) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kWrite));
  Violations v = std::move(decoding);
  validation::RequiredUuid(v, "item.id", patch.id);
  const std::string content(validation::TrimSpace(patch.content));
  if (InMask(mask, "content")) Content(v, content);
  if (InMask(mask, "plan_date") && !patch.plan_date && !v.Has("item.plan_date")) {
    v.Add("item.plan_date", "is required");
  }
  CRM_RETURN_IF_ERROR(v.ToStatus());
  CRM_RETURN_IF_ERROR(validation::CheckMask(mask, UpdatableFields()));
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("item.etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<PlanItem> {
    CRM_ASSIGN_OR_RETURN(PlanItem current, LockItem(tx, caller, patch.id, expected));
    if (current.executed_at) {
      return absl::FailedPreconditionError(
          absl::StrCat("plan item ", current.id, " is executed; its plan no longer changes"));
    }
    PlanItem next = current;
    if (InMask(mask, "plan_date")) next.plan_date = patch.plan_date;
    if (InMask(mask, "content")) next.content = content;
    std::optional<PlanItem> saved = Repository::UpdatePlanItem(tx, next, current.version, false);
    if (!saved) return validation::StaleEtag();
    Emit(tx, *outbox_, meta, "pipeline.plan_item.updated", *saved);
    return *saved;
  });
}

absl::StatusOr<PlanItem> Plans::Execute(db::Conn& conn, const Principal& caller,
                                        const RequestMeta& meta, const std::string& id,
                                        const std::string& etag, const std::string& result) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kWrite));
  Violations v;
  validation::RequiredUuid(v, "id", id);
  const std::string outcome(validation::TrimSpace(result));
  validation::RequiredText(v, "result", outcome, 4000, true);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<PlanItem> {
    CRM_ASSIGN_OR_RETURN(PlanItem current, LockItem(tx, caller, id, expected));
    PlanItem next = current;
    next.result = outcome;
    std::optional<PlanItem> saved =
        Repository::UpdatePlanItem(tx, next, current.version, /*executed_now=*/true);
    if (!saved) return validation::StaleEtag();
    Emit(tx, *outbox_, meta, "pipeline.plan_item.executed", *saved);
    return *saved;
  });
}

absl::StatusOr<std::vector<PlanItem>> Plans::List(db::Conn& conn, const Principal& caller,
                                                  const std::string& opportunity_id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  CRM_RETURN_IF_ERROR(validation::CheckId("opportunity_id", opportunity_id));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<PlanItem>> {
    if (!Repository::Get(tx, opportunity_id, caller, /*lock=*/false)) {
      return auth::NotVisible(caller.scope, "opportunity", opportunity_id);
    }
    return Repository::PlanItems(tx, opportunity_id);
  });
}

const std::vector<std::string>& Plans::UpdatableFields() {
  static const auto* fields = new std::vector<std::string>{"plan_date", "content"};
  return *fields;
}

}  // namespace crm::pipeline_service
