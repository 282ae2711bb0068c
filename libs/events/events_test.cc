#include <atomic>
#include <map>
#include <thread>

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <prometheus/registry.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/events/follower.h"
#include "libs/events/outbox.h"
#include "libs/events/watch.h"
#include "libs/rpc/server.h"
#include "libs/testing/pg.h"
#include "libs/testing/status_matchers.h"
#include "watch_test.grpc.pb.h"

namespace crm::events {
namespace {

using ::crm::test::HasFieldViolation;
using ::crm::test::IsOk;
using ::crm::test::StatusIs;
using ::testing::HasSubstr;

constexpr char kSchema[] = "evt";

class WatchService : public crm::eventstest::WatchTestService::CallbackService {
 public:
  explicit WatchService(EventStream* stream) : stream_(stream) {}
  grpc::ServerWriteReactor<common::v1::Event>* WatchEvents(
      grpc::CallbackServerContext* ctx, const common::v1::WatchEventsRequest* req) override {
    return stream_->Watch(ctx, req);
  }

 private:
  EventStream* stream_;
};

class EventsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto db = test::TestDatabase::Create("events_test");
    ASSERT_THAT(db, IsOk());
    db_ = db->release();
    auto conninfo = db_->ProvisionAndMigrate(kSchema, "crm_evt_test", {Outbox::Migrations()});
    ASSERT_THAT(conninfo, IsOk());
    conninfo_ = new std::string(*conninfo);
  }
  static void TearDownTestSuite() {
    delete db_;
    delete conninfo_;
  }

  void SetUp() override {
    signer_ = *auth::TokenSigner::Create("k1", *auth::GenerateSigningKeyPem(), "iss", "aud");
    verifier_ = std::make_unique<auth::TokenVerifier>(auth::TokenVerifier::Options{"iss", "aud"});
    ASSERT_THAT(verifier_->AddKey("k1", signer_->public_key_pem()), IsOk());
    pool_ = std::make_unique<db::Pool>(db::PoolOptions{*conninfo_, 2, "test"}, nullptr);
    EventStream::Options options;
    options.schema = kSchema;
    options.conninfo = *conninfo_;
    options.source = "test";
    options.batch_size = 7;                 // small, so streams cross batch boundaries
    options.heartbeat = absl::Seconds(30);  // the tests must be woken by notifications
    stream_ = std::make_unique<EventStream>(options, pool_.get(), verifier_.get(), nullptr);
    stream_->Start();
    service_ = std::make_unique<WatchService>(stream_.get());
    rpc::ServerOptions server_options;
    server_options.grpc_address = "127.0.0.1:0";
    server_options.metrics_address = "";
    server_ = std::make_unique<rpc::Server>(server_options);
    server_->AddService(service_.get());
    server_->OnShutdown([this] { stream_->Shutdown(); });
    ASSERT_THAT(server_->Start(), IsOk());
    stub_ = crm::eventstest::WatchTestService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials()));
    // Each test starts after everything earlier tests wrote. (Reading them through a stream
    // would not do: their delivery may be held back by write transactions of other test
    // binaries sharing this PostgreSQL cluster, which is the ordering guarantee at work.)
    db::Conn conn(*conninfo_);
    auto last = conn.Read([](db::Tx& tx) -> absl::StatusOr<std::string> {
      auto r = tx.exec(
          "SELECT o.xid::text, o.seq FROM evt.outbox o ORDER BY o.xid DESC, o.seq DESC LIMIT 1");
      return r.empty() ? std::string()
                       : FormatCursor(r[0][0].as<std::string>(), r[0][1].as<int64_t>());
    });
    ASSERT_THAT(last, IsOk());
    last_cursor_ = *last;
  }

  void TearDown() override {
    server_.reset();
    stream_.reset();
    pool_.reset();
  }

  std::string Token(std::vector<std::string> permissions = {WatchPermission("test")},
                    bool service_account = true, absl::Duration ttl = absl::Minutes(5)) {
    auth::Principal p;
    p.user_id = "watcher";
    p.service_account = service_account;
    p.permissions = std::move(permissions);
    p.issued_at = absl::Now();
    p.expires_at = absl::Now() + ttl;
    return *signer_->Sign(p);
  }

  absl::Status Write(std::vector<std::string> texts, bool commit = true) {
    db::Conn conn(*conninfo_);
    Outbox outbox(kSchema);
    return conn.Transact([&](db::Tx& tx) -> absl::Status {
      for (const auto& text : texts) {
        crm::eventstest::TestPayload payload;
        payload.set_text(text);
        outbox.Append(tx, {"test.thing.happened", "thing", text, &payload, "actor-1", "req-1"});
      }
      return commit ? absl::OkStatus() : absl::AbortedError("rolled back on purpose");
    });
  }

  // A stream after last_cursor_, with the watcher's token and a deadline.
  std::unique_ptr<grpc::ClientReader<common::v1::Event>> Open(grpc::ClientContext* ctx,
                                                              absl::Duration deadline) {
    ctx->AddMetadata("authorization", "Bearer " + Token());
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    common::v1::WatchEventsRequest req;
    req.set_after(last_cursor_);
    return stub_->WatchEvents(ctx, req);
  }

  // Reads up to `want` events after `after`, giving up after `timeout`.
  std::vector<common::v1::Event> Drain(const std::string& after, size_t want,
                                       absl::Duration timeout,
                                       std::vector<std::string> types = {}) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + Token());
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    common::v1::WatchEventsRequest req;
    req.set_after(after);
    for (auto& t : types) req.add_types(t);
    auto reader = stub_->WatchEvents(&ctx, req);
    std::vector<common::v1::Event> out;
    common::v1::Event e;
    while (out.size() < want && reader->Read(&e)) out.push_back(e);
    ctx.TryCancel();
    (void)reader->Finish();
    return out;
  }

  static std::string TextOf(const common::v1::Event& e) {
    crm::eventstest::TestPayload p;
    e.payload().UnpackTo(&p);
    return p.text();
  }

  static test::TestDatabase* db_;
  static std::string* conninfo_;
  std::unique_ptr<auth::TokenSigner> signer_;
  std::unique_ptr<auth::TokenVerifier> verifier_;
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<EventStream> stream_;
  std::unique_ptr<WatchService> service_;
  std::unique_ptr<rpc::Server> server_;
  std::unique_ptr<crm::eventstest::WatchTestService::Stub> stub_;
  std::string last_cursor_;
};
test::TestDatabase* EventsTest::db_ = nullptr;
std::string* EventsTest::conninfo_ = nullptr;

TEST_F(EventsTest, CommittedEventsArriveInOrderWithPayloadAndMetadata) {
  ASSERT_THAT(Write({"一", "二", "三"}), IsOk());
  auto events = Drain(last_cursor_, 3, absl::Seconds(5));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(TextOf(events[0]), "一");
  EXPECT_EQ(TextOf(events[2]), "三");
  EXPECT_EQ(events[0].type(), "test.thing.happened");
  EXPECT_EQ(events[0].aggregate_type(), "thing");
  EXPECT_EQ(events[0].aggregate_id(), "一");
  EXPECT_EQ(events[0].actor_id(), "actor-1");
  EXPECT_EQ(events[0].request_id(), "req-1");
  EXPECT_EQ(events[0].source(), "test");
  EXPECT_EQ(events[0].payload().type_url(), "type.googleapis.com/crm.eventstest.TestPayload");
  EXPECT_GT(events[0].occur_time().seconds(), 1700000000);
  EXPECT_FALSE(events[0].id().empty());
  EXPECT_NE(events[0].cursor(), events[1].cursor());
}

TEST_F(EventsTest, RolledBackEventsAreNeverDelivered) {
  ASSERT_THAT(Write({"ghost"}, /*commit=*/false), StatusIs(absl::StatusCode::kAborted));
  ASSERT_THAT(Write({"real"}), IsOk());
  // The first event delivered is the committed one (the rolled-back one came first, and would
  // be delivered first). Delivery may wait while any transaction of the cluster older than
  // it is open, as other tests' transactions running alongside may be, so the wait is long.
  auto events = Drain(last_cursor_, 1, absl::Seconds(30));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(TextOf(events[0]), "real");
  // And nothing after it.
  EXPECT_THAT(Drain(events[0].cursor(), 1, absl::Seconds(1)), ::testing::IsEmpty());
}

TEST_F(EventsTest, ResumingAfterACursorContinuesWithoutGapsOrRepeats) {
  ASSERT_THAT(Write({"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}), IsOk());
  auto first = Drain(last_cursor_, 4, absl::Seconds(5));
  ASSERT_EQ(first.size(), 4u);
  auto rest = Drain(first.back().cursor(), 6, absl::Seconds(5));
  ASSERT_EQ(rest.size(), 6u);
  EXPECT_EQ(TextOf(first[3]), "d");
  EXPECT_EQ(TextOf(rest[0]), "e");
  EXPECT_EQ(TextOf(rest[5]), "j");
}

TEST_F(EventsTest, LiveStreamIsWokenByCommitsNotPolling) {
  grpc::ClientContext ctx;
  auto reader = Open(&ctx, absl::Seconds(60));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const absl::Time written = absl::Now();
  ASSERT_THAT(Write({"live"}), IsOk());
  common::v1::Event e;
  ASSERT_TRUE(reader->Read(&e));
  // The heartbeat is 30 s here, so arriving quickly means the notification woke the stream
  // (allowing for write transactions of other test binaries holding delivery back briefly).
  EXPECT_LT(absl::Now() - written, absl::Seconds(5));
  EXPECT_EQ(TextOf(e), "live");
  ctx.TryCancel();
  (void)reader->Finish();
}

TEST_F(EventsTest, LaterCommitIsHeldBackBehindAnOlderOpenTransaction) {
  // T1 takes its transaction id first and writes, but commits last.
  db::Conn c1(*conninfo_);
  ASSERT_THAT(c1.EnsureOpen(), IsOk());
  auto t1 = std::make_unique<pqxx::work>(c1.raw());
  Outbox outbox(kSchema);
  crm::eventstest::TestPayload p1;
  p1.set_text("first-begun");
  outbox.Append(*t1, {"test.thing.happened", "thing", "t1", &p1, "", ""});
  ASSERT_THAT(Write({"second-begun"}), IsOk());

  grpc::ClientContext ctx;
  auto reader = Open(&ctx, absl::Seconds(60));
  std::atomic<bool> got_any{false};
  std::vector<std::string> seen;
  std::thread reading([&] {
    common::v1::Event e;
    while (seen.size() < 2 && reader->Read(&e)) {
      got_any = true;
      seen.push_back(TextOf(e));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // Delivering "second-begun" now would let a consumer's cursor pass T1's event.
  EXPECT_FALSE(got_any.load());
  t1->commit();
  reading.join();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], "first-begun");
  EXPECT_EQ(seen[1], "second-begun");
  ctx.TryCancel();
  (void)reader->Finish();
}

TEST_F(EventsTest, ConcurrentWritersDeliverEveryEventExactlyOnce) {
  constexpr int kWriters = 4;
  constexpr int kTransactions = 30;
  grpc::ClientContext ctx;
  auto reader = Open(&ctx, absl::Seconds(120));
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int t = 0; t < kTransactions; ++t) {
        EXPECT_THAT(Write({absl::StrCat(w, "/", t, "/a"), absl::StrCat(w, "/", t, "/b")}), IsOk());
      }
    });
  }
  std::set<std::string> texts;
  std::vector<std::string> order;
  common::v1::Event e;
  while (texts.size() < kWriters * kTransactions * 2 && reader->Read(&e)) {
    EXPECT_TRUE(texts.insert(TextOf(e)).second)
        << "duplicate " << TextOf(e) << " at " << e.cursor() << " after " << order.size();
    order.push_back(TextOf(e));
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(texts.size(), static_cast<size_t>(kWriters * kTransactions * 2));
  // Every write is in the table once (a duplicate here would be the writer's, not the stream's).
  db::Conn conn(*conninfo_);
  auto dups = conn.Read([](db::Tx& tx) -> absl::StatusOr<std::string> {
    std::string out;
    for (const auto& r : tx.exec("SELECT aggregate_id, string_agg(xid::text || '-' || seq, ' ')"
                                 " FROM evt.outbox GROUP BY 1 HAVING count(*) > 1")) {
      absl::StrAppend(&out, r[0].as<std::string>(), " at ", r[1].as<std::string>(), "; ");
    }
    return out;
  });
  EXPECT_THAT(dups, IsOk());
  EXPECT_EQ(*dups, "");
  // A transaction's events are adjacent and in order; each writer's transactions in order.
  std::map<int, int> last_txn;
  for (size_t i = 0; i + 1 < order.size(); i += 2) {
    ASSERT_EQ(order[i].substr(0, order[i].size() - 1),
              order[i + 1].substr(0, order[i + 1].size() - 1));
    int w = std::stoi(order[i]);
    int t = std::stoi(order[i].substr(order[i].find('/') + 1));
    if (last_txn.count(w)) {
      EXPECT_EQ(t, last_txn[w] + 1);
    }
    last_txn[w] = t;
  }
  ctx.TryCancel();
  (void)reader->Finish();
}

TEST_F(EventsTest, RetentionDropsOnlyEventsOlderThanTheKeepPeriod) {
  ASSERT_THAT(Write({"kept"}), IsOk());
  db::Retention retention(nullptr);
  retention.Add(Outbox(kSchema).RetentionTable(absl::Hours(1)));
  db::Conn conn(*conninfo_);
  ASSERT_THAT(retention.Run(conn), IsOk());
  EXPECT_EQ(Drain(last_cursor_, 1, absl::Seconds(5)).size(), 1u);
  auto purged = retention.Run(conn, absl::Now() + absl::Hours(2));
  ASSERT_THAT(purged, IsOk());
  EXPECT_GE(*purged, 1);
  EXPECT_TRUE(Drain(last_cursor_, 1, absl::Milliseconds(500)).empty());
}

TEST_F(EventsTest, TypeFilter) {
  db::Conn conn(*conninfo_);
  Outbox outbox(kSchema);
  ASSERT_THAT(conn.Transact([&](db::Tx& tx) -> absl::Status {
    outbox.Append(tx, {"test.a", "thing", "1", nullptr, "", ""});
    outbox.Append(tx, {"test.b", "thing", "2", nullptr, "", ""});
    outbox.Append(tx, {"test.a", "thing", "3", nullptr, "", ""});
    return absl::OkStatus();
  }),
              IsOk());
  auto events = Drain(last_cursor_, 3, absl::Seconds(2), {"test.a"});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].aggregate_id(), "1");
  EXPECT_EQ(events[1].aggregate_id(), "3");
}

TEST_F(EventsTest, RefusesBadCursorMissingTokenAndMissingPermission) {
  common::v1::WatchEventsRequest req;
  req.set_after("not-a-cursor");
  common::v1::Event e;
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + Token());
    auto reader = stub_->WatchEvents(&ctx, req);
    EXPECT_FALSE(reader->Read(&e));
    grpc::Status s = reader->Finish();
    EXPECT_THAT(s, StatusIs(grpc::StatusCode::INVALID_ARGUMENT));
    EXPECT_THAT(s, HasFieldViolation("after"));
  }
  req.clear_after();
  {
    grpc::ClientContext ctx;
    auto reader = stub_->WatchEvents(&ctx, req);
    EXPECT_FALSE(reader->Read(&e));
    EXPECT_THAT(reader->Finish(), StatusIs(grpc::StatusCode::UNAUTHENTICATED));
  }
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + Token({"customers.read"}));
    auto reader = stub_->WatchEvents(&ctx, req);
    EXPECT_FALSE(reader->Read(&e));
    EXPECT_THAT(reader->Finish(), StatusIs(grpc::StatusCode::PERMISSION_DENIED));
  }
  // Another service's stream permission is not this one's.
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + Token({WatchPermission("other")}));
    auto reader = stub_->WatchEvents(&ctx, req);
    EXPECT_FALSE(reader->Read(&e));
    EXPECT_THAT(reader->Finish(), StatusIs(grpc::StatusCode::PERMISSION_DENIED,
                                           "requires permission test.events.watch"));
  }
  // A person, even one holding the permission, reads records through the scoped API.
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization",
                    "Bearer " + Token({WatchPermission("test")}, /*service_account=*/false));
    auto reader = stub_->WatchEvents(&ctx, req);
    EXPECT_FALSE(reader->Read(&e));
    EXPECT_THAT(reader->Finish(), StatusIs(grpc::StatusCode::PERMISSION_DENIED));
  }
}

// A token is checked when the stream opens and the stream ends when it expires.
TEST_F(EventsTest, AStreamEndsWhenItsTokenExpires) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization",
                  "Bearer " + Token({WatchPermission("test")}, true, absl::Seconds(2)));
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  common::v1::WatchEventsRequest req;
  req.set_after(last_cursor_);
  auto reader = stub_->WatchEvents(&ctx, req);
  const absl::Time start = absl::Now();
  common::v1::Event e;
  while (reader->Read(&e)) {
  }
  EXPECT_THAT(reader->Finish(), StatusIs(grpc::StatusCode::UNAUTHENTICATED, HasSubstr("expired")));
  EXPECT_LT(absl::Now() - start, absl::Seconds(6));
}

// Two replicas following one stream into one schema: every event takes effect once, and the
// stored cursor only moves forward.
TEST_F(EventsTest, TwoFollowersOfOneStreamApplyEachEventOnce) {
  auto conninfo = db_->ProvisionAndMigrate("fol", "crm_fol_test", {Follower::Migrations()});
  ASSERT_THAT(conninfo, IsOk());
  db::Conn setup(*conninfo);
  ASSERT_THAT(setup.Read([](db::Tx& tx) -> absl::Status {
    tx.exec(
        "CREATE TABLE IF NOT EXISTS fol.applied (text text NOT NULL, n int NOT NULL DEFAULT 1)");
    tx.exec("TRUNCATE fol.applied");
    tx.exec("DELETE FROM fol.event_cursors");
    return absl::OkStatus();
  }),
              IsOk());
  ASSERT_THAT(Write({"before-0"}), IsOk());
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                     grpc::InsecureChannelCredentials());
  prometheus::Registry metrics;
  auto make = [&] {
    Follower::Options o;
    o.metrics = &metrics;
    o.stream = "things";
    o.channel = channel;
    o.method = "/crm.eventstest.WatchTestService/WatchEvents";
    o.types = {"test.thing.happened"};
    o.token = [this]() -> absl::StatusOr<std::string> { return Token(); };
    o.min_backoff = absl::Milliseconds(50);
    o.max_backoff = absl::Milliseconds(200);
    return std::make_unique<Follower>(
        o, *conninfo, "fol", [](db::Tx& tx, const common::v1::Event& e) {
          tx.exec_params("INSERT INTO fol.applied (text) VALUES ($1)", TextOf(e));
          return absl::OkStatus();
        });
  };
  auto first = make(), second = make();
  first->Start();
  second->Start();
  constexpr int kEvents = 40;
  for (int i = 0; i < kEvents; ++i) ASSERT_THAT(Write({absl::StrCat("thing-", i)}), IsOk());
  auto count = [&](const char* sql) {
    return *setup.Read(
        [&](db::Tx& tx) -> absl::StatusOr<int> { return tx.exec(sql)[0][0].as<int>(); });
  };
  for (int i = 0;
       i < 200 && count("SELECT count(*) FROM fol.applied WHERE text LIKE 'thing-%'") < kEvents;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // The stand-by takes over when the leader stops, from the stored cursor.
  first->Stop();
  ASSERT_THAT(Write({"after-stop"}), IsOk());
  for (int i = 0;
       i < 200 && count("SELECT count(*) FROM fol.applied WHERE text = 'after-stop'") < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  second->Stop();
  EXPECT_EQ(count("SELECT count(*) FROM fol.applied WHERE text LIKE 'thing-%'"), kEvents);
  EXPECT_EQ(count("SELECT count(*) FROM fol.applied WHERE text = 'after-stop'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM (SELECT text FROM fol.applied GROUP BY text"
                  " HAVING count(*) > 1) d"),
            0);
  // The replicas' metrics: every event counted once, none connected after both stopped.
  std::map<std::string, double> values;
  for (const auto& family : metrics.Collect()) {
    for (const auto& m : family.metric) {
      EXPECT_EQ(m.label.at(0).value, "things");
      values[family.name] =
          family.name == "crm_follower_events_applied_total" ? m.counter.value : m.gauge.value;
    }
  }
  EXPECT_EQ(values["crm_follower_events_applied_total"], kEvents + 2);
  EXPECT_EQ(values["crm_follower_connected"], 0);
  EXPECT_GE(values["crm_follower_lag_seconds"], 0);
  EXPECT_LT(values["crm_follower_lag_seconds"], 60);
}

TEST_F(EventsTest, ShutdownEndsOpenStreamsWithUnavailable) {
  grpc::ClientContext ctx;
  auto reader = Open(&ctx, absl::Seconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const absl::Time start = absl::Now();
  server_->Shutdown();
  common::v1::Event e;
  EXPECT_FALSE(reader->Read(&e)) << "unexpected event " << e.ShortDebugString();
  EXPECT_THAT(reader->Finish(), StatusIs(grpc::StatusCode::UNAVAILABLE));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

// Transaction ids must be ordered as numbers: as text, "10" comes before "9". (Fresh
// clusters cross such boundaries early — xid 1000 — which once made a stream repeat events.)
TEST_F(EventsTest, OrdersByTransactionIdAsANumber) {
  db::Conn conn(*conninfo_);
  ASSERT_THAT(conn.Transact([](db::Tx& tx) -> absl::Status {
    // Ids far below any live transaction's, so nothing holds them back.
    tx.exec(
        "INSERT INTO evt.outbox (xid, event_id, type, aggregate_type, aggregate_id,"
        " payload_type, payload) VALUES"
        " ('10', gen_random_uuid(), 'test.order', 'thing', 'second', '', ''),"
        " ('9', gen_random_uuid(), 'test.order', 'thing', 'first', '', '')");
    return absl::OkStatus();
  }),
              IsOk());
  auto events = Drain("", 2, absl::Seconds(5), {"test.order"});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].aggregate_id(), "first");
  EXPECT_EQ(events[1].aggregate_id(), "second");
  // Resuming after the first continues with the second.
  auto rest = Drain(events[0].cursor(), 1, absl::Seconds(5), {"test.order"});
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].aggregate_id(), "second");
}

// A cursor that cannot have come from this database (ahead of its transactions) is refused,
// and a database whose outbox is ahead of its transaction counter does not start writing.
TEST_F(EventsTest, RefusesCursorsAndOutboxesAheadOfTheDatabase) {
  common::v1::WatchEventsRequest req;
  req.set_after(FormatCursor("900000000000", 1));
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + Token());
  auto reader = stub_->WatchEvents(&ctx, req);
  common::v1::Event e;
  EXPECT_FALSE(reader->Read(&e));
  EXPECT_THAT(reader->Finish(),
              StatusIs(grpc::StatusCode::FAILED_PRECONDITION, HasSubstr("after: the cursor")));

  db::Conn conn(*conninfo_);
  const Outbox outbox("evt");
  EXPECT_THAT(outbox.CheckOrder(conn), IsOk());
  auto run = [&](const char* sql) {
    return conn.Transact([&](db::Tx& tx) -> absl::Status {
      tx.exec(sql);
      return absl::OkStatus();
    });
  };
  ASSERT_THAT(run("INSERT INTO evt.outbox (xid, event_id, type, aggregate_type, aggregate_id,"
                  " payload_type, payload) VALUES ('900000000000', gen_random_uuid(),"
                  " 'test.ahead', 'thing', 'x', '', '')"),
              IsOk());
  const absl::Status ahead = outbox.CheckOrder(conn);
  ASSERT_THAT(run("DELETE FROM evt.outbox WHERE type = 'test.ahead'"), IsOk());
  EXPECT_THAT(ahead, StatusIs(absl::StatusCode::kFailedPrecondition,
                              HasSubstr("transaction 900000000000")));
}

TEST(CursorTest, FormatAndParse) {
  std::string xid;
  int64_t seq;
  EXPECT_TRUE(ParseCursor(FormatCursor("123456", 42), &xid, &seq));
  EXPECT_EQ(xid, "123456");
  EXPECT_EQ(seq, 42);
  EXPECT_FALSE(ParseCursor("", &xid, &seq));
  EXPECT_FALSE(ParseCursor("12", &xid, &seq));
  EXPECT_FALSE(ParseCursor("-3", &xid, &seq));
  EXPECT_FALSE(ParseCursor("1x-3", &xid, &seq));
  EXPECT_FALSE(ParseCursor("1-x", &xid, &seq));
  EXPECT_FALSE(ParseCursor("1--3", &xid, &seq));
}

}  // namespace
}  // namespace crm::events
