#include "libs/rpc/observer.h"

#include <array>
#include <atomic>
#include <utility>
#include <vector>

#include <grpcpp/server_context.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/log/log.h"

namespace crm::rpc {
namespace {
constexpr int kCodes = 17;
}  // namespace

const char* CodeName(int code) {
  static const char* kNames[kCodes] = {
      "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
      "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
      "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
      "DataLoss", "Unauthenticated"};
  return code >= 0 && code < kCodes ? kNames[code] : "Unknown";
}

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

struct ObservedMethod {
  std::string path;  // "/service/method", for the access log
  prometheus::Labels labels;
  bool reports_itself = false;
  prometheus::Counter* started = nullptr;
  prometheus::Histogram* seconds = nullptr;
  // Per code, created on first use.
  std::array<std::atomic<prometheus::Counter*>, kCodes> handled{};
};

struct Observer::State {
  explicit State(prometheus::Registry& registry)
      : started(prometheus::BuildCounter()
                    .Name("grpc_server_started_total")
                    .Help("RPCs started on the server")
                    .Register(registry)),
        handled(prometheus::BuildCounter()
                    .Name("grpc_server_handled_total")
                    .Help("RPCs completed on the server, by status code")
                    .Register(registry)),
        seconds(prometheus::BuildHistogram()
                    .Name("grpc_server_handling_seconds")
                    .Help("Time from receiving an RPC to sending its status")
                    .Register(registry)) {}

  ObservedMethod* Make(absl::string_view service, absl::string_view method, const char* type)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    auto m = std::make_unique<ObservedMethod>();
    m->path = absl::StrCat("/", service, "/", method);
    m->labels = {{"grpc_service", std::string(service)},
                 {"grpc_method", std::string(method)},
                 {"grpc_type", type}};
    m->reports_itself =
        absl::string_view(type) == "unary" && self_reporting.contains(std::string(service));
    // Both ways of naming a method lead to the same series: Add returns the existing one.
    m->started = &started.Add(m->labels);
    static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
        0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
    m->seconds = &seconds.Add(m->labels, *buckets);
    methods.push_back(std::move(m));
    return methods.back().get();
  }

  prometheus::Family<prometheus::Counter>& started;
  prometheus::Family<prometheus::Counter>& handled;
  prometheus::Family<prometheus::Histogram>& seconds;

  absl::Mutex mu;
  absl::flat_hash_set<std::string> self_reporting ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<const char*, ObservedMethod*> by_path ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<std::pair<const char*, const char*>, ObservedMethod*> by_name
      ABSL_GUARDED_BY(mu);
  std::vector<std::unique_ptr<ObservedMethod>> methods ABSL_GUARDED_BY(mu);
};

Observer::Observer(prometheus::Registry& registry, AccessLog access_log)
    : state_(std::make_unique<State>(registry)), access_log_(access_log) {}

Observer::~Observer() = default;

void Observer::ReportedByHandlers(absl::string_view service) {
  absl::MutexLock lock(&state_->mu);
  state_->self_reporting.insert(std::string(service));
}

ObservedMethod* Observer::ForPath(const char* path, const char* type) {
  absl::MutexLock lock(&state_->mu);
  ObservedMethod*& m = state_->by_path[path];
  if (m == nullptr) {
    // "/crm.auth.v1.AuthService/Login" → service "crm.auth.v1.AuthService", method "Login".
    absl::string_view name(path);
    if (!name.empty() && name[0] == '/') name.remove_prefix(1);
    const size_t slash = name.find('/');
    m = state_->Make(name.substr(0, slash),
                     slash == absl::string_view::npos ? "" : name.substr(slash + 1), type);
  }
  return m;
}

ObservedMethod* Observer::ForUnary(const char* service, const char* method) {
  return ForMethod(service, method, "unary");
}

ObservedMethod* Observer::ForMethod(const char* service, const char* method, const char* type) {
  absl::MutexLock lock(&state_->mu);
  ObservedMethod*& m = state_->by_name[{service, method}];
  if (m == nullptr) m = state_->Make(service, method, type);
  return m;
}

bool Observer::ReportsItself(const ObservedMethod* method) { return method->reports_itself; }

void Observer::Started(ObservedMethod* method) { method->started->Increment(); }

void Observer::Finished(ObservedMethod* method, int code, const std::string& message,
                        double seconds, absl::string_view request_id, absl::string_view user_id,
                        const grpc::ServerContextBase* ctx) {
  if (code < 0 || code >= kCodes) code = static_cast<int>(grpc::StatusCode::UNKNOWN);
  prometheus::Counter* handled = method->handled[code].load(std::memory_order_acquire);
  if (handled == nullptr) {
    absl::MutexLock lock(&state_->mu);
    handled = method->handled[code].load(std::memory_order_relaxed);
    if (handled == nullptr) {
      prometheus::Labels labels = method->labels;
      labels["grpc_code"] = CodeName(code);
      handled = &state_->handled.Add(labels);
      method->handled[code].store(handled, std::memory_order_release);
    }
  }
  handled->Increment();
  method->seconds->Observe(seconds);
  if (access_log_ == AccessLog::kNone || (access_log_ == AccessLog::kErrors && code == 0)) return;
  // Server faults are errors; client mistakes and refusals are routine.
  const auto c = static_cast<grpc::StatusCode>(code);
  const bool server_fault = c == grpc::StatusCode::UNKNOWN || c == grpc::StatusCode::INTERNAL ||
                            c == grpc::StatusCode::DATA_LOSS || c == grpc::StatusCode::UNAVAILABLE;
  // The line carries the call's ids through the context, whatever the thread had set.
  log::ScopedContext ids(request_id, user_id);
  log::Line line(server_fault ? log::Level::kError : log::Level::kInfo, "rpc");
  line.Str("method", method->path)
      .Str("code", CodeName(code))
      .Double("duration_ms", seconds * 1000.0);
  if (code != 0) line.Str("error", message);
  if (ctx != nullptr) line.Str("peer", ctx->peer());
}

}  // namespace crm::rpc
