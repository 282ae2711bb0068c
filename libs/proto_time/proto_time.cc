#include "libs/proto_time/proto_time.h"

namespace crm::proto_time {
namespace {

// google.protobuf.Timestamp's documented range.
constexpr int64_t kMinSeconds = -62135596800;  // 0001-01-01T00:00:00Z
constexpr int64_t kMaxSeconds = 253402300799;  // 9999-12-31T23:59:59Z

}  // namespace

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t micros = absl::ToUnixMicros(t);
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {  // nanos are never negative: -0.5 s is -1 s + 500 ms
    seconds -= 1;
    rest += 1000000;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(rest) * 1000);
}

std::optional<absl::Time> TimeOf(const google::protobuf::Timestamp& t, const std::string& field,
                                 Violations& v) {
  if (t.seconds() < kMinSeconds || t.seconds() > kMaxSeconds) {
    v.Add(field, "is outside the years 1 to 9999");
    return std::nullopt;
  }
  if (t.nanos() < 0 || t.nanos() > 999999999) {
    v.Add(field, "nanos must be between 0 and 999999999");
    return std::nullopt;
  }
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

void SetDate(const std::optional<absl::CivilDay>& d, google::type::Date* out) {
  if (!d) return;
  out->set_year(static_cast<int32_t>(d->year()));
  out->set_month(d->month());
  out->set_day(d->day());
}

std::optional<absl::CivilDay> DayOf(const google::type::Date& d, const std::string& field,
                                    Violations& v) {
  if (d.year() == 0 && d.month() == 0 && d.day() == 0) return std::nullopt;
  const absl::CivilDay day(d.year(), d.month(), d.day());
  if (d.year() < 1900 || d.year() > 9999 || day.year() != d.year() || day.month() != d.month() ||
      day.day() != d.day()) {
    v.Add(field, "is not a valid date");
    return std::nullopt;
  }
  return day;
}

}  // namespace crm::proto_time
