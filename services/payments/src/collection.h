#pragma once
// Collection (货款回笼和催收): notes on overdue installments (who, when, what happened, a
// promised date), and the lists of overdue installments by owner and department.
//
// Notes are written by those with payments.collect over the receivable: its account manager,
// their sales managers, finance.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "libs/validation/paging.h"
#include "services/payments/src/model.h"
#include "services/payments/src/receivables.h"

namespace crm::payments_service {

class Collection {
 public:
  Collection(const Receivables* receivables, const events::Outbox* outbox,
             const db::RequestLog* request_log)
      : receivables_(receivables), outbox_(outbox), request_log_(request_log) {}

  // On an installment that is overdue today.
  absl::StatusOr<CollectionNote> AddNote(db::Conn& conn, const auth::Principal& caller,
                                         const RequestMeta& meta, const std::string& request_id,
                                         CollectionNote note, Violations decoding = {}) const;
  absl::StatusOr<std::vector<CollectionNote>> Notes(db::Conn& conn, const auth::Principal& caller,
                                                    const std::string& contract_id) const;
  // The longest overdue first; filter.owner_id, department_id and customer_id apply.
  absl::StatusOr<validation::Page<OverdueInstallment>> Overdue(db::Conn& conn,
                                                               const auth::Principal& caller,
                                                               const ReceivableFilter& filter,
                                                               int32_t page_size,
                                                               const std::string& page_token) const;

 private:
  const Receivables* receivables_;
  const events::Outbox* outbox_;
  const db::RequestLog* request_log_;
};

}  // namespace crm::payments_service
