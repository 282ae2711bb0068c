#include <atomic>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "libs/validation/updates.h"
#include "services/customers/src/merges.h"
#include "services/customers/src/relations.h"
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

class MergesTest : public CustomersFixture {
 protected:
  void SetUp() override {
    CustomersFixture::SetUp();
    merges_ = std::make_unique<Merges>(&outbox_, &request_log_);
    dept_ = NewId();
    manager_ = Manager({dept_});
  }

  // A name no other test uses, the same for every call with the same `n`.
  std::string Company(int n) { return absl::StrCat("合并测试", n, "号", Suffix(), "有限公司"); }
  const std::string& Suffix() {
    static std::atomic<int> next{0};
    if (suffix_.empty()) suffix_ = absl::StrCat("-", next++, "-", NewId().substr(24));
    return suffix_;
  }

  Customer Make(const auth::Principal& owner, const std::string& name,
                const std::string& phone = "", const std::string& tax_id = "") {
    Customer c;
    c.name = name;
    c.phone = phone;
    c.tax_id = tax_id;
    auto created = customers_->Create(*conn_, owner, meta_, "", c, /*force=*/true);
    EXPECT_THAT(created, IsOk());
    return created.ok() ? *created : Customer{};
  }

  // The pairs the caller sees, as "a|b" in the order returned.
  std::vector<std::string> Pairs(const auth::Principal& caller, const std::string& of = "",
                                 int page_size = 50) {
    std::vector<std::string> out;
    std::string token;
    do {
      auto page = merges_->ListCandidates(*conn_, caller, of, page_size, token);
      EXPECT_THAT(page, IsOk());
      if (!page.ok()) break;
      for (const auto& c : page->items) {
        out.push_back(absl::StrCat(c.customer.name, "|", c.duplicate.name));
      }
      token = page->next_page_token;
    } while (!token.empty());
    return out;
  }

  MergeRequest Request(const Customer& survivor, const Customer& duplicate) {
    return {NewId(), survivor.id, duplicate.id, "", ""};
  }

  std::unique_ptr<Merges> merges_;
  std::string dept_;
  auth::Principal manager_;
  std::string suffix_;
};

TEST_F(MergesTest, CandidatesShareANameAPhoneOrATaxIdWithinScope) {
  auth::Principal rep = Rep(dept_);
  auth::Principal colleague = Rep(dept_);
  Customer a = Make(rep, Company(1), "021-5555 0101");
  Customer b = Make(rep, "  " + Company(1) + " ");  // the same normalised name
  Customer c = Make(colleague, absl::StrCat("别名", Suffix()), "(021) 55550101");
  Customer d =
      Make(colleague, absl::StrCat("另一家", Suffix()), "", "91310000MA1K" + Suffix().substr(1, 4));
  Customer e = Make(rep, absl::StrCat("不相干", Suffix()), "", d.tax_id);

  // The rep sees only their own pair; the manager the three pairs of the department.
  EXPECT_THAT(Pairs(rep), ElementsAre(absl::StrCat(a.name, "|", b.name)));
  auto all = Pairs(manager_);
  EXPECT_THAT(all, UnorderedElementsAre(absl::StrCat(a.name, "|", b.name),
                                        absl::StrCat(a.name, "|", c.name),
                                        absl::StrCat(d.name, "|", e.name)));
  EXPECT_EQ(Pairs(manager_, "", 1), all);
  auto of_a = merges_->ListCandidates(*conn_, manager_, a.id, 10, "");
  ASSERT_THAT(of_a, IsOk());
  ASSERT_EQ(of_a->items.size(), 2u);
  for (const auto& cand : of_a->items) {
    EXPECT_EQ(cand.customer.id, a.id);
    EXPECT_THAT(cand.matched_on, ElementsAre(cand.duplicate.id == b.id ? "name" : "phone"));
  }
  EXPECT_THAT(merges_->ListCandidates(*conn_, rep, c.id, 10, ""), StatusIs(kHidden));
  EXPECT_THAT(merges_->ListCandidates(*conn_, rep, "x", 10, ""), HasFieldViolation("customer_id"));
}

// A phone shared by a crowd (a switchboard) is no sign of duplicates: its 51 customers would
// make 1,275 pairs. Such keys are left out of the all-pairs listing.
TEST_F(MergesTest, AKeySharedByACrowdMakesNoPairs) {
  auth::Principal rep = Rep(NewId());
  const std::string switchboard =
      absl::StrCat("400-", rand() % 900 + 100, "-", rand() % 9000 + 1000);
  for (int i = 0; i < 51; ++i) Make(rep, absl::StrCat("总机客户", i, Suffix()), switchboard);
  EXPECT_THAT(Pairs(rep), IsEmpty());
  Customer x =
      Make(rep, absl::StrCat("甲", Suffix()), absl::StrCat("0755-", rand() % 9000000 + 1000000));
  Customer y = Make(rep, absl::StrCat("乙", Suffix()), x.phone);
  EXPECT_THAT(Pairs(rep), ElementsAre(absl::StrCat(x.name, "|", y.name)));
}

TEST_F(MergesTest, AMergeMovesContactsInteractionsAndLinksAndKeepsTheAudit) {
  auth::Principal rep = Rep(dept_);
  Customer survivor = Make(rep, Company(2), "0755-1234 5678");
  Customer other = Make(rep, absl::StrCat("合作伙伴", Suffix()));
  Customer duplicate = Make(rep, Company(2), "", "91440300" + Suffix().substr(1, 6));
  Contact kept_primary = AddContact(rep, survivor, "张总", true);
  Contact their_primary = AddContact(rep, duplicate, "李总", true);
  Contact their_buyer = AddContact(rep, duplicate, "采购王", false, their_primary.id);
  Interaction visit;
  visit.customer_id = duplicate.id;
  visit.method = "visit";
  visit.occurred_at = absl::Now() - absl::Hours(48);
  visit.summary = "初次拜访";
  ASSERT_THAT(people_->CreateInteraction(*conn_, rep, meta_, "", visit), IsOk());
  Relations relations(&outbox_, &request_log_);
  CustomerLink link;
  link.from_customer_id = duplicate.id;
  link.to_customer_id = other.id;
  link.kind = "referral";
  ASSERT_THAT(relations.CreateLink(*conn_, rep, meta_, "", link), IsOk());
  link.to_customer_id = survivor.id;
  link.kind = "partner";
  ASSERT_THAT(relations.CreateLink(*conn_, rep, meta_, "", link), IsOk());
  // The duplicate's document, churn step and last order go with it.
  ASSERT_THAT(conn_->Transact([&](db::Tx& tx) -> absl::Status {
    tx.exec_params(
        "INSERT INTO customers.documents (id, customer_id, file_name, content_type, size_bytes,"
        " sha256, chunks, created_by) VALUES (gen_random_uuid(), $1::uuid, '合同.pdf',"
        " 'application/pdf', 0, repeat('0', 64), 0, $2::uuid)",
        duplicate.id, rep.user_id);
    tx.exec_params(
        "INSERT INTO customers.loss_actions (id, customer_id, kind) VALUES (gen_random_uuid(),"
        " $1::uuid, 'warned')",
        duplicate.id);
    tx.exec_params(
        "UPDATE customers.customers SET last_order_date = '2026-11-01' WHERE id = $1::uuid",
        duplicate.id);
    return absl::OkStatus();
  }),
              IsOk());
  outbox_start_ = 0;
  const std::vector<std::string> before = EventsSinceStart();

  const MergeRequest request = Request(survivor, duplicate);
  auto done = merges_->Run(*conn_, manager_, meta_, request);
  ASSERT_THAT(done, IsOk());
  const auto& [merge, after] = *done;
  // A retry (the duplicate is gone by now) answers with the same merge and changes nothing.
  auto again = merges_->Run(*conn_, manager_, meta_, request);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->first.id, merge.id);
  EXPECT_EQ(again->second.version, after.version);
  EXPECT_EQ(merge.contacts_moved, 2);
  EXPECT_EQ(merge.interactions_moved, 1);
  EXPECT_EQ(merge.links_moved, 1);  // the partnership with the survivor itself is dropped
  EXPECT_EQ(merge.created_by, manager_.user_id);
  EXPECT_EQ(after.tax_id, duplicate.tax_id);  // taken from the duplicate
  EXPECT_EQ(after.phone, survivor.phone);     // the survivor's own wins
  EXPECT_EQ(after.version, survivor.version + 1);

  EXPECT_THAT(Get(manager_, duplicate.id), StatusIs(kHidden));
  auto contacts = people_->ListContacts(*conn_, rep, survivor.id, 10, "");
  ASSERT_THAT(contacts, IsOk());
  ASSERT_EQ(contacts->items.size(), 3u);
  int primaries = 0;
  for (const auto& c : contacts->items) {
    primaries += c.primary;
    if (c.id == their_buyer.id) {
      EXPECT_EQ(c.reports_to_id, their_primary.id);
    }
  }
  EXPECT_EQ(primaries, 1);
  auto contact = people_->GetContact(*conn_, rep, kept_primary.id);
  ASSERT_THAT(contact, IsOk());
  EXPECT_TRUE(contact->primary);
  auto visits = people_->ListInteractions(*conn_, rep, survivor.id, 10, "");
  ASSERT_THAT(visits, IsOk());
  EXPECT_EQ(visits->items.size(), 1u);
  auto map = relations.Map(*conn_, rep, survivor.id);
  ASSERT_THAT(map, IsOk());
  ASSERT_EQ(map->links.size(), 1u);
  EXPECT_EQ(map->links[0].from_customer_id, survivor.id);
  EXPECT_EQ(map->links[0].to_customer_id, other.id);

  auto audit = conn_->Read([&](db::Tx& tx) -> absl::StatusOr<std::string> {
    return tx
        .exec_params("SELECT merged_into::text FROM customers.customers WHERE id = $1::uuid",
                     duplicate.id)[0][0]
        .as<std::string>();
  });
  EXPECT_THAT(audit, IsOk());
  EXPECT_EQ(*audit, survivor.id);
  auto moved = conn_->Read([&](db::Tx& tx) -> absl::StatusOr<std::string> {
    return tx
        .exec_params(
            "SELECT (SELECT count(*) FROM customers.documents WHERE customer_id = $1::uuid)"
            " || ' ' || (SELECT count(*) FROM customers.loss_actions WHERE customer_id = $1::uuid)"
            " || ' ' || (SELECT last_order_date FROM customers.customers WHERE id = $1::uuid)",
            survivor.id)[0][0]
        .as<std::string>();
  });
  ASSERT_THAT(moved, IsOk());
  EXPECT_EQ(*moved, "1 1 2026-11-01");
  std::vector<std::string> events = EventsSinceStart();
  events.erase(events.begin(), events.begin() + before.size());
  EXPECT_THAT(events, ElementsAre("customers.contact.updated", "customers.contact.updated",
                                  "customers.customer.merged"));
}

// The duplicate owner's follow-ups pass to the survivor's owner, who now has the customer.
TEST_F(MergesTest, FollowUpsOnTheDuplicatePassToTheSurvivorsOwner) {
  auth::Principal keeper = Rep(dept_), other = Rep(dept_);
  Customer survivor = Make(keeper, Company(7));
  Customer duplicate = Make(other, Company(7));
  const Interaction recorded = RecordFollowUpDue(other, duplicate);
  ASSERT_THAT(merges_->Run(*conn_, manager_, meta_, Request(survivor, duplicate)), IsOk());
  const std::vector<Interaction> due = FollowUpsDue(keeper);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, recorded.id);
  EXPECT_EQ(due[0].customer_id, survivor.id);
  EXPECT_THAT(FollowUpsDue(other), IsEmpty());
}

TEST_F(MergesTest, NothingChangesOnAStaleEtagOutsideScopeOrWithoutThePermission) {
  auth::Principal rep = Rep(dept_);
  auth::Principal outsider = Rep(NewId());
  Customer survivor = Make(rep, Company(3));
  Customer duplicate = Make(rep, Company(3));
  Customer theirs = Make(outsider, Company(3));
  AddContact(rep, duplicate, "赵经理");
  outbox_start_ = 0;
  const size_t before = EventsSinceStart().size();

  MergeRequest stale = Request(survivor, duplicate);
  stale.duplicate_etag = validation::Etag(duplicate.version + 1);
  EXPECT_THAT(merges_->Run(*conn_, manager_, meta_, stale), StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(merges_->Run(*conn_, manager_, meta_, Request(survivor, theirs)), StatusIs(kHidden));
  EXPECT_THAT(merges_->Run(*conn_, rep, meta_, Request(survivor, duplicate)),
              StatusIs(absl::StatusCode::kPermissionDenied));
  MergeRequest bad{"", "x", "x", "", ""};
  auto invalid = merges_->Run(*conn_, manager_, meta_, bad);
  EXPECT_THAT(invalid, HasFieldViolation("survivor_id"));
  EXPECT_THAT(invalid, HasFieldViolation("duplicate_id"));
  MergeRequest self = Request(survivor, survivor);
  EXPECT_THAT(merges_->Run(*conn_, manager_, meta_, self), HasFieldViolation("duplicate_id"));
  EXPECT_EQ(EventsSinceStart().size(), before);
  EXPECT_THAT(Get(rep, duplicate.id), IsOk());

  // A retry of a merge that happened is the same merge.
  MergeRequest r = Request(survivor, duplicate);
  auto first = merges_->Run(*conn_, manager_, meta_, r);
  auto again = merges_->Run(*conn_, manager_, meta_, r);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(first->first.id, again->first.id);
  // The duplicate is gone: merging it again is refused.
  EXPECT_THAT(merges_->Run(*conn_, manager_, meta_, Request(survivor, duplicate)),
              StatusIs(kHidden));
}

TEST_F(MergesTest, RecordsAreListedWithTheirSurvivorsScope) {
  auth::Principal rep = Rep(dept_);
  Customer survivor = Make(rep, Company(1));
  Customer first = Make(rep, Company(2));
  Customer second = Make(rep, Company(3));
  auto a = merges_->Run(*conn_, manager_, meta_, Request(survivor, first));
  ASSERT_THAT(a, IsOk());
  auto b = merges_->Run(*conn_, manager_, meta_, Request(survivor, second));
  ASSERT_THAT(b, IsOk());

  auto ids = [&](const auth::Principal& p, const std::string& of) {
    std::vector<std::string> out;
    auto page = merges_->List(*conn_, p, of, 0, "");
    if (page.ok()) {
      for (const auto& m : page->items) out.push_back(m.id);
    }
    return out;
  };
  EXPECT_THAT(ids(rep, survivor.id), ElementsAre(b->first.id, a->first.id));  // newest first
  EXPECT_THAT(ids(rep, first.id), ElementsAre(a->first.id));                  // as the duplicate
  EXPECT_THAT(ids(manager_, survivor.id), ElementsAre(b->first.id, a->first.id));
  EXPECT_THAT(ids(Rep(dept_), survivor.id), IsEmpty());
  EXPECT_THAT(ids(Manager({NewId()}), survivor.id), IsEmpty());
  EXPECT_THAT(ids(Executive(), survivor.id), SizeIs(2));
  auto everything = merges_->List(*conn_, rep, "", 500, "");  // every merge the rep can see
  ASSERT_THAT(everything, IsOk());
  EXPECT_THAT(everything->items, SizeIs(2));

  auto page = merges_->List(*conn_, rep, survivor.id, 1, "");
  ASSERT_THAT(page, IsOk());
  ASSERT_THAT(page->items, SizeIs(1));
  auto next = merges_->List(*conn_, rep, survivor.id, 1, page->next_page_token);
  ASSERT_THAT(next, IsOk());
  ASSERT_THAT(next->items, SizeIs(1));
  EXPECT_EQ(next->items[0].id, a->first.id);
  EXPECT_THAT(merges_->List(*conn_, rep, "nope", 0, ""), HasFieldViolation("customer_id"));
  EXPECT_THAT(merges_->List(*conn_, rep, "", 0, page->next_page_token),
              HasFieldViolation("page_token"));
}

}  // namespace
}  // namespace crm::customers_service
