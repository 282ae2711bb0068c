#include "libs/rpc/interceptors.h"

#include <chrono>
#include <string>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/server_context.h>

#include "libs/rpc/observer.h"

namespace crm::rpc {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

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

std::string Find(const std::multimap<grpc::string_ref, grpc::string_ref>* md, const char* key) {
  if (md == nullptr) return "";
  auto it = md->find(key);
  return it == md->end() ? "" : std::string(it->second.data(), it->second.size());
}

class Interceptor : public grpc::experimental::Interceptor {
 public:
  Interceptor(ServerRpcInfo* info, Observer* observer, ObservedMethod* method)
      : info_(info),
        observer_(observer),
        method_(method),
        start_(std::chrono::steady_clock::now()) {
    observer_->Started(method_);
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
    observer_->Finished(method_, code, message, seconds, request_id_, "", info_->server_context());
  }

  ServerRpcInfo* info_;
  Observer* observer_;
  ObservedMethod* method_;
  std::chrono::steady_clock::time_point start_;
  std::string request_id_;
  bool done_ = false;
};

class Factory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit Factory(Observer* observer) : observer_(observer) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(ServerRpcInfo* info) override {
    // A generic service's calls (a proxy's) report themselves: their method names are any
    // the client sends, not the server's own.
    if (dynamic_cast<const grpc::GenericCallbackServerContext*>(info->server_context()) !=
        nullptr) {
      return nullptr;
    }
    ObservedMethod* method = observer_->ForPath(info->method(), TypeName(info->type()));
    // No interceptor at all spares the call gRPC's hooks.
    if (Observer::ReportsItself(method)) return nullptr;
    return new Interceptor(info, observer_, method);
  }

 private:
  Observer* observer_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeObservingInterceptor(
    Observer& observer) {
  return std::make_unique<Factory>(&observer);
}

}  // namespace crm::rpc
