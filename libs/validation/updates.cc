#include "libs/validation/updates.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/status/field_violations.h"

namespace crm::validation {

bool InMask(const std::vector<std::string>& mask, absl::string_view field) {
  return std::find(mask.begin(), mask.end(), field) != mask.end();
}

absl::Status CheckMask(const std::vector<std::string>& mask,
                       const std::vector<std::string>& allowed) {
  Violations v;
  for (const auto& path : mask) {
    if (std::find(allowed.begin(), allowed.end(), path) == allowed.end()) {
      v.Add("update_mask", absl::StrCat("\"", path, "\" is not an updatable field (updatable: ",
                                        absl::StrJoin(allowed, ", "), ")"));
    }
  }
  return v.ToStatus();
}

std::string Etag(int64_t version) { return absl::StrCat(version); }

absl::StatusOr<int64_t> ParseEtag(absl::string_view field, absl::string_view etag) {
  if (etag.empty()) return 0;
  int64_t version;
  if (!absl::SimpleAtoi(etag, &version) || version <= 0) {
    return InvalidField(std::string(field), "is not an etag returned by this service");
  }
  return version;
}

absl::Status StaleEtag() {
  return absl::AbortedError(
      "etag mismatch: the record changed since you read it; re-read and retry");
}

}  // namespace crm::validation
