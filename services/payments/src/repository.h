#pragma once
// The payments service's SQL: receivables (always under the caller's record scope when read
// for a caller: the contract owner's, or the owner's department) with their plans, lines,
// payments, deliveries and collection notes. `today` (the business time zone's) decides what
// is overdue.

#include <optional>
#include <string>
#include <vector>

#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "services/payments/src/model.h"

namespace crm::payments_service {

class Repository {
 public:
  // Inserts the receivable with its lines and plan unless its contract has one; whether it
  // was inserted.
  static bool InsertReceivable(db::Tx& tx, const Receivable& r);
  // Brings the receivable's customer, owner and department in line with its contract's, and
  // marks it terminated when `terminated`; whether anything changed.
  static bool Follow(db::Tx& tx, const Receivable& r, bool terminated);

  // In full (installments, lines with their delivered quantities). Find: without scope, for
  // reading back what this request wrote; Get: within the caller's scope, `lock`: FOR UPDATE.
  static std::optional<Receivable> Find(db::Tx& tx, const std::string& contract_id,
                                        absl::CivilDay today);
  static std::optional<Receivable> Get(db::Tx& tx, const std::string& contract_id,
                                       const auth::Principal& caller, absl::CivilDay today,
                                       bool lock);
  // For recording a payment: the receivable's header (no balance beyond due and received, no
  // installments or lines) locked FOR UPDATE within the caller's scope, and whether `method` is
  // an active payment method (nullopt: no such method), in one read.
  struct PaymentTarget {
    Receivable receivable;
    std::optional<bool> method_active;
  };
  static std::optional<PaymentTarget> LockForPayment(db::Tx& tx, const std::string& contract_id,
                                                     const auth::Principal& caller,
                                                     const std::string& method);
  // Newest contract first, without installments and lines.
  static std::vector<Receivable> List(db::Tx& tx, const ReceivableFilter& f,
                                      const auth::Principal& caller, absl::CivilDay today,
                                      const std::string& before_id, int limit);
  static Balance Summarize(db::Tx& tx, const ReceivableFilter& f, const auth::Principal& caller,
                           absl::CivilDay today);

  // Replaces the plan (numbered in order) if the receivable is still at `expected_version`;
  // whether it was.
  static bool ReplacePlan(db::Tx& tx, const std::string& contract_id, int64_t expected_version,
                          const std::vector<Installment>& plan);

  static std::vector<PaymentMethod> Methods(db::Tx& tx);
  // Inserts the payment or reversal, sets the receivable's received amount to `received` and
  // applies it to the installments in order; when it was recorded.
  static absl::Time WritePayment(db::Tx& tx, const Payment& p, int64_t received);
  // open → settled when fully paid and every line accepted; settled → open when not fully
  // paid any more. Whether the status changed.
  static bool Settle(db::Tx& tx, const std::string& contract_id);
  static bool Reopen(db::Tx& tx, const std::string& contract_id);
  static std::optional<Payment> FindPayment(db::Tx& tx, const std::string& id);
  // Newest first.
  static std::vector<Payment> Payments(db::Tx& tx, const std::string& contract_id,
                                       const std::string& before_id, int limit);

  static void InsertDelivery(db::Tx& tx, const Delivery& d);
  static std::optional<Delivery> FindDelivery(db::Tx& tx, const std::string& id);
  // The delivery in `to` by `by`, if still at `expected_version`.
  static std::optional<Delivery> AdvanceDelivery(db::Tx& tx, const std::string& id,
                                                 int64_t expected_version, DeliveryStatus to,
                                                 const std::string& by);
  // Oldest first.
  static std::vector<Delivery> Deliveries(db::Tx& tx, const std::string& contract_id);

  static CollectionNote InsertNote(db::Tx& tx, const CollectionNote& n);
  // Newest first.
  static std::vector<CollectionNote> Notes(db::Tx& tx, const std::string& contract_id);

  // Where an overdue list continues: after this installment.
  struct OverdueKey {
    std::string due_date;  // YYYY-MM-DD
    std::string contract_id;
    int number = 0;
  };
  // Unpaid installments due before `today` in the caller's scope, oldest due date first.
  static std::vector<OverdueInstallment> Overdue(db::Tx& tx, const ReceivableFilter& f,
                                                 const auth::Principal& caller,
                                                 absl::CivilDay today,
                                                 const std::optional<OverdueKey>& after, int limit);
};

}  // namespace crm::payments_service
