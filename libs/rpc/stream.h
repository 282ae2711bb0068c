#pragma once
// The base of a streaming RPC handler (e.g. import, export, document upload and download):
// the caller authenticated once, database work run on the transaction pool one step at a
// time, and the stream finished exactly once - never while a step is running (the step
// finishes the stream itself when it finds it cancelled).

#include <memory>
#include <mutex>
#include <string>

#include "libs/log/log.h"
#include "libs/rpc/call.h"
#include "libs/rpc/status_convert.h"

namespace crm::rpc {

template <typename Reactor>
class Stream : public Reactor {
 protected:
  Stream(const Calls* calls, grpc::CallbackServerContext* ctx)
      : calls_(calls), request_id_(RequestIdOf(*ctx)) {
    auto principal = Authenticate(*ctx, calls->verifier());
    if (principal.ok()) {
      principal_ = *std::move(principal);
    } else {
      early_ = principal.status();
    }
  }

  // Runs work(conn) on the pool; then done(result) under the lock unless cancelled meanwhile.
  // Nothing is run once the stream is finished or cancelled: the reactor may be deleted
  // (OnDone) before queued work would run.
  template <typename Work, typename Done>
  void OnDb(Work work, Done done) {
    std::unique_lock<std::mutex> lock(mu_);
    if (Ended()) return;
    busy_ = true;
    lock.unlock();
    Submit(std::move(work), std::move(done));
  }
  // The same, called with the lock held.
  template <typename Work, typename Done>
  void OnDbLocked(Work work, Done done) {
    if (Ended()) return;
    busy_ = true;
    Submit(std::move(work), std::move(done), /*locked=*/true);
  }

  // For OnDone: waits until no thread holds the lock (one may have just finished the stream
  // and not yet released it), then deletes the reactor.
  void Destroy() {
    { std::lock_guard<std::mutex> lock(mu_); }
    delete this;
  }

 private:
  template <typename Work, typename Done>
  void Submit(Work work, Done done, bool locked = false) {
    const bool queued = calls_->pool().TrySubmit(
        [this, work = std::move(work), done = std::move(done)](db::Conn& conn) mutable {
          auto result = [&] {
            log::ScopedContext log_ctx(request_id_, principal_->user_id);
            return work(conn);
          }();
          std::lock_guard<std::mutex> lock(mu_);
          busy_ = false;
          if (cancelled_) return FinishLocked(absl::CancelledError("cancelled by the client"));
          done(std::move(result));
        });
    if (!queued) {
      std::unique_lock<std::mutex> lock(mu_, std::defer_lock);
      if (!locked) lock.lock();
      busy_ = false;
      FinishLocked(absl::UnavailableError("server overloaded; retry with backoff"));
    }
  }

 protected:
  void FinishLocked(const absl::Status& status) {
    if (finished_) return;
    finished_ = true;
    this->Finish(ToGrpcStatus(status));
  }

  // Under the lock: whether the stream is finished, finishing it first if it was cancelled.
  bool Ended() {
    if (cancelled_) FinishLocked(absl::CancelledError("cancelled by the client"));
    return finished_;
  }

  void Cancelled() {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    if (!busy_) FinishLocked(absl::CancelledError("cancelled by the client"));
  }

  const Calls* calls_;
  std::string request_id_;
  std::shared_ptr<const auth::Principal> principal_;
  absl::Status early_;
  std::mutex mu_;
  bool busy_ = false;
  bool cancelled_ = false;
  bool finished_ = false;
};

}  // namespace crm::rpc
