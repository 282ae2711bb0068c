#include "services/pipeline/src/opportunities.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "crm/contracts/v1/events.pb.h"
#include "crm/pipeline/v1/events.pb.h"
#include "libs/events/customer_moves.h"
#include "libs/ids/uuid.h"
#include "libs/money/money.h"
#include "libs/proto_time/proto_time.h"
#include "libs/status/status_macros.h"
#include "libs/validation/newest_first.h"
#include "libs/validation/text.h"
#include "libs/validation/updates.h"
#include "services/pipeline/src/convert.h"
#include "services/pipeline/src/repository.h"

namespace crm::pipeline_service {
namespace {

using auth::Principal;
using validation::InMask;

constexpr char kRead[] = "pipeline.opportunities.read";
constexpr char kCreate[] = "pipeline.opportunities.create";
constexpr char kWrite[] = "pipeline.opportunities.write";
constexpr char kAssign[] = "pipeline.opportunities.assign";

void Probability(Violations& v, const std::string& field, int probability) {
  if (probability < 0 || probability > 100) v.Add(field, "must be between 0 and 100");
}

// The fields of `o` a create or an update (masked) sets.
void ValidateFields(Violations& v, const Opportunity& o, const std::vector<std::string>* mask) {
  auto check = [&](const char* f) { return mask == nullptr || InMask(*mask, f); };
  if (check("source")) validation::OptionalText(v, "opportunity.source", o.source, 50);
  if (check("prospect_name")) {
    validation::OptionalText(v, "opportunity.prospect_name", o.prospect_name, 200);
  }
  if (check("summary")) validation::Name(v, "opportunity.summary", o.summary, 200);
  if (check("contact_name")) {
    validation::OptionalText(v, "opportunity.contact_name", o.contact_name, 100);
  }
  if (check("contact_phone")) {
    validation::OptionalPhone(v, "opportunity.contact_phone", o.contact_phone);
  }
  if (check("probability")) Probability(v, "opportunity.probability", o.probability);
  if (check("expected_amount")) {
    money::CheckAmount(v, "opportunity.expected_amount", o.expected_amount);
  }
  if (check("description")) {
    validation::OptionalText(v, "opportunity.description", o.description, 4000, true);
  }
}

// The opportunity as the caller may see it, for a change: locked, or PERMISSION_DENIED /
// NOT_FOUND; ABORTED when etag names another version.
absl::StatusOr<Opportunity> Lock(db::Tx& tx, const Principal& caller, const std::string& id,
                                 int64_t expected_version) {
  std::optional<Opportunity> o = Repository::Get(tx, id, caller, /*lock=*/true);
  if (!o) return auth::NotVisible(caller.scope, "opportunity", id);
  if (expected_version != 0 && o->version != expected_version) return validation::StaleEtag();
  return *o;
}

// Whether the caller changes it as its owner for now: the creator while it is unassigned,
// then the assignee.
bool Owns(const Principal& caller, const Opportunity& o) {
  return caller.user_id ==
         (o.status == OpportunityStatus::kUnassigned ? o.creator_id : o.assignee_id);
}

bool IsOpen(OpportunityStatus s) {
  return s != OpportunityStatus::kWon && s != OpportunityStatus::kLost;
}

absl::Status RequireId(const std::string& field, const std::string& id) {
  Violations v;
  validation::RequiredUuid(v, field, id);
  return v.ToStatus();
}

}  // namespace

bool IsManager(const Principal& caller) { return caller.Can(kAssign); }

absl::Status WrongStatus(const Opportunity& o, const std::string& what) {
  return absl::FailedPreconditionError(
      absl::StrCat("opportunity ", o.id, " is ", StatusName(o.status), "; ", what));
}

void EmitOpportunity(db::Tx& tx, const events::Outbox& outbox, const RequestMeta& meta,
                     const char* type, const Opportunity& o) {
  v1::OpportunityChanged e;
  *e.mutable_opportunity() = ToProto(o);
  outbox.Append(tx, {type, "opportunity", o.id, &e, meta.actor_id, meta.request_id});
}

absl::StatusOr<Opportunity> SaveOpportunity(db::Tx& tx, const events::Outbox& outbox,
                                            const RequestMeta& meta, const char* event,
                                            const Opportunity& current, const Opportunity& next,
                                            bool assigned_now, bool closed_now) {
  std::optional<Opportunity> saved =
      Repository::Update(tx, next, current.version, assigned_now, closed_now);
  if (!saved) return validation::StaleEtag();
  EmitOpportunity(tx, outbox, meta, event, *saved);
  return *saved;
}

const std::vector<std::string>& Opportunities::UpdatableFields() {
  static const auto* fields =
      new std::vector<std::string>{"source",          "prospect_name",       "summary",
                                   "contact_name",    "contact_phone",       "probability",
                                   "expected_amount", "expected_close_date", "description"};
  return *fields;
}

absl::CivilDay Opportunities::Today() const { return absl::ToCivilDay(absl::Now(), zone_); }

absl::Status Opportunities::CheckCreate(const Principal& caller, const std::string& request_id,
                                        const Opportunity& o, const Violations& decoding) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kCreate));
  Violations v = decoding;
  db::CheckRequestId(v, request_id);
  ValidateFields(v, o, nullptr);
  validation::OptionalUuid(v, "opportunity.customer_id", o.customer_id);
  if (o.customer_id.empty() && validation::TrimSpace(o.prospect_name).empty()) {
    v.Add("opportunity.prospect_name", "is required when there is no customer_id");
  }
  validation::OptionalCode(v, "opportunity.stage", o.stage);
  if (o.expected_close_date && *o.expected_close_date < Today()) {
    v.Add("opportunity.expected_close_date", "must not be in the past");
  }
  CRM_RETURN_IF_ERROR(v.ToStatus());
  if (caller.service_account) {
    return absl::FailedPreconditionError("opportunities are created by people");
  }
  return absl::OkStatus();
}

absl::StatusOr<Opportunity> Opportunities::Create(db::Conn& conn, const Principal& caller,
                                                  const RequestMeta& meta,
                                                  const std::string& request_id, Opportunity o,
                                                  Violations decoding) const {
  CRM_RETURN_IF_ERROR(CheckCreate(caller, request_id, o, decoding));
  o.id = ids::NewUuidV7();
  o.summary = std::string(validation::TrimSpace(o.summary));
  o.prospect_name = std::string(validation::TrimSpace(o.prospect_name));
  o.creator_id = caller.user_id;
  o.creator_department_id = caller.department_id;
  o.status = OpportunityStatus::kUnassigned;
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Opportunity> {
    CRM_ASSIGN_OR_RETURN(auto earlier, request_log_->Claim(tx, caller.user_id, request_id,
                                                           "CreateOpportunity", o.id));
    if (earlier) {
      auto existing = Repository::Get(tx, *earlier, caller, /*lock=*/false);
      if (!existing) return auth::NotVisible(caller.scope, "opportunity", *earlier);
      return *existing;
    }
    std::optional<Opportunity> created = Repository::Insert(tx, o);
    if (!created) {
      return InvalidField("opportunity.stage", o.stage.empty()
                                                   ? "there is no active stage (see ListStages)"
                                                   : "is not an active stage (see ListStages)");
    }
    EmitOpportunity(tx, *outbox_, meta, "pipeline.opportunity.created", *created);
    return *created;
  });
}

absl::StatusOr<Opportunity> Opportunities::Get(db::Conn& conn, const Principal& caller,
                                               const std::string& id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  CRM_RETURN_IF_ERROR(RequireId("id", id));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<Opportunity> {
    std::optional<Opportunity> o = Repository::Get(tx, id, caller, /*lock=*/false);
    if (!o) return auth::NotVisible(caller.scope, "opportunity", id);
    o->contracts = Repository::ContractsOf(tx, id, caller);
    return *o;
  });
}

absl::StatusOr<validation::Page<Opportunity>> Opportunities::List(
    db::Conn& conn, const Principal& caller, const OpportunityFilter& f, int32_t page_size,
    const std::string& page_token) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  Violations v;
  validation::OptionalCode(v, "stage", f.stage);
  validation::OptionalUuid(v, "assignee_id", f.assignee_id);
  validation::OptionalUuid(v, "creator_id", f.creator_id);
  validation::OptionalUuid(v, "customer_id", f.customer_id);
  if (f.close_from && f.close_to && *f.close_to < *f.close_from) {
    v.Add("close_date_to", "is before close_date_from");
  }
  CRM_RETURN_IF_ERROR(v.ToStatus());
  const std::string filters = absl::StrJoin(
      {std::string(StatusName(f.status)), f.stage, f.assignee_id, f.creator_id, f.customer_id,
       f.close_from ? absl::FormatCivilTime(*f.close_from) : std::string(),
       f.close_to ? absl::FormatCivilTime(*f.close_to) : std::string()},
      "|");
  return validation::NewestFirst<Opportunity>(
      conn, filters, page_size, page_token,
      [&](db::Tx& tx, const std::string& before_id, int limit) {
        return Repository::List(tx, f, caller, before_id, limit);
      });
}

absl::StatusOr<Opportunity> Opportunities::Update(db::Conn& conn, const Principal& caller,
                                                  const RequestMeta& meta, const Opportunity& patch,
                                                  const std::string& etag,
                                                  const std::vector<std::string>& mask,
                                                  Violations decoding) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kWrite));
  Violations v = std::move(decoding);
  validation::RequiredUuid(v, "opportunity.id", patch.id);
  ValidateFields(v, patch, &mask);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  CRM_RETURN_IF_ERROR(validation::CheckMask(mask, UpdatableFields()));
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("opportunity.etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Opportunity> {
    CRM_ASSIGN_OR_RETURN(Opportunity current, Lock(tx, caller, patch.id, expected));
    if (!IsOpen(current.status)) return WrongStatus(current, "only an open one is edited");
    if (!Owns(caller, current) && !IsManager(caller)) {
      return absl::PermissionDeniedError(
          current.status == OpportunityStatus::kUnassigned
              ? "an unassigned opportunity is edited by its creator or a sales manager"
              : "an assigned opportunity is edited by its assignee or a sales manager");
    }
    Opportunity next = current;
    if (InMask(mask, "source")) next.source = patch.source;
    if (InMask(mask, "prospect_name")) {
      next.prospect_name = std::string(validation::TrimSpace(patch.prospect_name));
      if (next.prospect_name.empty() && next.customer_id.empty()) {
        return InvalidField("opportunity.prospect_name",
                            "is required when there is no customer_id");
      }
    }
    if (InMask(mask, "summary")) next.summary = std::string(validation::TrimSpace(patch.summary));
    if (InMask(mask, "contact_name")) next.contact_name = patch.contact_name;
    if (InMask(mask, "contact_phone")) next.contact_phone = patch.contact_phone;
    if (InMask(mask, "probability")) next.probability = patch.probability;
    if (InMask(mask, "expected_amount")) next.expected_amount = patch.expected_amount;
    if (InMask(mask, "expected_close_date")) {
      next.expected_close_date = patch.expected_close_date;
      if (next.expected_close_date && *next.expected_close_date < Today() &&
          next.expected_close_date != current.expected_close_date) {
        return InvalidField("opportunity.expected_close_date", "must not be in the past");
      }
    }
    if (InMask(mask, "description")) next.description = patch.description;
    return SaveOpportunity(tx, *outbox_, meta, "pipeline.opportunity.updated", current, next);
  });
}

absl::Status Opportunities::CheckAssign(const Principal& caller, const std::string& id,
                                        const std::string& etag, const std::string& assignee_id) {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kAssign));
  Violations v;
  validation::RequiredUuid(v, "id", id);
  validation::RequiredUuid(v, "assignee_id", assignee_id);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  return validation::ParseEtag("etag", etag).status();
}

absl::StatusOr<Opportunity> Opportunities::Assign(db::Conn& conn, const Principal& caller,
                                                  const RequestMeta& meta, const std::string& id,
                                                  const std::string& etag,
                                                  const service::DirectoryUser& to) const {
  CRM_RETURN_IF_ERROR(CheckAssign(caller, id, etag, to.id));
  if (!to.active || !to.human) {
    return InvalidField("assignee_id", "is not an active person");
  }
  if (caller.scope != auth::DataScope::kAll && !caller.InDepartmentTree(to.department_id)) {
    return InvalidField("assignee_id", "is not in your department or below it");
  }
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Opportunity> {
    CRM_ASSIGN_OR_RETURN(Opportunity current, Lock(tx, caller, id, expected));
    if (current.status != OpportunityStatus::kUnassigned &&
        current.status != OpportunityStatus::kAssigned) {
      return WrongStatus(current, "only an unassigned or assigned one is assigned");
    }
    if (current.status == OpportunityStatus::kAssigned && current.assignee_id == to.id)
      return current;
    Opportunity next = current;
    next.status = OpportunityStatus::kAssigned;
    next.assignee_id = to.id;
    next.assignee_department_id = to.department_id;
    next.assigned_by = caller.user_id;
    return SaveOpportunity(tx, *outbox_, meta, "pipeline.opportunity.assigned", current, next,
                           /*assigned_now=*/true);
  });
}

absl::StatusOr<Opportunity> Opportunities::ChangeStage(
    db::Conn& conn, const Principal& caller, const RequestMeta& meta, const std::string& id,
    const std::string& etag, const std::string& stage, int probability) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kWrite));
  Violations v;
  validation::RequiredUuid(v, "id", id);
  if (validation::Required(v, "stage", stage)) validation::OptionalCode(v, "stage", stage);
  Probability(v, "probability", probability);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Opportunity> {
    CRM_ASSIGN_OR_RETURN(Opportunity current, Lock(tx, caller, id, expected));
    if (!IsOpen(current.status)) return WrongStatus(current, "only an open one changes stage");
    if (!Owns(caller, current) && !IsManager(caller)) {
      return absl::PermissionDeniedError(
          "the stage is changed by the assignee (the creator while unassigned) or a sales "
          "manager");
    }
    std::optional<Stage> to = Repository::FindStage(tx, stage);
    if (!to || !to->active) return InvalidField("stage", "is not an active stage (see ListStages)");
    Opportunity next = current;
    next.stage = to->code;
    next.probability = probability == 0 ? to->default_probability : probability;
    if (next.stage == current.stage && next.probability == current.probability) return current;
    Repository::AddStageChange(
        tx, {id, current.stage, next.stage, next.probability, caller.user_id, {}});
    return SaveOpportunity(tx, *outbox_, meta, "pipeline.opportunity.stage_changed", current, next);
  });
}

absl::StatusOr<std::vector<StageChange>> Opportunities::StageChanges(db::Conn& conn,
                                                                     const Principal& caller,
                                                                     const std::string& id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  CRM_RETURN_IF_ERROR(RequireId("opportunity_id", id));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<StageChange>> {
    if (!Repository::Get(tx, id, caller, /*lock=*/false)) {
      return auth::NotVisible(caller.scope, "opportunity", id);
    }
    return Repository::StageChanges(tx, id);
  });
}

std::string Opportunities::CustomerRequestId(const std::string& opportunity_id) {
  return absl::StrCat("pipeline-won-", opportunity_id);
}

absl::StatusOr<Opportunities::Success> Opportunities::PrepareSuccess(
    db::Conn& conn, const Principal& caller, const std::string& id, const std::string& etag,
    const std::string& customer_id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kWrite));
  Violations v;
  validation::RequiredUuid(v, "id", id);
  validation::OptionalUuid(v, "customer_id", customer_id);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("etag", etag));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<Success> {
    std::optional<Opportunity> o = Repository::Get(tx, id, caller, /*lock=*/false);
    if (!o) return auth::NotVisible(caller.scope, "opportunity", id);
    if (o->assignee_id != caller.user_id) {
      return absl::PermissionDeniedError("development is marked succeeded by the assignee");
    }
    Success s{*o, false, customer_id.empty() ? o->customer_id : customer_id};
    if (o->status == OpportunityStatus::kWon) {
      // A retry of a call that got through: the answer it would have had.
      if (!customer_id.empty() && customer_id != o->customer_id) {
        return WrongStatus(*o, absl::StrCat("it was won with customer ", o->customer_id));
      }
      s.already_won = true;
      return s;
    }
    if (expected != 0 && o->version != expected) return validation::StaleEtag();
    if (o->status != OpportunityStatus::kDeveloping) {
      return WrongStatus(*o, "development succeeds only while developing (make a plan first)");
    }
    return s;
  });
}

void Opportunities::Succeed(const OnDb& on_db, const CustomersClient& customers,
                            const Principal& caller, const RequestMeta& meta, SuccessRequest r,
                            std::function<void(absl::StatusOr<Opportunity>)> done) const {
  on_db([this, on_db, &customers, caller, meta, r, done](db::Conn& conn) {
    auto plan = PrepareSuccess(conn, caller, r.id, r.etag, r.customer_id);
    if (!plan.ok()) return done(plan.status());
    if (plan->already_won) return done(plan->opportunity);
    auto complete = [this, on_db, caller, meta, r, done](absl::StatusOr<std::string> customer) {
      if (!customer.ok()) return done(customer.status());
      on_db([this, caller, meta, r, id = *customer, done](db::Conn& conn) {
        done(CompleteSuccess(conn, caller, meta, r.id, r.etag, id));
      });
    };
    if (plan->customer_id.empty()) {
      return customers.CreateFromProspect(plan->opportunity, CustomerRequestId(r.id),
                                          r.force_new_customer, complete);
    }
    customers.CheckVisible(plan->customer_id, "customer_id",
                           [complete, id = plan->customer_id](absl::Status visible) {
                             if (!visible.ok()) return complete(visible);
                             complete(id);
                           });
  });
}

absl::StatusOr<Opportunity> Opportunities::CompleteSuccess(db::Conn& conn, const Principal& caller,
                                                           const RequestMeta& meta,
                                                           const std::string& id,
                                                           const std::string& etag,
                                                           const std::string& customer_id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kWrite));
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Opportunity> {
    CRM_ASSIGN_OR_RETURN(Opportunity current, Lock(tx, caller, id, 0));
    if (current.status == OpportunityStatus::kWon && current.customer_id == customer_id)
      return current;
    // Changed since the caller read it (between the two steps too).
    if (expected != 0 && current.version != expected) return validation::StaleEtag();
    if (current.status != OpportunityStatus::kDeveloping) {
      return WrongStatus(current, "development succeeds only while developing");
    }
    if (current.assignee_id != caller.user_id) {
      return absl::PermissionDeniedError("development is marked succeeded by the assignee");
    }
    Opportunity next = current;
    next.status = OpportunityStatus::kWon;
    next.customer_id = customer_id;
    next.probability = 100;
    return SaveOpportunity(tx, *outbox_, meta, "pipeline.opportunity.won", current, next,
                           /*assigned_now=*/false, /*closed_now=*/true);
  });
}

absl::StatusOr<Opportunity> Opportunities::Terminate(db::Conn& conn, const Principal& caller,
                                                     const RequestMeta& meta, const std::string& id,
                                                     const std::string& etag,
                                                     const std::string& reason) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kWrite));
  Violations v;
  validation::RequiredUuid(v, "id", id);
  const std::string why(validation::TrimSpace(reason));
  validation::RequiredText(v, "reason", why, 2000, true);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Opportunity> {
    CRM_ASSIGN_OR_RETURN(Opportunity current, Lock(tx, caller, id, expected));
    if (current.status != OpportunityStatus::kAssigned &&
        current.status != OpportunityStatus::kDeveloping) {
      return WrongStatus(current, "only an assigned or developing one is terminated");
    }
    if (current.assignee_id != caller.user_id && !IsManager(caller)) {
      return absl::PermissionDeniedError(
          "development is terminated by the assignee or a sales manager");
    }
    Opportunity next = current;
    next.status = OpportunityStatus::kLost;
    next.lost_reason = why;
    next.probability = 0;
    return SaveOpportunity(tx, *outbox_, meta, "pipeline.opportunity.lost", current, next,
                           /*assigned_now=*/false, /*closed_now=*/true);
  });
}

absl::Status Opportunities::ApplyCustomerEvent(db::Tx& tx, const common::v1::Event& event) const {
  auto move = events::CustomerMoveOf(event);
  if (!move.ok()) return events::SkipEvent(event, move.status());
  std::vector<std::string> changed;
  const char* type = "pipeline.opportunity.customer_merged";
  if (move->kind == events::CustomerMove::Kind::kMerge) {
    changed = Repository::Repoint(tx, move->duplicate_id, move->survivor_id);
  } else {
    changed = Repository::Reassign(tx, move->customer_ids, move->from_user_id, move->to_user_id,
                                   move->to_department_id, move->by_user_id);
    type = "pipeline.opportunity.handed_over";
  }
  const RequestMeta meta{event.request_id(), event.actor_id()};
  for (const auto& id : changed) {
    EmitOpportunity(tx, *outbox_, meta, type, *Repository::Find(tx, id));
  }
  return absl::OkStatus();
}

const std::vector<std::string>& Opportunities::ContractEventTypes() {
  static const auto* types = new std::vector<std::string>{
      "contracts.contract.created",     "contracts.contract.updated",
      "contracts.contract.submitted",   "contracts.contract.approved",
      "contracts.contract.rejected",    "contracts.contract.signed",
      "contracts.contract.completed",   "contracts.contract.terminated",
      "contracts.contract.handed_over", "contracts.contract.customer_merged"};
  return *types;
}

absl::Status Opportunities::ApplyContractEvent(db::Tx& tx, const common::v1::Event& event) const {
  crm::contracts::v1::ContractChanged payload;
  if (!event.payload().UnpackTo(&payload)) {
    return events::SkipEvent(event, absl::InvalidArgumentError("payload is not ContractChanged"));
  }
  const auto& c = payload.contract();
  if (c.opportunity_id().empty()) return absl::OkStatus();
  Violations v;
  validation::RequiredUuid(v, "contract.id", c.id());
  validation::RequiredUuid(v, "contract.opportunity_id", c.opportunity_id());
  validation::RequiredUuid(v, "contract.owner_id", c.owner_id());
  validation::OptionalUuid(v, "contract.owner_department_id", c.owner_department_id());
  std::optional<Money> amount = money::FromProto(c.amount(), c.has_amount(), "contract.amount", v);
  std::optional<absl::Time> updated =
      proto_time::TimeOf(c.update_time(), "contract.update_time", v);
  if (!amount || !updated) v.Add("contract", "has no amount or update_time");
  if (!v.empty()) return events::SkipEvent(event, v.ToStatus());
  std::string status = crm::contracts::v1::ContractStatus_Name(c.status());
  status = absl::AsciiStrToLower(absl::StripPrefix(status, "CONTRACT_STATUS_"));
  if (!Repository::UpsertContract(tx, {c.id(), c.opportunity_id(), c.number(), status, *amount,
                                       *updated, c.owner_id(), c.owner_department_id()})) {
    return events::SkipEvent(event, absl::NotFoundError("its opportunity is not here"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Stage>> Opportunities::Stages(db::Conn& conn,
                                                         const Principal& caller) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  return conn.Read(
      [](db::Tx& tx) -> absl::StatusOr<std::vector<Stage>> { return Repository::Stages(tx); });
}

absl::StatusOr<Stage> Opportunities::UpsertStage(db::Conn& conn, const Principal& caller,
                                                 const RequestMeta& meta,
                                                 const Stage& stage) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kAssign));
  Violations v;
  if (validation::Required(v, "stage.code", stage.code)) {
    validation::OptionalCode(v, "stage.code", stage.code);
  }
  validation::Name(v, "stage.name", stage.name, 50);
  Probability(v, "stage.default_probability", stage.default_probability);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Stage> {
    Stage saved = Repository::UpsertStage(tx, stage);
    v1::StageChanged e;
    *e.mutable_stage() = ToProto(saved);
    outbox_->Append(
        tx, {"pipeline.stage.upserted", "stage", saved.code, &e, meta.actor_id, meta.request_id});
    return saved;
  });
}

}  // namespace crm::pipeline_service
