#include "libs/events/watch.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <deque>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <pqxx/binarystring>
#include <pqxx/notification>

#include "absl/strings/str_cat.h"
#include "libs/events/outbox.h"
#include "libs/log/log.h"
#include "libs/rpc/call.h"
#include "libs/rpc/status_convert.h"
#include "libs/status/field_violations.h"

namespace crm::events {

class EventStream::Watcher : public grpc::ServerWriteReactor<common::v1::Event> {
 public:
  Watcher(EventStream* stream, grpc::CallbackServerContext* ctx,
          const common::v1::WatchEventsRequest* req)
      : stream_(stream) {
    stream_->live_watchers_.fetch_add(1);
    const std::string request_id = rpc::RequestIdOf(*ctx);
    auto principal = rpc::Authenticate(*ctx, *stream->verifier_);
    absl::Status status;
    if (!principal.ok()) {
      status = principal.status();
    } else if (!(*principal)->service_account) {
      status = absl::PermissionDeniedError(
          "event streams are for service accounts; people read records through the API");
    } else if (const std::string permission = WatchPermission(stream->options_.source);
               !(*principal)->Can(permission)) {
      status = absl::PermissionDeniedError(absl::StrCat("requires permission ", permission));
    } else if (!req->after().empty() && !ParseCursor(req->after(), &xid_, &seq_)) {
      status = InvalidField("after", "is not a cursor returned by this stream");
    } else {
      for (const auto& t : req->types()) types_.push_back(t);
    }
    if (!status.ok()) {
      finished_ = true;
      Finish(rpc::ToGrpcStatus(status));
      return;
    }
    log::Info("event stream opened")
        .Str("user_id", (*principal)->user_id)
        .Str("after", req->after())
        .Str("request_id", request_id);
    expires_at_ = (*principal)->expires_at;
    stream_->Register(this);
    stream_->WakeLater(this, expires_at_ - absl::Now());
    Wake();
  }

  // Something may have been committed: fetch unless a fetch or writes are under way (they
  // fetch again when done).
  void Wake() {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Now() >= expires_at_) {
      EndLocked(absl::UnauthenticatedError("the stream's token expired; resume with a fresh one"));
      return;
    }
    dirty_ = true;
    if (!finished_ && !fetching_ && !writing_ && pending_.empty()) StartFetchLocked();
  }

  // Ends the stream with status (shutdown, cancellation).
  void End(const absl::Status& status) {
    std::lock_guard<std::mutex> lock(mu_);
    EndLocked(status);
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    if (deferred_finish_) {
      Finish(*deferred_finish_);
      deferred_finish_.reset();
      return;
    }
    if (finished_) return;
    if (!ok) {
      EndLocked(absl::UnavailableError("stream broken"));
      return;
    }
    xid_ = written_xid_;
    seq_ = written_seq_;
    pending_.pop_front();
    if (stream_->delivered_counter_) stream_->delivered_counter_->Increment();
    WriteNextLocked();
  }

  void OnCancel() override { End(absl::CancelledError("cancelled by the client")); }

  ~Watcher() override {
    std::lock_guard<std::mutex> lock(stream_->mu_);
    if (stream_->live_watchers_.fetch_sub(1) == 1) stream_->all_gone_.notify_all();
  }

  void OnDone() override {
    stream_->Unregister(this);
    bool delete_now;
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
      delete_now = !fetching_;
    }
    if (delete_now) delete this;
  }

 private:
  struct Fetched {
    absl::Status status;
    std::deque<std::pair<std::pair<std::string, int64_t>, common::v1::Event>> events;
    bool held_back = false;
  };

  void EndLocked(const absl::Status& status) {
    if (finished_) return;
    finished_ = true;
    if (writing_) {
      deferred_finish_ = rpc::ToGrpcStatus(status);
    } else {
      Finish(rpc::ToGrpcStatus(status));
    }
  }

  void StartFetchLocked() {
    fetching_ = true;
    dirty_ = false;
    const std::string xid = xid_;
    const int64_t seq = seq_;
    const bool first = !fetched_once_;
    fetched_once_ = true;
    stream_->pool_->Submit([this, xid, seq, first](db::Conn& conn) {
      Fetched fetched = Fetch(conn, xid, seq, first);
      if (fetched.held_back) stream_->WakeLater(this, NextBackoff());
      bool delete_now = false;
      {
        std::lock_guard<std::mutex> lock(mu_);
        fetching_ = false;
        if (done_) {
          delete_now = true;
        } else if (!finished_) {
          if (!fetched.status.ok()) {
            EndLocked(fetched.status);
          } else {
            if (!fetched.held_back) backoff_ = absl::ZeroDuration();
            // A full batch means there may be more right away.
            if (static_cast<int>(fetched.events.size()) >= stream_->options_.batch_size) {
              dirty_ = true;
            }
            pending_ = std::move(fetched.events);
            WriteNextLocked();
          }
        }
      }
      if (delete_now) delete this;
    });
  }

  void WriteNextLocked() {
    if (finished_) return;
    if (pending_.empty()) {
      if (dirty_) StartFetchLocked();
      return;
    }
    writing_ = true;
    written_xid_ = pending_.front().first.first;
    written_seq_ = pending_.front().first.second;
    StartWrite(&pending_.front().second);
  }

  absl::Duration NextBackoff() {
    std::lock_guard<std::mutex> lock(mu_);
    backoff_ = backoff_ == absl::ZeroDuration() ? absl::Milliseconds(20)
                                                : std::min(backoff_ * 2, absl::Seconds(1));
    return backoff_;
  }

  // `first`: the stream's first fetch, which also checks that the cursor it resumes from can
  // have come from this database.
  Fetched Fetch(db::Conn& conn, const std::string& xid, int64_t seq, bool first) {
    Fetched out;
    const EventStream& s = *stream_;
    out.status = conn.Read([&](db::Tx& tx) -> absl::Status {
      if (first && xid != "0" &&
          db::Exec(tx, {s.ahead_name_, s.ahead_sql_}, xid)[0][0].as<bool>()) {
        // Resuming from it would skip every event until this database's transactions pass it.
        return absl::FailedPreconditionError(
            "after: the cursor is ahead of every transaction of this stream's database, so it"
            " was not returned by this stream (was the database replaced or restored?)");
      }
      pqxx::result rows =
          types_.empty()
              ? db::Exec(tx, {s.fetch_all_name_, s.fetch_all_sql_}, xid, seq, s.options_.batch_size)
              : db::Exec(tx, {s.fetch_types_name_, s.fetch_types_sql_}, xid, seq,
                         s.options_.batch_size, db::TextArray(types_));
      for (const auto& row : rows) {
        common::v1::Event e;
        const std::string row_xid = row[0].as<std::string>();
        const int64_t row_seq = row[1].as<int64_t>();
        e.set_cursor(FormatCursor(row_xid, row_seq));
        e.set_id(row[2].as<std::string>());
        e.set_type(row[3].as<std::string>());
        e.set_aggregate_type(row[4].as<std::string>());
        e.set_aggregate_id(row[5].as<std::string>());
        e.set_actor_id(row[6].as<std::string>());
        e.set_request_id(row[7].as<std::string>());
        const int64_t micros = row[8].as<int64_t>();
        e.mutable_occur_time()->set_seconds(micros / 1000000);
        e.mutable_occur_time()->set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
        const std::string payload_type = row[9].as<std::string>();
        if (!payload_type.empty()) {
          pqxx::binarystring payload(row[10]);
          e.mutable_payload()->set_type_url("type.googleapis.com/" + payload_type);
          e.mutable_payload()->set_value(payload.str());
        }
        e.set_source(s.options_.source);
        out.events.push_back({{row_xid, row_seq}, std::move(e)});
      }
      if (static_cast<int>(rows.size()) < s.options_.batch_size) {
        const std::string& last_xid = out.events.empty() ? xid : out.events.back().first.first;
        const int64_t last_seq = out.events.empty() ? seq : out.events.back().first.second;
        out.held_back =
            db::Exec(tx, {s.held_back_name_, s.held_back_sql_}, last_xid, last_seq)[0][0]
                .as<bool>();
      }
      return absl::OkStatus();
    });
    if (!out.status.ok()) out.events.clear();
    return out;
  }

  EventStream* stream_;
  absl::Time expires_at_;
  std::vector<std::string> types_;
  std::mutex mu_;
  // The position of the last event written to the client.
  std::string xid_ = "0";
  int64_t seq_ = 0;
  std::string written_xid_;
  int64_t written_seq_ = 0;
  std::deque<std::pair<std::pair<std::string, int64_t>, common::v1::Event>> pending_;
  bool fetched_once_ = false;
  bool fetching_ = false;
  bool writing_ = false;
  bool dirty_ = false;
  bool finished_ = false;
  bool done_ = false;
  std::optional<grpc::Status> deferred_finish_;
  absl::Duration backoff_;
};

namespace {

class Receiver : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& conn, const std::string& channel, std::function<void()> on)
      : pqxx::notification_receiver(conn, channel), on_(std::move(on)) {}
  void operator()(const std::string&, int) override { on_(); }

 private:
  std::function<void()> on_;
};

}  // namespace

std::string WatchPermission(absl::string_view source) {
  return absl::StrCat(source, ".events.watch");
}

EventStream::EventStream(Options options, db::Pool* pool, const auth::TokenVerifier* verifier,
                         prometheus::Registry* registry)
    : options_(std::move(options)), pool_(pool), verifier_(verifier) {
  const std::string& s = options_.schema;
  // Columns are qualified throughout: an unqualified ORDER BY xid would sort by the output
  // column xid::text, where "1000" comes before "999".
  const std::string columns =
      "SELECT o.xid::text AS xid_text, o.seq, o.event_id::text, o.type, o.aggregate_type,"
      " o.aggregate_id, o.actor_id, o.request_id,"
      " (extract(epoch FROM o.occurred_at) * 1000000)::int8, o.payload_type, o.payload FROM " +
      s +
      ".outbox o WHERE (o.xid, o.seq) > ($1::xid8, $2::int8)"
      " AND o.xid < pg_snapshot_xmin(pg_current_snapshot())";
  fetch_all_name_ = s + ".outbox.fetch";
  fetch_all_sql_ = columns + " ORDER BY o.xid, o.seq LIMIT $3";
  fetch_types_name_ = s + ".outbox.fetch_types";
  fetch_types_sql_ = columns + " AND o.type = ANY($4::text[]) ORDER BY o.xid, o.seq LIMIT $3";
  ahead_name_ = s + ".outbox.ahead";
  ahead_sql_ = "SELECT $1::xid8 >= pg_snapshot_xmax(pg_current_snapshot())";
  held_back_name_ = s + ".outbox.held_back";
  held_back_sql_ = "SELECT EXISTS (SELECT 1 FROM " + s +
                   ".outbox o WHERE (o.xid, o.seq) > ($1::xid8, $2::int8)"
                   " AND o.xid >= pg_snapshot_xmin(pg_current_snapshot()))";
  if (registry != nullptr) {
    watchers_gauge_ = &prometheus::BuildGauge()
                           .Name("crm_event_streams")
                           .Help("Open WatchEvents streams")
                           .Register(*registry)
                           .Add({});
    delivered_counter_ = &prometheus::BuildCounter()
                              .Name("crm_events_delivered_total")
                              .Help("Events written to WatchEvents streams")
                              .Register(*registry)
                              .Add({});
  }
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

EventStream::~EventStream() {
  Shutdown();
  // A stream whose call has ended may still have a fetch queued on the pool; it deletes
  // itself when that fetch completes, and it must find this object alive.
  std::unique_lock<std::mutex> lock(mu_);
  all_gone_.wait(lock, [this] { return live_watchers_.load() == 0; });
  lock.unlock();
  close(wake_fd_);
}

void EventStream::Start() {
  listener_ = std::thread([this] { Listen(); });
}

void EventStream::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    for (Watcher* w : watchers_) w->End(absl::UnavailableError("server shutting down"));
  }
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
  if (listener_.joinable()) listener_.join();
}

grpc::ServerWriteReactor<common::v1::Event>* EventStream::Watch(
    grpc::CallbackServerContext* ctx, const common::v1::WatchEventsRequest* req) {
  return new Watcher(this, ctx, req);
}

void EventStream::Register(Watcher* w) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) {
    w->End(absl::UnavailableError("server shutting down"));
    return;
  }
  watchers_.insert(w);
  if (watchers_gauge_) watchers_gauge_->Set(static_cast<double>(watchers_.size()));
}

void EventStream::Unregister(Watcher* w) {
  std::lock_guard<std::mutex> lock(mu_);
  watchers_.erase(w);
  for (auto it = timers_.begin(); it != timers_.end();) {
    it = it->second == w ? timers_.erase(it) : std::next(it);
  }
  if (watchers_gauge_) watchers_gauge_->Set(static_cast<double>(watchers_.size()));
}

void EventStream::WakeAll() {
  std::lock_guard<std::mutex> lock(mu_);
  for (Watcher* w : watchers_) w->Wake();
}

void EventStream::WakeLater(Watcher* w, absl::Duration delay) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (watchers_.count(w) == 0) return;
    timers_.emplace(absl::Now() + delay, w);
  }
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
}

void EventStream::Listen() {
  absl::Duration backoff = absl::Milliseconds(100);
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    try {
      pqxx::connection conn(options_.conninfo);
      Receiver receiver(conn, OutboxChannel(options_.schema), [this] { WakeAll(); });
      // Notifications may have been missed while we were not listening.
      WakeAll();
      backoff = absl::Milliseconds(100);
      absl::Time next_heartbeat = absl::Now() + options_.heartbeat;
      while (true) {
        absl::Time wake_at = next_heartbeat;
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (stopping_) return;
          if (!timers_.empty()) wake_at = std::min(wake_at, timers_.begin()->first);
        }
        const int timeout_ms = static_cast<int>(
            std::max<int64_t>(0, absl::ToInt64Milliseconds(wake_at - absl::Now())) + 1);
        pollfd fds[2] = {{conn.sock(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
        poll(fds, 2, timeout_ms);
        if (fds[1].revents & POLLIN) {
          uint64_t n;
          (void)!read(wake_fd_, &n, sizeof n);
        }
        conn.get_notifs();  // runs the receiver for each notification; throws if the session is
                            // lost
        const absl::Time now = absl::Now();
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;
        while (!timers_.empty() && timers_.begin()->first <= now) {
          Watcher* w = timers_.begin()->second;
          timers_.erase(timers_.begin());
          w->Wake();
        }
        if (now >= next_heartbeat) {
          for (Watcher* w : watchers_) w->Wake();
          next_heartbeat = now + options_.heartbeat;
        }
      }
    } catch (const std::exception& e) {
      log::Warn("event listener lost its database session").Str("error", e.what());
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_) return;
    lock.unlock();
    pollfd fd = {wake_fd_, POLLIN, 0};
    poll(&fd, 1, static_cast<int>(absl::ToInt64Milliseconds(backoff)));
    backoff = std::min(backoff * 2, absl::Seconds(5));
  }
}

}  // namespace crm::events
