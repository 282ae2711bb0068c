#pragma once
// The gateway's HTTP/JSON port (civetweb): every method with an HTTP binding, transcoded to its
// backend; server streams as newline-delimited JSON ({"result": …} per message, {"error": …} at
// a failure, as grpc-gateway writes them); client streams from a newline-delimited JSON body (one
// request message per line, as grpc-gateway reads them); CORS for configured origins; the OpenAPI
// document at /openapi.json; /healthz for probes; the web front end's files.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/gateway/src/admission.h"
#include "services/gateway/src/routes.h"
#include "services/gateway/src/static_files.h"

struct mg_context;
struct mg_connection;

namespace prometheus {
class Registry;
}

namespace crm::gateway {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (see HttpServer::port())
  int threads = 64;
  // Larger request bodies are refused (413). A client-streaming method's body (an upload) may
  // reach max_upload_bytes, each of its lines max_body_bytes.
  size_t max_body_bytes = 1 << 20;
  size_t max_upload_bytes = size_t{64} << 20;
  // Origins allowed to call from a browser ("*": any); empty: no CORS headers.
  std::vector<std::string> cors_origins;
  // A request's deadline when it sends no Grpc-Timeout header, and the longest it may ask for.
  absl::Duration default_timeout = absl::Seconds(30);
  absl::Duration max_timeout = absl::Minutes(10);
  // Take the caller's address from X-Forwarded-For (behind a trusted ingress).
  bool trust_forwarded_for = false;
  // The web front end's build (index.html, assets/); empty: none is served.
  std::string web_root;
};

class HttpServer {
 public:
  HttpServer(HttpOptions options, const Routes* routes, Admission* admission,
             prometheus::Registry& registry, std::string openapi_json);
  ~HttpServer();

  absl::Status Start();
  int port() const { return port_; }
  // Stops taking requests and waits for those in flight.
  void Stop();

  struct Metrics;

 private:
  static int Handle(mg_connection* conn, void* self);
  int Serve(mg_connection* conn);

  HttpOptions options_;
  const Routes* routes_;
  Admission* admission_;
  std::unique_ptr<Metrics> metrics_;
  std::string openapi_json_;
  StaticFiles web_;
  mg_context* ctx_ = nullptr;
  int port_ = 0;
  std::atomic<bool> serving_{false};
};

}  // namespace crm::gateway
