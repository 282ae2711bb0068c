
#include "services/customers/src/handovers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "services/customers/tests/fixture.h"

namespace crm::customers_service {
namespace {

using ::crm::test::HasFieldViolation;
using ::crm::test::IsOk;
using ::crm::test::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

constexpr absl::StatusCode kHidden = absl::StatusCode::kPermissionDenied;

class HandoversTest : public CustomersFixture {
 protected:
  void SetUp() override {
    CustomersFixture::SetUp();
    handovers_ = std::make_unique<Handovers>(&outbox_, &request_log_);
    dept_ = NewId();
    manager_ = Manager({dept_});
    leaving_ = Rep(dept_);
    staying_ = Rep(dept_);
  }

  static service::DirectoryUser OwnerFor(const auth::Principal& p) {
    return {p.user_id, p.department_id, /*active=*/true, /*person=*/true};
  }

  HandoverRequest Request(std::vector<std::string> ids = {}) {
    return {NewId(), leaving_.user_id, staying_.user_id, std::move(ids), "离职交接"};
  }

  std::string OwnerOf(const std::string& id) {
    auto c = Get(Executive(), id);
    return c.ok() ? c->owner_id : "";
  }

  int HandoverCount() {
    return *conn_->Read([](db::Tx& tx) -> absl::StatusOr<int> {
      return tx.exec("SELECT count(*) FROM customers.handovers")[0][0].as<int>();
    });
  }

  std::unique_ptr<Handovers> handovers_;
  std::string dept_;
  auth::Principal manager_, leaving_, staying_;
};

TEST_F(HandoversTest, AllOfAnOwnersCustomersMoveAtOnceWithTheirEvents) {
  Customer a = MakeCustomer(leaving_, Unique("宝钢股份"));
  Customer b = MakeCustomer(leaving_, Unique("武钢集团"));
  Customer kept = MakeCustomer(staying_, Unique("鞍钢集团"));
  outbox_start_ += 3;
  auto done = handovers_->Run(*conn_, manager_, meta_, Request(), OwnerFor(staying_));
  ASSERT_THAT(done, IsOk());
  EXPECT_THAT(done->customer_ids, UnorderedElementsAre(a.id, b.id));
  EXPECT_EQ(done->from_user_id, leaving_.user_id);
  EXPECT_EQ(done->to_department_id, dept_);
  EXPECT_EQ(done->created_by, manager_.user_id);
  EXPECT_EQ(done->reason, "离职交接");

  auto moved = Get(staying_, a.id);
  ASSERT_THAT(moved, IsOk());
  EXPECT_EQ(moved->owner_id, staying_.user_id);
  EXPECT_EQ(moved->version, a.version + 1);
  EXPECT_THAT(Get(leaving_, b.id), StatusIs(kHidden));
  EXPECT_EQ(OwnerOf(kept.id), staying_.user_id);
  EXPECT_THAT(EventsSinceStart(),
              ElementsAre("customers.customer.updated", "customers.customer.updated",
                          "customers.handover.completed"));
}

// The follow-ups the previous owner had pending pass to the new owner with the customers.
TEST_F(HandoversTest, PendingFollowUpsMoveToTheNewOwner) {
  Customer a = MakeCustomer(leaving_, Unique("首钢集团"));
  const Interaction recorded = RecordFollowUpDue(leaving_, a);
  auto due = [&](const auth::Principal& who) {
    std::vector<std::string> ids;
    for (const auto& i : FollowUpsDue(who)) ids.push_back(i.id);
    return ids;
  };
  EXPECT_THAT(due(leaving_), ::testing::Contains(recorded.id));
  ASSERT_THAT(handovers_->Run(*conn_, manager_, meta_, Request(), OwnerFor(staying_)), IsOk());
  EXPECT_THAT(due(staying_), ::testing::Contains(recorded.id));
  EXPECT_THAT(due(leaving_), ::testing::Not(::testing::Contains(recorded.id)));
  // Who recorded the visit does not change.
  auto kept = people_->ListInteractions(*conn_, staying_, a.id, 10, "");
  ASSERT_THAT(kept, IsOk());
  ASSERT_EQ(kept->items.size(), 1u);
  EXPECT_EQ(kept->items[0].user_id, leaving_.user_id);
}

TEST_F(HandoversTest, OnlyTheListedCustomersMoveAndARetryIsTheSameHandover) {
  Customer a = MakeCustomer(leaving_, Unique("中国移动"));
  Customer b = MakeCustomer(leaving_, Unique("中国联通"));
  HandoverRequest r = Request({a.id, a.id});
  auto done = handovers_->Run(*conn_, manager_, meta_, r, OwnerFor(staying_));
  ASSERT_THAT(done, IsOk());
  EXPECT_THAT(done->customer_ids, ElementsAre(a.id));
  auto again = handovers_->Run(*conn_, manager_, meta_, r, OwnerFor(staying_));
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->id, done->id);
  EXPECT_EQ(OwnerOf(a.id), staying_.user_id);
  EXPECT_EQ(OwnerOf(b.id), leaving_.user_id);
}

TEST_F(HandoversTest, NothingMovesUnlessEverythingCan) {
  Customer a = MakeCustomer(leaving_, Unique("中国电信"));
  Customer someone_elses = MakeCustomer(staying_, Unique("中国铁塔"));
  auth::Principal outsider = Rep(NewId());
  Customer outside = MakeCustomer(outsider, Unique("中国广电"));
  const int before = HandoverCount();
  outbox_start_ += 3;

  auto not_owned = handovers_->Run(*conn_, manager_, meta_, Request({a.id, someone_elses.id}),
                                   OwnerFor(staying_));
  EXPECT_THAT(not_owned, StatusIs(absl::StatusCode::kFailedPrecondition));
  auto hidden =
      handovers_->Run(*conn_, manager_, meta_, Request({a.id, outside.id}), OwnerFor(staying_));
  EXPECT_THAT(hidden, StatusIs(kHidden));
  EXPECT_EQ(OwnerOf(a.id), leaving_.user_id);
  EXPECT_EQ(HandoverCount(), before);
  EXPECT_THAT(EventsSinceStart(), IsEmpty());
}

TEST_F(HandoversTest, TheNewOwnerMustBeAnActivePersonInTheManagersDepartments) {
  Customer a = MakeCustomer(leaving_, Unique("国家电网"));
  service::DirectoryUser disabled = OwnerFor(staying_);
  disabled.active = false;
  EXPECT_THAT(handovers_->Run(*conn_, manager_, meta_, Request(), disabled),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  service::DirectoryUser robot = OwnerFor(staying_);
  robot.human = false;
  EXPECT_THAT(handovers_->Run(*conn_, manager_, meta_, Request(), robot),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  service::DirectoryUser elsewhere = OwnerFor(staying_);
  elsewhere.department_id = NewId();
  EXPECT_THAT(handovers_->Run(*conn_, manager_, meta_, Request(), elsewhere),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(OwnerOf(a.id), leaving_.user_id);
}

TEST_F(HandoversTest, ARepCannotHandOverAndBadInputNamesEachField) {
  Customer a = MakeCustomer(leaving_, Unique("南方电网"));
  EXPECT_THAT(handovers_->Run(*conn_, leaving_, meta_, Request(), OwnerFor(staying_)),
              StatusIs(absl::StatusCode::kPermissionDenied));
  HandoverRequest bad{"", "x", "x", {"nope"}, " "};
  auto status = Handovers::Check(manager_, bad);
  EXPECT_THAT(status, HasFieldViolation("from_user_id"));
  EXPECT_THAT(status, HasFieldViolation("to_user_id"));
  EXPECT_THAT(status, HasFieldViolation("customer_ids[0]"));
  EXPECT_THAT(status, HasFieldViolation("reason"));
  HandoverRequest self = Request();
  self.to_user_id = self.from_user_id;
  EXPECT_THAT(Handovers::Check(manager_, self), HasFieldViolation("to_user_id"));
  HandoverRequest nobody = Request();
  nobody.from_user_id = NewId();
  EXPECT_THAT(handovers_->Run(*conn_, manager_, meta_, nobody, OwnerFor(staying_)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(OwnerOf(a.id), leaving_.user_id);
}

TEST_F(HandoversTest, RecordsAreListedToThoseInvolvedAndTheirManagers) {
  const std::string other_dept = NewId();
  auth::Principal receiving = Rep(other_dept);
  Customer a = MakeCustomer(leaving_, Unique("招商银行"));
  Customer b = MakeCustomer(leaving_, Unique("平安银行"));
  HandoverRequest to_other = Request({a.id});
  to_other.to_user_id = receiving.user_id;
  auto first =
      handovers_->Run(*conn_, Manager({dept_, other_dept}), meta_, to_other, OwnerFor(receiving));
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT(first->from_department_ids, ElementsAre(dept_));
  auto second = handovers_->Run(*conn_, manager_, meta_, Request({b.id}), OwnerFor(staying_));
  ASSERT_THAT(second, IsOk());

  auto ids = [&](const auth::Principal& p, const std::string& user = "") {
    std::vector<std::string> out;
    auto page = handovers_->List(*conn_, p, user, 0, "");
    if (page.ok()) {
      for (const auto& h : page->items) out.push_back(h.id);
    }
    return out;
  };
  EXPECT_THAT(ids(leaving_), ElementsAre(second->id, first->id));  // newest first
  EXPECT_THAT(ids(receiving), ElementsAre(first->id));
  EXPECT_THAT(ids(staying_), ElementsAre(second->id));
  EXPECT_THAT(ids(Rep(dept_)), IsEmpty());
  EXPECT_THAT(ids(manager_), ElementsAre(second->id, first->id));   // out of the department
  EXPECT_THAT(ids(Manager({other_dept})), ElementsAre(first->id));  // into it
  EXPECT_THAT(ids(Manager({NewId()})), IsEmpty());
  EXPECT_THAT(ids(Executive(), receiving.user_id), ElementsAre(first->id));

  auto page = handovers_->List(*conn_, leaving_, "", 1, "");
  ASSERT_THAT(page, IsOk());
  ASSERT_THAT(page->items, SizeIs(1));
  EXPECT_EQ(page->items[0].id, second->id);
  auto next = handovers_->List(*conn_, leaving_, "", 1, page->next_page_token);
  ASSERT_THAT(next, IsOk());
  ASSERT_THAT(next->items, SizeIs(1));
  EXPECT_EQ(next->items[0].id, first->id);

  EXPECT_THAT(handovers_->List(*conn_, leaving_, "someone", 0, ""), HasFieldViolation("user_id"));
  EXPECT_THAT(handovers_->List(*conn_, leaving_, "", 0, "garbage"),
              HasFieldViolation("page_token"));
  EXPECT_THAT(handovers_->List(*conn_, leaving_, leaving_.user_id, 0, page->next_page_token),
              HasFieldViolation("page_token"));  // issued for other filters
}

}  // namespace
}  // namespace crm::customers_service
