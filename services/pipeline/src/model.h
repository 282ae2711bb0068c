#pragma once
// The pipeline's records as the logic sees them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "libs/money/money.h"
#include "libs/rpc/request_meta.h"

namespace crm::pipeline_service {

enum class OpportunityStatus { kUnspecified, kUnassigned, kAssigned, kDeveloping, kWon, kLost };
// "unassigned" … as stored.
const char* StatusName(OpportunityStatus s);
OpportunityStatus StatusFromName(const std::string& name);

using Money = money::Money;

// A contract made from an opportunity, as the contracts service reported it last.
struct ContractRef {
  std::string contract_id;
  std::string opportunity_id;
  std::string number;
  std::string status;
  Money amount;
  absl::Time updated_at;
  std::string owner_id;
  std::string owner_department_id;  // empty for none
};

struct Opportunity {
  std::string id;
  std::string source;
  std::string customer_id;
  std::string prospect_name;
  std::string summary;
  std::string contact_name;
  std::string contact_phone;
  int probability = 0;
  std::optional<Money> expected_amount;
  std::optional<absl::CivilDay> expected_close_date;
  std::string description;
  std::string stage;
  OpportunityStatus status = OpportunityStatus::kUnspecified;
  std::string creator_id;
  std::string creator_department_id;
  absl::Time created_at;
  std::string assignee_id;
  std::string assignee_department_id;
  std::optional<absl::Time> assigned_at;
  std::string assigned_by;
  std::optional<absl::Time> closed_at;
  std::string lost_reason;
  int64_t version = 0;
  absl::Time updated_at;
  // Read by GetOpportunity only.
  std::vector<ContractRef> contracts;
};

struct Stage {
  std::string code;
  std::string name;
  int position = 0;
  int default_probability = 0;
  bool active = true;
};

struct StageChange {
  std::string opportunity_id;
  std::string from_stage;
  std::string to_stage;
  int probability = 0;
  std::string changed_by;
  absl::Time changed_at;
};

struct PlanItem {
  std::string id;
  std::string opportunity_id;
  std::optional<absl::CivilDay> plan_date;
  std::string content;
  std::string result;
  std::optional<absl::Time> executed_at;
  std::string created_by;
  absl::Time created_at;
  int64_t version = 0;
  absl::Time updated_at;
};

struct OpportunityFilter {
  OpportunityStatus status = OpportunityStatus::kUnspecified;
  std::string stage;
  std::string assignee_id;
  std::string creator_id;
  std::string customer_id;
  std::optional<absl::CivilDay> close_from;
  std::optional<absl::CivilDay> close_to;
};

using RequestMeta = rpc::RequestMeta;

}  // namespace crm::pipeline_service
