#pragma once
// Update requests (AIP-134, AIP-154): field masks and etags.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crm::validation {

// Whether `field` is in the mask.
bool InMask(const std::vector<std::string>& mask, absl::string_view field);
// INVALID_ARGUMENT on "update_mask" naming every path that is not one of `allowed`.
absl::Status CheckMask(const std::vector<std::string>& mask,
                       const std::vector<std::string>& allowed);

// The etag of a record version, and back: 0 for an empty etag (unconditional), INVALID_ARGUMENT
// on `field` when malformed.
std::string Etag(int64_t version);
absl::StatusOr<int64_t> ParseEtag(absl::string_view field, absl::string_view etag);
// ABORTED: the record changed since the caller read it.
absl::Status StaleEtag();

}  // namespace crm::validation
