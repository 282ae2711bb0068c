#pragma once
// Idempotent create/record RPCs: a client sends a request_id; the first call creates the
// resource and remembers which one; a retry (even concurrent) gets that same resource back.
// Request ids belong to their caller: the log is keyed by (caller, method, request_id), so
// another caller sending the same id makes a request of its own and never sees the first
// caller's resource. Callers still check the replayed resource is in the caller's scope
// (it may have been handed over since).

#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "libs/db/conn.h"
#include "libs/db/migrate.h"
#include "libs/db/retention.h"
#include "libs/status/field_violations.h"

namespace crm::db {

class RequestLog {
 public:
  // The log lives in <schema>.request_log (created by Migrations()).
  explicit RequestLog(absl::string_view schema);

  // Claims `caller_id`'s request_id for `method`, about to create the resource `new_id`, in
  // the caller's transaction. Returns nullopt when the claim is new (create new_id now), or
  // the id created by the caller's earlier call with this request_id (return that resource
  // instead). A concurrent duplicate waits for the first to commit. An empty request_id
  // claims nothing (nullopt).
  absl::StatusOr<std::optional<std::string>> Claim(Tx& tx, absl::string_view caller_id,
                                                   absl::string_view request_id,
                                                   absl::string_view method,
                                                   absl::string_view new_id) const;

  static const MigrationSet& Migrations();
  // Entries older than `keep` are deleted: a retry after that creates anew.
  Retention::Table RetentionTable(absl::Duration keep) const;

 private:
  std::string schema_;
  std::string claim_name_, claim_sql_, find_name_, find_sql_;
};

// Checks a request_id field: optional, at most 128 printable ASCII characters.
bool ValidRequestId(absl::string_view request_id);
// Adds a violation on "request_id" unless ValidRequestId.
void CheckRequestId(Violations& v, absl::string_view request_id);

}  // namespace crm::db
