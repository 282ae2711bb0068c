#pragma once
// gRPC glue of crm.analytics.v1.AnalyticsService.

#include <functional>
#include <memory>
#include <vector>

#include "crm/analytics/v1/analytics_service.grpc.pb.h"
#include "crm/auth/v1/directory_service.grpc.pb.h"
#include "libs/rpc/glue.h"
#include "services/analytics/src/convert.h"
#include "services/analytics/src/reports.h"

namespace crm::analytics {

// What the service is made of.
struct Parts {
  const rpc::Calls* calls;
  const Reports* reports;
  const Targets* targets;
  // Events applied per source since start (the followers'), for GetIngestionStatus.
  std::function<std::vector<std::pair<std::string, int64_t>>()> applied;
  // The auth directory: a user target's department.
  crm::auth::v1::DirectoryService::Stub* directory;
};

std::unique_ptr<grpc::Service> NewAnalyticsService(const Parts& parts);

}  // namespace crm::analytics
