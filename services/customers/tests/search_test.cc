// Search and name filters answered by PostgreSQL: each search shape reaches its rows through
// its index under the plan the service runs, and what is found is exactly what a full scan
// comparing every name finds, in every scope.

#include <functional>
#include <future>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "libs/auth/scope.h"
#include "libs/ids/uuid.h"
#include "libs/testing/status_matchers.h"
#include "nlohmann/json.hpp"
#include "services/customers/src/handovers.h"
#include "services/customers/src/merges.h"
#include "services/customers/src/repository.h"
#include "services/customers/tests/fixture.h"

namespace crm::customers_service {
namespace {

using test::IsOk;
using ::testing::Contains;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::IsSubsetOf;
using ::testing::IsSupersetOf;
using ::testing::Not;
using ::testing::UnorderedElementsAreArray;

class SearchTest : public CustomersFixture {
 protected:
  static std::vector<std::string> Ids(const std::vector<Customer>& cs) {
    std::vector<std::string> out;
    for (const auto& c : cs) out.push_back(c.id);
    return out;
  }

  std::vector<std::string> SearchIds(const auth::Principal& caller, const std::string& query,
                                     int page_size = 100) {
    auto found = Search(caller, query, page_size);
    EXPECT_THAT(found, IsOk()) << query;
    return found.ok() ? Ids(*found) : std::vector<std::string>{};
  }

  // Every page of ListCustomers, seven at a time, up to `max` customers.
  std::vector<std::string> ListedIds(const auth::Principal& caller, const CustomerFilter& filter,
                                     size_t max = 500) {
    std::vector<std::string> out;
    std::string token;
    do {
      auto page = customers_->List(*conn_, caller, filter, 7, token);
      EXPECT_THAT(page, IsOk()) << filter.name_contains;
      if (!page.ok()) break;
      for (const auto& c : page->items) out.push_back(c.id);
      token = page->next_page_token;
    } while (!token.empty() && out.size() < max);
    if (out.size() > max) out.resize(max);
    return out;
  }

  // The live customers in the caller's scope whose lower-cased name contains the lower-cased
  // query, found by reading every row (no index may be used), in `order`.
  std::vector<std::string> FullScan(const auth::Principal& caller, const std::string& query,
                                    const std::string& order, int limit) {
    db::Conn scan(db::WithConnectOption(
        conninfo_, "options",
        "-c enable_indexscan=off -c enable_bitmapscan=off -c enable_indexonlyscan=off"));
    auto ids = scan.Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<std::string>> {
      std::optional<std::string> owner, departments;
      if (caller.scope == auth::DataScope::kOwn) owner = caller.user_id;
      if (caller.scope == auth::DataScope::kDepartment) departments = auth::ScopeParam(caller);
      std::vector<std::string> out;
      for (const auto& row :
           tx.exec_params("SELECT c.id::text FROM customers.customers c WHERE c.deleted_at IS NULL"
                          " AND strpos(lower(c.name), lower($1)) > 0"
                          " AND ($2::uuid IS NULL OR c.owner_id = $2::uuid)"
                          " AND ($3::uuid[] IS NULL OR c.owner_department_id = ANY($3::uuid[]))"
                          " ORDER BY " +
                              order + " LIMIT $4",
                          query, owner, departments, limit)) {
        out.push_back(row[0].as<std::string>());
      }
      return out;
    });
    EXPECT_THAT(ids, IsOk());
    return ids.ok() ? *ids : std::vector<std::string>{};
  }

  // The indexes of customers.customers that the plan of `q` reads, as sessions with `options`
  // plan it (the search sessions' by default); a scan of the table without an index condition
  // is reported as "scan". With `conditions`, each index's conditions too, as "index: condition".
  std::vector<std::string> IndexesOf(const std::string& name, const std::string& sql,
                                     const db::Params& params,
                                     std::vector<std::string>* conditions = nullptr,
                                     const char* options = kSearchSessionOptions) {
    db::Conn searching(db::WithConnectOption(conninfo_, "options", options));
    EXPECT_THAT(searching.Read([&](db::Tx& tx) -> absl::Status {
      tx.exec("PREPARE " + tx.quote_name(name) + " AS " + sql);
      return absl::OkStatus();
    }),
                IsOk());
    std::vector<std::string> found;
    std::function<void(const nlohmann::json&)> visit = [&](const nlohmann::json& node) {
      if (node.value("Relation Name", "") == "customers" || node.contains("Index Name")) {
        const std::string type = node.value("Node Type", "");
        if (type == "Bitmap Heap Scan") {
          // Its rows come from the bitmap index scans below it.
        } else if (node.contains("Index Cond")) {
          found.push_back(node.value("Index Name", ""));
          if (conditions != nullptr) {
            conditions->push_back(found.back() + ": " + node.value("Index Cond", ""));
          }
        } else {
          found.push_back("scan");
        }
      }
      for (const auto& child : node.value("Plans", nlohmann::json::array())) visit(child);
    };
    visit(PlanOf(searching, name, params));
    return found;
  }

  std::vector<std::string> SearchIndexes(const auth::Principal& caller, const std::string& query,
                                         std::vector<std::string>* conditions = nullptr) {
    db::Query q = Repository::Search(query, caller, 20);
    return IndexesOf(std::string(q.stmt.name), std::string(q.stmt.sql), q.params, conditions);
  }
};

// Names in many scripts and shapes: words, digits, punctuation, case that changes length when
// lowered, characters without case, LIKE's own characters.
const std::vector<std::string> kNames = {
    "Huaxin Bohai Trading Co., Ltd. 123457",
    "华为技术有限公司",
    "华信Huaxin混合 abc123",
    "Ålesund Ærø Handel",
    "ＡＢＣ电子",
    "Straße und Weg",
    "İstanbul Ticaret A.Ş.",
    "Ωmega ΣΙΓΜΑ Σίσυφος",
    "KELVIN \u212A sign",
    "x-y_z a b  c",
    "100% 纯净水公司",
    "😀 smile 😀",
    "a",
    "ÀÉÎÕÜ àéîõü",
    "北京华信恒达科技有限公司",
};

TEST_F(SearchTest, FindsWhatAFullScanFindsInEveryScope) {
  const std::string dept = NewId(), other_dept = NewId();
  const auth::Principal a = Rep(dept), b = Rep(dept), c = Rep(other_dept);
  const char* cities[] = {"北京", "上海", "深圳"};
  const char* chars[] = {"华", "信", "恒", "达"};
  const char* trades[] = {"科技", "贸易"};
  const char* latin[] = {"Huaxin", "Hengda", "Xinyuan", "Bohai"};
  for (int i = 0; i < 150; ++i) {
    const auth::Principal& owner = i % 5 == 0 ? c : i % 3 == 0 ? b : a;
    std::string name =
        i % 4 == 3 ? absl::StrCat(latin[(i / 4) % 4], " ", latin[(i / 3) % 4],
                                  i % 8 == 3 ? " Technology" : " Trading", " Co., Ltd. ", i)
                   : absl::StrCat(cities[i % 3], chars[i % 4], chars[(i / 4) % 4], trades[i % 2],
                                  i % 5 == 0 ? "集团有限公司" : "有限公司", "（", i, "）");
    MakeCustomer(owner, name);
  }
  for (size_t i = 0; i < kNames.size(); ++i) MakeCustomer(i % 2 ? a : c, kNames[i]);

  const std::vector<auth::Principal> callers = {
      a, b, c, Manager({dept}), Manager({other_dept, dept}), Executive()};
  // Searches: every query that is not a Latin word (those also look for misspellings, below).
  const std::vector<std::string> searches = {
      "华信",     "北京华", "信恒科技", "有限公司", "深圳", "华",      "ＡＢＣ电",
      "ａｂｃ电", "纯净",   "% 纯",     "😀",        "ab",   "ΣΙΓ",     "σίσ",
      "Ærø H",    "ß",      "İ",        "\u212A",   "é",    "科技（1", "无此名字"};
  for (const auto& caller : callers) {
    for (const auto& q : searches) {
      EXPECT_THAT(SearchIds(caller, q),
                  ElementsAreArray(FullScan(caller, q, "length(c.name), c.id DESC", 100)))
          << q;
    }
  }
  // Name filters, Latin words included.
  const std::vector<std::string> filters = {"华信",    "北京华", "Trading", "有限公司",
                                            "ltd. 1",  "BOHAI",  "y_z",     "100%",
                                            "ålesund", "a b",    "无此名字"};
  for (const auto& caller : callers) {
    for (const auto& q : filters) {
      CustomerFilter f;
      f.name_contains = q;
      EXPECT_THAT(ListedIds(caller, f), ElementsAreArray(FullScan(caller, q, "c.id DESC", 500)))
          << q;
    }
  }
  // Latin searches: the names containing the query come first, exactly as a full scan finds
  // them; then names like it.
  for (const auto& caller : callers) {
    for (const std::string q : {"Trading", "huaxin", "BOHAI", "ltd. 1", "ålesund"}) {
      const std::vector<std::string> contained =
          FullScan(caller, q, "length(c.name), c.id DESC", 100);
      std::vector<std::string> found = SearchIds(caller, q);
      ASSERT_GE(found.size(), contained.size()) << q;
      found.resize(contained.size());
      EXPECT_THAT(found, ElementsAreArray(contained)) << q;
    }
  }
  // Misspelt Latin names are found, and only within the caller's scope: a word with a letter
  // missed anywhere finds every name containing the word it was meant to be.
  for (const auto& caller : callers) {
    const std::vector<std::string> in_scope = FullScan(caller, "", "c.id DESC", 100000);
    for (const std::string q : {"huaxn", "hengd", "xinyun bohai", "tradng co", "ålesnd"}) {
      EXPECT_THAT(SearchIds(caller, q), IsSubsetOf(in_scope)) << q;
    }
    for (const auto& [typed, meant] : std::vector<std::pair<std::string, std::string>>{
             {"huain", "huaxin"}, {"hegda", "hengda"}, {"Xinuan", "xinyuan"}}) {
      EXPECT_THAT(SearchIds(caller, typed), IsSupersetOf(FullScan(caller, meant, "c.id DESC", 100)))
          << typed;
    }
  }
  // Every word of a query of several needs a word like it in the name.
  std::vector<std::string> both;
  const std::vector<std::string> bohai = FullScan(Executive(), "bohai", "c.id DESC", 100000);
  for (const std::string& id : FullScan(Executive(), "xinyuan", "c.id DESC", 100000)) {
    if (std::find(bohai.begin(), bohai.end(), id) != bohai.end()) both.push_back(id);
  }
  ASSERT_THAT(both, Not(IsEmpty()));
  EXPECT_THAT(SearchIds(Executive(), "xinyun bohai"), UnorderedElementsAreArray(both));
  EXPECT_THAT(SearchIds(Executive(), "xinyun bohaiq zzzyx"), IsEmpty());
}

// Searches and name filters see each change as soon as it commits.
TEST_F(SearchTest, FollowsRenamesHandOversMergesAndDeletions) {
  const std::string dept = NewId();
  const auth::Principal rep = Rep(dept), other = Rep(dept), manager = Manager({dept});
  Customer c = MakeCustomer(rep, Unique("搜索跟随测试公司"));
  EXPECT_THAT(SearchIds(rep, "搜索跟随"), ElementsAreArray({c.id}));
  Customer renamed = c;
  renamed.name = Unique("改名之后的公司");
  ASSERT_THAT(customers_->Update(*conn_, rep, meta_, renamed, "", {"name"}), IsOk());
  EXPECT_THAT(SearchIds(rep, "搜索跟随"), IsEmpty());
  EXPECT_THAT(SearchIds(rep, "改名之后"), ElementsAreArray({c.id}));
  // A word no name had before is found misspelt as soon as a name has it.
  Customer latin = renamed;
  latin.name = "Zephyrinth Holdings";
  EXPECT_THAT(SearchIds(rep, "zephyrnth"), IsEmpty());
  ASSERT_THAT(customers_->Update(*conn_, rep, meta_, latin, "", {"name"}), IsOk());
  EXPECT_THAT(SearchIds(rep, "zephyrnth"), ElementsAreArray({c.id}));
  ASSERT_THAT(customers_->Update(*conn_, rep, meta_, renamed, "", {"name"}), IsOk());
  EXPECT_THAT(SearchIds(rep, "zephyrnth"), IsEmpty());

  Handovers handovers(&outbox_, &request_log_);
  ASSERT_THAT(
      handovers.Run(*conn_, manager, meta_, {NewId(), rep.user_id, other.user_id, {c.id}, "调岗"},
                    {other.user_id, other.department_id, true, true}),
      IsOk());
  EXPECT_THAT(SearchIds(rep, "改名之后"), IsEmpty());
  EXPECT_THAT(SearchIds(other, "改名之后"), ElementsAreArray({c.id}));

  Customer dup = MakeCustomer(other, Unique("改名之后的公司"));
  EXPECT_THAT(SearchIds(other, "改名之后"), UnorderedElementsAreArray({c.id, dup.id}));
  Merges merges(&outbox_, &request_log_);
  ASSERT_THAT(merges.Run(*conn_, manager, meta_, {NewId(), c.id, dup.id, "", ""}), IsOk());
  EXPECT_THAT(SearchIds(other, "改名之后"), ElementsAreArray({c.id}));

  ASSERT_THAT(customers_->Delete(*conn_, Executive(), meta_, c.id, ""), IsOk());
  EXPECT_THAT(SearchIds(other, "改名之后"), IsEmpty());
  CustomerFilter f;
  f.name_contains = "改名之后";
  EXPECT_THAT(ListedIds(other, f), IsEmpty());
}

// Each search shape reads its rows through its own index, as the search sessions plan it, over
// a table with rows and statistics: 20,000 customers of 50 owners in 5 departments, a tenth of
// them with Latin names.
TEST_F(SearchTest, EachSearchShapeUsesItsIndex) {
  auto owner = [](int k) { return absl::StrFormat("00000000-0000-7000-8000-%012d", k); };
  auto department = [](int k) { return absl::StrFormat("00000000-0000-7000-9000-%012d", k); };
  ASSERT_THAT(conn_->Transact([&](db::Tx& tx) -> absl::Status {
    tx.exec(
        "INSERT INTO customers.customers (id, number, name, phone, owner_id, owner_department_id)"
        " SELECT gen_random_uuid(), 'P' || lpad(i::text, 8, '0'),"
        " CASE WHEN i % 10 = 0 THEN"
        " (ARRAY['Zhongtian', 'Huaxin', 'Hengda', 'Bohai', 'Jinlong', 'Xinyuan', 'Tianma', "
        "'Haiyang', 'Dongfang', 'Changcheng', 'Baiyun', 'Qingshan', 'Lianhe', 'Ruifeng', "
        "'Kaixuan'])[i / 10 % 15 + 1]"
        " || ' ' || (ARRAY['Precision', 'Logistics', 'Pharma', 'Textile', 'Media', 'Foods', "
        "'Software', 'Materials', 'Energy', 'Optics', 'Robotics'])[i / 150 % 11 + 1]"
        " || ' Co., Ltd.'"
        " ELSE (ARRAY['杭州', '广州', '成都', '武汉', '南京', '西安', '苏州', '天津'])[i % 8 + 1]"
        " || (ARRAY['天', '元', '泰', '和', '盛', '安', '鑫', '华', '嘉', '隆', '德', '汇'])[i / 8 "
        "% 12 + 1]"
        " || (ARRAY['宏', '兴', '瑞', '丰', '茂', '源', '通', '达', '信', '恒'])[i / 96 % 10 + 1]"
        " || (ARRAY['物流', '食品', '软件', '建材', '医药', '纺织', '传媒', '科技', '贸易', "
        "'电子'])[i / 960 % 10 + 1]"
        " || (ARRAY['有限公司', '股份有限公司', '集团有限公司'])[i % 3 + 1] END,"
        " CASE WHEN i % 3 = 0 THEN '0571-8' || lpad(i::text, 7, '0') ELSE '' END,"
        " ('00000000-0000-7000-8000-' || lpad((i % 50)::text, 12, '0'))::uuid,"
        " ('00000000-0000-7000-9000-' || lpad((i % 50 % 5)::text, 12, '0'))::uuid"
        " FROM generate_series(1, 20000) i");
    return absl::OkStatus();
  }),
              IsOk());
  // As autovacuum leaves it: statistics, and the GIN indexes' pending entries merged.
  ASSERT_THAT(conn_->Read([](db::Tx& tx) -> absl::Status {
    tx.exec("VACUUM ANALYZE customers.customers");
    return absl::OkStatus();
  }),
              IsOk());
  auth::Principal rep = Rep(department(3));
  rep.user_id = owner(3);
  const auth::Principal manager = Manager({department(3)});
  const auth::Principal executive = Executive();
  // The name branch's index, next to the exact number's (customers_number_key). A whole name's
  // grams alone find few enough rows to check the scope on.
  for (const auto& caller : {rep, manager, executive}) {
    for (const std::string q : {"物流", "杭州天宏物流", "泰"}) {
      EXPECT_THAT(SearchIndexes(caller, q), Contains("customers_name_grams")) << q;
    }
  }
  EXPECT_THAT(SearchIndexes(rep, "C90000003"), Contains("customers_number_key"));
  EXPECT_THAT(SearchIndexes(rep, "0571-80000003"), Contains("customers_phone_digits"));
  // A Latin query's names, containing it or like it, through the trigram index.
  EXPECT_THAT(SearchIndexes(rep, "zhongtan logistcs"), Contains("customers_name_trgm"));
  EXPECT_THAT(SearchIndexes(manager, "zhongtan logistcs"), Contains("customers_name_trgm"));
  EXPECT_THAT(SearchIndexes(executive, "zhongtan logistcs"), Contains("customers_name_trgm"));
  // A manager's department reaches the trigram index with the query, in both Latin branches.
  for (const std::string q : {"zhongtan logistcs", "huaxin"}) {
    std::vector<std::string> conditions;
    SearchIndexes(Manager({department(3), department(4)}), q, &conditions);
    int trigram = 0;
    for (const auto& c : conditions) {
      if (!absl::StartsWith(c, "customers_name_trgm")) continue;
      ++trigram;
      EXPECT_THAT(c, testing::HasSubstr("owner_department_id")) << q;
    }
    EXPECT_EQ(trigram, 2) << q;  // one for each branch, run once for each department
  }
  for (const auto& caller : {rep, manager, executive}) {
    for (const std::string q :
         {"物流", "泰", "杭州天宏物流", "C90000003", "0571-80000003", "zhongtan logistcs"}) {
      EXPECT_THAT(SearchIndexes(caller, q), Not(Contains("scan"))) << q;
    }
  }
  // A name filter of a list, planned for its parameters (as db::ExecPlanned runs it).
  for (const auto& [caller, expected] : std::vector<std::pair<auth::Principal, std::string>>{
           {executive, "customers_name_grams"}, {manager, "customers_name_grams"}}) {
    const db::Statement list = Repository::ListStatement(caller.scope);
    const db::Params params{
        std::string(ids::kMaxUuid), "",   "",     "", "", "", "", "成都安", "%成都安%",
        auth::ScopeParam(caller),   "20", "false"};
    EXPECT_THAT(IndexesOf(std::string(list.name), std::string(list.sql), params, nullptr,
                          "-c plan_cache_mode=force_custom_plan"),
                Contains(testing::EndsWith(expected)))
        << list.name;
  }
}

}  // namespace
}  // namespace crm::customers_service
