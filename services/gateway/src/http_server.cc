#include "services/gateway/src/http_server.h"

#include <civetweb.h>
#include <grpcpp/client_context.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/sync_stream.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "libs/ids/uuid.h"
#include "libs/log/log.h"
#include "libs/rpc/call.h"
#include "libs/rpc/observer.h"
#include "libs/rpc/status_convert.h"
#include "services/gateway/src/transcode.h"

namespace crm::gateway {

struct HttpServer::Metrics {
  explicit Metrics(prometheus::Registry& r)
      : requests(prometheus::BuildCounter()
                     .Name("crm_gateway_http_requests_total")
                     .Help("HTTP/JSON requests by route (the method called) and HTTP status")
                     .Register(r)),
        seconds(prometheus::BuildHistogram()
                    .Name("crm_gateway_http_request_seconds")
                    .Help("HTTP/JSON request latency by route")
                    .Register(r)) {}
  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Histogram>& seconds;
};

namespace {

using RpcType = grpc::internal::RpcMethod::RpcType;

std::string Header(mg_connection* c, const char* name) {
  const char* v = mg_get_header(c, name);
  return v == nullptr ? std::string() : std::string(v);
}

// A response with a body and Content-Length (the connection stays open for the next request),
// written at once: headers and body in separate writes would wait on the client's delayed ACK.
void Send(mg_connection* c, int status, absl::string_view type, absl::string_view body,
          const std::string& headers) {
  const std::string response =
      absl::StrCat("HTTP/1.1 ", status, " ", mg_get_response_code_text(c, status),
                   "\r\nContent-Type: ", type, "\r\nContent-Length: ", body.size(),
                   "\r\nCache-Control: no-store\r\n", headers, "\r\n", body);
  mg_write(c, response.data(), response.size());
}

// The front end's headers: its pages may load only from this origin (no other host is ever
// asked for anything), and content-hashed assets are cached for good.
void SendStatic(mg_connection* c, const StaticFile& f, bool gzip, bool head,
                const std::string& headers) {
  const std::string& body = gzip ? f.gzip_body : f.body;
  std::string response = absl::StrCat(
      "HTTP/1.1 200 OK\r\nContent-Type: ", f.content_type, "\r\nContent-Length: ", body.size(),
      "\r\nCache-Control: ", f.immutable ? "public, max-age=31536000, immutable" : "no-cache",
      "\r\nVary: Accept-Encoding\r\nX-Content-Type-Options: nosniff\r\n"
      "Referrer-Policy: no-referrer\r\n",
      gzip ? "Content-Encoding: gzip\r\n" : "");
  if (absl::StartsWith(f.content_type, "text/html")) {
    absl::StrAppend(&response,
                    "Content-Security-Policy: default-src 'self'; img-src 'self' data: blob:; "
                    "style-src 'self' 'unsafe-inline'; connect-src 'self'; object-src 'none'; "
                    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'\r\n"
                    "X-Frame-Options: DENY\r\n");
  }
  absl::StrAppend(&response, headers, "\r\n");
  if (!head) response += body;
  mg_write(c, response.data(), response.size());
}

std::string BytesOf(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  (void)buffer.Dump(&slices);
  std::string out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

}  // namespace

HttpServer::HttpServer(HttpOptions options, const Routes* routes, Admission* admission,
                       prometheus::Registry& registry, std::string openapi_json)
    : options_(std::move(options)),
      routes_(routes),
      admission_(admission),
      metrics_(std::make_unique<Metrics>(registry)),
      openapi_json_(std::move(openapi_json)) {}

HttpServer::~HttpServer() { Stop(); }

absl::Status HttpServer::Start() {
  if (!options_.web_root.empty()) {
    auto web = StaticFiles::Load(options_.web_root);
    if (!web.ok()) return web.status();
    web_ = *std::move(web);
    log::Info("serving the web front end")
        .Str("web_root", options_.web_root)
        .Int("files", web_.size());
  }
  mg_init_library(0);
  const std::string listen = absl::StrCat(options_.host, ":", options_.port);
  const std::string threads = std::to_string(options_.threads);
  // CORS is ours (configured origins only): civetweb's own preflight answers are turned off.
  const char* config[] = {"listening_ports",
                          listen.c_str(),
                          "num_threads",
                          threads.c_str(),
                          "enable_keep_alive",
                          "yes",
                          "request_timeout_ms",
                          "600000",
                          "access_control_allow_origin",
                          "",
                          "tcp_nodelay",
                          "1",
                          nullptr};
  mg_callbacks callbacks{};
  ctx_ = mg_start(&callbacks, this, config);
  if (ctx_ == nullptr) return absl::UnavailableError(absl::StrCat("cannot listen on ", listen));
  mg_set_request_handler(ctx_, "/", &HttpServer::Handle, this);
  mg_server_port ports[1];
  if (mg_get_server_ports(ctx_, 1, ports) > 0) port_ = ports[0].port;
  serving_ = true;
  log::Info("serving HTTP").Str("http", absl::StrCat(options_.host, ":", port_));
  return absl::OkStatus();
}

void HttpServer::Stop() {
  serving_ = false;
  if (ctx_ != nullptr) {
    mg_stop(ctx_);
    ctx_ = nullptr;
  }
}

int HttpServer::Handle(mg_connection* conn, void* self) {
  return static_cast<HttpServer*>(self)->Serve(conn);
}

int HttpServer::Serve(mg_connection* c) {
  const auto start = std::chrono::steady_clock::now();
  const mg_request_info* info = mg_get_request_info(c);
  const std::string verb = info->request_method;
  const std::string path = info->local_uri_raw != nullptr ? info->local_uri_raw : "/";
  const absl::string_view query = info->query_string != nullptr ? info->query_string : "";
  // Header values go on as gRPC metadata, which takes printable ASCII only.
  std::string request_id = Header(c, "X-Request-Id");
  if (!rpc::SaneRequestId(request_id)) request_id = ids::NewUuidV7();
  std::string peer = info->remote_addr;
  if (options_.trust_forwarded_for) {
    const std::string forwarded = Header(c, "X-Forwarded-For");
    const std::string first(absl::StripAsciiWhitespace(
        std::vector<absl::string_view>(absl::StrSplit(forwarded, ','))[0]));
    if (rpc::SaneRequestId(first)) peer = first;
  }

  // CORS: the browser sends Origin; an allowed one is echoed back.
  std::string headers = absl::StrCat("X-Request-Id: ", request_id, "\r\n");
  const std::string origin = Header(c, "Origin");
  bool cors = false;
  if (!origin.empty()) {
    for (const auto& o : options_.cors_origins) cors = cors || o == "*" || o == origin;
  }
  if (cors) {
    absl::StrAppend(&headers, "Access-Control-Allow-Origin: ", origin,
                    "\r\nVary: Origin\r\nAccess-Control-Expose-Headers: Retry-After, "
                    "X-Request-Id\r\n");
  }
  std::string route_label = "none";
  std::string user_id;
  int status = 200;
  auto finish = [&](int http_status) {
    status = http_status;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    metrics_->requests.Add({{"route", route_label}, {"code", std::to_string(status)}}).Increment();
    metrics_->seconds
        .Add({{"route", route_label}},
             prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                     0.25, 0.5, 1, 2.5, 5, 10})
        .Observe(seconds);
    log::Info("http")
        .Str("verb", verb)
        .Str("path", path)
        .Str("route", route_label)
        .Int("status", status)
        .Double("seconds", seconds)
        .Str("request_id", request_id)
        .Str("user_id", user_id)
        .Str("peer", peer);
    return status;
  };
  auto fail = [&](const grpc::Status& s, const std::string& extra = "", int http_status = 0) {
    if (http_status == 0) http_status = HttpStatusOf(s.error_code());
    Send(c, http_status, "application/json", ErrorJson(s), headers + extra);
    return finish(http_status);
  };

  if (verb == "OPTIONS") {
    if (cors) {
      absl::StrAppend(&headers,
                      "Access-Control-Allow-Methods: GET, POST, PATCH, PUT, DELETE\r\n"
                      "Access-Control-Allow-Headers: Authorization, Content-Type, X-Request-Id, "
                      "Grpc-Timeout\r\nAccess-Control-Max-Age: 600\r\n");
    }
    Send(c, 204, "text/plain", "", headers);
    return finish(204);
  }
  if (verb == "GET" && path == "/openapi.json") {
    route_label = "openapi";
    Send(c, 200, "application/json", openapi_json_, headers);
    return finish(200);
  }
  if (verb == "GET" && path == "/healthz") {
    route_label = "healthz";
    const bool up = serving_;
    Send(c, up ? 200 : 503, "text/plain", up ? "SERVING\n" : "NOT_SERVING\n", headers);
    return finish(up ? 200 : 503);
  }

  if ((verb == "GET" || verb == "HEAD") && !absl::StartsWith(path, "/v1/")) {
    if (const StaticFile* f = web_.Find(path); f != nullptr) {
      route_label = "web";
      const bool gzip =
          !f->gzip_body.empty() && absl::StrContains(Header(c, "Accept-Encoding"), "gzip");
      SendStatic(c, *f, gzip, verb == "HEAD", headers);
      return finish(200);
    }
  }

  const Routes::Match match = routes_->MatchHttp(verb, path);
  if (match.route == nullptr) {
    return fail(grpc::Status(grpc::StatusCode::NOT_FOUND,
                             absl::StrCat("no API method at ", verb, " ", path)));
  }
  const Route& route = *match.route;
  const auto& method = *route.method;
  route_label = method.full_name();

  // The body, bounded (a client stream's body is read as it is forwarded, below).
  std::string body;
  const size_t body_limit =
      method.client_streaming() ? options_.max_upload_bytes : options_.max_body_bytes;
  auto too_large = [&] {
    return fail(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                             absl::StrCat("request body larger than ", body_limit, " bytes")),
                "Connection: close\r\n", 413);
  };
  if (info->content_length > static_cast<long long>(body_limit)) return too_large();
  // Buffers live on the heap: civetweb's worker threads have small stacks.
  std::vector<char> buf(64 << 10);
  if (!method.client_streaming()) {
    int n;
    while ((n = mg_read(c, buf.data(), buf.size())) > 0) {
      body.append(buf.data(), static_cast<size_t>(n));
      if (body.size() > options_.max_body_bytes) return too_large();
    }
  }

  // Who calls (the gateway's own methods admit their callers themselves).
  const std::string authorization = Header(c, "Authorization");
  for (char ch : authorization) {
    if (ch < 0x20 || ch > 0x7e) {
      return fail(grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                               "the Authorization header has characters no token has"));
    }
  }
  const bool local = route.backend->name == "gateway";
  if (!local) {
    absl::Duration retry_after;
    auto admitted = admission_->Admit(route.is_public, authorization, peer, &retry_after);
    if (!admitted.ok()) {
      std::string extra;
      if (absl::IsResourceExhausted(admitted.status())) {
        extra = absl::StrCat("Retry-After: ", RetryAfterSeconds(retry_after), "\r\n");
      }
      return fail(rpc::ToGrpcStatus(admitted.status()), extra);
    }
    if (admitted->principal) user_id = admitted->principal->user_id;
  }
  if (route.backend->channel == nullptr) {
    return fail(grpc::Status(
        grpc::StatusCode::UNAVAILABLE,
        absl::StrCat("the ", route.backend->name, " service is not configured in this gateway")));
  }

  absl::Duration timeout = options_.default_timeout;
  if (const std::string t = Header(c, "Grpc-Timeout"); !t.empty()) {
    if (!ParseGrpcTimeout(t, &timeout)) {
      return fail(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                               "Grpc-Timeout must be a number and a unit (H, M, S, m, u, n)"));
    }
    timeout = std::min(timeout, options_.max_timeout);
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (!authorization.empty()) ctx.AddMetadata("authorization", authorization);
  ctx.AddMetadata(rpc::kRequestIdHeader, request_id);
  ctx.AddMetadata("x-forwarded-for", peer);
  grpc::ByteBuffer response_buffer;
  const auto backend_start = std::chrono::steady_clock::now();
  auto backend_seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - backend_start).count();
  };
  // A backend's Retry-After; a second when it is too busy and says nothing.
  auto retry_after_of = [&ctx](const grpc::Status& s) -> std::string {
    const auto& trailers = ctx.GetServerTrailingMetadata();
    auto it = trailers.find("retry-after");
    if (it != trailers.end()) {
      return absl::StrCat("Retry-After: ", std::string(it->second.data(), it->second.size()),
                          "\r\n");
    }
    return s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ? "Retry-After: 1\r\n" : "";
  };

  if (method.client_streaming()) {
    // One request message per line of the body, written to the backend as the lines arrive.
    std::unique_ptr<grpc::ClientWriter<grpc::ByteBuffer>> writer(
        grpc::internal::ClientWriterFactory<grpc::ByteBuffer>::Create(
            route.backend->channel.get(),
            grpc::internal::RpcMethod(route.path.c_str(), RpcType::CLIENT_STREAMING), &ctx,
            &response_buffer));
    grpc::Status refused;  // the gateway's own reason to stop, before the backend answers
    bool backend_open = true;
    auto write_line = [&](absl::string_view line) {
      line = absl::StripAsciiWhitespace(line);
      if (line.empty() || !backend_open) return;
      auto message =
          BuildRequest(*method.input_type(), *match.binding, match.variables, query, line);
      if (!message.ok()) {
        refused = rpc::ToGrpcStatus(message.status());
        return;
      }
      grpc::Slice slice(*message);
      grpc::ByteBuffer buffer(&slice, 1);
      backend_open = writer->Write(buffer);
    };
    std::string pending;
    size_t total = 0;
    int n;
    while (refused.ok() && (n = mg_read(c, buf.data(), buf.size())) > 0) {
      total += static_cast<size_t>(n);
      pending.append(buf.data(), static_cast<size_t>(n));
      size_t from = 0;
      for (size_t nl; refused.ok() && (nl = pending.find('\n', from)) != std::string::npos;
           from = nl + 1) {
        write_line(absl::string_view(pending).substr(from, nl - from));
      }
      pending.erase(0, from);
      if (total > options_.max_upload_bytes || pending.size() > options_.max_body_bytes) {
        refused = grpc::Status(
            grpc::StatusCode::RESOURCE_EXHAUSTED,
            absl::StrCat("request body larger than ", options_.max_upload_bytes,
                         " bytes, or a line of it larger than ", options_.max_body_bytes));
      }
    }
    if (refused.ok()) write_line(pending);
    if (!refused.ok()) {
      ctx.TryCancel();
      (void)writer->Finish();
      return fail(refused, "Connection: close\r\n",
                  refused.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ? 413 : 0);
    }
    writer->WritesDone();
    const grpc::Status s = writer->Finish();
    if (!local) route.backend->Observe(s.error_code(), backend_seconds());
    if (!s.ok()) return fail(s, retry_after_of(s));
    auto json = ResponseJson(*method.output_type(), BytesOf(response_buffer));
    if (!json.ok()) return fail(rpc::ToGrpcStatus(json.status()));
    Send(c, 200, "application/json", *json, headers);
    return finish(200);
  }

  auto request = BuildRequest(*method.input_type(), *match.binding, match.variables, query, body);
  if (!request.ok()) return fail(rpc::ToGrpcStatus(request.status()));
  grpc::Slice slice(*request);
  grpc::ByteBuffer request_buffer(&slice, 1);
  if (!method.server_streaming()) {
    const grpc::Status s = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
        route.backend->channel.get(),
        grpc::internal::RpcMethod(route.path.c_str(), RpcType::NORMAL_RPC), &ctx, request_buffer,
        &response_buffer);
    if (!local) route.backend->Observe(s.error_code(), backend_seconds());
    if (!s.ok()) return fail(s, retry_after_of(s));
    auto json = ResponseJson(*method.output_type(), BytesOf(response_buffer));
    if (!json.ok()) return fail(rpc::ToGrpcStatus(json.status()));
    Send(c, 200, "application/json", *json, headers);
    return finish(200);
  }

  // A server stream: newline-delimited JSON, chunked, as the messages come.
  std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> reader(
      grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(
          route.backend->channel.get(),
          grpc::internal::RpcMethod(route.path.c_str(), RpcType::SERVER_STREAMING), &ctx,
          request_buffer));
  bool started = false;
  auto start_stream = [&] {
    if (started) return;
    started = true;
    mg_printf(c,
              "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
              "Transfer-Encoding: chunked\r\nCache-Control: no-store\r\n%s\r\n",
              headers.c_str());
  };
  bool caller_gone = false;
  while (reader->Read(&response_buffer)) {
    // The first message decides between a stream and an error response.
    start_stream();
    auto json = ResponseJson(*method.output_type(), BytesOf(response_buffer));
    std::string line =
        json.ok() ? absl::StrCat("{\"result\":", *json, "}\n")
                  : absl::StrCat("{\"error\":", ErrorJson(rpc::ToGrpcStatus(json.status())), "}\n");
    if (mg_send_chunk(c, line.data(), static_cast<unsigned>(line.size())) < 0) {
      caller_gone = true;
      ctx.TryCancel();
      break;
    }
  }
  const grpc::Status s = reader->Finish();
  if (!local) route.backend->Observe(s.error_code(), backend_seconds());
  if (!started) {
    if (!s.ok()) return fail(s, retry_after_of(s));
    start_stream();
  }
  if (!caller_gone) {
    if (!s.ok()) {
      const std::string line = absl::StrCat("{\"error\":", ErrorJson(s), "}\n");
      mg_send_chunk(c, line.data(), static_cast<unsigned>(line.size()));
    }
    mg_send_chunk(c, "", 0);
  }
  return finish(200);
}

}  // namespace crm::gateway
