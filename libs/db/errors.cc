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

absl::Status StatusFromException(const std::exception& e) {
  std::string sqlstate;
  std::string query;
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    sqlstate = sql->sqlstate();
    query = sql->query();
  }
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    log::Error("database commit outcome unknown").Str("error", e.what());
    return absl::UnavailableError(
        "the database connection was lost while committing; retry with the same request_id");
  }
  if (IsConnectionLost(e)) {
    log::Warn("database connection lost").Str("error", e.what()).Str("sqlstate", sqlstate);
    return absl::UnavailableError("database unavailable");
  }
  if (sqlstate == "23505") return absl::AlreadyExistsError("the record already exists");
  if (sqlstate == "23503") {
    return absl::FailedPreconditionError(
        "a referenced record does not exist, or the record is still referenced");
  }
  if (sqlstate == "23514") {
    log::Warn("check constraint violated").Str("error", e.what());
    return absl::FailedPreconditionError("the change violates a data rule");
  }
  if (IsRetryable(e)) return absl::AbortedError("concurrent change; retry the request");
  if (sqlstate == "57014") return absl::DeadlineExceededError("database statement timed out");
  if (sqlstate.rfind("53", 0) == 0) {
    log::Error("database out of resources").Str("error", e.what()).Str("sqlstate", sqlstate);
    return absl::UnavailableError("database busy");
  }
  log::Error("database error").Str("error", e.what()).Str("sqlstate", sqlstate).Str("query", query);
  return absl::InternalError("internal error");
}

}  // namespace crm::db
