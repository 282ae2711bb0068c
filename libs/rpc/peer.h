#pragma once
// Calling other services on behalf of the caller of the RPC being served, and waiting for
// several such calls at once.
//
//   auto join = rpc::Join::Start([call](absl::Status all) { ... });
//   rpc::CallPeer<GetCustomerRequest, Customer>(*call, wait, req,
//       [stub](auto* ctx, auto* req, auto* resp, auto cb) {
//         stub->async()->GetCustomer(ctx, req, resp, std::move(cb));
//       },
//       [step = join->Add()](grpc::Status s, const Customer& c) { step(...); });
//   join->Close();

#include <functional>
#include <memory>
#include <mutex>

#include <grpcpp/client_context.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/rpc/call.h"

namespace crm::rpc {

// Makes one unary call with the caller's token, request id and what is left of their
// deadline (at most `wait`); `done` runs on a gRPC thread with the status and the response.
template <typename Request, typename Response, typename Start>
void CallPeer(const Call& call, absl::Duration wait, Request request, Start start,
              std::function<void(const grpc::Status&, const Response&)> done) {
  struct State {
    grpc::ClientContext ctx;
    Request request;
    Response response;
  };
  auto state = std::make_shared<State>();
  call.ForwardTo(&state->ctx, wait);
  state->request = std::move(request);
  start(&state->ctx, &state->request, &state->response,
        [state, done = std::move(done)](grpc::Status status) { done(status, state->response); });
}

// Runs `done` once every step added has ended (and Close was called), with the first error
// among them or OK.
class Join : public std::enable_shared_from_this<Join> {
 public:
  static std::shared_ptr<Join> Start(std::function<void(absl::Status)> done) {
    return std::shared_ptr<Join>(new Join(std::move(done)));
  }
  // One more step; call what it returns once, when the step ends.
  std::function<void(absl::Status)> Add() {
    std::lock_guard<std::mutex> lock(mu_);
    ++pending_;
    return [self = shared_from_this()](absl::Status s) { self->End(std::move(s)); };
  }
  // No more steps.
  void Close() { End(absl::OkStatus()); }

 private:
  explicit Join(std::function<void(absl::Status)> done) : done_(std::move(done)) {}
  void End(absl::Status s) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!s.ok() && first_error_.ok()) first_error_ = std::move(s);
    if (--pending_ > 0) return;
    lock.unlock();
    done_(first_error_);
  }

  std::mutex mu_;
  int pending_ = 1;  // Close
  absl::Status first_error_;
  std::function<void(absl::Status)> done_;
};

}  // namespace crm::rpc
