#pragma once
// Per-RPC metrics and structured access logs, as a gRPC server interceptor, so every method
// of every service gets them without a line of handler code.
//
// Metrics (names as in go-grpc-prometheus, which dashboards already know):
//   grpc_server_started_total{grpc_service,grpc_method,grpc_type}
//   grpc_server_handled_total{grpc_service,grpc_method,grpc_type,grpc_code}
//   grpc_server_handling_seconds{grpc_service,grpc_method,grpc_type} (histogram)
// Access log: one JSON line per call with method, code, duration, request id, user id, peer.
//
// Handlers tell the interceptor who the caller is through the trailing metadata key
// kUserIdTrailer, which the interceptor removes before the trailers are sent.

#include <memory>
#include <string>

#include "absl/strings/string_view.h"

#include <grpcpp/support/server_interceptor.h>

namespace prometheus {
class Registry;
}

namespace crm::rpc {

inline constexpr char kRequestIdHeader[] = "x-request-id";
inline constexpr char kUserIdTrailer[] = "x-crm-user-id";

enum class AccessLog { kAll, kErrors, kNone };
bool ParseAccessLog(absl::string_view text, AccessLog* mode);

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeObservabilityInterceptor(
    prometheus::Registry& registry, AccessLog access_log);

}  // namespace crm::rpc
