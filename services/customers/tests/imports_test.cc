
#include "services/customers/src/imports.h"
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crm/customers/v1/events.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "services/customers/src/convert.h"
#include "services/customers/tests/fixture.h"

namespace crm::customers_service {
namespace {

using ::crm::test::HasFieldViolation;
using ::crm::test::IsOk;
using ::crm::test::StatusIs;
using ::testing::ElementsAre;
using ::testing::SizeIs;
using Outcome = ImportResult::Outcome;

class ImportsTest : public CustomersFixture {
 protected:
  void SetUp() override {
    CustomersFixture::SetUp();
    imports_ = std::make_unique<Imports>(&outbox_);
    dept_ = NewId();
    rep_ = Rep(dept_);
    prefix_ = absl::StrCat("ERP-", NewId().substr(24), "-");
  }

  ImportRow Row(int64_t n, const std::string& name, const std::string& region = "east") {
    ImportRow r;
    r.row_number = n;
    r.external_key = absl::StrCat(prefix_, n);
    r.customer.name = name;
    r.customer.region = region;
    r.customer.level = "ordinary";
    r.customer.tags = {"导入"};
    return r;
  }

  std::vector<Outcome> Outcomes(const absl::StatusOr<std::vector<ImportResult>>& results) {
    std::vector<Outcome> out;
    if (results.ok()) {
      for (const auto& r : *results) out.push_back(r.outcome);
    }
    return out;
  }

  std::vector<ImportRow> Batch() {
    std::vector<ImportRow> rows = {Row(1, absl::StrCat("三一重工", prefix_)),
                                   Row(2, absl::StrCat("中联重科", prefix_), "south"),
                                   Row(3, absl::StrCat("徐工机械", prefix_))};
    Contact c;
    c.name = "向文波";
    c.primary = true;
    rows[0].contacts.push_back(c);
    return rows;
  }

  std::unique_ptr<Imports> imports_;
  std::string dept_;
  auth::Principal rep_;
  std::string prefix_;
};

TEST_F(ImportsTest, TheSameRowsTwiceCreateNothingNew) {
  const std::string job = NewId();
  auto first = imports_->ImportBatch(*conn_, rep_, meta_, job, Batch());
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT(Outcomes(first),
              ElementsAre(Outcome::kCreated, Outcome::kCreated, Outcome::kCreated));
  auto created = Get(rep_, (*first)[0].customer_id);
  ASSERT_THAT(created, IsOk());
  EXPECT_EQ(created->owner_id, rep_.user_id);
  EXPECT_EQ(created->external_key, absl::StrCat(prefix_, 1));
  EXPECT_EQ(created->number.substr(0, 1), "C");
  auto contacts = people_->ListContacts(*conn_, rep_, created->id, 10, "");
  ASSERT_THAT(contacts, IsOk());
  ASSERT_THAT(contacts->items, SizeIs(1));
  EXPECT_TRUE(contacts->items[0].primary);
  const size_t events = EventsSinceStart().size();
  EXPECT_EQ(events, 4u);  // three customers, one contact

  auto again = imports_->ImportBatch(*conn_, rep_, meta_, job, Batch());
  ASSERT_THAT(again, IsOk());
  EXPECT_THAT(Outcomes(again),
              ElementsAre(Outcome::kUnchanged, Outcome::kUnchanged, Outcome::kUnchanged));
  EXPECT_EQ((*again)[0].customer_id, (*first)[0].customer_id);
  EXPECT_EQ(EventsSinceStart().size(), events);
  auto progress = imports_->GetJob(*conn_, rep_, job);
  ASSERT_THAT(progress, IsOk());
  EXPECT_EQ(progress->rows, 6);
  EXPECT_EQ(progress->created, 3);
  EXPECT_EQ(progress->unchanged, 3);
  EXPECT_EQ(progress->last_row_number, 3);
}

// The insert returns only what the database assigns; the events must still carry each row as
// stored, every field of it, even where the row sent fields an import does not set, and
// whatever characters its text, tags and attributes hold.
TEST_F(ImportsTest, CreatedEventsCarryTheRowsAsStored) {
  std::vector<ImportRow> rows = Batch();
  rows[1].customer.status = CustomerStatus::kLost;
  rows[1].customer.version = 7;
  rows[1].customer.last_order_date = absl::CivilDay(2020, 1, 1);
  rows[1].customer.attributes = {{"来源系统", "ERP"}, {"备注", "a\\b \"引号\" {c,d} \\N"}};
  rows[1].customer.tags = {"导入", "a,\"b\\c", "{x}", "NULL"};
  rows[1].customer.address = "C:\\路径\\N \\. 末尾\\";
  rows[1].customer.registered_capital = Money{500000000, "CNY"};
  rows[1].customer.phone = "021-5555 0101";
  auto results = imports_->ImportBatch(*conn_, rep_, meta_, NewId(), rows);
  ASSERT_THAT(results, IsOk());
  auto payloads = conn_->Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> out;
    for (const auto& row : tx.exec_params("SELECT payload FROM customers.outbox WHERE seq > $1"
                                          " AND type = 'customers.customer.created' ORDER BY seq",
                                          outbox_start_)) {
      out.push_back(pqxx::binarystring(row[0]).str());
    }
    return out;
  });
  ASSERT_THAT(payloads, IsOk());
  ASSERT_THAT(*payloads, SizeIs(3));
  for (size_t i = 0; i < 3; ++i) {
    v1::CustomerChanged event;
    ASSERT_TRUE(event.ParseFromString((*payloads)[i]));
    auto stored = Get(rep_, (*results)[i].customer_id);
    ASSERT_THAT(stored, IsOk());
    // Compared as messages: a map's entries are serialised in no set order.
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equals(event.customer(), ToProto(*stored)))
        << event.customer().DebugString() << " vs " << ToProto(*stored).DebugString();
  }
}

// A key another session creates while the batch runs: the batch waits for that transaction,
// then finds the customer and updates it; nothing is duplicated and no row fails.
TEST_F(ImportsTest, AKeyCreatedMeanwhileIsFoundNotDuplicated) {
  std::vector<ImportRow> rows = Batch();
  pqxx::connection other(conninfo_);
  pqxx::work held(other);
  const std::string id = NewId();
  held.exec_params(
      "INSERT INTO customers.customers (id, number, name, owner_id, owner_department_id,"
      " external_key) VALUES ($1::uuid, 'T' || $1::text, $2, $3, $4, $5)",
      id, absl::StrCat("另一个导入", prefix_), rep_.user_id, rep_.department_id,
      rows[1].external_key);
  absl::StatusOr<std::vector<ImportResult>> results;
  std::thread import([&] { results = imports_->ImportBatch(*conn_, rep_, meta_, NewId(), rows); });
  // The import's insert waits for the session holding the key (then fails on it and runs
  // again), rather than finding the key already committed.
  const std::string import_waits =
      "SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event = 'transactionid'"
      " AND query LIKE 'COPY customers.customers%'";
  pqxx::connection watcher(conninfo_);
  bool waiting = false;
  for (int i = 0; i < 200 && !waiting; ++i) {
    absl::SleepFor(absl::Milliseconds(25));
    waiting = pqxx::nontransaction(watcher).exec(import_waits)[0][0].as<bool>();
  }
  EXPECT_TRUE(waiting);
  held.commit();
  import.join();
  ASSERT_THAT(results, IsOk());
  EXPECT_THAT(Outcomes(results),
              ElementsAre(Outcome::kCreated, Outcome::kUpdated, Outcome::kCreated));
  EXPECT_EQ((*results)[1].customer_id, id);
  auto stored = Get(rep_, id);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->name, rows[1].customer.name);
  auto count = conn_->Read([&](db::Tx& tx) -> absl::StatusOr<int64_t> {
    return tx
        .exec_params("SELECT count(*) FROM customers.customers WHERE external_key LIKE $1 || '%'",
                     prefix_)[0][0]
        .as<int64_t>();
  });
  EXPECT_THAT(count, IsOk());
  EXPECT_EQ(*count, 3);
  // One event per row: two created, one updated (the other session wrote none).
  EXPECT_THAT(EventsSinceStart(), testing::UnorderedElementsAre(
                                      "customers.customer.created", "customers.customer.created",
                                      "customers.customer.updated", "customers.contact.created"));
}

TEST_F(ImportsTest, BadRowsFailAloneAndChangedRowsAreUpdated) {
  const std::string job = NewId();
  ASSERT_THAT(imports_->ImportBatch(*conn_, rep_, meta_, job, Batch()), IsOk());
  std::vector<ImportRow> rows = Batch();
  rows[1].customer.phone = "0731-8888 6666";                              // changed
  rows[2].customer.name = "";                                             // bad
  rows.push_back(Row(4, absl::StrCat("山河智能", prefix_), "atlantis"));  // unknown region
  rows.push_back(Row(5, absl::StrCat("柳工", prefix_)));
  rows.push_back(Row(5, absl::StrCat("柳工重复", prefix_)));  // the same key again
  auto results = imports_->ImportBatch(*conn_, rep_, meta_, job, rows);
  ASSERT_THAT(results, IsOk());
  EXPECT_THAT(Outcomes(results),
              ElementsAre(Outcome::kUnchanged, Outcome::kUpdated, Outcome::kFailed,
                          Outcome::kFailed, Outcome::kCreated, Outcome::kFailed));
  EXPECT_THAT((*results)[2].error, HasFieldViolation("customer.name"));
  EXPECT_THAT((*results)[3].error, HasFieldViolation("customer.region"));
  EXPECT_THAT((*results)[5].error, HasFieldViolation("external_key"));
  auto updated = Get(rep_, (*results)[1].customer_id);
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->phone, "0731-8888 6666");
  EXPECT_EQ(updated->region, "south");
}

TEST_F(ImportsTest, KnownContactsTakeTheRowsDetailsAndNewOnesAreAdded) {
  const std::string job = NewId();
  auto first = imports_->ImportBatch(*conn_, rep_, meta_, job, Batch());
  ASSERT_THAT(first, IsOk());
  const std::string customer_id = (*first)[0].customer_id;
  const size_t events = EventsSinceStart().size();

  std::vector<ImportRow> rows = Batch();
  rows[0].contacts[0].mobile = "13900001111";
  rows[0].contacts[0].position = "董事长";
  rows[0].contacts[0].primary = false;  // the primary mark stays as it is
  Contact added;
  added.name = "梁稳根";
  added.primary = true;  // the customer already has a primary contact
  rows[0].contacts.push_back(added);
  auto second = imports_->ImportBatch(*conn_, rep_, meta_, job, rows);
  ASSERT_THAT(second, IsOk());
  EXPECT_THAT(Outcomes(second),
              ElementsAre(Outcome::kUpdated, Outcome::kUnchanged, Outcome::kUnchanged));
  auto contacts = people_->ListContacts(*conn_, rep_, customer_id, 10, "");
  ASSERT_THAT(contacts, IsOk());
  ASSERT_THAT(contacts->items, SizeIs(2));
  EXPECT_EQ(contacts->items[0].name, "向文波");
  EXPECT_EQ(contacts->items[0].mobile, "13900001111");
  EXPECT_EQ(contacts->items[0].position, "董事长");
  EXPECT_TRUE(contacts->items[0].primary);
  EXPECT_EQ(contacts->items[0].version, 2);
  EXPECT_EQ(contacts->items[1].name, "梁稳根");
  EXPECT_FALSE(contacts->items[1].primary);
  std::vector<std::string> all = EventsSinceStart();
  EXPECT_THAT(std::vector<std::string>(all.begin() + events, all.end()),
              ElementsAre("customers.contact.updated", "customers.contact.created"));

  auto third = imports_->ImportBatch(*conn_, rep_, meta_, job, rows);
  ASSERT_THAT(third, IsOk());
  EXPECT_THAT(Outcomes(third),
              ElementsAre(Outcome::kUnchanged, Outcome::kUnchanged, Outcome::kUnchanged));
  EXPECT_EQ(EventsSinceStart().size(), all.size());
}

TEST_F(ImportsTest, RowsOfCustomersOutsideScopeFailAndJobsBelongToTheirUser) {
  auth::Principal other = Rep(NewId());
  const std::string job = NewId();
  ASSERT_THAT(imports_->ImportBatch(*conn_, other, meta_, job, Batch()), IsOk());
  // The same external keys imported by someone who cannot see those customers.
  auto results = imports_->ImportBatch(*conn_, rep_, meta_, NewId(), Batch());
  ASSERT_THAT(results, IsOk());
  EXPECT_THAT(Outcomes(results), ElementsAre(Outcome::kFailed, Outcome::kFailed, Outcome::kFailed));
  EXPECT_THAT((*results)[0].error, StatusIs(absl::StatusCode::kPermissionDenied));
  // Another user's job can be neither continued nor read.
  EXPECT_THAT(imports_->ImportBatch(*conn_, rep_, meta_, job, Batch()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(imports_->GetJob(*conn_, rep_, job), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(imports_->ImportBatch(*conn_, Executive(), meta_, NewId(), Batch()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(imports_->ImportBatch(*conn_, rep_, meta_, "x", Batch()),
              HasFieldViolation("import_id"));
}

TEST_F(ImportsTest, ExportReadsTheCallersScopeWithContacts) {
  ASSERT_THAT(imports_->ImportBatch(*conn_, rep_, meta_, NewId(), Batch()), IsOk());
  auth::Principal colleague = Rep(dept_);
  MakeCustomer(colleague, absl::StrCat("同事的客户", prefix_));
  CustomerFilter mine;
  mine.tag = "导入";
  auto page = imports_->ExportPage(*conn_, rep_, mine, true, "");
  ASSERT_THAT(page, IsOk());
  ASSERT_THAT(*page, SizeIs(3));
  for (const auto& row : *page) {
    EXPECT_THAT(row.contacts, SizeIs(row.external_key == absl::StrCat(prefix_, 1) ? 1 : 0));
  }
  CustomerFilter all;
  all.owner_id = colleague.user_id;
  auto theirs = imports_->ExportPage(*conn_, rep_, all, false, "");
  ASSERT_THAT(theirs, IsOk());
  EXPECT_THAT(*theirs, SizeIs(0));
  auto managers = imports_->ExportPage(*conn_, Manager({dept_}), all, false, "");
  ASSERT_THAT(managers, IsOk());
  EXPECT_THAT(*managers, SizeIs(1));
  CustomerFilter bad;
  bad.owner_id = "x";
  EXPECT_THAT(imports_->ExportPage(*conn_, rep_, bad, false, ""), HasFieldViolation("owner_id"));
}

}  // namespace
}  // namespace crm::customers_service
