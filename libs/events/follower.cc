#include "libs/events/follower.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/sync_stream.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "absl/strings/str_cat.h"
#include "libs/log/log.h"
#include "libs/rpc/status_convert.h"

namespace crm::events {
namespace cursor_internal {
const db::MigrationSet& Migrations();  // generated from cursor_migrations/
}  // namespace cursor_internal

const db::MigrationSet& Follower::Migrations() { return cursor_internal::Migrations(); }

std::string Follower::LoadCursor(db::Tx& tx, const std::string& schema, const std::string& stream) {
  pqxx::result r = tx.exec_params(
      absl::StrCat("SELECT cursor FROM ", schema, ".event_cursors WHERE stream = $1"), stream);
  return r.empty() ? std::string() : r[0][0].as<std::string>();
}

Follower::Follower(Options options, std::string conninfo, std::string schema, Apply apply)
    : Follower(std::move(options), std::move(conninfo), std::move(schema),
               [apply = std::move(apply)](db::Tx& tx,
                                          const std::vector<const common::v1::Event*>& events) {
                 for (const common::v1::Event* e : events) {
                   if (absl::Status s = apply(tx, *e); !s.ok()) return s;
                 }
                 return absl::OkStatus();
               }) {}

Follower::Follower(Options options, std::string conninfo, std::string schema, ApplyBatch apply)
    : options_(std::move(options)),
      conn_(std::move(conninfo)),
      schema_(std::move(schema)),
      apply_(std::move(apply)) {
  if (options_.metrics == nullptr) return;
  const prometheus::Labels labels = {{"stream", options_.stream}};
  applied_total_ = &prometheus::BuildCounter()
                        .Name("crm_follower_events_applied_total")
                        .Help("Events of another service's stream applied by its follower")
                        .Register(*options_.metrics)
                        .Add(labels);
  lag_seconds_ = &prometheus::BuildGauge()
                      .Name("crm_follower_lag_seconds")
                      .Help("How long after it happened the follower applied its last event")
                      .Register(*options_.metrics)
                      .Add(labels);
  connected_ = &prometheus::BuildGauge()
                    .Name("crm_follower_connected")
                    .Help("1 while this replica follows the stream (holds its lock, stream open)")
                    .Register(*options_.metrics)
                    .Add(labels);
}

Follower::~Follower() { Stop(); }

void Follower::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Follower::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (current_ != nullptr) current_->TryCancel();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Follower::Run() {
  absl::Duration backoff = options_.min_backoff;
  while (true) {
    const int64_t before = applied_.load();
    absl::Status status = Follow();
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_) return;
    if (applied_.load() > before) backoff = options_.min_backoff;
    log::Warn("event stream interrupted; resuming from the stored cursor")
        .Str("stream", options_.stream)
        .Str("status", status.ToString())
        .Str("retry_in", absl::FormatDuration(backoff));
    wake_.wait_for(lock, absl::ToChronoNanoseconds(backoff), [this] { return stopping_; });
    if (stopping_) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

absl::Status Follower::Follow() {
  // Leadership: held by this session while it follows; released when the session ends.
  const std::string lock_key = absl::StrCat(schema_, ".event_cursors.", options_.stream);
  auto leader = conn_.Read([&](db::Tx& tx) -> absl::StatusOr<bool> {
    return tx.exec_params("SELECT pg_try_advisory_lock(hashtext($1))", lock_key)[0][0].as<bool>();
  });
  if (!leader.ok()) return leader.status();
  if (!*leader) return absl::FailedPreconditionError("another replica follows this stream");
  absl::Status followed = FollowAsLeader();
  (void)conn_.Read([&](db::Tx& tx) -> absl::Status {
    tx.exec_params("SELECT pg_advisory_unlock(hashtext($1))", lock_key);
    return absl::OkStatus();
  });
  return followed;
}

absl::StatusOr<common::v1::Event> Follower::Decode(const grpc::ByteBuffer& message) const {
  std::vector<grpc::Slice> slices;
  if (!message.Dump(&slices).ok()) return absl::DataLossError("unreadable message");
  std::string bytes;
  for (const auto& slice : slices)
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  if (options_.decode) return options_.decode(bytes);
  common::v1::Event e;
  if (!e.ParseFromString(bytes)) return absl::DataLossError("the event does not parse");
  return e;
}

absl::Status Follower::FollowAsLeader() {
  auto cursor = conn_.Read([this](db::Tx& tx) -> absl::StatusOr<std::string> {
    return LoadCursor(tx, schema_, options_.stream);
  });
  if (!cursor.ok()) return cursor.status();
  std::string stored = *cursor;
  grpc::ClientContext ctx;
  if (options_.token) {
    auto token = options_.token();
    if (!token.ok()) return token.status();
    ctx.AddMetadata("authorization", "Bearer " + *token);
  }
  for (const auto& [key, value] : options_.metadata) ctx.AddMetadata(key, value);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return absl::CancelledError("stopping");
    current_ = &ctx;
  }
  std::string request;
  if (options_.request) {
    request = options_.request(stored);
  } else {
    common::v1::WatchEventsRequest req;
    req.set_after(stored);
    for (const auto& t : options_.types) req.add_types(t);
    request = req.SerializeAsString();
  }
  grpc::Slice request_slice(request);
  const grpc::ByteBuffer request_bytes(&request_slice, 1);
  // What a generated stub does for a server-streaming method, by name; the messages are read
  // as bytes and decoded here.
  const grpc::internal::RpcMethod method(
      options_.method.c_str(), grpc::internal::RpcMethod::SERVER_STREAMING, options_.channel);
  std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> reader(
      grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(options_.channel.get(), method,
                                                                    &ctx, request_bytes));
  if (connected_ != nullptr) connected_->Set(1);
  // A reader thread queues what the stream delivers (a bounded amount); this thread applies
  // what is queued, up to max_batch events a transaction, so a burst costs one commit per
  // batch while a quiet stream still applies each event as it comes.
  const size_t max_batch = static_cast<size_t>(std::max(1, options_.max_batch));
  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<common::v1::Event> queue;
  bool ended = false, abandon = false;
  absl::Status read_status;
  std::thread read_thread([&] {
    grpc::ByteBuffer message;
    while (reader->Read(&message)) {
      auto decoded = Decode(message);
      std::unique_lock<std::mutex> lock(queue_mu);
      if (!decoded.ok()) {
        read_status = decoded.status();
        break;
      }
      queue_cv.wait(lock, [&] { return abandon || queue.size() < 4 * max_batch; });
      if (abandon) break;
      queue.push_back(*std::move(decoded));
      queue_cv.notify_all();
    }
    std::lock_guard<std::mutex> lock(queue_mu);
    ended = true;
    queue_cv.notify_all();
  });
  absl::Status failed;
  std::vector<common::v1::Event> batch;
  while (failed.ok()) {
    batch.clear();
    {
      std::unique_lock<std::mutex> lock(queue_mu);
      queue_cv.wait(lock, [&] { return ended || !queue.empty(); });
      if (queue.empty()) {
        failed = read_status;
        break;
      }
      while (!queue.empty() && batch.size() < max_batch) {
        batch.push_back(std::move(queue.front()));
        queue.pop_front();
      }
      queue_cv.notify_all();
    }
    std::vector<const common::v1::Event*> events;
    for (const common::v1::Event& e : batch) events.push_back(&e);
    failed = conn_.Transact([&](db::Tx& tx) -> absl::Status {
      if (absl::Status s = apply_(tx, events); !s.ok()) return s;
      // Compare-and-set: only from the cursor this follower stored last.
      pqxx::result moved = tx.exec_params(
          absl::StrCat("INSERT INTO ", schema_,
                       ".event_cursors AS c (stream, cursor) VALUES ($1, $2)"
                       " ON CONFLICT (stream) DO UPDATE SET cursor = excluded.cursor,"
                       " updated_at = now() WHERE c.cursor = $3"),
          options_.stream, batch.back().cursor(), stored);
      if (moved.affected_rows() != 1) {
        return absl::AbortedError("another follower moved the cursor; resuming from it");
      }
      return absl::OkStatus();
    });
    if (failed.ok()) {
      stored = batch.back().cursor();
      applied_.fetch_add(static_cast<int64_t>(batch.size()));
      if (applied_total_ != nullptr) {
        applied_total_->Increment(static_cast<double>(batch.size()));
        if (batch.back().has_occur_time()) {
          const auto& t = batch.back().occur_time();
          lag_seconds_->Set(absl::ToDoubleSeconds(absl::Now() - absl::FromUnixSeconds(t.seconds()) -
                                                  absl::Nanoseconds(t.nanos())));
        }
      }
    }
  }
  if (!failed.ok()) ctx.TryCancel();
  {
    std::lock_guard<std::mutex> lock(queue_mu);
    abandon = true;
    queue_cv.notify_all();
  }
  read_thread.join();
  grpc::Status finish = reader->Finish();
  if (connected_ != nullptr) connected_->Set(0);
  {
    std::lock_guard<std::mutex> lock(mu_);
    current_ = nullptr;
  }
  if (!failed.ok()) return failed;
  return finish.ok() ? absl::UnavailableError("the producer ended the stream")
                     : rpc::FromGrpcStatus(finish);
}

}  // namespace crm::events
