#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace crm::test {

// The body of GET http://127.0.0.1:<port><path>, or an error.
absl::StatusOr<std::string> HttpGet(int port, const std::string& path);

}  // namespace crm::test
