#include "services/gateway/src/forward.h"

#include <atomic>
#include <chrono>
#include <mutex>

#include <grpcpp/client_context.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "libs/rpc/call.h"
#include "libs/rpc/rate_limiter.h"
#include "libs/rpc/status_convert.h"

namespace crm::gateway {

namespace {

const char* TypeOf(const google::protobuf::MethodDescriptor& m) {
  if (m.client_streaming()) return m.server_streaming() ? "bidi_stream" : "client_stream";
  return m.server_streaming() ? "server_stream" : "unary";
}

}  // namespace

void CopyCallerMetadata(const std::multimap<grpc::string_ref, grpc::string_ref>& in,
                        const std::string& request_id, const std::string& peer,
                        grpc::ClientContext* out) {
  for (const auto& [key, value] : in) {
    const absl::string_view k(key.data(), key.size());
    if (absl::StartsWith(k, "grpc-") || absl::StartsWith(k, ":") || k == rpc::kRequestIdHeader ||
        k == "x-forwarded-for" || k == "user-agent" || k == "content-type" || k == "te") {
      continue;
    }
    out->AddMetadata(std::string(k), std::string(value.data(), value.size()));
  }
  out->AddMetadata(rpc::kRequestIdHeader, request_id);
  out->AddMetadata("x-forwarded-for", peer);
}

// One forwarded call: the caller's side (this reactor) and the backend's (a client reactor
// inside it), deleted when the caller's side is done, which is never before the backend's.
// Messages are relayed one at a time: a message read from one side is written to the other
// before the next is read.
class Forwarder::Relay : public grpc::ServerGenericBidiReactor {
 public:
  Relay(Forwarder* f, grpc::GenericCallbackServerContext* ctx)
      : ctx_(ctx), observer_(f->observer_) {
    request_id_ = rpc::RequestIdOf(*ctx);
    route_ = f->routes_->Find(ctx->method());
    if (route_ == nullptr) {
      method_ = f->observer_->ForMethod("unknown", "unknown", "unknown");
      observer_->Started(method_);
      FinishNow(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                             absl::StrCat("unknown method ", ctx->method())));
      return;
    }
    const auto& m = *route_->method;
    method_ =
        f->observer_->ForMethod(m.service()->full_name().c_str(), m.name().c_str(), TypeOf(m));
    observer_->Started(method_);
    std::string peer = rpc::PeerAddress(ctx->peer());
    if (f->trust_forwarded_for_) {
      const absl::string_view forwarded = Header("x-forwarded-for");
      if (!forwarded.empty()) {
        peer = std::string(absl::StripAsciiWhitespace(forwarded.substr(0, forwarded.find(','))));
      }
    }
    absl::Duration retry_after;
    auto admitted =
        f->admission_->Admit(route_->is_public, Header("authorization"), peer, &retry_after);
    if (!admitted.ok()) {
      if (absl::IsResourceExhausted(admitted.status())) {
        ctx->AddTrailingMetadata("retry-after", std::to_string(RetryAfterSeconds(retry_after)));
      }
      FinishNow(rpc::ToGrpcStatus(admitted.status()));
      return;
    }
    if (admitted->principal) user_id_ = admitted->principal->user_id;
    if (route_->backend->channel == nullptr) {
      FinishNow(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                             absl::StrCat("the ", route_->backend->name,
                                          " service is not configured in this gateway")));
      return;
    }
    // The caller's deadline and cancellation carry over to the backend call.
    client_ctx_ = grpc::ClientContext::FromCallbackServerContext(*ctx);
    const bool streaming = m.client_streaming() || m.server_streaming();
    if (!streaming && ctx->deadline() == std::chrono::system_clock::time_point::max()) {
      client_ctx_->set_deadline(absl::ToChronoTime(absl::Now() + f->max_wait_));
    }
    CopyCallerMetadata(ctx->client_metadata(), request_id_, peer, client_ctx_.get());
    stub_ = std::make_unique<grpc::GenericStub>(route_->backend->channel);
    if (!streaming) {
      // A unary call: its one message, then one unary call to the backend (fewer operations
      // than a stream each way).
      unary_ = true;
      StartRead(&from_caller_);
      return;
    }
    // The backend's reactions wait until both sides have started. The caller's side starts
    // operations on the backend's from its own reactions, so the backend call holds (stays
    // alive) until the caller's side will start no more of them (ReleaseBackendLocked).
    std::lock_guard<std::mutex> lock(mu_);
    backend_start_ = std::chrono::steady_clock::now();
    stub_->PrepareBidiStreamingCall(client_ctx_.get(), ctx->method(), {}, &backend_);
    backend_.StartRead(&from_backend_);
    backend_.AddHold();
    backend_.StartCall();
    StartRead(&from_caller_);
  }

  // A message (or the end of them) from the caller.
  void OnReadDone(bool ok) override {
    if (unary_) return ForwardUnary(ok);
    std::lock_guard<std::mutex> lock(mu_);
    if (backend_released_) return;
    if (ok) {
      backend_.StartWrite(&from_caller_);
    } else {
      backend_.StartWritesDone();
    }
  }
  // The message from the backend reached the caller. (The backend's call cannot have ended
  // meanwhile: it holds until no write to the caller is pending or will be started.)
  void OnWriteDone(bool ok) override {
    bool release = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (ok) {
        backend_.StartRead(&from_backend_);
      } else {
        // The caller is gone: the backend's call ends too (its status finishes ours).
        client_ctx_->TryCancel();
        release = ReleaseBackendLocked();
      }
    }
    if (release) backend_.RemoveHold();
  }
  void OnDone() override {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    observer_->Finished(method_, static_cast<int>(final_.error_code()), final_.error_message(),
                        seconds, request_id_, user_id_, ctx_);
    delete this;
  }

 private:
  class BackendSide : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
   public:
    explicit BackendSide(Relay* relay) : relay_(relay) {}
    void OnReadDone(bool ok) override { relay_->FromBackend(ok); }
    void OnWriteDone(bool ok) override { relay_->WrittenToBackend(ok); }
    void OnDone(const grpc::Status& status) override { relay_->BackendDone(status); }

   private:
    Relay* relay_;
  };

  void ForwardUnary(bool ok) {
    if (!ok) {
      FinishNow(grpc::Status(grpc::StatusCode::CANCELLED, "the caller sent no request"));
      return;
    }
    backend_start_ = std::chrono::steady_clock::now();
    stub_->UnaryCall(
        client_ctx_.get(), ctx_->method(), {}, &from_caller_, &from_backend_,
        [this](grpc::Status status) {
          route_->backend->Observe(
              status.error_code(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - backend_start_)
                  .count());
          final_ = status;
          PassTrailers();
          if (status.ok()) {
            StartWriteAndFinish(&from_backend_, grpc::WriteOptions(), status);
          } else {
            Finish(status);
          }
        });
  }

  void FromBackend(bool ok) {
    bool release = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (ok) {
        StartWrite(&from_backend_);
        return;
      }
      // The backend sends no more; its status follows in BackendDone.
      release = ReleaseBackendLocked();
    }
    if (release) backend_.RemoveHold();
  }
  // From now on the caller's side starts nothing on the backend's call, whose hold may go
  // (true once: the caller removes it, outside the lock).
  bool ReleaseBackendLocked() {
    if (backend_released_) return false;
    backend_released_ = true;
    return true;
  }
  void WrittenToBackend(bool ok) {
    std::lock_guard<std::mutex> lock(mu_);
    if (ok && !backend_released_) StartRead(&from_caller_);
  }
  void BackendDone(const grpc::Status& status) {
    route_->backend->Observe(
        status.error_code(),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - backend_start_).count());
    bool finish = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      finish = !finished_;
      if (finish) {
        finished_ = true;
        final_ = status;
        PassTrailers();
      }
    }
    // Last, outside the lock: this runs on the backend call's thread, and once the caller's
    // call is finished its OnDone may delete this relay on another thread at any moment.
    if (finish) Finish(status);
  }

  // The backend's trailing metadata (Retry-After, the request id) go on to the caller; gRPC's
  // own (grpc-status-details-bin) goes with the status given to Finish.
  void PassTrailers() {
    for (const auto& [key, value] : client_ctx_->GetServerTrailingMetadata()) {
      if (absl::StartsWith(absl::string_view(key.data(), key.size()), "grpc-")) continue;
      ctx_->AddTrailingMetadata(std::string(key.data(), key.size()),
                                std::string(value.data(), value.size()));
    }
  }

  absl::string_view Header(const char* key) const {
    auto it = ctx_->client_metadata().find(key);
    return it == ctx_->client_metadata().end()
               ? absl::string_view()
               : absl::string_view(it->second.data(), it->second.size());
  }

  void FinishNow(const grpc::Status& status) {
    finished_ = true;
    final_ = status;
    Finish(status);
  }

  grpc::GenericCallbackServerContext* ctx_;
  rpc::Observer* observer_;
  rpc::ObservedMethod* method_ = nullptr;
  const Route* route_ = nullptr;
  std::string request_id_;
  std::string user_id_;
  std::unique_ptr<grpc::ClientContext> client_ctx_;
  std::unique_ptr<grpc::GenericStub> stub_;
  BackendSide backend_{this};
  grpc::ByteBuffer from_caller_, from_backend_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point backend_start_;
  std::mutex mu_;
  bool backend_released_ = false;  // the caller's side starts nothing more on the backend's
  bool finished_ = false;
  bool unary_ = false;
  grpc::Status final_;
};

grpc::ServerGenericBidiReactor* Forwarder::CreateReactor(grpc::GenericCallbackServerContext* ctx) {
  return new Relay(this, ctx);
}

}  // namespace crm::gateway
