#pragma once
// A small HTTP/1.1 client for tests (civetweb's): metrics scrapes and the gateway's HTTP/JSON API.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace crm::test {

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // chunked bodies already joined
  // The first header of that name (case-insensitive), or "".
  std::string Header(const std::string& name) const;
};

// One request to http://127.0.0.1:<port><path>; an error only when there is no HTTP answer.
absl::StatusOr<HttpResponse> HttpRequest(
    int port, const std::string& verb, const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& headers = {},
    const std::string& body = "");

// The body of GET http://127.0.0.1:<port><path>, or an error (also for a status other than 200).
absl::StatusOr<std::string> HttpGet(int port, const std::string& path);

}  // namespace crm::test
