#pragma once
// Idempotent create/record RPCs: a client sends a request_id; the first call creates the
// resource and remembers which one; a retry (even concurrent) gets that same resource back.

#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "libs/db/conn.h"
#include "libs/db/migrate.h"
#include "libs/status/field_violations.h"

namespace crm::db {

class RequestLog {
 public:
  // The log lives in <schema>.request_log (created by Migrations()).
  explicit RequestLog(absl::string_view schema);

  // Claims request_id for `method` about to create the resource `new_id`, in the caller's
  // transaction. Returns nullopt when the claim is new (create new_id now), or the id created
  // by the earlier call with this request_id (return that resource instead). A concurrent
  // duplicate waits for the first to commit. INVALID_ARGUMENT when request_id was used for a
  // different method. An empty request_id claims nothing (nullopt).
  absl::StatusOr<std::optional<std::string>> Claim(Tx& tx, absl::string_view request_id,
                                                   absl::string_view method,
                                                   absl::string_view new_id) const;

  static const MigrationSet& Migrations();

 private:
  std::string claim_name_, claim_sql_, find_name_, find_sql_;
};

// Checks a request_id field: optional, at most 128 printable ASCII characters.
bool ValidRequestId(absl::string_view request_id);
// Adds a violation on "request_id" unless ValidRequestId.
void CheckRequestId(Violations& v, absl::string_view request_id);

}  // namespace crm::db
