#include "libs/rpc/interceptors.h"

#include <array>
#include <atomic>
#include <chrono>
#include <mutex>

#include <grpcpp/server_context.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "libs/log/log.h"

namespace crm::rpc {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

constexpr int kCodes = 17;

const char* TypeName(ServerRpcInfo::Type type) {
  switch (type) {
    case ServerRpcInfo::Type::UNARY:
      return "unary";
    case ServerRpcInfo::Type::CLIENT_STREAMING:
      return "client_stream";
    case ServerRpcInfo::Type::SERVER_STREAMING:
      return "server_stream";
    case ServerRpcInfo::Type::BIDI_STREAMING:
      return "bidi_stream";
  }
  return "unary";
}

const char* CodeName(int code) {
  static const char* kNames[kCodes] = {
      "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
      "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
      "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
      "DataLoss", "Unauthenticated"};
  return code >= 0 && code < kCodes ? kNames[code] : "Unknown";
}

// The metric families, and per method the series, created on first use of a method.
class Metrics {
 public:
  struct Method {
    prometheus::Labels labels;
    prometheus::Counter* started;
    prometheus::Histogram* seconds;
    std::array<std::atomic<prometheus::Counter*>, kCodes> handled{};
  };

  explicit Metrics(prometheus::Registry& registry)
      : started_(prometheus::BuildCounter()
                     .Name("grpc_server_started_total")
                     .Help("RPCs started on the server")
                     .Register(registry)),
        handled_(prometheus::BuildCounter()
                     .Name("grpc_server_handled_total")
                     .Help("RPCs completed on the server, by status code")
                     .Register(registry)),
        seconds_(prometheus::BuildHistogram()
                     .Name("grpc_server_handling_seconds")
                     .Help("Time from receiving an RPC to sending its status")
                     .Register(registry)) {}

  Method* For(const char* full_method, ServerRpcInfo::Type type) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = methods_.find(full_method);
    if (it != methods_.end()) return it->second.get();
    // "/crm.auth.v1.AuthService/Login" → service "crm.auth.v1.AuthService", method "Login".
    absl::string_view name(full_method);
    if (!name.empty() && name[0] == '/') name.remove_prefix(1);
    const size_t slash = name.find('/');
    auto m = std::make_unique<Method>();
    m->labels = {{"grpc_service", std::string(name.substr(0, slash))},
                 {"grpc_method",
                  slash == absl::string_view::npos ? "" : std::string(name.substr(slash + 1))},
                 {"grpc_type", TypeName(type)}};
    m->started = &started_.Add(m->labels);
    static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
        0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
    m->seconds = &seconds_.Add(m->labels, *buckets);
    Method* out = m.get();
    methods_.emplace(full_method, std::move(m));
    return out;
  }

  prometheus::Counter& Handled(Method* m, int code) {
    if (code < 0 || code >= kCodes) code = 2;
    prometheus::Counter* c = m->handled[code].load(std::memory_order_acquire);
    if (c != nullptr) return *c;
    std::lock_guard<std::mutex> lock(mu_);
    c = m->handled[code].load(std::memory_order_relaxed);
    if (c == nullptr) {
      prometheus::Labels labels = m->labels;
      labels["grpc_code"] = CodeName(code);
      c = &handled_.Add(labels);
      m->handled[code].store(c, std::memory_order_release);
    }
    return *c;
  }

 private:
  std::mutex mu_;
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& seconds_;
  // Keyed by the method name pointer, which gRPC keeps for the server's lifetime.
  absl::flat_hash_map<const char*, std::unique_ptr<Method>> methods_;
};

std::string Find(const std::multimap<grpc::string_ref, grpc::string_ref>* md, const char* key) {
  if (md == nullptr) return "";
  auto it = md->find(key);
  return it == md->end() ? "" : std::string(it->second.data(), it->second.size());
}

class Interceptor : public grpc::experimental::Interceptor {
 public:
  Interceptor(ServerRpcInfo* info, Metrics* metrics, AccessLog access_log)
      : info_(info),
        metrics_(metrics),
        access_log_(access_log),
        method_(metrics->For(info->method(), info->type())),
        start_(std::chrono::steady_clock::now()) {
    method_->started->Increment();
  }

  ~Interceptor() override {
    // No status was sent: the call was cancelled or its deadline passed first.
    if (!done_) Finish(static_cast<int>(grpc::StatusCode::CANCELLED), "cancelled");
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      request_id_ = Find(methods->GetRecvInitialMetadata(), kRequestIdHeader);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      if (auto* trailers = methods->GetSendTrailingMetadata()) {
        if (auto it = trailers->find(kUserIdTrailer); it != trailers->end()) {
          user_id_ = it->second;
          trailers->erase(it);
        }
        if (auto it = trailers->find(kRequestIdHeader); it != trailers->end()) {
          request_id_ = it->second;
        }
      }
      const grpc::Status status = methods->GetSendStatus();
      Finish(status.error_code(), status.error_message());
    }
    methods->Proceed();
  }

 private:
  void Finish(int code, const std::string& message) {
    done_ = true;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    metrics_->Handled(method_, code).Increment();
    method_->seconds->Observe(seconds);
    if (access_log_ == AccessLog::kNone || (access_log_ == AccessLog::kErrors && code == 0)) {
      return;
    }
    // Server faults are errors; client mistakes and refusals are routine.
    const bool server_fault = code == 2 || code == 13 || code == 15 || code == 14;
    log::Line line(server_fault ? log::Level::kError : log::Level::kInfo, "rpc");
    line.Str("method", info_->method())
        .Str("code", CodeName(code))
        .Double("duration_ms", seconds * 1000.0);
    if (!request_id_.empty()) line.Str("request_id", request_id_);
    if (!user_id_.empty()) line.Str("user_id", user_id_);
    if (code != 0) line.Str("error", message);
    if (info_->server_context() != nullptr) line.Str("peer", info_->server_context()->peer());
  }

  ServerRpcInfo* info_;
  Metrics* metrics_;
  AccessLog access_log_;
  Metrics::Method* method_;
  std::chrono::steady_clock::time_point start_;
  std::string request_id_;
  std::string user_id_;
  bool done_ = false;
};

class Factory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  Factory(prometheus::Registry& registry, AccessLog access_log)
      : metrics_(registry), access_log_(access_log) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(ServerRpcInfo* info) override {
    return new Interceptor(info, &metrics_, access_log_);
  }

 private:
  Metrics metrics_;
  AccessLog access_log_;
};

}  // namespace

bool ParseAccessLog(absl::string_view text, AccessLog* mode) {
  if (text == "all")
    *mode = AccessLog::kAll;
  else if (text == "errors")
    *mode = AccessLog::kErrors;
  else if (text == "none")
    *mode = AccessLog::kNone;
  else
    return false;
  return true;
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeObservabilityInterceptor(
    prometheus::Registry& registry, AccessLog access_log) {
  return std::make_unique<Factory>(registry, access_log);
}

}  // namespace crm::rpc
