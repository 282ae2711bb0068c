#pragma once
// Duplicates (查重) and merges: pairs of customers that look like the same company, and folding
// one into the other. Listing needs customers.read, merging customers.merge; both see only the
// caller's record scope.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "libs/validation/paging.h"
#include "services/customers/src/model.h"

namespace crm::customers_service {

struct DuplicateCandidate {
  Customer customer;
  Customer duplicate;
  std::vector<std::string> matched_on;
};

struct MergeRequest {
  std::string request_id;
  std::string survivor_id;
  std::string duplicate_id;
  std::string survivor_etag;   // optional
  std::string duplicate_etag;  // optional
};

class Merges {
 public:
  Merges(const events::Outbox* outbox, const db::RequestLog* request_log)
      : outbox_(outbox), request_log_(request_log) {}

  // All pairs within scope, or those of `customer_id`.
  absl::StatusOr<validation::Page<DuplicateCandidate>> ListCandidates(
      db::Conn& conn, const auth::Principal& caller, const std::string& customer_id,
      int32_t page_size, const std::string& page_token) const;
  // Returns the merge and the survivor as it is afterwards.
  absl::StatusOr<std::pair<Merge, Customer>> Run(db::Conn& conn, const auth::Principal& caller,
                                                 const RequestMeta& meta,
                                                 const MergeRequest& r) const;
  // The merge records newest first (requires customers.read), those whose survivor is within
  // the caller's scope; customer_id narrows to one customer's, as survivor or duplicate.
  absl::StatusOr<validation::Page<Merge>> List(db::Conn& conn, const auth::Principal& caller,
                                               const std::string& customer_id, int32_t page_size,
                                               const std::string& page_token) const;

 private:
  const events::Outbox* outbox_;
  const db::RequestLog* request_log_;
};

}  // namespace crm::customers_service
