#pragma once
// The one place where libpqxx exceptions become absl::Status. Client-facing messages are
// generic; the database's own message goes to the log only.

#include <exception>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace crm::db {

// The status for a PostgreSQL error: by SQLSTATE, logging the server's message and the query
// (never returned to clients).
absl::Status StatusFromSqlState(const std::string& sqlstate, absl::string_view detail,
                                absl::string_view query);

// UNAVAILABLE saying a commit's outcome is unknown (the session was lost while committing),
// so the caller retries with the same request_id rather than anew.
absl::Status CommitOutcomeUnknown(const std::exception& e);
// unique violation → ALREADY_EXISTS, foreign key → FAILED_PRECONDITION, serialization failure
// or deadlock → ABORTED, broken connection → UNAVAILABLE, statement timeout →
// DEADLINE_EXCEEDED, anything else → INTERNAL.
absl::Status StatusFromException(const std::exception& e);

// Whether retrying the whole transaction may succeed (serialization failure, deadlock).
bool IsRetryable(const std::exception& e);
// Whether the session is unusable afterwards and must be reopened.
bool IsConnectionLost(const std::exception& e);

}  // namespace crm::db
