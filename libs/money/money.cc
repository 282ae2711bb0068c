#include "libs/money/money.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"

namespace crm::money {

void SetProto(const Money& m, google::type::Money* out) {
  out->set_currency_code(m.currency);
  out->set_units(m.minor / 100);
  out->set_nanos(static_cast<int32_t>(m.minor % 100) * 10000000);
}

std::optional<Money> FromProto(const google::type::Money& p, bool present, const std::string& field,
                               Violations& v) {
  if (!present) return std::nullopt;
  if (p.nanos() % 10000000 != 0) {
    v.Add(field, "at most two decimal places");
    return std::nullopt;
  }
  if ((p.units() > 0 && p.nanos() < 0) || (p.units() < 0 && p.nanos() > 0)) {
    v.Add(field, "units and nanos must have the same sign");
    return std::nullopt;
  }
  if (p.units() > INT64_MAX / 100 - 1 || p.units() < INT64_MIN / 100 + 1) {
    v.Add(field, "is too large");
    return std::nullopt;
  }
  return Money{p.units() * 100 + p.nanos() / 10000000, p.currency_code()};
}

int64_t MinorOf(const google::type::Money& m) { return m.units() * 100 + m.nanos() / 10000000; }

std::string Format(const Money& m) {
  const uint64_t magnitude =
      m.minor < 0 ? 0 - static_cast<uint64_t>(m.minor) : static_cast<uint64_t>(m.minor);
  return absl::StrFormat("%s%d.%02d %s", m.minor < 0 ? "-" : "", magnitude / 100, magnitude % 100,
                         m.currency);
}

void CheckAmount(Violations& v, const std::string& field, const std::optional<Money>& m) {
  if (!m) return;
  if (m->minor < 0) v.Add(field, "must not be negative");
  if (m->currency.size() != 3 || !std::all_of(m->currency.begin(), m->currency.end(),
                                              [](char c) { return absl::ascii_isupper(c); })) {
    v.Add(field + ".currency_code", "must be an ISO 4217 code such as CNY");
  }
}

}  // namespace crm::money
