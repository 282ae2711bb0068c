#pragma once
// What the pipeline asks of the customers service, on behalf of the caller of the RPC being
// served. The logic depends on this interface only, so the "development succeeded" flow is
// tested without gRPC; the glue implements it over gRPC (pipeline_service.cc).

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/pipeline/src/model.h"

namespace crm::pipeline_service {

class CustomersClient {
 public:
  virtual ~CustomersClient() = default;
  // OK when the customer is visible to the caller; otherwise what that means for the request
  // (INVALID_ARGUMENT on `field`, UNAVAILABLE when the service cannot be reached).
  virtual void CheckVisible(const std::string& customer_id, const std::string& field,
                            std::function<void(absl::Status)> done) const = 0;
  // The id of the customer created from the prospect of opportunity `o`, under
  // `request_id` (a retry gets the customer created before). ALREADY_EXISTS, saying what to
  // do, when the prospect looks like an existing customer and `force` is not set.
  virtual void CreateFromProspect(const Opportunity& o, const std::string& request_id, bool force,
                                  std::function<void(absl::StatusOr<std::string>)> done) const = 0;
};

}  // namespace crm::pipeline_service
