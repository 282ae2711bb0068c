#pragma once
// A load generator of unary gRPC calls as light as pgbench's client is to PostgreSQL: each
// call written as HTTP/2 frames (nghttp2) on one connection per thread, with no gRPC client
// library in between. The service under test shares the machine's cores with its load
// generator; gRPC's C++ client spends about two thirds of the service's own CPU on each call,
// which the service then does not have, while pgbench's client costs PostgreSQL a few
// microseconds a transaction. Every response is still checked: HTTP status, grpc-status, the
// message's framing, and whatever `check` makes of the message.

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/bench/bench.h"

namespace crm::bench {

struct H2Target {
  std::string address;                                        // "unix:<path>" or "<host>:<port>"
  std::string method;                                         // "/<package>.<Service>/<Method>"
  std::vector<std::pair<std::string, std::string>> metadata;  // sent with every call
};

// Makes call n's request message (serialized); n is numbered as in Drive (ThreadOf(n)).
using H2Request = std::function<std::string(int64_t n)>;
// Checks call n's response message (serialized): empty if it is right, or what is wrong.
using H2Check = std::function<std::string(int64_t n, std::string_view response)>;

// Keeps `clients` calls in flight from `threads` threads (RunClosedLoop), each thread on its own
// connection.
Result DriveH2(const H2Target& target, const H2Request& request, const H2Check& check, int clients,
               int threads, int seconds, const std::function<void(bool begins)>& window = nullptr);

}  // namespace crm::bench
