#pragma once
// A client for the standard gRPC health service (grpc.health.v1.Health/Check), for tests,
// scripts and crmctl. Messages are encoded by hand: the protocol is two one-field messages.

#include <memory>
#include <string>

#include <grpcpp/channel.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace crm::rpc {

enum class HealthStatus { kUnknown = 0, kServing = 1, kNotServing = 2, kServiceUnknown = 3 };

absl::StatusOr<HealthStatus> CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                                         const std::string& service, absl::Duration timeout);

}  // namespace crm::rpc
