#pragma once
// The customers service's records, as logic and repository exchange them.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "libs/enums/enum_table.h"
#include "libs/money/money.h"
#include "libs/rpc/request_meta.h"

namespace crm::customers::v1 {}

namespace crm::customers_service {

// The service's API messages (crm.customers.v1).
namespace v1 = ::crm::customers::v1;

// An amount in minor units (1/100) of a currency.
using Money = money::Money;

enum class CustomerStatus { kActive, kLossWarning, kLossDelayed, kLost };
// The names statuses are stored under.
inline constexpr enums::Named<CustomerStatus> kStatusNames[] = {
    {CustomerStatus::kActive, "active"},
    {CustomerStatus::kLossWarning, "loss_warning"},
    {CustomerStatus::kLossDelayed, "loss_delayed"},
    {CustomerStatus::kLost, "lost"}};

struct Customer {
  std::string id;
  std::string number;
  std::string name;
  std::string region;
  std::string industry;
  std::string level;
  int satisfaction = 0;
  int credit = 0;
  std::string address;
  std::string postal_code;
  std::string phone;
  std::string fax;
  std::string website;
  std::string business_licence_number;
  std::string legal_representative;
  std::optional<Money> registered_capital;
  std::optional<Money> annual_revenue;
  std::string bank;
  std::string bank_account;
  std::string tax_id;
  std::string owner_id;
  std::string owner_department_id;
  std::string source;
  CustomerStatus status = CustomerStatus::kActive;
  std::vector<std::string> tags;
  std::map<std::string, std::string> attributes;
  std::optional<absl::CivilDay> last_order_date;
  std::optional<absl::Time> loss_warned_at;
  std::optional<absl::CivilDay> loss_delayed_until;
  // The key of the customer in the system it was imported from (unique when set).
  std::string external_key;
  // The customer's key in the company's sales system (SetSalesSystemKey).
  std::string sales_system_key;
  int64_t version = 0;
  absl::Time created_at;
  absl::Time updated_at;
};

struct Contact {
  std::string id;
  std::string customer_id;
  std::string name;
  std::string gender;  // "" | "male" | "female"
  std::string position;
  std::string office_phone;
  std::string mobile;
  std::string email;
  std::string notes;
  bool primary = false;
  std::string reports_to_id;
  std::string buying_role;   // "" | decision_maker | influencer | user | gatekeeper
  std::string attitude;      // "" | supporter | neutral | opponent
  std::string social_style;  // "" | expressive | driver | amiable | analytical
  int64_t version = 0;
  absl::Time created_at;
  absl::Time updated_at;
};

struct Interaction {
  std::string id;
  std::string customer_id;
  std::string contact_id;
  std::string user_id;
  std::string method;  // visit | phone | email | meeting | message
  absl::Time occurred_at;
  std::string location;
  std::string summary;
  std::string details;
  std::string result;
  std::optional<absl::CivilDay> next_follow_up_date;
  int64_t version = 0;
  absl::Time created_at;
  absl::Time updated_at;
};

struct DictionaryEntry {
  std::string kind;  // "level" | "region" | "industry" | "source"
  std::string code;
  std::string name;
  int sort_order = 0;
  bool active = true;
};

// How well one of our users knows a contact.
struct ContactRelation {
  std::string user_id;
  std::string contact_id;
  std::string customer_id;
  int strength = 0;  // 1..5
  std::string notes;
  int64_t version = 0;
  absl::Time created_at;
  absl::Time updated_at;
};

struct CustomerLink {
  std::string id;
  std::string from_customer_id;
  std::string to_customer_id;
  std::string kind;  // referral | parent_subsidiary | partner | channel
  std::string notes;
  std::string created_by;
  absl::Time created_at;
};

struct RelationshipMap {
  Customer customer;
  std::vector<Contact> contacts;
  std::vector<ContactRelation> relations;
  std::vector<CustomerLink> links;
  std::vector<Customer> linked_customers;
};

// An edge of the relationship graph as the repository returns it.
struct Edge {
  std::string from;
  std::string to;
  int strength = 0;
};

// A person on an introduction path, and how they lead to the next one.
struct PathStep {
  std::string user_id;             // set for one of our users
  std::optional<Contact> contact;  // set for a contact
  enum class Edge { kNone, kKnows, kReportsTo, kManages } edge = Edge::kNone;
  int strength = 0;  // for kKnows
};

// A hand-over of customers between owners.
struct Handover {
  std::string id;
  std::string from_user_id;
  std::string to_user_id;
  std::string to_department_id;
  std::vector<std::string> customer_ids;
  std::string reason;
  std::string created_by;
  absl::Time created_at;
  // The departments the customers belonged to before.
  std::vector<std::string> from_department_ids;
};

// Two customers that look like the same company.
struct DuplicatePair {
  std::string customer_id;
  std::string duplicate_id;
  std::vector<std::string> matched_on;  // "name" | "phone" | "tax_id"
};

// One customer merged into another.
struct Merge {
  std::string id;
  std::string survivor_id;
  std::string duplicate_id;
  int contacts_moved = 0;
  int interactions_moved = 0;
  int links_moved = 0;
  std::string created_by;
  absl::Time created_at;
};

// A step of a customer's churn handling.
struct LossAction {
  std::string id;
  std::string customer_id;
  std::string kind;  // warned | delayed | confirmed | recovered
  std::string note;
  std::optional<absl::CivilDay> delayed_until;
  std::string user_id;  // empty for the scan and for orders
  absl::Time created_at;
};

// A file attached to a customer.
struct Document {
  std::string id;
  std::string customer_id;
  std::string file_name;
  std::string content_type;
  int64_t size_bytes = 0;
  std::string sha256;  // lower-case hex
  std::string description;
  int chunks = 0;
  std::string created_by;
  absl::Time created_at;
};

// Progress of a bulk import, as committed.
struct ImportJob {
  std::string id;
  std::string created_by;
  int64_t rows = 0, created = 0, updated = 0, unchanged = 0, failed = 0;
  int64_t last_row_number = 0;
  absl::Time created_at;
  absl::Time updated_at;
};

struct CustomerFilter {
  std::string region;
  std::string industry;
  std::string level;
  std::string owner_id;
  std::string status;  // "" for any
  std::string tag;
  std::string name_contains;
};

// A likely duplicate found on create.
struct Duplicate {
  std::string id;
  std::string number;
  std::string matched_on;  // "tax_id" | "name" | "phone"
  std::string owner_id;
  std::string owner_department_id;
};

using RequestMeta = rpc::RequestMeta;

inline std::string StatusName(CustomerStatus s) {
  return std::string(enums::Lookup(kStatusNames, s, ""));
}

}  // namespace crm::customers_service
