#pragma once
// absl::Time and absl::CivilDay ⇄ google.protobuf.Timestamp and google.type.Date, with the
// checks a request needs (range, real calendar days).

#include <optional>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/type/date.pb.h"
#include "libs/status/field_violations.h"

namespace crm::proto_time {

// Microsecond precision, like PostgreSQL's timestamptz.
void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out);
// The instant; a violation on `field` when it is outside 0001-01-01..9999-12-31 or its nanos
// are out of range.
std::optional<absl::Time> TimeOf(const google::protobuf::Timestamp& t, const std::string& field,
                                 Violations& v);

// Leaves `out` untouched for nullopt.
void SetDate(const std::optional<absl::CivilDay>& d, google::type::Date* out);
// nullopt when unset (all zero); a violation on `field` when it is not a day between 1900 and
// 9999 that exists (no 2 月 30 日).
std::optional<absl::CivilDay> DayOf(const google::type::Date& d, const std::string& field,
                                    Violations& v);

}  // namespace crm::proto_time
