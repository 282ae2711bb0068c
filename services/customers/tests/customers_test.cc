#include <atomic>
#include <functional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/auth/scope.h"
#include "libs/ids/uuid.h"
#include "libs/status/field_violations.h"
#include "libs/testing/status_matchers.h"
#include "nlohmann/json.hpp"
#include "services/customers/src/repository.h"
#include "services/customers/tests/fixture.h"

namespace crm::customers_service {
namespace {

using ::crm::test::HasFieldViolation;
using ::crm::test::IsOk;
using ::crm::test::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

constexpr absl::StatusCode kDenied = absl::StatusCode::kPermissionDenied;

std::vector<std::string> Names(const std::vector<Customer>& cs) {
  std::vector<std::string> out;
  for (const auto& c : cs) out.push_back(c.name);
  return out;
}

class CustomersTest : public CustomersFixture {
 protected:
  int CountCustomers() {
    return *conn_->Read([](db::Tx& tx) -> absl::StatusOr<int> {
      return tx.exec("SELECT count(*) FROM customers.customers")[0][0].as<int>();
    });
  }
};

// Numbers are C and eight digits, in the order drawn, and grow a digit rather than wrap past
// 99,999,999 (the sequence is set back afterwards: sequences ignore rollbacks).
TEST_F(CustomersTest, NumbersKeepEveryDigit) {
  auto drawn = conn_->Transact([](db::Tx& tx) -> absl::StatusOr<std::vector<std::string>> {
    const int64_t last =
        tx.exec("SELECT last_value FROM customers.customer_number_seq")[0][0].as<int64_t>();
    std::vector<std::string> out = Repository::NextNumbers(tx, 2).first;
    tx.exec("SELECT setval('customers.customer_number_seq', 99999998)");
    for (auto& n : Repository::NextNumbers(tx, 3).first) out.push_back(std::move(n));
    tx.exec_params("SELECT setval('customers.customer_number_seq', $1)", last + 2);
    return out;
  });
  ASSERT_THAT(drawn, IsOk());
  ASSERT_THAT(*drawn, testing::SizeIs(5));
  EXPECT_THAT((*drawn)[0], testing::MatchesRegex("C[0-9]{8}"));
  EXPECT_LT((*drawn)[0], (*drawn)[1]);
  EXPECT_THAT(std::vector<std::string>(drawn->begin() + 2, drawn->end()),
              ElementsAre("C99999999", "C100000000", "C100000001"));
}

TEST_F(CustomersTest, CreateAndGetKeepEveryField) {
  auth::Principal rep = Rep(NewId());
  Customer c;
  c.name = Unique("华为技术有限公司");
  c.region = "south";
  c.industry = "it";
  c.level = "strategic_partner";
  c.satisfaction = 5;
  c.credit = 4;
  c.address = "深圳市龙岗区坂田华为基地";
  c.postal_code = "518129";
  c.phone = "+86 755 2878-0808";
  c.website = "https://www.huawei.com";
  c.business_licence_number = "914403001922038216";
  c.legal_representative = "赵明路";
  c.registered_capital = Money{4104113182100, "CNY"};
  c.bank = "招商银行深圳分行";
  c.bank_account = "7559 0000 1234";
  c.tax_id = "914403001922038216";
  c.source = "referral";
  c.tags = {"ICT", "重点", "ICT"};
  c.attributes = {{"渠道", "直销"}};
  auto created = customers_->Create(*conn_, rep, meta_, "", c, false);
  ASSERT_THAT(created, IsOk());
  EXPECT_THAT(created->number, testing::MatchesRegex("C[0-9]{8}"));
  EXPECT_EQ(created->owner_id, rep.user_id);
  EXPECT_EQ(created->owner_department_id, rep.department_id);
  EXPECT_THAT(created->tags, ElementsAre("ICT", "重点"));
  auto got = Get(rep, created->id);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->name, c.name);
  EXPECT_EQ(got->address, c.address);
  EXPECT_EQ(got->registered_capital->minor, 4104113182100);
  EXPECT_EQ(got->registered_capital->currency, "CNY");
  EXPECT_EQ(got->attributes.at("渠道"), "直销");
  EXPECT_EQ(got->status, CustomerStatus::kActive);
  EXPECT_EQ(got->version, 1);
  EXPECT_THAT(EventsSinceStart(), ElementsAre("customers.customer.created"));
}

TEST_F(CustomersTest, BadInputNamesEachFieldAndWritesNothing) {
  const int before = CountCustomers();
  Customer c;
  c.name = " ";
  c.satisfaction = 9;
  c.phone = "call me";
  c.region = "East China";
  c.tax_id = "91 44";
  c.registered_capital = Money{-5, "RMB!"};
  c.tags = {""};
  c.owner_id = NewId();
  absl::Status s = customers_->Create(*conn_, Rep(NewId()), meta_, "bad id", c, false).status();
  for (const char* field : {"customer.name", "customer.satisfaction", "customer.phone",
                            "customer.region", "customer.tax_id", "customer.registered_capital",
                            "customer.registered_capital.currency_code", "customer.tags",
                            "customer.owner_id", "request_id"}) {
    EXPECT_THAT(s, HasFieldViolation(field)) << field;
  }
  c = Customer{};
  c.name = "未知地区客户";
  c.region = "atlantis";
  EXPECT_THAT(customers_->Create(*conn_, Rep(NewId()), meta_, "", c, false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("\"atlantis\" is not an active region")));
  EXPECT_EQ(CountCustomers(), before);
  EXPECT_THAT(EventsSinceStart(), IsEmpty());
}

// Statements run with generic plans must still reach their rows through an index condition: a
// partial index is usable only when the statement spells out its condition. Checked with
// sequential scans disabled, so that a plan without a fitting index shows as a scan
// (sequential, or of a whole index in id order). Searches: search_test.cc.
TEST_F(CustomersTest, GenericPlansOfLookupsUseIndexes) {
  // Plans for a table with rows and statistics (an empty one is planned by guesses).
  const auth::Principal owner = Rep(NewId());
  for (int i = 0; i < 300; ++i) MakeCustomer(owner, Unique("计划检查公司"));
  ASSERT_THAT(conn_->Transact([](db::Tx& tx) -> absl::Status {
    tx.exec("ANALYZE customers.customers");
    return absl::OkStatus();
  }),
              IsOk());
  std::unique_ptr<db::Conn> kept = test::KeptPlanSession(conninfo_);
  db::Conn& generic = *kept;
  auto plan_of = [&](const std::string& name, const db::Params& params) {
    return PlanOf(generic, name, params);
  };
  // The scans of customers in the plan that read without an index condition.
  auto full_scans = [&](const std::string& name, const db::Params& params) {
    std::vector<std::string> found;
    std::function<void(const nlohmann::json&)> visit = [&](const nlohmann::json& node) {
      const std::string type = node.value("Node Type", "");
      if (node.value("Relation Name", "") == "customers" && type != "Bitmap Heap Scan" &&
          !node.contains("Index Cond")) {
        found.push_back(type + " " + node.value("Index Name", ""));
      }
      for (const auto& child : node.value("Plans", nlohmann::json::array())) visit(child);
    };
    visit(plan_of(name, params));
    return found;
  };
  // The duplicate lookup of every create, under the kept plan it runs with.
  ASSERT_THAT(generic.Read([](db::Tx& tx) -> absl::Status {
    const db::Statement& s = Repository::FindDuplicatesStatement();
    tx.exec("PREPARE " + tx.quote_name(std::string(s.name)) + " AS " + std::string(s.sql));
    return absl::OkStatus();
  }),
              IsOk());
  EXPECT_THAT(full_scans("customers.find_duplicates", {"某某科技有限公司", "", "02155550000"}),
              IsEmpty());
  // One customer's duplicates: its row by id, the others through the keys' (hash) indexes.
  Customer probe;
  probe.name = Unique("计划检查重复公司");
  probe.tax_id = "91310000MA1FL0000X";
  probe.phone = "021-5555 0000";
  auto probed = customers_->Create(*conn_, owner, meta_, "", probe, /*force=*/true);
  ASSERT_THAT(probed, IsOk());
  auto pairs_of = generic.Read([&](db::Tx& tx) -> absl::StatusOr<std::string> {
    Repository::DuplicatePairs(tx, owner, probed->id, "", "", 10);
    return tx
        .exec(
            "SELECT name FROM pg_prepared_statements"
            " WHERE name LIKE 'customers.duplicate_pairs_of%'")[0][0]
        .as<std::string>();
  });
  ASSERT_THAT(pairs_of, IsOk());
  const db::Params pairs_params{auth::ScopeParam(owner), probed->id, std::string(ids::kMinUuid),
                                "10"};
  EXPECT_THAT(full_scans(*pairs_of, pairs_params), IsEmpty());
  std::vector<std::string> pair_indexes;
  std::function<void(const nlohmann::json&)> indexes_of = [&](const nlohmann::json& node) {
    if (node.value("Relation Name", "") == "customers") {
      pair_indexes.push_back(node.value("Index Name", ""));
    }
    for (const auto& child : node.value("Plans", nlohmann::json::array())) indexes_of(child);
  };
  indexes_of(plan_of(*pairs_of, pairs_params));
  EXPECT_THAT(pair_indexes,
              UnorderedElementsAre("customers_pkey", "customers_tax_id",
                                   "customers_normalized_name", "customers_phone_digits"));
}

TEST_F(CustomersTest, DuplicatesAreRefusedUnlessForced) {
  auth::Principal rep = Rep(NewId());
  const std::string base = Unique("阿里巴巴网络技术");
  Customer c;
  c.name = base + "有限公司";
  c.tax_id = absl::StrCat("9133", NewId().substr(0, 8));
  c.phone = absl::StrCat("0571-", NewId().substr(24, 0), "8502", rand() % 10000);
  auto first = customers_->Create(*conn_, rep, meta_, "", c, false);
  ASSERT_THAT(first, IsOk());

  Customer same_tax;
  same_tax.name = Unique("完全不同的名字");
  same_tax.tax_id = c.tax_id;
  absl::Status s = customers_->Create(*conn_, rep, meta_, "", same_tax, false).status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("same tax id")));
  ErrorInfo info = ErrorInfoOf(s);
  EXPECT_EQ(info.reason, "DUPLICATE_CUSTOMER");
  EXPECT_EQ(info.Get("existing_ids"), first->id);
  EXPECT_EQ(info.Get("matched_on"), "tax_id");
  // Another team's rep learns that it would duplicate, not which customer it is.
  absl::Status hidden =
      customers_->Create(*conn_, Rep(NewId()), meta_, "", same_tax, false).status();
  EXPECT_THAT(hidden, StatusIs(absl::StatusCode::kAlreadyExists,
                               HasSubstr("a customer outside your scope: same tax id")));
  EXPECT_THAT(std::string(hidden.message()), Not(HasSubstr(first->id)));
  EXPECT_THAT(std::string(hidden.message()), Not(HasSubstr(first->number)));
  EXPECT_EQ(ErrorInfoOf(hidden).Get("existing_ids"), "");
  EXPECT_EQ(ErrorInfoOf(hidden).Get("existing_numbers"), "");

  // Full-width letters, spaces, punctuation and the legal-form suffix do not make it new.
  Customer same_name;
  same_name.name = base + " 股份有限公司";
  EXPECT_THAT(customers_->Create(*conn_, rep, meta_, "", same_name, false),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("same name")));
  Customer same_phone;
  same_phone.name = Unique("电话相同的公司");
  same_phone.phone = c.phone;
  EXPECT_THAT(customers_->Create(*conn_, rep, meta_, "", same_phone, false),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("same phone")));
  EXPECT_THAT(customers_->Create(*conn_, rep, meta_, "", same_phone, /*force=*/true), IsOk());
}

TEST_F(CustomersTest, ConcurrentCreatesOfOneCompanyMakeOneCustomer) {
  const std::string name = Unique("并发测试有限公司");
  std::atomic<int> created{0}, duplicates{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      db::Conn conn(conninfo_);
      Customer c;
      c.name = name;
      auto r = customers_->Create(conn, Rep(NewId()), meta_, "", c, false);
      if (r.ok()) ++created;
      if (absl::IsAlreadyExists(r.status())) ++duplicates;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(duplicates.load(), 3);
}

TEST_F(CustomersTest, CreateIsIdempotentByRequestId) {
  auth::Principal rep = Rep(NewId());
  Customer c;
  c.name = Unique("幂等测试公司");
  const std::string request_id = NewId();
  auto first = customers_->Create(*conn_, rep, meta_, request_id, c, false);
  auto again = customers_->Create(*conn_, rep, meta_, request_id, c, false);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(first->id, again->id);
}

// A request id is its caller's own: another rep reusing it creates their own customer and never
// gets the first rep's back, and a replay after the customer left the caller's scope is denied.
TEST_F(CustomersTest, RequestIdsBelongToTheirCaller) {
  const std::string dept = NewId();
  auth::Principal a = Rep(dept), b = Rep(dept);
  const std::string request_id = NewId();
  Customer c;
  c.name = Unique("请求归属公司");
  c.bank_account = "6222020000000001";
  auto mine = customers_->Create(*conn_, a, meta_, request_id, c, false);
  ASSERT_THAT(mine, IsOk());
  Customer other;
  other.name = Unique("另一家公司");
  auto theirs = customers_->Create(*conn_, b, meta_, request_id, other, false);
  ASSERT_THAT(theirs, IsOk());
  EXPECT_NE(theirs->id, mine->id);
  EXPECT_EQ(theirs->owner_id, b.user_id);
  EXPECT_EQ(theirs->bank_account, "");

  ASSERT_THAT(conn_->Transact([&](db::Tx& tx) -> absl::Status {
    tx.exec_params("UPDATE customers.customers SET owner_id = $1 WHERE id = $2", NewId(), mine->id);
    return absl::OkStatus();
  }),
              IsOk());
  EXPECT_THAT(customers_->Create(*conn_, a, meta_, request_id, c, false), StatusIs(kDenied));
}

TEST_F(CustomersTest, RepsSeeOnlyTheirOwnManagersTheirDepartmentsExecutivesAll) {
  const std::string east = NewId(), shanghai = NewId(), north = NewId();
  auth::Principal a = Rep(shanghai), b = Rep(north);
  auth::Principal boss = Manager({east, shanghai});
  Customer mine = MakeCustomer(a, Unique("上海客户"));
  Customer theirs = MakeCustomer(b, Unique("北京客户"));

  EXPECT_THAT(Get(a, mine.id), IsOk());
  EXPECT_THAT(Get(a, theirs.id), StatusIs(kDenied));
  EXPECT_THAT(Get(a, NewId()), StatusIs(kDenied));  // a missing id looks the same
  EXPECT_THAT(Get(boss, mine.id), IsOk());
  EXPECT_THAT(Get(boss, theirs.id), StatusIs(kDenied));
  EXPECT_THAT(Get(Executive(), theirs.id), IsOk());
  EXPECT_THAT(Get(Executive(), NewId()), StatusIs(absl::StatusCode::kNotFound));

  Customer patch = theirs;
  patch.name = "改名";
  EXPECT_THAT(customers_->Update(*conn_, a, meta_, patch, "", {"name"}), StatusIs(kDenied));
  auth::Principal deleter = a;
  deleter.permissions.push_back("customers.delete");
  std::sort(deleter.permissions.begin(), deleter.permissions.end());
  EXPECT_THAT(customers_->Delete(*conn_, deleter, meta_, theirs.id, ""), StatusIs(kDenied));

  auto listed = customers_->List(*conn_, a, {}, 500, "");
  ASSERT_THAT(listed, IsOk());
  EXPECT_THAT(Names(listed->items), ElementsAre(mine.name));
  auto dept = customers_->List(*conn_, boss, {}, 500, "");
  ASSERT_THAT(dept, IsOk());
  EXPECT_THAT(Names(dept->items), ElementsAre(mine.name));
  auto found = Search(a, theirs.name);
  ASSERT_THAT(found, IsOk());
  EXPECT_THAT(*found, IsEmpty());
  // Without customers.read nothing is readable, whatever the scope.
  auth::Principal nobody = a;
  nobody.permissions = {};
  EXPECT_THAT(Get(nobody, mine.id), StatusIs(kDenied));
  EXPECT_THAT(customers_->List(*conn_, nobody, {}, 0, ""), StatusIs(kDenied));
}

TEST_F(CustomersTest, UpdateAppliesTheMaskAndChecksTheEtag) {
  auth::Principal rep = Rep(NewId());
  Customer c = MakeCustomer(rep, Unique("腾讯科技"));
  Customer patch = c;
  patch.level = "major";
  patch.phone = "0755-86013388";
  patch.tags = {"游戏", "社交"};
  auto updated =
      customers_->Update(*conn_, rep, meta_, patch, std::to_string(c.version), {"level", "tags"});
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->level, "major");
  EXPECT_EQ(updated->phone, "");  // not in the mask
  EXPECT_THAT(updated->tags, ElementsAre("游戏", "社交"));
  EXPECT_EQ(updated->version, c.version + 1);
  EXPECT_THAT(customers_->Update(*conn_, rep, meta_, patch, std::to_string(c.version), {"phone"}),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(customers_->Update(*conn_, rep, meta_, patch, "", {"owner_id"}),
              HasFieldViolation("update_mask"));
  patch.level = "vip";
  EXPECT_THAT(customers_->Update(*conn_, rep, meta_, patch, "", {"level"}),
              HasFieldViolation("customer.level"));
  EXPECT_THAT(EventsSinceStart(),
              ElementsAre("customers.customer.created", "customers.customer.updated"));
}

TEST_F(CustomersTest, DeleteHidesTheCustomer) {
  auth::Principal rep = Rep(NewId());
  rep.permissions.push_back("customers.delete");
  std::sort(rep.permissions.begin(), rep.permissions.end());
  Customer c = MakeCustomer(rep, Unique("将被删除"));
  EXPECT_THAT(customers_->Delete(*conn_, rep, meta_, c.id, "99"),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(customers_->Delete(*conn_, rep, meta_, c.id, std::to_string(c.version)), IsOk());
  EXPECT_THAT(Get(rep, c.id), StatusIs(kDenied));
  EXPECT_THAT(Names(customers_->List(*conn_, rep, {}, 0, "")->items), IsEmpty());
  EXPECT_THAT(customers_->Delete(*conn_, Rep(NewId()), meta_, c.id, ""), StatusIs(kDenied));
}

TEST_F(CustomersTest, ListFiltersAndPages) {
  auth::Principal rep = Rep(NewId());
  Customer hw = MakeCustomer(rep, Unique("华为技术有限公司"), "south");
  Customer hwc = MakeCustomer(rep, Unique("华为终端有限公司"), "south");
  Customer zte = MakeCustomer(rep, Unique("中兴通讯股份有限公司"), "south");
  Customer bj = MakeCustomer(rep, Unique("北京华联"), "north");
  CustomerFilter f;
  f.name_contains = "华为";
  auto two = customers_->List(*conn_, rep, f, 0, "");
  ASSERT_THAT(two, IsOk());
  EXPECT_THAT(Names(two->items), ElementsAre(hwc.name, hw.name));  // newest first
  f.name_contains = "华";                                          // one character
  EXPECT_THAT(Names(customers_->List(*conn_, rep, f, 0, "")->items),
              ElementsAre(bj.name, hwc.name, hw.name));
  f = {};
  f.region = "south";
  auto page1 = customers_->List(*conn_, rep, f, 2, "");
  ASSERT_THAT(page1, IsOk());
  EXPECT_THAT(Names(page1->items), ElementsAre(zte.name, hwc.name));
  auto page2 = customers_->List(*conn_, rep, f, 2, page1->next_page_token);
  ASSERT_THAT(page2, IsOk());
  EXPECT_THAT(Names(page2->items), ElementsAre(hw.name));
  EXPECT_TRUE(page2->next_page_token.empty());
  f.region = "north";
  EXPECT_THAT(customers_->List(*conn_, rep, f, 2, page1->next_page_token),
              HasFieldViolation("page_token"));
  f = {};
  f.owner_id = "nope";
  EXPECT_THAT(customers_->List(*conn_, rep, f, -1, ""), HasFieldViolation("owner_id"));
}

TEST_F(CustomersTest, SearchFindsChineseFragmentsMisspellingsNumbersAndPhones) {
  auth::Principal rep = Rep(NewId());
  Customer hw = MakeCustomer(rep, Unique("华为技术有限公司"));
  Customer ali = MakeCustomer(rep, "Alibaba Group Holding " + NewId().substr(30));
  Customer other = MakeCustomer(rep, Unique("中国石油天然气"));
  Customer patch = other;
  patch.phone = "010-5998 6223";
  ASSERT_THAT(customers_->Update(*conn_, rep, meta_, patch, "", {"phone"}), IsOk());

  auto found = Search(rep, "华为");
  ASSERT_THAT(found, IsOk());
  EXPECT_THAT(Names(*found), ElementsAre(hw.name));
  found = Search(rep, "Alibabba Group");  // misspelt
  ASSERT_THAT(found, IsOk());
  EXPECT_THAT(Names(*found), Contains(ali.name));
  found = Search(rep, other.number);
  ASSERT_THAT(found, IsOk());
  EXPECT_THAT(Names(*found), ElementsAre(other.name));
  found = Search(rep, "01059986223");
  ASSERT_THAT(found, IsOk());
  EXPECT_THAT(Names(*found), ElementsAre(other.name));
  EXPECT_THAT(Search(rep, "  "), HasFieldViolation("query"));
}

TEST_F(CustomersTest, SearchIgnoresCaseBeyondAscii) {
  auth::Principal rep = Rep(NewId());
  Customer nordic = MakeCustomer(rep, Unique("Ålesund Ærø Handel"));
  Customer wide = MakeCustomer(rep, Unique("ＡＢＣ电子"));
  auto found = Search(rep, "ÅLESUND ÆRØ");
  ASSERT_THAT(found, IsOk());
  EXPECT_THAT(Names(*found), ElementsAre(nordic.name));
  found = Search(rep, "ａｂｃ电");
  ASSERT_THAT(found, IsOk());
  EXPECT_THAT(Names(*found), ElementsAre(wide.name));
}

TEST_F(CustomersTest, DictionariesAreDataForAdmins) {
  auto levels = customers_->ListDictionary(*conn_, Rep(NewId()), "level");
  ASSERT_THAT(levels, IsOk());
  std::vector<std::string> names;
  for (const auto& e : *levels) names.push_back(e.name);
  EXPECT_THAT(names, ElementsAre("普通客户", "重点开发客户", "大客户", "合作伙伴", "战略合作伙伴"));
  auth::Principal nobody = Rep(NewId());
  nobody.permissions.clear();
  EXPECT_THAT(customers_->ListDictionary(*conn_, nobody, "level"), StatusIs(kDenied));
  DictionaryEntry vip{"level", "vip_test", "贵宾客户", 9, true};
  EXPECT_THAT(customers_->UpsertDictionaryEntry(*conn_, Rep(NewId()), meta_, vip),
              StatusIs(kDenied));
  ASSERT_THAT(customers_->UpsertDictionaryEntry(*conn_, Executive(), meta_, vip), IsOk());
  EXPECT_THAT(EventsSinceStart(), ElementsAre("customers.dictionary_entry.upserted"));
  Customer c;
  c.name = "贵宾测试";
  c.level = "vip_test";
  EXPECT_THAT(customers_->Create(*conn_, Rep(NewId()), meta_, "", c, true), IsOk());
  vip.active = false;
  ASSERT_THAT(customers_->UpsertDictionaryEntry(*conn_, Executive(), meta_, vip), IsOk());
  c.name = "贵宾测试二";
  EXPECT_THAT(customers_->Create(*conn_, Rep(NewId()), meta_, "", c, true),
              HasFieldViolation("customer.level"));
  DictionaryEntry bad{"level", "Bad Code", "", 0, true};
  absl::Status s = customers_->UpsertDictionaryEntry(*conn_, Executive(), meta_, bad).status();
  EXPECT_THAT(s, HasFieldViolation("entry.code"));
  EXPECT_THAT(s, HasFieldViolation("entry.name"));
}

}  // namespace
}  // namespace crm::customers_service
