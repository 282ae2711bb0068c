#pragma once
// The pipeline's records ⇄ crm.pipeline.v1 messages.

#include "crm/pipeline/v1/resources.pb.h"
#include "libs/status/field_violations.h"
#include "services/pipeline/src/model.h"

namespace crm::pipeline_service {

namespace v1 = ::crm::pipeline::v1;

v1::OpportunityStatus ToProto(OpportunityStatus s);
OpportunityStatus FromProto(v1::OpportunityStatus s);
v1::Opportunity ToProto(const Opportunity& o);
v1::Stage ToProto(const Stage& s);
v1::StageChange ToProto(const StageChange& c);
v1::PlanItem ToProto(const PlanItem& p);

// The writable fields of a request's message; malformed values (dates, money) are reported
// on `v` under "opportunity." / "item.".
Opportunity FromProto(const v1::Opportunity& p, Violations& v);
PlanItem FromProto(const v1::PlanItem& p, Violations& v);
Stage FromProto(const v1::Stage& p);

}  // namespace crm::pipeline_service
