#pragma once
// HTTP/JSON ⇄ protobuf for the gateway's HTTP port, with protobuf's JSON mapping: a request
// message from the path's variables, the query string and the JSON body as the method's HTTP
// binding says; a response message as JSON; a gRPC status as the JSON of google.rpc.Status with
// the HTTP status grpc-gateway gives its code.

#include <string>
#include <utility>
#include <vector>

#include <grpcpp/support/status.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/gateway/src/routes.h"

namespace google::protobuf {
class Descriptor;
}

namespace crm::gateway {

// The request message's bytes. INVALID_ARGUMENT (naming the parameter or the JSON's problem)
// for a body that is not a JSON object, an unknown query parameter, or a value of the wrong type.
absl::StatusOr<std::string> BuildRequest(
    const google::protobuf::Descriptor& type, const HttpBinding& binding,
    const std::vector<std::pair<std::string, std::string>>& variables,
    absl::string_view query_string, absl::string_view body);

// A response message's bytes as JSON; INTERNAL when the bytes do not parse as `type`.
absl::StatusOr<std::string> ResponseJson(const google::protobuf::Descriptor& type,
                                         const std::string& bytes);

// The HTTP status of a gRPC code.
int HttpStatusOf(grpc::StatusCode code);

// The JSON of google.rpc.Status for a failed call (its details, such as field violations,
// included).
std::string ErrorJson(const grpc::Status& status);

// A gRPC timeout header value ("100m", "5S") as a duration; false when malformed.
bool ParseGrpcTimeout(absl::string_view value, absl::Duration* out);

}  // namespace crm::gateway
