#pragma once
// Per-RPC metrics and structured access logs.
//
// Metrics (names as in go-grpc-prometheus, which dashboards already know):
//   grpc_server_started_total{grpc_service,grpc_method,grpc_type}
//   grpc_server_handled_total{grpc_service,grpc_method,grpc_type,grpc_code}
//   grpc_server_handling_seconds{grpc_service,grpc_method,grpc_type} (histogram)
// Access log: one JSON line per call with method, code, duration, request id, user id, peer.
//
// Two things report calls here. The unary calls of services whose handlers go through
// rpc::Calls report themselves (Calls::ForService declares the service): the handler knows
// the method, the caller and the outcome, and a gRPC interceptor would cost every call a few
// microseconds of hooks on each of its batches. Every other call (streams, health,
// reflection) is reported by the interceptor of interceptors.h.

#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace grpc {
class ServerContextBase;
}
namespace prometheus {
class Registry;
}

namespace crm::rpc {

inline constexpr char kRequestIdHeader[] = "x-request-id";

// A gRPC code's name as go-grpc-prometheus labels it ("OK", "InvalidArgument", …).
const char* CodeName(int code);

enum class AccessLog { kAll, kErrors, kNone };
bool ParseAccessLog(absl::string_view text, AccessLog* mode);

// One method's series, created on first use and kept for the observer's lifetime.
struct ObservedMethod;

class Observer {
 public:
  Observer(prometheus::Registry& registry, AccessLog access_log);
  ~Observer();
  Observer(const Observer&) = delete;
  Observer& operator=(const Observer&) = delete;

  // The unary calls of `service` (its full name, "crm.auth.v1.AuthService") report themselves.
  // Before the server starts.
  void ReportedByHandlers(absl::string_view service);

  // A method by gRPC's path ("/crm.auth.v1.AuthService/Login", a pointer gRPC keeps for the
  // server's lifetime) and type label ("unary", "server_stream", ...), as the interceptor
  // sees it.
  ObservedMethod* ForPath(const char* path, const char* type);
  // A unary method by its service's full name and its name, both pointers to strings that
  // live as long as the program (a generated service_full_name() and the handler's __func__).
  ObservedMethod* ForUnary(const char* service, const char* method);
  // Any method by its service's full name, its name and type label, all pointers to strings
  // that live as long as the observer (e.g. a descriptor's names): for a proxy's forwarded
  // calls, which report themselves.
  ObservedMethod* ForMethod(const char* service, const char* method, const char* type);
  // Whether the method's calls report themselves (unary, of a service declared above).
  static bool ReportsItself(const ObservedMethod* method);

  void Started(ObservedMethod* method);
  // The call ended with `code` (a grpc::StatusCode) and `message` after `seconds`. ctx gives
  // the peer for the log line; it may be null.
  void Finished(ObservedMethod* method, int code, const std::string& message, double seconds,
                absl::string_view request_id, absl::string_view user_id,
                const grpc::ServerContextBase* ctx);

 private:
  struct State;
  const std::unique_ptr<State> state_;
  const AccessLog access_log_;
};

}  // namespace crm::rpc
