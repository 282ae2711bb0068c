#pragma once
// Receivables and the money: a receivable per signed contract (from the contracts service's
// events), its payment plan, payment records and reversals, and the receivables view.
// Deliveries are in deliveries.h, collection in collection.h.
//
// Who may do what (besides the permission each needs; every receivable within the caller's
// record scope): finance sets plans and records payments and reversals (payments.write);
// anyone with payments.read reads.
//
// Money is never counted twice or lost: a payment is recorded under the receivable's row
// lock, with its request id claimed in the same transaction (a retry, even a concurrent one,
// returns the first record), and the received amount can never pass the amount due.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crm/common/v1/events.pb.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "libs/service/directory_user.h"
#include "libs/status/field_violations.h"
#include "libs/validation/paging.h"
#include "services/payments/src/model.h"

namespace crm::payments_service {

class Receivables {
 public:
  // A new receivable's plan: the whole amount due `default_term_days` after signing.
  Receivables(const events::Outbox* outbox, const db::RequestLog* request_log, absl::TimeZone zone,
              int default_term_days = 30)
      : outbox_(outbox),
        request_log_(request_log),
        zone_(zone),
        default_term_days_(default_term_days) {}

  // What "today" is for due dates (the business time zone).
  absl::CivilDay Today() const;

  // A contracts event (signed, terminated, handed over, customer merged), applied inside the
  // transaction that stores its cursor: a signed contract gets its receivable (once); the
  // others bring an existing receivable in line with the contract.
  absl::Status ApplyContractEvent(db::Tx& tx, const common::v1::Event& event) const;

  absl::StatusOr<Receivable> Get(db::Conn& conn, const auth::Principal& caller,
                                 const std::string& contract_id) const;
  absl::StatusOr<validation::Page<Receivable>> List(db::Conn& conn, const auth::Principal& caller,
                                                    const ReceivableFilter& filter,
                                                    int32_t page_size,
                                                    const std::string& page_token) const;
  // Of the receivables in filter.currency (default CNY).
  absl::StatusOr<Balance> Summarize(db::Conn& conn, const auth::Principal& caller,
                                    ReceivableFilter filter) const;
  // `plan_currency`: the currency the amounts were given in.
  absl::StatusOr<Receivable> SetPlan(db::Conn& conn, const auth::Principal& caller,
                                     const RequestMeta& meta, const std::string& contract_id,
                                     const std::string& etag, std::vector<Installment> plan,
                                     const std::string& plan_currency,
                                     Violations decoding = {}) const;

  // The checks of a payment that need no database or other service.
  absl::Status CheckRecord(const auth::Principal& caller, const std::string& request_id,
                           const Payment& p, const Violations& decoding) const;
  // `handler`: the handler looked up in the directory (nullopt: the caller handled it).
  absl::StatusOr<Payment> Record(db::Conn& conn, const auth::Principal& caller,
                                 const RequestMeta& meta, const std::string& request_id, Payment p,
                                 const std::optional<service::DirectoryUser>& handler,
                                 Violations decoding = {}) const;
  absl::StatusOr<Payment> Reverse(db::Conn& conn, const auth::Principal& caller,
                                  const RequestMeta& meta, const std::string& request_id,
                                  const std::string& payment_id, const std::string& reason) const;
  absl::StatusOr<Payment> GetPayment(db::Conn& conn, const auth::Principal& caller,
                                     const std::string& id) const;
  absl::StatusOr<validation::Page<Payment>> ListPayments(db::Conn& conn,
                                                         const auth::Principal& caller,
                                                         const std::string& contract_id,
                                                         int32_t page_size,
                                                         const std::string& page_token) const;
  absl::StatusOr<std::vector<PaymentMethod>> Methods(db::Conn& conn,
                                                     const auth::Principal& caller) const;

  // After a payment, reversal or accepted delivery: settles the receivable when it is fully
  // paid and delivered (its event completes the contract), or reopens a settled one that is
  // not fully paid any more, and emits the event; the new status, if it changed.
  std::optional<ReceivableStatus> SettleOrReopen(db::Tx& tx, const RequestMeta& meta,
                                                 const std::string& contract_id) const;
  // The receivable as the caller may see it, for a change: locked, or PERMISSION_DENIED /
  // NOT_FOUND.
  absl::StatusOr<Receivable> Lock(db::Tx& tx, const auth::Principal& caller,
                                  const std::string& contract_id) const;

 private:
  // The payment, if the receivable it belongs to is within the caller's scope.
  absl::StatusOr<Payment> GetPayment(db::Tx& tx, const auth::Principal& caller,
                                     const std::string& id) const;
  void Emit(db::Tx& tx, const RequestMeta& meta, const char* type, const Receivable& r) const;
  // payments.payment.recorded or .reversed: the record and `r`, the receivable's header as
  // locked, with its received amount now `received`.
  void EmitPayment(db::Tx& tx, const RequestMeta& meta, const char* type, const Payment& p,
                   Receivable r, int64_t received) const;

  const events::Outbox* outbox_;
  const db::RequestLog* request_log_;
  absl::TimeZone zone_;
  int default_term_days_;
};

}  // namespace crm::payments_service
