#pragma once
// Timestamps (and dates) between PostgreSQL and absl, as microseconds since the epoch, for both
// libpqxx rows and db::Rows.
//
//   SELECT " CRM_SQL_MICROS("c.created_at") " …   →   db::TimeOf(row[5])
//   … VALUES (" CRM_SQL_FROM_MICROS("$3") ")      ←   db::MicrosOf(t)

#include <cstdint>
#include <optional>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

// A timestamptz column as int8 microseconds since the epoch (exact, unlike float seconds).
#define CRM_SQL_MICROS(col) "(extract(epoch FROM " col ") * 1000000)::int8"
// An int8 parameter of microseconds since the epoch as timestamptz.
#define CRM_SQL_FROM_MICROS(param) \
  "('epoch'::timestamptz + " param "::int8 * interval '1 microsecond')"

namespace crm::db {

template <typename Field>
absl::Time TimeOf(const Field& f) {
  return absl::FromUnixMicros(f.template as<int64_t>());
}

template <typename Field>
std::optional<absl::Time> OptionalTimeOf(const Field& f) {
  if (f.is_null()) return std::nullopt;
  return TimeOf(f);
}

// A date column read as text (col::text), or nullopt when NULL.
template <typename Field>
std::optional<absl::CivilDay> OptionalDayOf(const Field& f) {
  absl::CivilDay day;
  if (f.is_null() || !absl::ParseCivilTime(f.template as<std::string>(), &day)) {
    return std::nullopt;
  }
  return day;
}

inline int64_t MicrosOf(absl::Time t) { return absl::ToUnixMicros(t); }

}  // namespace crm::db
