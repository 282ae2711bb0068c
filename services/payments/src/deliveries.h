#pragma once
// Deliveries (交付情况): what of each contract line was delivered, when and by whom,
// pending → shipped → accepted. All deliveries of a line together never exceed its quantity;
// the last acceptance of a fully paid receivable settles it (receivables.h).
//
// Recorded by those with payments.deliveries.write over the receivable (record scope).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "services/payments/src/model.h"
#include "services/payments/src/receivables.h"

namespace crm::payments_service {

class Deliveries {
 public:
  Deliveries(const Receivables* receivables, const events::Outbox* outbox,
             const db::RequestLog* request_log)
      : receivables_(receivables), outbox_(outbox), request_log_(request_log) {}

  absl::StatusOr<Delivery> Create(db::Conn& conn, const auth::Principal& caller,
                                  const RequestMeta& meta, const std::string& request_id,
                                  Delivery d) const;
  // pending → shipped.
  absl::StatusOr<Delivery> Ship(db::Conn& conn, const auth::Principal& caller,
                                const RequestMeta& meta, const std::string& id,
                                const std::string& etag) const;
  // shipped → accepted.
  absl::StatusOr<Delivery> Accept(db::Conn& conn, const auth::Principal& caller,
                                  const RequestMeta& meta, const std::string& id,
                                  const std::string& etag) const;
  absl::StatusOr<std::vector<Delivery>> List(db::Conn& conn, const auth::Principal& caller,
                                             const std::string& contract_id) const;

 private:
  absl::StatusOr<Delivery> Advance(db::Conn& conn, const auth::Principal& caller,
                                   const RequestMeta& meta, const std::string& id,
                                   const std::string& etag, DeliveryStatus from,
                                   DeliveryStatus to) const;
  void Emit(db::Tx& tx, const RequestMeta& meta, const char* type, const Delivery& d) const;

  const Receivables* receivables_;
  const events::Outbox* outbox_;
  const db::RequestLog* request_log_;
};

}  // namespace crm::payments_service
