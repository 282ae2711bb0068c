#include "libs/db/errors.h"

#include <pqxx/except>

#include "libs/log/log.h"

namespace crm::db {

bool IsRetryable(const std::exception& e) {
  return dynamic_cast<const pqxx::serialization_failure*>(&e) != nullptr ||
         dynamic_cast<const pqxx::deadlock_detected*>(&e) != nullptr;
}

bool IsConnectionLost(const std::exception& e) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr ||
      dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return true;
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string& state = sql->sqlstate();
    // 08: connection exception; 57P01..57P03: the server is shutting down or starting up.
    return state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03";
  }
  return false;
}

absl::Status StatusFromSqlState(const std::string& sqlstate, absl::string_view detail,
                                absl::string_view query) {
  if (sqlstate == "23505") return absl::AlreadyExistsError("the record already exists");
  if (sqlstate == "23503") {
    return absl::FailedPreconditionError(
        "a referenced record does not exist, or the record is still referenced");
  }
  if (sqlstate == "23514") {
    log::Warn("check constraint violated").Str("error", detail);
    return absl::FailedPreconditionError("the change violates a data rule");
  }
  if (sqlstate == "40001" || sqlstate == "40P01") {
    return absl::AbortedError("concurrent change; retry the request");
  }
  if (sqlstate == "57014") return absl::DeadlineExceededError("database statement timed out");
  if (sqlstate == "55P03") return absl::AbortedError("a record stayed locked too long; retry");
  if (sqlstate.rfind("08", 0) == 0 || sqlstate == "57P01" || sqlstate == "57P02" ||
      sqlstate == "57P03") {
    log::Warn("database connection lost").Str("error", detail).Str("sqlstate", sqlstate);
    return absl::UnavailableError("database unavailable");
  }
  if (sqlstate.rfind("53", 0) == 0) {
    log::Error("database out of resources").Str("error", detail).Str("sqlstate", sqlstate);
    return absl::UnavailableError("database busy");
  }
  log::Error("database error").Str("error", detail).Str("sqlstate", sqlstate).Str("query", query);
  return absl::InternalError("internal error");
}

absl::Status CommitOutcomeUnknown(const std::exception& e) {
  log::Error("database commit outcome unknown").Str("error", e.what());
  return absl::UnavailableError(
      "the database connection was lost while committing: the change may have been made; "
      "retry with the same request_id");
}

absl::Status StatusFromException(const std::exception& e) {
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) return CommitOutcomeUnknown(e);
  if (IsConnectionLost(e)) {
    log::Warn("database connection lost").Str("error", e.what());
    return absl::UnavailableError("database unavailable");
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    return StatusFromSqlState(sql->sqlstate(), e.what(), sql->query());
  }
  log::Error("database error").Str("error", e.what());
  return absl::InternalError("internal error");
}

}  // namespace crm::db
