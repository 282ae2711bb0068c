#pragma once
// What the gateway forwards: every method of every backend's services, read from the
// descriptors compiled into the gateway (a method added to a backend's proto is forwarded after
// a rebuild), with its access declaration and its HTTP binding (google.api.http).

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/channel.h>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace google::protobuf {
class FileDescriptor;
class MethodDescriptor;
}  // namespace google::protobuf
namespace prometheus {
class Counter;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace crm::gateway {

// A backend the gateway forwards to, and the proto files of its public services.
struct BackendSpec {
  const char* name;  // "customers": its --customers-address flag
  int default_port;
  std::vector<const google::protobuf::FileDescriptor*> files;
};

// Every backend. The gateway's own services (crm/gateway/v1) are not among them.
const std::vector<BackendSpec>& BackendSpecs();

// A backend's channel and its calls' metrics.
struct Backend {
  std::string name;
  std::shared_ptr<grpc::Channel> channel;  // null: not configured (calls are UNAVAILABLE)
  prometheus::Family<prometheus::Counter>* calls = nullptr;
  prometheus::Histogram* seconds = nullptr;
  // Counts a call's outcome (by gRPC code) and duration.
  void Observe(int code, double seconds) const;
};

// One segment of an HTTP path template: a literal, or a variable naming a request field
// (dotted for a nested one).
struct Segment {
  std::string literal;
  std::string field;  // set for a variable
};

// An HTTP binding of a method (AIP-127), e.g. GET /v1/customers/{id}.
struct HttpBinding {
  std::string verb;  // GET, POST, PATCH, DELETE, PUT
  std::vector<Segment> segments;
  std::string custom;   // the custom method's verb after ':' ("assign"), or empty
  std::string body;     // "*", a field name, or empty (no body)
  std::string pattern;  // as written, for logs, metrics and the OpenAPI document
};

struct Route {
  const google::protobuf::MethodDescriptor* method;
  std::string path;  // gRPC's: "/crm.customers.v1.CustomersService/GetCustomer"
  const Backend* backend;
  bool is_public;  // no token needed (sign-in)
  std::vector<HttpBinding> http;
};

class Routes {
 public:
  // The routes of every backend's services and of `local` (the gateway's own services, served
  // through `local_backend`). FAILED_PRECONDITION when a file is not compiled in, a method
  // declares no access, or an HTTP binding is malformed or ambiguous.
  static absl::StatusOr<std::unique_ptr<Routes>> Build(
      const std::vector<const Backend*>& backends, const Backend* local_backend,
      const std::vector<const google::protobuf::FileDescriptor*>& local_files);

  // By gRPC path; null when unknown.
  const Route* Find(absl::string_view grpc_path) const;
  // The route and binding an HTTP request matches (the most literal segments win), with the
  // path variables' values; null when none.
  struct Match {
    const Route* route = nullptr;
    const HttpBinding* binding = nullptr;
    std::vector<std::pair<std::string, std::string>> variables;  // field → value
  };
  Match MatchHttp(absl::string_view verb, absl::string_view path) const;
  const std::vector<Route>& all() const { return routes_; }

 private:
  std::vector<Route> routes_;
  absl::flat_hash_map<std::string, size_t> by_path_;
};

// Parses "/v1/customers/{id}:verb" into segments; INVALID_ARGUMENT when malformed.
absl::Status ParseTemplate(absl::string_view pattern, HttpBinding* binding);

}  // namespace crm::gateway
