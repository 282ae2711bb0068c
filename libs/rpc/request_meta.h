#pragma once
// Who asks and under which request id: what an event records of the call that caused it.

#include <string>

namespace crm::rpc {

struct RequestMeta {
  std::string request_id;
  std::string actor_id;
};

}  // namespace crm::rpc
