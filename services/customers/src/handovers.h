#pragma once
// Hand-over (客户移交): customers move from one owner to another in one transaction, with an
// audit record and one event. Requires customers.handover; every customer must be within the
// caller's scope and owned by the old owner, or nothing moves.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "libs/service/directory_user.h"
#include "libs/validation/paging.h"
#include "services/customers/src/model.h"

namespace crm::customers_service {

struct HandoverRequest {
  std::string request_id;
  std::string from_user_id;
  std::string to_user_id;
  std::vector<std::string> customer_ids;  // empty: all of from_user_id's
  std::string reason;
};

class Handovers {
 public:
  static constexpr size_t kMaxListed = 1000;
  static constexpr int kMaxAll = 20000;

  Handovers(const events::Outbox* outbox, const db::RequestLog* request_log)
      : outbox_(outbox), request_log_(request_log) {}

  // What can be checked before the new owner is looked up: the permission and the fields.
  static absl::Status Check(const auth::Principal& caller, const HandoverRequest& r);
  // Moves the customers to `to` (the directory's view of r.to_user_id).
  absl::StatusOr<Handover> Run(db::Conn& conn, const auth::Principal& caller,
                               const RequestMeta& meta, HandoverRequest r,
                               const service::DirectoryUser& to) const;
  // Hand-overs newest first (requires customers.read): a rep's own (from or to them), a
  // manager's into or out of their department subtree, or all; user_id narrows to one user's.
  absl::StatusOr<validation::Page<Handover>> List(db::Conn& conn, const auth::Principal& caller,
                                                  const std::string& user_id, int32_t page_size,
                                                  const std::string& page_token) const;

 private:
  const events::Outbox* outbox_;
  const db::RequestLog* request_log_;
};

}  // namespace crm::customers_service
