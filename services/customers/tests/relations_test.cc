#include "services/customers/src/relations.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "libs/validation/updates.h"
#include "services/customers/tests/fixture.h"

namespace crm::customers_service {
namespace {

using ::crm::test::HasFieldViolation;
using ::crm::test::IsOk;
using ::crm::test::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr absl::StatusCode kHidden = absl::StatusCode::kPermissionDenied;

class RelationsTest : public CustomersFixture {
 protected:
  void SetUp() override {
    CustomersFixture::SetUp();
    relations_ = std::make_unique<Relations>(&outbox_, &request_log_);
  }

  void Know(const auth::Principal& user, const Contact& c, int strength) {
    ContactRelation r;
    r.contact_id = c.id;
    r.strength = strength;
    EXPECT_THAT(relations_->SetContactRelation(*conn_, user, meta_, r, ""), IsOk());
  }

  // The path as names: user ids for users, contact names for contacts.
  std::vector<std::string> Path(const auth::Principal& caller, const std::string& from,
                                const Contact& to, int max_steps = 0) {
    auto steps = relations_->FindPath(*conn_, caller, from, to.id, max_steps);
    EXPECT_THAT(steps, IsOk());
    std::vector<std::string> out;
    if (!steps.ok()) return out;
    for (const auto& s : *steps) out.push_back(s.contact ? s.contact->name : s.user_id);
    return out;
  }

  std::unique_ptr<Relations> relations_;
};

TEST_F(RelationsTest, ARelationIsTheCallersAndReplacedWithAnEtag) {
  auth::Principal rep = Rep(NewId());
  Customer customer = MakeCustomer(rep, Unique("比亚迪"));
  Contact c = AddContact(rep, customer, "王传福");
  outbox_start_ += 2;
  ContactRelation r;
  r.contact_id = c.id;
  r.strength = 4;
  r.notes = "老朋友\n每年春节拜访";
  auto saved = relations_->SetContactRelation(*conn_, rep, meta_, r, "");
  ASSERT_THAT(saved, IsOk());
  EXPECT_EQ(saved->user_id, rep.user_id);
  EXPECT_EQ(saved->customer_id, customer.id);
  EXPECT_EQ(saved->strength, 4);
  EXPECT_EQ(saved->notes, r.notes);

  r.strength = 5;
  auto stale =
      relations_->SetContactRelation(*conn_, rep, meta_, r, validation::Etag(saved->version + 7));
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted));
  auto replaced =
      relations_->SetContactRelation(*conn_, rep, meta_, r, validation::Etag(saved->version));
  ASSERT_THAT(replaced, IsOk());
  EXPECT_EQ(replaced->strength, 5);
  EXPECT_EQ(replaced->version, saved->version + 1);

  EXPECT_THAT(relations_->DeleteContactRelation(*conn_, rep, meta_, c.id), IsOk());
  EXPECT_THAT(relations_->DeleteContactRelation(*conn_, rep, meta_, c.id),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(EventsSinceStart(), ElementsAre("customers.relation.set", "customers.relation.set",
                                              "customers.relation.deleted"));
}

TEST_F(RelationsTest, BadRelationsAndOutOfScopeContactsWriteNothing) {
  auth::Principal rep = Rep(NewId());
  auth::Principal other = Rep(NewId());
  Customer theirs = MakeCustomer(other, Unique("格力电器"));
  Contact c = AddContact(other, theirs, "董明珠");
  outbox_start_ += 2;
  ContactRelation r;
  r.contact_id = "not-a-uuid";
  r.strength = 6;
  auto bad = relations_->SetContactRelation(*conn_, rep, meta_, r, "");
  EXPECT_THAT(bad, HasFieldViolation("relation.contact_id"));
  EXPECT_THAT(bad, HasFieldViolation("relation.strength"));
  r.contact_id = c.id;
  r.strength = 0;
  EXPECT_THAT(relations_->SetContactRelation(*conn_, rep, meta_, r, ""),
              HasFieldViolation("relation.strength"));
  r.strength = 3;
  EXPECT_THAT(relations_->SetContactRelation(*conn_, rep, meta_, r, ""), StatusIs(kHidden));
  EXPECT_THAT(EventsSinceStart(), IsEmpty());
}

TEST_F(RelationsTest, LinksNeedBothCustomersInScopeAndPartnershipsHaveNoDirection) {
  auth::Principal rep = Rep(NewId());
  auth::Principal other = Rep(NewId());
  Customer a = MakeCustomer(rep, Unique("中国石化"));
  Customer b = MakeCustomer(rep, Unique("中石化销售"));
  Customer theirs = MakeCustomer(other, Unique("中国石油"));

  CustomerLink l;
  l.from_customer_id = b.id;
  l.to_customer_id = a.id;
  l.kind = "partner";
  l.notes = "联合投标";
  auto created = relations_->CreateLink(*conn_, rep, meta_, NewId(), l);
  ASSERT_THAT(created, IsOk());
  EXPECT_LT(created->from_customer_id, created->to_customer_id);
  EXPECT_EQ(created->created_by, rep.user_id);
  std::swap(l.from_customer_id, l.to_customer_id);
  EXPECT_THAT(relations_->CreateLink(*conn_, rep, meta_, NewId(), l),
              StatusIs(absl::StatusCode::kAlreadyExists));
  // A retry of the same request is the same link.
  const std::string request = NewId();
  l.kind = "parent_subsidiary";
  auto first = relations_->CreateLink(*conn_, rep, meta_, request, l);
  auto again = relations_->CreateLink(*conn_, rep, meta_, request, l);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(first->id, again->id);

  l.to_customer_id = theirs.id;
  EXPECT_THAT(relations_->CreateLink(*conn_, rep, meta_, NewId(), l), StatusIs(kHidden));
  l.to_customer_id = l.from_customer_id;
  l.kind = "";
  auto bad = relations_->CreateLink(*conn_, rep, meta_, NewId(), l);
  EXPECT_THAT(bad, HasFieldViolation("link.to_customer_id"));
  EXPECT_THAT(bad, HasFieldViolation("link.kind"));

  EXPECT_THAT(relations_->DeleteLink(*conn_, rep, meta_, first->id), IsOk());
  EXPECT_THAT(relations_->DeleteLink(*conn_, rep, meta_, first->id), StatusIs(kHidden));
}

TEST_F(RelationsTest, TheMapShowsPeopleRelationsAndLinksWithinScope) {
  const std::string dept = NewId();
  auth::Principal rep = Rep(dept);
  auth::Principal colleague = Rep(dept);
  auth::Principal manager = Manager({dept});
  Customer customer = MakeCustomer(rep, Unique("海尔集团"));
  Customer mine = MakeCustomer(rep, Unique("海尔智家"));
  Customer colleagues = MakeCustomer(colleague, Unique("海信集团"));
  Contact boss = AddContact(rep, customer, "周云杰", true);
  Contact cfo = AddContact(rep, customer, "谭丽霞", false, boss.id);
  Know(rep, boss, 3);
  Know(rep, cfo, 5);
  CustomerLink l;
  l.from_customer_id = customer.id;
  l.to_customer_id = mine.id;
  l.kind = "parent_subsidiary";
  ASSERT_THAT(relations_->CreateLink(*conn_, rep, meta_, NewId(), l), IsOk());
  l.from_customer_id = colleagues.id;
  l.to_customer_id = customer.id;
  l.kind = "referral";
  ASSERT_THAT(relations_->CreateLink(*conn_, manager, meta_, NewId(), l), IsOk());

  auto map = relations_->Map(*conn_, rep, customer.id);
  ASSERT_THAT(map, IsOk());
  EXPECT_EQ(map->customer.id, customer.id);
  ASSERT_EQ(map->contacts.size(), 2u);
  EXPECT_EQ(map->relations.size(), 2u);
  // The referral comes from a customer the rep cannot see: it is not on the rep's map.
  ASSERT_EQ(map->links.size(), 1u);
  ASSERT_EQ(map->linked_customers.size(), 1u);
  EXPECT_EQ(map->linked_customers[0].name, mine.name);

  auto wider = relations_->Map(*conn_, manager, customer.id);
  ASSERT_THAT(wider, IsOk());
  EXPECT_EQ(wider->links.size(), 2u);
  EXPECT_EQ(wider->linked_customers.size(), 2u);

  EXPECT_THAT(relations_->Map(*conn_, colleague, customer.id), StatusIs(kHidden));
  EXPECT_THAT(relations_->Map(*conn_, rep, "x"), HasFieldViolation("customer_id"));
}

TEST_F(RelationsTest, PathGoesThroughAColleagueAndAReportingLine) {
  const std::string dept = NewId();
  auth::Principal me = Rep(dept);
  // A relation can be recorded only to a contact the user can see: the colleague is the
  // department's manager.
  auth::Principal colleague = Manager({dept});
  auth::Principal manager = Manager({dept});
  Customer customer = MakeCustomer(me, Unique("美的集团"));
  Contact ceo = AddContact(me, customer, "方洪波", true);
  Contact buyer = AddContact(me, customer, "采购经理李", false, ceo.id);
  Contact clerk = AddContact(me, customer, "采购专员赵", false, buyer.id);
  // I know the clerk a little; my colleague knows the CEO well.
  Know(me, clerk, 2);
  Know(colleague, ceo, 5);

  // Seen by the manager: me → clerk → buyer (reports to) → ceo.
  EXPECT_THAT(Path(manager, me.user_id, ceo),
              ElementsAre(me.user_id, "采购专员赵", "采购经理李", "方洪波"));
  auto steps = relations_->FindPath(*conn_, manager, me.user_id, ceo.id, 0);
  ASSERT_THAT(steps, IsOk());
  EXPECT_EQ((*steps)[0].edge, PathStep::Edge::kKnows);
  EXPECT_EQ((*steps)[0].strength, 2);
  EXPECT_EQ((*steps)[1].edge, PathStep::Edge::kReportsTo);
  EXPECT_EQ((*steps)[3].edge, PathStep::Edge::kNone);

  // Going down a reporting line: the colleague reaches the clerk through the CEO.
  EXPECT_THAT(Path(manager, colleague.user_id, clerk),
              ElementsAre(colleague.user_id, "方洪波", "采购经理李", "采购专员赵"));
  auto down = relations_->FindPath(*conn_, manager, colleague.user_id, clerk.id, 0);
  ASSERT_THAT(down, IsOk());
  EXPECT_EQ((*down)[1].edge, PathStep::Edge::kManages);

  // A contact the colleague and I both know, who reports to the CEO.
  Contact assistant = AddContact(me, customer, "秘书小陈", false, ceo.id);
  Know(me, assistant, 4);
  Know(colleague, assistant, 1);
  // To the buyer: me → clerk → buyer beats the longer me → assistant → CEO → buyer.
  EXPECT_THAT(Path(manager, me.user_id, buyer),
              ElementsAre(me.user_id, "采购专员赵", "采购经理李"));
  // To the CEO: through the assistant (two steps) beats through the clerk (three steps), though
  // the longer path sums to more.
  EXPECT_THAT(Path(manager, me.user_id, ceo), ElementsAre(me.user_id, "秘书小陈", "方洪波"));
  // The path can pass through a colleague: to a contact only the colleague knows.
  Customer other = MakeCustomer(colleague, Unique("美的置业"));
  Contact chair = AddContact(colleague, other, "董事长何");
  Know(colleague, chair, 3);
  EXPECT_THAT(Path(manager, me.user_id, chair),
              ElementsAre(me.user_id, "秘书小陈", colleague.user_id, "董事长何"));
}

TEST_F(RelationsTest, AmongEquallyShortPathsTheStrongestWins) {
  const std::string dept = NewId();
  auth::Principal me = Rep(dept);
  auth::Principal weak = Manager({dept});
  auth::Principal strong = Manager({dept});
  auth::Principal manager = Manager({dept});
  Customer customer = MakeCustomer(me, Unique("联想集团"));
  Contact shared_weak = AddContact(me, customer, "甲");
  Contact shared_strong = AddContact(me, customer, "乙");
  Customer target_customer = MakeCustomer(me, Unique("联想创投"));
  Contact target = AddContact(me, target_customer, "目标");
  Know(me, shared_weak, 5);
  Know(weak, shared_weak, 1);
  Know(weak, target, 1);
  Know(me, shared_strong, 4);
  Know(strong, shared_strong, 5);
  Know(strong, target, 5);
  EXPECT_THAT(Path(manager, me.user_id, target),
              ElementsAre(me.user_id, "乙", strong.user_id, "目标"));
}

TEST_F(RelationsTest, NoPathOutsideScopeOrBeyondTheStepLimit) {
  const std::string dept = NewId();
  auth::Principal me = Rep(dept);
  auth::Principal colleague = Rep(dept);
  Customer mine = MakeCustomer(me, Unique("小米集团"));
  Customer theirs = MakeCustomer(colleague, Unique("小米金融"));
  Contact bridge = AddContact(colleague, theirs, "桥梁");
  Contact target = AddContact(me, mine, "雷军");
  // I met the bridge when their customer was mine (relations stay when customers move).
  ASSERT_THAT(conn_->Transact([&](db::Tx& tx) -> absl::Status {
    tx.exec_params(
        "INSERT INTO customers.contact_relations (user_id, contact_id, strength)"
        " VALUES ($1::uuid, $2::uuid, 5)",
        me.user_id, bridge.id);
    return absl::OkStatus();
  }),
              IsOk());
  auth::Principal manager = Manager({dept});
  Know(manager, bridge, 5);
  Know(manager, target, 5);
  // The only path passes through a contact of a customer I cannot see.
  EXPECT_THAT(Path(me, "", target), IsEmpty());
  // My manager sees both: the path exists, but not within 2 steps.
  EXPECT_THAT(Path(manager, me.user_id, target),
              ElementsAre(me.user_id, "桥梁", manager.user_id, "雷军"));
  EXPECT_THAT(Path(manager, me.user_id, target, 2), IsEmpty());
  // A contact I cannot see cannot be asked for.
  EXPECT_THAT(relations_->FindPath(*conn_, me, "", bridge.id, 0), StatusIs(kHidden));
  auto bad = relations_->FindPath(*conn_, me, "x", "y", 9);
  EXPECT_THAT(bad, HasFieldViolation("from_user_id"));
  EXPECT_THAT(bad, HasFieldViolation("to_contact_id"));
  EXPECT_THAT(bad, HasFieldViolation("max_steps"));
}

}  // namespace
}  // namespace crm::customers_service
