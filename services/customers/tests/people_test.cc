#include <set>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "services/customers/src/people.h"
#include "services/customers/tests/fixture.h"

namespace crm::customers_service {
namespace {

using ::crm::test::HasFieldViolation;
using ::crm::test::IsOk;
using ::crm::test::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// What a limited-scope caller gets for a record that is gone or outside their scope.
constexpr absl::StatusCode kHidden = absl::StatusCode::kPermissionDenied;

class PeopleTest : public CustomersFixture {
 protected:
  Contact NewContact(const Customer& customer, const std::string& name, bool primary = false) {
    Contact c;
    c.customer_id = customer.id;
    c.name = name;
    c.primary = primary;
    return c;
  }

  Interaction NewInteraction(const Customer& customer, absl::Time at,
                             std::optional<absl::CivilDay> follow_up = std::nullopt) {
    Interaction i;
    i.customer_id = customer.id;
    i.method = "visit";
    i.occurred_at = at;
    i.summary = "上门拜访，介绍新产品";
    i.next_follow_up_date = follow_up;
    return i;
  }

  Interaction Record(const auth::Principal& caller, const Customer& customer, absl::Time at,
                     std::optional<absl::CivilDay> follow_up = std::nullopt) {
    auto created = people_->CreateInteraction(*conn_, caller, meta_, "",
                                              NewInteraction(customer, at, follow_up));
    EXPECT_THAT(created, IsOk());
    return created.ok() ? *created : Interaction{};
  }

  std::vector<std::string> FollowUpSummaries(const auth::Principal& caller, absl::CivilDay by) {
    auto page = people_->ListFollowUpsDue(*conn_, caller, by, 100, "");
    EXPECT_THAT(page, IsOk());
    std::vector<std::string> out;
    if (page.ok()) {
      for (const auto& i : page->items) out.push_back(i.summary);
    }
    return out;
  }

  int Count(const char* table) {
    return *conn_->Read([&](db::Tx& tx) -> absl::StatusOr<int> {
      return tx.exec(absl::StrCat("SELECT count(*) FROM customers.", table))[0][0].as<int>();
    });
  }
};

TEST_F(PeopleTest, ContactKeepsEveryFieldAndIsAnnounced) {
  auth::Principal rep = Rep(NewId());
  Customer customer = MakeCustomer(rep, Unique("上海汽车集团"));
  outbox_start_ += 1;  // the customer's own event
  Contact c = NewContact(customer, "  王小明 ", true);
  c.gender = "male";
  c.position = "采购部经理";
  c.office_phone = "021-2201 1888";
  c.mobile = "+86 138 0013 8000";
  c.email = "wang.xm@saicmotor.com";
  c.notes = "喜欢打高尔夫球。\n生日：五月";
  c.buying_role = "decision_maker";
  c.attitude = "supporter";
  c.social_style = "analytical";
  auto created = people_->CreateContact(*conn_, rep, meta_, "", c);
  ASSERT_THAT(created, IsOk());
  EXPECT_EQ(created->name, "王小明");
  EXPECT_EQ(created->version, 1);
  auto got = people_->GetContact(*conn_, rep, created->id);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->customer_id, customer.id);
  EXPECT_EQ(got->position, "采购部经理");
  EXPECT_EQ(got->office_phone, c.office_phone);
  EXPECT_EQ(got->mobile, c.mobile);
  EXPECT_EQ(got->email, c.email);
  EXPECT_EQ(got->notes, c.notes);
  EXPECT_TRUE(got->primary);
  EXPECT_EQ(got->gender, "male");
  EXPECT_EQ(got->buying_role, "decision_maker");
  EXPECT_EQ(got->attitude, "supporter");
  EXPECT_EQ(got->social_style, "analytical");
  EXPECT_THAT(EventsSinceStart(), ElementsAre("customers.contact.created"));
}

TEST_F(PeopleTest, BadContactNamesEachFieldAndWritesNothing) {
  auth::Principal rep = Rep(NewId());
  Customer customer = MakeCustomer(rep, Unique("宝钢股份"));
  const int before = Count("contacts");
  Contact c = NewContact(customer, "");
  c.mobile = "打我电话";
  c.email = "not-an-address";
  c.gender = "unknown";
  c.buying_role = "boss";
  c.attitude = "angry";
  c.social_style = "loud";
  c.reports_to_id = "not-a-uuid";
  absl::Status s = people_->CreateContact(*conn_, rep, meta_, "", c).status();
  for (const char* field :
       {"contact.name", "contact.mobile", "contact.email", "contact.gender", "contact.buying_role",
        "contact.attitude", "contact.social_style", "contact.reports_to_id"}) {
    EXPECT_THAT(s, HasFieldViolation(field)) << field;
  }
  c = NewContact(Customer{}, "李雷");
  EXPECT_THAT(people_->CreateContact(*conn_, rep, meta_, "", c),
              HasFieldViolation("contact.customer_id"));
  c.customer_id = NewId();
  EXPECT_THAT(people_->CreateContact(*conn_, rep, meta_, "", c), StatusIs(kHidden));
  EXPECT_EQ(Count("contacts"), before);
}

TEST_F(PeopleTest, ContactsFollowTheirCustomersScope) {
  const std::string dept = NewId();
  auth::Principal owner = Rep(dept);
  auth::Principal colleague = Rep(dept);
  auth::Principal manager = Manager({dept});
  auth::Principal other_manager = Manager({NewId()});
  Customer customer = MakeCustomer(owner, Unique("中国石化"));
  Contact c = AddContact(owner, customer, "张伟");

  EXPECT_THAT(people_->GetContact(*conn_, manager, c.id), IsOk());
  EXPECT_THAT(people_->GetContact(*conn_, colleague, c.id), StatusIs(kHidden));
  EXPECT_THAT(people_->GetContact(*conn_, other_manager, c.id), StatusIs(kHidden));
  EXPECT_THAT(people_->ListContacts(*conn_, colleague, customer.id, 10, ""), StatusIs(kHidden));
  EXPECT_THAT(people_->CreateContact(*conn_, colleague, meta_, "", NewContact(customer, "李娜")),
              StatusIs(kHidden));
  EXPECT_THAT(people_->CreateContact(*conn_, Executive(), meta_, "", NewContact(customer, "x")),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("customers.write")));
  Contact patch;
  patch.id = c.id;
  patch.position = "总经理";
  EXPECT_THAT(people_->UpdateContact(*conn_, colleague, meta_, patch, "", {"position"}),
              StatusIs(kHidden));
  EXPECT_THAT(people_->UpdateContact(*conn_, manager, meta_, patch, "", {"position"}), IsOk());
}

TEST_F(PeopleTest, OnePrimaryContactPerCustomer) {
  auth::Principal rep = Rep(NewId());
  Customer customer = MakeCustomer(rep, Unique("招商银行"));
  Contact first = AddContact(rep, customer, "刘洋", /*primary=*/true);
  outbox_start_ += 2;  // customer and first contact
  Contact second = AddContact(rep, customer, "陈静", /*primary=*/true);
  EXPECT_FALSE(people_->GetContact(*conn_, rep, first.id)->primary);
  EXPECT_EQ(people_->GetContact(*conn_, rep, first.id)->version, 2);
  EXPECT_TRUE(people_->GetContact(*conn_, rep, second.id)->primary);
  EXPECT_THAT(EventsSinceStart(),
              ElementsAre("customers.contact.updated", "customers.contact.created"));

  Contact patch;
  patch.id = first.id;
  patch.primary = true;
  ASSERT_THAT(people_->UpdateContact(*conn_, rep, meta_, patch, "", {"primary"}), IsOk());
  EXPECT_TRUE(people_->GetContact(*conn_, rep, first.id)->primary);
  EXPECT_FALSE(people_->GetContact(*conn_, rep, second.id)->primary);
}

TEST_F(PeopleTest, ReportingLinesStayWithinTheCustomerAndNeverCycle) {
  auth::Principal rep = Rep(NewId());
  Customer customer = MakeCustomer(rep, Unique("中国移动"));
  Customer other = MakeCustomer(rep, Unique("中国联通"));
  Contact boss = AddContact(rep, customer, "总经理 赵强");
  Contact middle = AddContact(rep, customer, "部门经理 钱芳", false, boss.id);
  Contact clerk = AddContact(rep, customer, "采购员 孙磊", false, middle.id);
  Contact elsewhere = AddContact(rep, other, "周杰");

  Contact patch;
  patch.id = boss.id;
  patch.reports_to_id = clerk.id;
  EXPECT_THAT(people_->UpdateContact(*conn_, rep, meta_, patch, "", {"reports_to_id"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("reporting cycle")));
  patch.reports_to_id = boss.id;
  EXPECT_THAT(people_->UpdateContact(*conn_, rep, meta_, patch, "", {"reports_to_id"}),
              HasFieldViolation("contact.reports_to_id"));
  patch.reports_to_id = elsewhere.id;
  EXPECT_THAT(people_->UpdateContact(*conn_, rep, meta_, patch, "", {"reports_to_id"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("same customer")));
  EXPECT_THAT(people_->CreateContact(*conn_, rep, meta_, "",
                                     [&] {
                                       Contact c = NewContact(customer, "吴敏");
                                       c.reports_to_id = elsewhere.id;
                                       return c;
                                     }()),
              HasFieldViolation("contact.reports_to_id"));

  // Deleting a manager leaves their reports reporting to nobody, and says so.
  outbox_start_ = *conn_->Read([](db::Tx& tx) -> absl::StatusOr<int64_t> {
    return tx.exec("SELECT max(seq) FROM customers.outbox")[0][0].as<int64_t>();
  });
  ASSERT_THAT(people_->DeleteContact(*conn_, rep, meta_, middle.id, ""), IsOk());
  EXPECT_THAT(people_->GetContact(*conn_, rep, middle.id), StatusIs(kHidden));
  EXPECT_EQ(people_->GetContact(*conn_, rep, clerk.id)->reports_to_id, "");
  EXPECT_THAT(EventsSinceStart(),
              ElementsAre("customers.contact.deleted", "customers.contact.updated"));
}

TEST_F(PeopleTest, ContactUpdatesUseMasksAndEtags) {
  auth::Principal rep = Rep(NewId());
  Customer customer = MakeCustomer(rep, Unique("比亚迪"));
  Contact c = AddContact(rep, customer, "黄磊");
  Contact patch;
  patch.id = c.id;
  patch.mobile = "13900139000";
  patch.name = "不会被改";
  auto updated = people_->UpdateContact(*conn_, rep, meta_, patch, "1", {"mobile"});
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->mobile, "13900139000");
  EXPECT_EQ(updated->name, "黄磊");
  EXPECT_EQ(updated->version, 2);
  EXPECT_THAT(people_->UpdateContact(*conn_, rep, meta_, patch, "1", {"mobile"}),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(people_->UpdateContact(*conn_, rep, meta_, patch, "", {"customer_id"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("customer_id")));
  EXPECT_THAT(people_->UpdateContact(*conn_, rep, meta_, patch, "", {}),
              HasFieldViolation("update_mask"));
  patch.email = "bad";
  EXPECT_THAT(people_->UpdateContact(*conn_, rep, meta_, patch, "", {"email"}),
              HasFieldViolation("contact.email"));
  EXPECT_THAT(people_->DeleteContact(*conn_, rep, meta_, c.id, "1"),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(people_->DeleteContact(*conn_, rep, meta_, c.id, "2"), IsOk());
  EXPECT_THAT(people_->DeleteContact(*conn_, rep, meta_, c.id, ""), StatusIs(kHidden));
}

TEST_F(PeopleTest, ContactListPagesThroughEveryContactOnce) {
  auth::Principal rep = Rep(NewId());
  Customer customer = MakeCustomer(rep, Unique("京东方"));
  std::set<std::string> made;
  for (int i = 0; i < 7; ++i) made.insert(AddContact(rep, customer, absl::StrCat("联系人", i)).id);
  std::set<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = people_->ListContacts(*conn_, rep, customer.id, 3, token);
    ASSERT_THAT(page, IsOk());
    for (const auto& c : page->items) EXPECT_TRUE(seen.insert(c.id).second);
    token = page->next_page_token;
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(seen, made);
  EXPECT_EQ(pages, 3);
  Customer other = MakeCustomer(rep, Unique("其他公司"));
  auto first = people_->ListContacts(*conn_, rep, customer.id, 3, "");
  EXPECT_THAT(people_->ListContacts(*conn_, rep, other.id, 3, first->next_page_token),
              HasFieldViolation("page_token"));
}

TEST_F(PeopleTest, InteractionsAreNewestFirstAndRetriesRecordOnce) {
  auth::Principal rep = Rep(NewId());
  Customer customer = MakeCustomer(rep, Unique("美的集团"));
  Contact contact = AddContact(rep, customer, "林芳");
  const absl::Time base = absl::Now() - absl::Hours(24 * 30);
  for (int d = 0; d < 5; ++d) Record(rep, customer, base + absl::Hours(24 * d));

  Interaction i = NewInteraction(customer, absl::Now() - absl::Hours(1));
  i.contact_id = contact.id;
  i.method = "phone";
  i.location = "电话";
  i.details = "客户询问报价。\n已发送报价单。";
  i.result = "等待回复";
  const std::string request_id = NewId();
  auto first = people_->CreateInteraction(*conn_, rep, meta_, request_id, i);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->user_id, rep.user_id);
  auto retry = people_->CreateInteraction(*conn_, rep, meta_, request_id, i);
  ASSERT_THAT(retry, IsOk());
  EXPECT_EQ(retry->id, first->id);

  std::vector<absl::Time> times;
  std::string token;
  do {
    auto page = people_->ListInteractions(*conn_, rep, customer.id, 4, token);
    ASSERT_THAT(page, IsOk());
    for (const auto& x : page->items) times.push_back(x.occurred_at);
    token = page->next_page_token;
  } while (!token.empty());
  ASSERT_EQ(times.size(), 6u);
  EXPECT_TRUE(std::is_sorted(times.rbegin(), times.rend()));
  auto newest = people_->ListInteractions(*conn_, rep, customer.id, 1, "");
  EXPECT_EQ(newest->items.at(0).contact_id, contact.id);
  EXPECT_EQ(newest->items.at(0).details, i.details);
  EXPECT_EQ(newest->items.at(0).method, "phone");
}

TEST_F(PeopleTest, BadInteractionNamesEachFieldAndWritesNothing) {
  auth::Principal rep = Rep(NewId());
  Customer customer = MakeCustomer(rep, Unique("格力电器"));
  Customer other = MakeCustomer(rep, Unique("海尔集团"));
  Contact elsewhere = AddContact(rep, other, "何静");
  const int before = Count("interactions");
  Interaction i;
  i.customer_id = customer.id;
  i.method = "telepathy";
  i.occurred_at = absl::Now() + absl::Hours(24 * 3);
  i.contact_id = "nope";
  absl::Status s = people_->CreateInteraction(*conn_, rep, meta_, "", i).status();
  for (const char* field : {"interaction.method", "interaction.occur_time", "interaction.summary",
                            "interaction.contact_id"}) {
    EXPECT_THAT(s, HasFieldViolation(field)) << field;
  }
  i = NewInteraction(customer, absl::InfinitePast());
  EXPECT_THAT(people_->CreateInteraction(*conn_, rep, meta_, "", i),
              HasFieldViolation("interaction.occur_time"));
  i = NewInteraction(customer, absl::Now());
  i.contact_id = elsewhere.id;
  EXPECT_THAT(people_->CreateInteraction(*conn_, rep, meta_, "", i),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a contact")));
  EXPECT_EQ(Count("interactions"), before);
}

TEST_F(PeopleTest, OnlyTheAuthorChangesAnInteraction) {
  const std::string dept = NewId();
  auth::Principal rep = Rep(dept);
  auth::Principal manager = Manager({dept});
  Customer customer = MakeCustomer(rep, Unique("联想集团"));
  Interaction mine = Record(rep, customer, absl::Now() - absl::Hours(2));
  Interaction patch;
  patch.id = mine.id;
  patch.result = "签订意向书";
  EXPECT_THAT(people_->UpdateInteraction(*conn_, manager, meta_, patch, "", {"result"}),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("recorded")));
  auto updated = people_->UpdateInteraction(*conn_, rep, meta_, patch, "1", {"result"});
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->result, "签订意向书");
  EXPECT_EQ(updated->summary, mine.summary);
  EXPECT_THAT(people_->UpdateInteraction(*conn_, rep, meta_, patch, "1", {"result"}),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(people_->UpdateInteraction(*conn_, rep, meta_, patch, "", {"user_id"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(PeopleTest, FollowUpsAreDueUntilALaterInteraction) {
  auth::Principal rep = Rep(NewId());
  auth::Principal someone_else = Rep(NewId());
  Customer a = MakeCustomer(rep, Unique("小米科技"));
  Customer b = MakeCustomer(rep, Unique("字节跳动"));
  const absl::CivilDay today(2026, 11, 20);
  const absl::Time long_ago = absl::Now() - absl::Hours(24 * 60);

  Interaction ia = NewInteraction(a, long_ago, today - 3);
  ia.summary = "小米：三天前该跟进";
  ASSERT_THAT(people_->CreateInteraction(*conn_, rep, meta_, "", ia), IsOk());
  Interaction ib = NewInteraction(b, long_ago, today + 2);
  ib.summary = "字节：后天跟进";
  ASSERT_THAT(people_->CreateInteraction(*conn_, rep, meta_, "", ib), IsOk());

  EXPECT_THAT(FollowUpSummaries(rep, today), ElementsAre("小米：三天前该跟进"));
  EXPECT_THAT(FollowUpSummaries(rep, today + 2),
              ElementsAre("小米：三天前该跟进", "字节：后天跟进"));
  EXPECT_THAT(FollowUpSummaries(someone_else, today + 2), IsEmpty());

  // Following up on 小米 (by anyone) settles it.
  Record(rep, a, long_ago + absl::Hours(24));
  EXPECT_THAT(FollowUpSummaries(rep, today + 2), ElementsAre("字节：后天跟进"));

  // Paging walks the list once.
  for (int k = 0; k < 4; ++k) {
    Customer c = MakeCustomer(rep, Unique("分页客户"));
    Record(rep, c, long_ago, today - k);
  }
  std::vector<std::string> ids;
  std::string token;
  do {
    auto page = people_->ListFollowUpsDue(*conn_, rep, today, 2, token);
    ASSERT_THAT(page, IsOk());
    for (const auto& x : page->items) ids.push_back(x.id);
    token = page->next_page_token;
  } while (!token.empty());
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 4u);
  auto page = people_->ListFollowUpsDue(*conn_, rep, today, 2, "");
  EXPECT_THAT(people_->ListFollowUpsDue(*conn_, rep, today + 1, 2, page->next_page_token),
              HasFieldViolation("page_token"));
}

}  // namespace
}  // namespace crm::customers_service
