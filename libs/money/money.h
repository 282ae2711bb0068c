#pragma once
// Amounts of money as int64 minor units (cents, fen) with an ISO 4217 code, and their
// google.type.Money form in requests and responses.

#include <cstdint>
#include <optional>
#include <string>

#include "google/type/money.pb.h"
#include "libs/status/field_violations.h"

namespace crm::money {

struct Money {
  int64_t minor = 0;
  std::string currency;  // ISO 4217
  bool operator==(const Money& o) const { return minor == o.minor && currency == o.currency; }
};

void SetProto(const Money& m, google::type::Money* out);
// nullopt when not `present`; a violation on `field` for more than two decimal places, mixed
// signs or an amount too large.
std::optional<Money> FromProto(const google::type::Money& p, bool present, const std::string& field,
                               Violations& v);
// The minor units of an amount from a trusted source (another service's event, the
// catalogue): unchecked; fractions of a minor unit are cut.
int64_t MinorOf(const google::type::Money& m);
// "1234.50 CNY", for messages.
std::string Format(const Money& m);
// A violation when the amount is negative or the currency is not an ISO 4217 code.
void CheckAmount(Violations& v, const std::string& field, const std::optional<Money>& m);

}  // namespace crm::money
