#pragma once
// The payments service's records as the logic sees them. Amounts are integer minor units of
// the receivable's currency.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "libs/rpc/request_meta.h"

namespace crm::payments_service {

enum class ReceivableStatus { kUnspecified, kOpen, kSettled, kTerminated };
// "open" … as stored.
const char* StatusName(ReceivableStatus s);
ReceivableStatus StatusFromName(const std::string& name);

enum class PaymentKind { kUnspecified, kPayment, kReversal };
const char* KindName(PaymentKind k);
PaymentKind KindFromName(const std::string& name);

enum class DeliveryStatus { kUnspecified, kPending, kShipped, kAccepted };
const char* DeliveryStatusName(DeliveryStatus s);
DeliveryStatus DeliveryStatusFromName(const std::string& name);

struct Installment {
  int number = 0;
  absl::CivilDay due_date;
  int64_t amount_minor = 0;
  // What the received amount covers of it (applied in order of number).
  int64_t paid_minor = 0;

  // Past its due date on `today` and not paid.
  bool Overdue(absl::CivilDay today) const { return due_date < today && paid_minor < amount_minor; }
};

// What is due, received, outstanding and overdue, for one receivable or many.
struct Balance {
  int64_t due_minor = 0;
  int64_t received_minor = 0;
  int64_t overdue_minor = 0;
  // Overdue 1–30, 31–60, 61–90 and over 90 days.
  std::array<int64_t, 4> aging_minor = {0, 0, 0, 0};

  int64_t outstanding_minor() const { return due_minor - received_minor; }
};

struct Line {
  int position = 0;
  std::string product_id;
  std::string product_name;
  int64_t quantity = 0;
  int64_t delivered = 0;
  int64_t accepted = 0;
};

struct Receivable {
  std::string contract_id;
  std::string contract_number;
  std::string customer_id;
  std::string owner_id;
  std::string owner_department_id;
  std::string currency;
  absl::CivilDay sign_date;
  ReceivableStatus status = ReceivableStatus::kUnspecified;
  Balance balance;
  bool has_payments = false;
  int64_t version = 0;
  absl::Time created_at;
  absl::Time updated_at;
  // Read with the receivable in full only.
  std::vector<Installment> installments;
  std::vector<Line> lines;
};

struct PayerAccount {
  std::string bank;
  std::string account_name;
  std::string account_number;
};

struct Payment {
  std::string id;
  std::string contract_id;
  PaymentKind kind = PaymentKind::kUnspecified;
  std::string method;
  std::optional<absl::Time> received_at;
  int64_t amount_minor = 0;
  std::string currency;
  std::string handler_id;
  PayerAccount payer;
  std::string reference;
  std::string note;
  std::string reverses_id;
  std::string reversed_by_id;
  std::string recorded_by;
  absl::Time recorded_at;
};

struct PaymentMethod {
  std::string code;
  std::string name;
};

struct Delivery {
  std::string id;
  std::string contract_id;
  int line_position = 0;
  int64_t quantity = 0;
  std::string note;
  DeliveryStatus status = DeliveryStatus::kUnspecified;
  std::string created_by;
  absl::Time created_at;
  std::string shipped_by;
  std::optional<absl::Time> shipped_at;
  std::string accepted_by;
  std::optional<absl::Time> accepted_at;
  int64_t version = 0;
};

struct CollectionNote {
  std::string id;
  std::string contract_id;
  int installment_number = 0;
  std::string result;
  std::optional<absl::CivilDay> promised_date;
  std::string author_id;
  absl::Time created_at;
};

struct OverdueInstallment {
  // The receivable's header (no installments or lines).
  Receivable receivable;
  Installment installment;
  std::optional<CollectionNote> last_note;
};

struct ReceivableFilter {
  ReceivableStatus status = ReceivableStatus::kUnspecified;
  std::string customer_id;
  std::string owner_id;
  std::string department_id;
  std::optional<absl::CivilDay> signed_from;
  std::optional<absl::CivilDay> signed_to;
  bool overdue_only = false;
  // Summaries only: the currency summed.
  std::string currency;
};

using RequestMeta = rpc::RequestMeta;

}  // namespace crm::payments_service
