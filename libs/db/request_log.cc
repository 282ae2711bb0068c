#include "libs/db/request_log.h"

#include "absl/strings/str_cat.h"
#include "libs/status/field_violations.h"

namespace crm::db {
namespace request_log_internal {
const MigrationSet& Migrations();  // generated from migrations/
}  // namespace request_log_internal

const MigrationSet& RequestLog::Migrations() { return request_log_internal::Migrations(); }

RequestLog::RequestLog(absl::string_view schema)
    : schema_(schema),
      claim_name_(absl::StrCat(schema, ".request_log.claim")),
      claim_sql_(absl::StrCat("INSERT INTO ", schema,
                              ".request_log (caller_id, method, request_id, resource_id)"
                              " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")),
      find_name_(absl::StrCat(schema, ".request_log.find")),
      find_sql_(absl::StrCat("SELECT resource_id FROM ", schema,
                             ".request_log WHERE caller_id = $1 AND method = $2"
                             " AND request_id = $3")) {}

absl::StatusOr<std::optional<std::string>> RequestLog::Claim(Tx& tx, absl::string_view caller_id,
                                                             absl::string_view request_id,
                                                             absl::string_view method,
                                                             absl::string_view new_id) const {
  if (request_id.empty()) return std::nullopt;
  pqxx::result claimed = Exec(tx, {claim_name_, claim_sql_}, caller_id, method, request_id, new_id);
  if (claimed.affected_rows() == 1) return std::nullopt;
  pqxx::result earlier = Exec(tx, {find_name_, find_sql_}, caller_id, method, request_id);
  if (earlier.empty()) return absl::AbortedError("concurrent request with the same request_id");
  return earlier[0][0].as<std::string>();
}

Retention::Table RequestLog::RetentionTable(absl::Duration keep) const {
  return {"request_log",
          absl::StrCat("DELETE FROM ", schema_,
                       ".request_log WHERE ctid = ANY (ARRAY(SELECT ctid FROM ", schema_,
                       ".request_log WHERE created_at < $1::timestamptz LIMIT $2))"),
          keep};
}

bool ValidRequestId(absl::string_view request_id) {
  if (request_id.size() > 128) return false;
  for (char c : request_id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

void CheckRequestId(Violations& v, absl::string_view request_id) {
  if (!ValidRequestId(request_id)) {
    v.Add("request_id", "must be at most 128 printable ASCII characters");
  }
}

}  // namespace crm::db
