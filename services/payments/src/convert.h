#pragma once
// The payments service's records ⇄ crm.payments.v1 messages.

#include "crm/payments/v1/resources.pb.h"
#include "libs/status/field_violations.h"
#include "services/payments/src/model.h"

namespace crm::payments_service {

namespace v1 = ::crm::payments::v1;

v1::ReceivableStatus ToProto(ReceivableStatus s);
ReceivableStatus FromProto(v1::ReceivableStatus s);
// `today` decides which installments are overdue.
v1::Receivable ToProto(const Receivable& r, absl::CivilDay today);
v1::Balance ToProto(const Balance& b, const std::string& currency);
v1::Installment ToProto(const Installment& i, const std::string& currency, absl::CivilDay today);
// `masked`: the payer's account number shows its last four characters only.
v1::Payment ToProto(const Payment& p, bool masked);
v1::Delivery ToProto(const Delivery& d);
v1::CollectionNote ToProto(const CollectionNote& n);
v1::OverdueInstallment ToProto(const OverdueInstallment& o, absl::CivilDay today);

// The writable fields of a request's message; malformed values (times, dates, money) are
// reported on `v` under "payment." or "note.". A payment's amount comes with its currency.
Payment FromProto(const v1::Payment& p, Violations& v);
Delivery FromProto(const v1::Delivery& p);
CollectionNote FromProto(const v1::CollectionNote& p, Violations& v);
// A plan's installments (due_date, amount); `currency` gets the amounts' currency.
std::vector<Installment> FromProto(const google::protobuf::RepeatedPtrField<v1::Installment>& plan,
                                   std::string& currency, Violations& v);

// All but the last four characters as '*' (a code point each).
std::string MaskAccountNumber(const std::string& number);

}  // namespace crm::payments_service
