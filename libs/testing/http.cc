#include "libs/testing/http.h"

#include <civetweb.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace crm::test {

std::string HttpResponse::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

absl::StatusOr<HttpResponse> HttpRequest(
    int port, const std::string& verb, const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body) {
  char error[256] = "";
  mg_connection* conn = mg_connect_client("127.0.0.1", port, 0, error, sizeof error);
  if (conn == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot connect to port ", port, ": ", error));
  }
  std::string request =
      absl::StrCat(verb, " ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
  for (const auto& [k, v] : headers) absl::StrAppend(&request, k, ": ", v, "\r\n");
  if (!body.empty() || verb == "POST" || verb == "PATCH" || verb == "PUT") {
    absl::StrAppend(&request, "Content-Length: ", body.size(), "\r\n");
  }
  absl::StrAppend(&request, "\r\n", body);
  mg_write(conn, request.data(), request.size());
  if (mg_get_response(conn, error, sizeof error, 60000) < 0) {
    mg_close_connection(conn);
    return absl::UnavailableError(absl::StrCat("no HTTP response: ", error));
  }
  const mg_response_info* info = mg_get_response_info(conn);
  HttpResponse out;
  out.status = info->status_code;
  for (int i = 0; i < info->num_headers; ++i) {
    out.headers.emplace_back(info->http_headers[i].name, info->http_headers[i].value);
  }
  char buf[16384];
  int n;
  while ((n = mg_read(conn, buf, sizeof buf)) > 0) out.body.append(buf, static_cast<size_t>(n));
  mg_close_connection(conn);
  return out;
}

absl::StatusOr<std::string> HttpGet(int port, const std::string& path) {
  auto r = HttpRequest(port, "GET", path);
  if (!r.ok()) return r.status();
  if (r->status != 200) return absl::InternalError(absl::StrCat("HTTP error: ", r->status));
  return r->body;
}

}  // namespace crm::test
