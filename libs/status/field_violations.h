#pragma once
// INVALID_ARGUMENT with google.rpc.BadRequest field violations, carried as an absl::Status
// payload so that code below the gRPC glue never touches gRPC types.

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace crm {

struct FieldViolation {
  std::string field;
  std::string description;
  bool operator==(const FieldViolation& o) const {
    return field == o.field && description == o.description;
  }
};

// The type URL under which BadRequest is attached (as google.rpc.Status details use it).
inline constexpr absl::string_view kBadRequestTypeUrl = "type.googleapis.com/google.rpc.BadRequest";

// Collects the violations of one request.
class Violations {
 public:
  void Add(std::string field, std::string description);
  bool empty() const { return violations_.empty(); }
  // Whether `field` already has a violation (e.g. a malformed value, not also "is required").
  bool Has(absl::string_view field) const {
    for (const auto& v : violations_) {
      if (v.field == field) return true;
    }
    return false;
  }
  const std::vector<FieldViolation>& list() const { return violations_; }
  // OK when there are none; otherwise INVALID_ARGUMENT naming each field and why.
  absl::Status ToStatus() const;

 private:
  std::vector<FieldViolation> violations_;
};

// INVALID_ARGUMENT with a single field violation.
absl::Status InvalidField(std::string field, std::string description);

// The field violations attached to a status (empty if none).
std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status);

inline constexpr absl::string_view kErrorInfoTypeUrl = "type.googleapis.com/google.rpc.ErrorInfo";

// Attaches google.rpc.ErrorInfo (a machine-readable reason, its domain and metadata) to a
// status, e.g. the ids of the records a duplicate matched.
absl::Status WithErrorInfo(absl::Status status, absl::string_view reason, absl::string_view domain,
                           const std::vector<std::pair<std::string, std::string>>& metadata);
// The reason and metadata of a status's ErrorInfo; empty reason if none.
struct ErrorInfo {
  std::string reason;
  std::string domain;
  std::vector<std::pair<std::string, std::string>> metadata;
  std::string Get(absl::string_view key) const;
};
ErrorInfo ErrorInfoOf(const absl::Status& status);

}  // namespace crm
