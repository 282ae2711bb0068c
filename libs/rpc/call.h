#pragma once
// The request flow of a unary RPC in the callback API: the gRPC thread reads the request id,
// verifies the caller's token and hands the rest to an executor (a database session, the
// pipelined reader, or a CPU thread); the executor finishes the RPC. gRPC threads never wait
// on the database.
//
//   grpc::ServerUnaryReactor* Svc::GetUser(grpc::CallbackServerContext* ctx,
//                                          const GetUserRequest* req, User* resp) {
//     return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
//       return logic_.GetUser(conn, call.principal(), req->id(), resp);
//     });
//   }
//
// A service's handlers use a Calls bound to the service (ForService): their unary calls then
// report their own metrics and access log line (see observer.h), named by the handler's
// __func__.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/auth/principal.h"
#include "libs/auth/tokens.h"
#include "libs/db/pool.h"
#include "libs/db/reader.h"
#include "libs/log/log.h"
#include "libs/rpc/request_meta.h"
#include "libs/rpc/thread_pool.h"

namespace crm::rpc {

class Observer;
struct ObservedMethod;

enum class Auth { kRequired, kNone };

// Whether a request id a caller sent is kept: 1 to 128 printable ASCII characters, no spaces.
bool SaneRequestId(absl::string_view id);
// The caller's request id: the x-request-id header when it is sane, else a new UUID.
std::string RequestIdOf(const grpc::ServerContextBase& ctx);
// The principal of an "authorization" header's value ("Bearer <token>"), or UNAUTHENTICATED.
absl::StatusOr<std::shared_ptr<const auth::Principal>> AuthenticateHeader(
    absl::string_view value, const auth::TokenVerifier& verifier);
// The principal of the "authorization: Bearer <token>" header, or UNAUTHENTICATED.
absl::StatusOr<std::shared_ptr<const auth::Principal>> Authenticate(
    const grpc::ServerContextBase& ctx, const auth::TokenVerifier& verifier);
// The message a client may see for this status: server faults are reduced to a generic
// message with the request id (the details are logged).
absl::Status ClientFacing(const absl::Status& status, const std::string& request_id);

// One unary RPC in flight.
class Call {
 public:
  // reactor: ctx->DefaultReactor(), which may be obtained once per call. With an observer and
  // a method, the call reports its start now and its end when it finishes.
  Call(grpc::CallbackServerContext* ctx, grpc::ServerUnaryReactor* reactor, std::string request_id,
       std::shared_ptr<const auth::Principal> principal, Observer* observer = nullptr,
       ObservedMethod* method = nullptr);

  // What the handler returns to gRPC.
  grpc::ServerUnaryReactor* reactor() const { return reactor_; }
  bool finished() const { return finished_; }

  const std::string& request_id() const { return request_id_; }
  // The verified caller. Only for calls begun with Auth::kRequired.
  const auth::Principal& principal() const { return *principal_; }
  const std::shared_ptr<const auth::Principal>& principal_ptr() const { return principal_; }
  grpc::CallbackServerContext* context() const { return ctx_; }
  std::string peer() const { return ctx_->peer(); }
  // Whether the client gave up or the deadline passed: further work would be wasted.
  bool Expired() const;
  absl::Time deadline() const;
  // Prepares a call this one makes to another service on the caller's behalf: the caller's
  // token and request id go along, and the deadline is what is left of this call's, at most
  // max_wait.
  void ForwardTo(grpc::ClientContext* out, absl::Duration max_wait) const;
  // For calls that learn who the caller is along the way (sign-in): the access log's user id.
  void SetUserForLog(const std::string& user_id);
  // Completes the RPC; later calls are ignored.
  void Finish(const absl::Status& status);

 private:
  grpc::CallbackServerContext* ctx_;
  grpc::ServerUnaryReactor* reactor_;
  std::string request_id_;
  std::shared_ptr<const auth::Principal> principal_;
  Observer* observer_;
  ObservedMethod* method_;
  std::chrono::steady_clock::time_point start_;
  std::string log_user_id_;
  std::atomic<bool> finished_{false};
};

// The caller's request id and user id, for the events a call writes.
inline RequestMeta RequestMetaOf(const Call& call) {
  return {call.request_id(), call.principal().user_id};
}

// The response of a call that returns one record (ToProto of it, found with the record's
// type), or its error.
template <typename T, typename Message>
absl::Status Respond(const absl::StatusOr<T>& result, Message* resp) {
  if (!result.ok()) return result.status();
  *resp = ToProto(*result);
  return absl::OkStatus();
}

// The response of a call that lists a page of records: ToProto of each into `items` (the
// response's repeated field) and the next page's token, or the error.
template <typename Page, typename Items, typename Message>
absl::Status RespondPage(const absl::StatusOr<Page>& page, Items* items, Message* resp) {
  if (!page.ok()) return page.status();
  for (const auto& item : page->items) *items->Add() = ToProto(item);
  resp->set_next_page_token(page->next_page_token);
  return absl::OkStatus();
}

// A db::Callback that fills the response with fill(value) and finishes the call.
template <typename T, typename Fill>
db::Callback<T> Reply(std::shared_ptr<Call> call, Fill fill) {
  return [call = std::move(call), fill = std::move(fill)](absl::StatusOr<T> value) mutable {
    if (value.ok()) fill(*value);
    call->Finish(value.status());
  };
}

class Calls {
 public:
  // reader and cpu may be null when no handler needs them; observer when nothing is reported.
  Calls(db::Pool* pool, const auth::TokenVerifier* verifier, db::Reader* reader = nullptr,
        ThreadPool* cpu = nullptr, Observer* observer = nullptr)
      : pool_(pool), verifier_(verifier), reader_(reader), cpu_(cpu), observer_(observer) {}

  // The same, for the handlers of the gRPC service named `service` (its generated
  // service_full_name()), whose unary calls then report themselves. Before the server starts.
  Calls ForService(const char* service) const;

  // Starts a call of the method named `method` (the handler's __func__). When authentication
  // fails the call comes back already finished(): return its reactor() and do nothing else.
  std::shared_ptr<Call> Begin(grpc::CallbackServerContext* ctx, const char* method,
                              Auth auth) const;

  // Runs fn(Call&, db::Conn&) on a database session. If fn returns absl::Status the call is
  // finished with it; if fn returns void, fn finishes the call (or hands it on) itself.
  template <typename Fn>
  void OnDb(std::shared_ptr<Call> call, Fn fn) const {
    const bool queued = pool_->TrySubmit([call, fn = std::move(fn)](db::Conn& conn) mutable {
      if (call->Expired()) return call->Finish(absl::DeadlineExceededError("deadline exceeded"));
      db::ScopedDeadline deadline(call->deadline());
      try {
        if constexpr (std::is_void_v<decltype(fn(*call, conn))>) {
          log::ScopedContext log_ctx(call->request_id(), UserIdOf(*call));
          fn(*call, conn);
        } else {
          absl::Status status;
          {
            log::ScopedContext log_ctx(call->request_id(), UserIdOf(*call));
            status = fn(*call, conn);
          }
          call->Finish(status);
        }
      } catch (const std::exception& e) {
        // Never left unanswered (a call already finished ignores this).
        call->Finish(absl::InternalError(e.what()));
      }
    });
    if (!queued) call->Finish(absl::UnavailableError("server overloaded; retry with backoff"));
  }

  // Runs fn(Call&) on a CPU thread; fn finishes the call or hands it on. RESOURCE_EXHAUSTED
  // when the CPU queue is full (a flood of sign-ins must not queue without bound).
  template <typename Fn>
  void OnCpu(std::shared_ptr<Call> call, Fn fn) const {
    const bool queued = cpu_->TrySubmit([call, fn = std::move(fn)]() mutable {
      if (call->Expired()) return call->Finish(absl::DeadlineExceededError("deadline exceeded"));
      log::ScopedContext log_ctx(call->request_id(), UserIdOf(*call));
      try {
        fn(*call);
      } catch (const std::exception& e) {
        call->Finish(absl::InternalError(e.what()));
      }
    });
    if (!queued) call->Finish(absl::ResourceExhaustedError("server busy; retry with backoff"));
  }

  // Begin, then start(call), which hands the call to asynchronous work (a db::Reader read).
  template <typename Start>
  grpc::ServerUnaryReactor* Async(grpc::CallbackServerContext* ctx, const char* method, Start start,
                                  Auth auth = Auth::kRequired) const {
    std::shared_ptr<Call> call = Begin(ctx, method, auth);
    grpc::ServerUnaryReactor* reactor = call->reactor();
    if (!call->finished()) start(std::move(call));
    return reactor;
  }

  // Begin, then OnDb.
  template <typename Fn>
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx, const char* method, Fn fn,
                                  Auth auth = Auth::kRequired) const {
    std::shared_ptr<Call> call = Begin(ctx, method, auth);
    grpc::ServerUnaryReactor* reactor = call->reactor();
    if (!call->finished()) OnDb(std::move(call), std::move(fn));
    return reactor;
  }

  const auth::TokenVerifier& verifier() const { return *verifier_; }
  db::Pool& pool() const { return *pool_; }
  db::Reader& reader() const { return *reader_; }

 private:
  static std::string UserIdOf(const Call& call) {
    return call.principal_ptr() ? call.principal().user_id : std::string();
  }
  db::Pool* pool_;
  const auth::TokenVerifier* verifier_;
  db::Reader* reader_;
  ThreadPool* cpu_;
  Observer* observer_;
  const char* service_ = nullptr;
};

}  // namespace crm::rpc
