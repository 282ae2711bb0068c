#include "services/pipeline/src/convert.h"

#include "libs/enums/enum_table.h"
#include "libs/money/money.h"
#include "libs/proto_time/proto_time.h"
#include "libs/validation/updates.h"

namespace crm::pipeline_service {

using proto_time::DayOf;
using proto_time::SetDate;
using proto_time::SetTimestamp;

namespace {

constexpr enums::Named<OpportunityStatus> kStatusNames[] = {
    {OpportunityStatus::kUnassigned, "unassigned"},
    {OpportunityStatus::kAssigned, "assigned"},
    {OpportunityStatus::kDeveloping, "developing"},
    {OpportunityStatus::kWon, "won"},
    {OpportunityStatus::kLost, "lost"}};

constexpr enums::Pair<OpportunityStatus, v1::OpportunityStatus> kApiStatuses[] = {
    {OpportunityStatus::kUnassigned, v1::OPPORTUNITY_STATUS_UNASSIGNED},
    {OpportunityStatus::kAssigned, v1::OPPORTUNITY_STATUS_ASSIGNED},
    {OpportunityStatus::kDeveloping, v1::OPPORTUNITY_STATUS_DEVELOPING},
    {OpportunityStatus::kWon, v1::OPPORTUNITY_STATUS_WON},
    {OpportunityStatus::kLost, v1::OPPORTUNITY_STATUS_LOST}};

}  // namespace

const char* StatusName(OpportunityStatus s) { return enums::Lookup(kStatusNames, s, "").data(); }

OpportunityStatus StatusFromName(const std::string& name) {
  return enums::ReverseLookup(kStatusNames, name, OpportunityStatus::kUnspecified);
}

v1::OpportunityStatus ToProto(OpportunityStatus s) {
  return enums::Lookup(kApiStatuses, s, v1::OPPORTUNITY_STATUS_UNSPECIFIED);
}

OpportunityStatus FromProto(v1::OpportunityStatus s) {
  return enums::ReverseLookup(kApiStatuses, s, OpportunityStatus::kUnspecified);
}

v1::Opportunity ToProto(const Opportunity& o) {
  v1::Opportunity p;
  p.set_id(o.id);
  p.set_source(o.source);
  p.set_customer_id(o.customer_id);
  p.set_prospect_name(o.prospect_name);
  p.set_summary(o.summary);
  p.set_contact_name(o.contact_name);
  p.set_contact_phone(o.contact_phone);
  p.set_probability(o.probability);
  if (o.expected_amount) money::SetProto(*o.expected_amount, p.mutable_expected_amount());
  if (o.expected_close_date) SetDate(o.expected_close_date, p.mutable_expected_close_date());
  p.set_description(o.description);
  p.set_stage(o.stage);
  p.set_status(ToProto(o.status));
  p.set_creator_id(o.creator_id);
  SetTimestamp(o.created_at, p.mutable_create_time());
  p.set_assignee_id(o.assignee_id);
  if (o.assigned_at) SetTimestamp(*o.assigned_at, p.mutable_assign_time());
  p.set_assigned_by(o.assigned_by);
  if (o.closed_at) SetTimestamp(*o.closed_at, p.mutable_close_time());
  p.set_lost_reason(o.lost_reason);
  SetTimestamp(o.updated_at, p.mutable_update_time());
  p.set_etag(validation::Etag(o.version));
  for (const ContractRef& c : o.contracts) {
    v1::ContractRef* r = p.add_contracts();
    r->set_contract_id(c.contract_id);
    r->set_number(c.number);
    r->set_status(c.status);
    money::SetProto(c.amount, r->mutable_amount());
    SetTimestamp(c.updated_at, r->mutable_update_time());
  }
  return p;
}

v1::Stage ToProto(const Stage& s) {
  v1::Stage p;
  p.set_code(s.code);
  p.set_name(s.name);
  p.set_position(s.position);
  p.set_default_probability(s.default_probability);
  p.set_active(s.active);
  return p;
}

v1::StageChange ToProto(const StageChange& c) {
  v1::StageChange p;
  p.set_opportunity_id(c.opportunity_id);
  p.set_from_stage(c.from_stage);
  p.set_to_stage(c.to_stage);
  p.set_probability(c.probability);
  p.set_changed_by(c.changed_by);
  SetTimestamp(c.changed_at, p.mutable_change_time());
  return p;
}

v1::PlanItem ToProto(const PlanItem& i) {
  v1::PlanItem p;
  p.set_id(i.id);
  p.set_opportunity_id(i.opportunity_id);
  if (i.plan_date) SetDate(i.plan_date, p.mutable_plan_date());
  p.set_content(i.content);
  p.set_result(i.result);
  if (i.executed_at) SetTimestamp(*i.executed_at, p.mutable_execute_time());
  p.set_created_by(i.created_by);
  SetTimestamp(i.created_at, p.mutable_create_time());
  SetTimestamp(i.updated_at, p.mutable_update_time());
  p.set_etag(validation::Etag(i.version));
  return p;
}

Opportunity FromProto(const v1::Opportunity& p, Violations& v) {
  Opportunity o;
  o.id = p.id();
  o.source = p.source();
  o.customer_id = p.customer_id();
  o.prospect_name = p.prospect_name();
  o.summary = p.summary();
  o.contact_name = p.contact_name();
  o.contact_phone = p.contact_phone();
  o.probability = p.probability();
  o.expected_amount = money::FromProto(p.expected_amount(), p.has_expected_amount(),
                                       "opportunity.expected_amount", v);
  o.expected_close_date = DayOf(p.expected_close_date(), "opportunity.expected_close_date", v);
  o.description = p.description();
  o.stage = p.stage();
  return o;
}

PlanItem FromProto(const v1::PlanItem& p, Violations& v) {
  PlanItem i;
  i.id = p.id();
  i.opportunity_id = p.opportunity_id();
  i.plan_date = DayOf(p.plan_date(), "item.plan_date", v);
  i.content = p.content();
  i.result = p.result();
  return i;
}

Stage FromProto(const v1::Stage& p) {
  return {p.code(), p.name(), p.position(), p.default_probability(), p.active()};
}

}  // namespace crm::pipeline_service
