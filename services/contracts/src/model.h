#pragma once
// The contracts service's records as the logic sees them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "libs/rpc/request_meta.h"

namespace crm::contracts_service {

enum class ContractStatus {
  kUnspecified,
  kDraft,
  kPendingReview,
  kApproved,
  kSigned,
  kCompleted,
  kTerminated
};
// "draft" … as stored.
const char* StatusName(ContractStatus s);
ContractStatus StatusFromName(const std::string& name);

enum class Channel { kUnspecified, kDirect, kOnline, kDistributor };
const char* ChannelName(Channel c);
Channel ChannelFromName(const std::string& name);

enum class ReviewLevel { kNone, kSalesManager, kExecutive };
const char* ReviewLevelName(ReviewLevel l);
ReviewLevel ReviewLevelFromName(const std::string& name);

// Amounts are integer minor units of the contract's currency.
struct Line {
  std::string product_id;
  int64_t quantity = 0;
  int64_t discount_minor = 0;
  // The catalogue's at the last pricing.
  std::string product_code;
  std::string product_line_id;
  std::string product_name;
  std::string specification;
  std::string unit;
  int64_t unit_price_minor = 0;
  int64_t amount_minor = 0;
  // The discount's currency as the request gave it ("": none given); checked when priced.
  std::string discount_currency;

  bool operator==(const Line& o) const {
    return product_id == o.product_id && quantity == o.quantity &&
           discount_minor == o.discount_minor && product_code == o.product_code &&
           product_line_id == o.product_line_id && product_name == o.product_name &&
           specification == o.specification && unit == o.unit &&
           unit_price_minor == o.unit_price_minor && amount_minor == o.amount_minor;
  }
};

struct ContractFile {
  std::string id;
  std::string contract_id;
  std::string file_name;
  std::string content_type;
  int64_t size_bytes = 0;
  std::string sha256;
  int chunks = 0;
  std::string uploaded_by;
  absl::Time uploaded_at;
};

struct Contract {
  std::string id;
  std::string number;
  std::string customer_id;
  std::string opportunity_id;
  std::string title;
  std::string owner_id;
  std::string owner_department_id;
  std::vector<Line> lines;
  std::string currency;
  int64_t gross_minor = 0;
  int64_t discount_minor = 0;
  int64_t amount_minor = 0;
  std::string terms;
  std::optional<absl::CivilDay> start_date;
  std::optional<absl::CivilDay> end_date;
  Channel channel = Channel::kUnspecified;
  ContractStatus status = ContractStatus::kUnspecified;
  ReviewLevel review_level = ReviewLevel::kNone;
  std::string reviewer_id;
  std::string review_comment;
  std::string our_signer_id;
  std::string customer_signer_contact_id;
  std::optional<absl::CivilDay> sign_date;
  std::string termination_reason;
  std::optional<ContractFile> file;
  std::string creator_id;
  absl::Time created_at;
  int64_t version = 0;
  absl::Time updated_at;
};

struct StatusChange {
  std::string contract_id;
  ContractStatus from = ContractStatus::kUnspecified;
  ContractStatus to = ContractStatus::kUnspecified;
  std::string user_id;
  std::string reason;
  absl::Time changed_at;
};

struct ContractFilter {
  ContractStatus status = ContractStatus::kUnspecified;
  std::string customer_id;
  std::string owner_id;
  std::string opportunity_id;
  std::optional<absl::CivilDay> signed_from;
  std::optional<absl::CivilDay> signed_to;
};

using RequestMeta = rpc::RequestMeta;

}  // namespace crm::contracts_service
