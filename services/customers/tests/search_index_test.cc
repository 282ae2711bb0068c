// The in-memory name index: PostgreSQL's text rules computed in the service, searches answered
// through the index exactly as the database answers them, and the index following changes.

#include <future>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "libs/testing/status_matchers.h"
#include "services/customers/src/handovers.h"
#include "services/customers/src/imports.h"
#include "services/customers/src/merges.h"
#include "services/customers/src/repository.h"
#include "services/customers/src/search_index.h"
#include "services/customers/tests/fixture.h"

namespace crm::customers_service {
namespace {

using test::IsOk;
using ::testing::Contains;
using ::testing::ElementsAreArray;
using ::testing::Not;
using ::testing::UnorderedElementsAreArray;

// Text in many scripts and shapes: words, digits, punctuation, case that changes length when
// lowered, characters without case, and invalid neighbours of word characters.
const std::vector<std::string> kTexts = {
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
    "😀 smile 😀",
    "a",
    "",
    "   ",
    "ÀÉÎÕÜ àéîõü",
    "Zhongtian Xinyuan Technology Co., Ltd. 7",
    "北京华信恒达科技有限公司",
};

const std::vector<std::string> kQueries = {
    "huaxn",  "bohia",    "tradng co", "alibabba group", "ålesnd",   "华为",
    "abc",    "straße",   "k",         "σιγμ",           "istanbul", "ab",
    "xinyun", "zhongtan", "华信hua",   "smile 😀",        "7",        "ltd",
};

class SearchIndexTest : public CustomersFixture {
 protected:
  void SetUp() override {
    CustomersFixture::SetUp();
    SearchIndex::Options o;
    o.db_url = conninfo_;
    names_ = std::make_unique<SearchIndex>(o, reader_.get());
    ASSERT_THAT(names_->Load(), IsOk());
    indexed_ = std::make_unique<Customers>(&outbox_, &request_log_, names_.get());
    auto lc_ctype = conn_->Read([](db::Tx& tx) -> absl::StatusOr<std::string> {
      return tx.exec("SELECT current_setting('lc_ctype')")[0][0].as<std::string>();
    });
    ASSERT_THAT(lc_ctype, IsOk());
    lc_ctype_ = *lc_ctype;
    rules_ = TextRules::ForLocale(lc_ctype_);
    ASSERT_NE(rules_, nullptr);
  }

  void TearDown() override { names_->Stop(); }

  absl::StatusOr<std::vector<Customer>> IndexedSearch(const auth::Principal& caller,
                                                      const std::string& query) {
    std::promise<absl::StatusOr<std::vector<Customer>>> p;
    indexed_->Search(*reader_, caller, query, 20,
                     [&p](absl::StatusOr<std::vector<Customer>> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  static std::vector<std::string> Ids(const std::vector<Customer>& cs) {
    std::vector<std::string> out;
    for (const auto& c : cs) out.push_back(c.id);
    return out;
  }

  std::vector<std::string> IndexedIds(const auth::Principal& caller, const std::string& query) {
    auto found = IndexedSearch(caller, query);
    EXPECT_THAT(found, IsOk()) << query;
    return found.ok() ? Ids(*found) : std::vector<std::string>{};
  }

  // What the index itself finds, after catching up (nullopt: it would not answer).
  std::optional<std::vector<NameHit>> Hits(const auth::Principal& caller,
                                           const std::string& query) {
    const NameIndex* index = names_->Current();
    if (index == nullptr) return std::nullopt;
    return index->Find(caller, query, Repository::IsLatinQuery(query), 20);
  }

  // Every page of ListCustomers filtered by name, seven at a time.
  static std::vector<std::string> ListedIds(const Customers& through, db::Conn& conn,
                                            const auth::Principal& caller,
                                            const CustomerFilter& filter) {
    std::vector<std::string> out;
    std::string token;
    do {
      auto page = through.List(conn, caller, filter, 7, token);
      EXPECT_THAT(page, IsOk()) << filter.name_contains;
      if (!page.ok()) break;
      for (const auto& c : page->items) out.push_back(c.id);
      token = page->next_page_token;
    } while (!token.empty());
    return out;
  }

  template <typename T>
  T Sql(const std::string& sql, const std::string& a, const std::string& b = "") {
    auto r = conn_->Read(
        [&](db::Tx& tx) -> absl::StatusOr<T> { return tx.exec_params(sql, a, b)[0][0].as<T>(); });
    EXPECT_THAT(r, IsOk()) << sql << " " << a;
    return r.ok() ? *r : T{};
  }

  std::unique_ptr<SearchIndex> names_;
  std::unique_ptr<Customers> indexed_;
  std::string lc_ctype_;
  std::unique_ptr<TextRules> rules_;
};

// pg_trgm prints a trigram as its three characters when they are ASCII letters, digits or
// blanks, and as the hex of its three bytes otherwise.
std::string ShowTrigram(uint32_t t) {
  const char bytes[3] = {static_cast<char>(t >> 16), static_cast<char>((t >> 8) & 0xFF),
                         static_cast<char>(t & 0xFF)};
  for (char ch : bytes) {
    const auto u = static_cast<unsigned char>(ch);
    if (u >= 0x80 || !(std::isalnum(u) || u == ' ')) return absl::StrFormat("0x%06x", t);
  }
  return std::string(bytes, 3);
}

TEST_F(SearchIndexTest, TextRulesGiveWhatPostgresGives) {
  for (const auto& text : kTexts) {
    EXPECT_EQ(rules_->Lower(text), Sql<std::string>("SELECT lower($1) || $2", text)) << text;
    auto pg = conn_->Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<std::string>> {
      return db::ParseTextArray(tx.exec_params("SELECT show_trgm($1)", text)[0][0]);
    });
    ASSERT_THAT(pg, IsOk());
    std::vector<std::string> ours;
    for (uint32_t t : UniqueTrigrams(rules_->Trigrams(text))) ours.push_back(ShowTrigram(t));
    EXPECT_THAT(ours, UnorderedElementsAreArray(*pg)) << text;
  }
  int compared = 0;
  for (const auto& query : kQueries) {
    const std::vector<uint32_t> q = UniqueTrigrams(rules_->Trigrams(query));
    for (const auto& text : kTexts) {
      const float pg =
          static_cast<float>(Sql<double>("SELECT word_similarity($1, $2)::float8", query, text));
      EXPECT_EQ(WordSimilarity(q, PrepareTrigrams(rules_->Trigrams(text))), pg)
          << query << " / " << text;
      ++compared;
    }
  }
  EXPECT_EQ(compared, static_cast<int>(kQueries.size() * kTexts.size()));
}

TEST_F(SearchIndexTest, AnswersAsTheDatabaseDoesInEveryScope) {
  const std::string dept = NewId();
  auth::Principal a = Rep(dept), b = Rep(dept);
  const char* cities[] = {"北京", "上海", "深圳"};
  const char* chars[] = {"华", "信", "恒", "达"};
  const char* trades[] = {"科技", "贸易"};
  const char* latin[] = {"Huaxin", "Hengda", "Xinyuan", "Bohai"};
  std::vector<std::string> numbers;
  for (int i = 0; i < 200; ++i) {
    const auth::Principal& owner = i % 3 == 0 ? b : a;
    std::string name =
        i % 4 == 3 ? absl::StrCat(latin[i % 4 == 3 ? (i / 4) % 4 : 0], " ", latin[(i / 3) % 4],
                                  i % 8 == 3 ? " Technology" : " Trading", " Co., Ltd. ", i)
                   : absl::StrCat(cities[i % 3], chars[i % 4], chars[(i / 4) % 4], trades[i % 2],
                                  i % 5 == 0 ? "集团有限公司" : "有限公司", "（", i, "）");
    numbers.push_back(MakeCustomer(owner, name).number);
  }
  // Customer numbers (in any case) are found by the database's branch next to the index's.
  const std::vector<std::string> queries = {"华信",     "北京华",
                                            "信恒科技", "huaxn",
                                            "hengd",    "xinyun bohai",
                                            "Trading",  "有限公司",
                                            "ltd. 1",   "深圳",
                                            "BOHAI",    "no such name",
                                            numbers[0], absl::AsciiStrToLower(numbers[1])};
  const std::vector<auth::Principal> callers = {a, b, Manager({dept}), Executive()};
  for (const auto& caller : callers) {
    for (const auto& q : queries) {
      auto hits = Hits(caller, q);
      ASSERT_TRUE(hits.has_value()) << "the index declined " << q;
      auto plain = Search(caller, q);
      ASSERT_THAT(plain, IsOk());
      EXPECT_THAT(IndexedIds(caller, q), ElementsAreArray(Ids(*plain))) << q;
    }
  }
  // Lists filtered by name: the rows the index finds, the same as checking every name.
  for (const auto& caller : callers) {
    for (const std::string q :
         {"华信", "北京华", "Trading", "有限公司", "ltd. 1", "no such name"}) {
      CustomerFilter f;
      f.name_contains = q;
      const std::vector<std::string> plain = ListedIds(*customers_, *conn_, caller, f);
      EXPECT_THAT(ListedIds(*indexed_, *conn_, caller, f), ElementsAreArray(plain)) << q;
      f.owner_id = a.user_id;
      EXPECT_THAT(ListedIds(*indexed_, *conn_, caller, f),
                  ElementsAreArray(ListedIds(*customers_, *conn_, caller, f)))
          << q;
    }
  }
  {
    const NameIndex* index = names_->Current();
    ASSERT_NE(index, nullptr);
    auto all = index->Containing(Executive(), "有限公司", "", 1000);
    ASSERT_TRUE(all.has_value());
    EXPECT_GT(all->size(), 100u);
    // More than `max`: the database checks the names instead.
    EXPECT_FALSE(index->Containing(Executive(), "有限公司", "", 100).has_value());
    // Below a page's last id only.
    auto rest = index->Containing(Executive(), "有限公司", (*all)[9], 1000);
    ASSERT_TRUE(rest.has_value());
    EXPECT_THAT(*rest, ElementsAreArray(all->begin() + 10, all->end()));
  }

  // Enough similar names that scoring stops early, and still the same answer.
  auto many = Hits(Manager({dept}), "Tradin");
  ASSERT_TRUE(many.has_value());
  EXPECT_EQ(std::count_if(many->begin(), many->end(), [](const NameHit& h) { return h.kind == 2; }),
            20);
  EXPECT_THAT(IndexedIds(Manager({dept}), "Tradin"),
              ElementsAreArray(Ids(*Search(Manager({dept}), "Tradin"))));

  // Past max_scan the database answers, with the same results.
  SearchIndex::Options small;
  small.db_url = conninfo_;
  small.max_scan = 1;
  SearchIndex tiny(small, reader_.get());
  ASSERT_THAT(tiny.Load(), IsOk());
  Customers through_tiny(&outbox_, &request_log_, &tiny);
  std::promise<absl::StatusOr<std::vector<Customer>>> p;
  through_tiny.Search(*reader_, a, "华信", 20,
                      [&p](absl::StatusOr<std::vector<Customer>> r) { p.set_value(std::move(r)); });
  auto via_db = p.get_future().get();
  ASSERT_THAT(via_db, IsOk());
  EXPECT_THAT(Ids(*via_db), ElementsAreArray(Ids(*Search(a, "华信"))));
  tiny.Stop();
}

TEST_F(SearchIndexTest, FollowsEveryChangeBeforeTheNextSearch) {
  const std::string dept = NewId();
  auth::Principal rep = Rep(dept), other = Rep(dept), manager = Manager({dept});
  ASSERT_TRUE(Hits(rep, "x").has_value());  // caught up
  std::optional<SearchIndex::View> before = names_->Peek();
  ASSERT_TRUE(before.has_value());
  Customer c = MakeCustomer(rep, Unique("索引跟随测试公司"));
  // A search naming the position from before the write finds the index stale.
  std::promise<absl::StatusOr<db::Rows>> p;
  const IndexedHits old{{}, before->after_xid, before->after_seq};
  reader_->Submit(Repository::Search("索引跟随", rep, 20, &old),
                  [&p](absl::StatusOr<db::Rows> rows) { p.set_value(std::move(rows)); });
  auto rows = p.get_future().get();
  ASSERT_THAT(rows, IsOk());
  EXPECT_FALSE(Repository::IndexedSearchResult(*rows, 20, old.hits).has_value());
  // Searching through the index catches it up first.
  EXPECT_THAT(IndexedIds(rep, "索引跟随"), ElementsAreArray({c.id}));
  CustomerFilter by_name;
  by_name.name_contains = "索引跟随";
  Customer listed = MakeCustomer(rep, Unique("索引跟随列表公司"));
  EXPECT_THAT(ListedIds(*indexed_, *conn_, rep, by_name), ElementsAreArray({listed.id, c.id}));

  Customer renamed = c;
  renamed.name = Unique("改名之后的公司");
  auto updated = customers_->Update(*conn_, rep, meta_, renamed, "", {"name"});
  ASSERT_THAT(updated, IsOk());
  EXPECT_THAT(IndexedIds(rep, "索引跟随"), Not(Contains(c.id)));
  EXPECT_THAT(IndexedIds(rep, "改名之后"), ElementsAreArray({c.id}));
  EXPECT_THAT(ListedIds(*indexed_, *conn_, rep, by_name), ElementsAreArray({listed.id}));

  Handovers handovers(&outbox_, &request_log_);
  ASSERT_THAT(
      handovers.Run(*conn_, manager, meta_, {NewId(), rep.user_id, other.user_id, {c.id}, "调岗"},
                    {other.user_id, other.department_id, true, true}),
      IsOk());
  EXPECT_THAT(IndexedIds(rep, "改名之后"), Not(Contains(c.id)));
  EXPECT_THAT(IndexedIds(other, "改名之后"), ElementsAreArray({c.id}));

  Customer dup = MakeCustomer(other, Unique("改名之后的公司"));
  EXPECT_THAT(IndexedIds(other, "改名之后"), UnorderedElementsAreArray({c.id, dup.id}));
  Merges merges(&outbox_, &request_log_);
  ASSERT_THAT(merges.Run(*conn_, manager, meta_, {NewId(), c.id, dup.id, "", ""}), IsOk());
  EXPECT_THAT(IndexedIds(other, "改名之后"), ElementsAreArray({c.id}));
  auto hits = Hits(other, "改名之后");
  ASSERT_TRUE(hits.has_value());
  EXPECT_EQ(hits->size(), 1u);

  ASSERT_THAT(customers_->Delete(*conn_, Executive(), meta_, c.id, ""), IsOk());
  EXPECT_THAT(IndexedIds(other, "改名之后"), ElementsAreArray(std::vector<std::string>{}));
  hits = Hits(other, "改名之后");
  ASSERT_TRUE(hits.has_value());
  EXPECT_TRUE(hits->empty());
}

// An import's new customers are in the index as soon as their batch commits; following their
// creation events then changes nothing, and what changes them later is followed as ever.
TEST_F(SearchIndexTest, ImportedCustomersAreIndexedAsTheyCommit) {
  const std::string dept = NewId();
  const auth::Principal rep = Rep(dept);
  Imports imports(&outbox_, names_.get());
  ASSERT_TRUE(Hits(rep, "x").has_value());  // caught up
  std::vector<ImportRow> rows(2);
  const std::string suffix = NewId().substr(24);
  for (int i = 0; i < 2; ++i) {
    rows[i].row_number = i + 1;
    rows[i].external_key = absl::StrCat("IDX-", suffix, "-", i);
    rows[i].customer.name = absl::StrCat(i == 0 ? "导入即索引甲" : "导入即索引乙", suffix);
    rows[i].customer.region = "east";
    rows[i].customer.level = "ordinary";
  }
  auto results = imports.ImportBatch(*conn_, rep, meta_, NewId(), rows);
  ASSERT_THAT(results, IsOk());
  ASSERT_EQ(results->size(), 2u);
  std::optional<SearchIndex::View> view = names_->Peek();
  ASSERT_TRUE(view.has_value());
  for (const auto& r : *results) {
    ASSERT_EQ(r.outcome, ImportResult::Outcome::kCreated) << r.error;
    EXPECT_TRUE(view->index->Knows(r.customer_id));  // before any catching up
  }
  EXPECT_THAT(IndexedIds(rep, "导入即索引"),
              UnorderedElementsAreArray({(*results)[0].customer_id, (*results)[1].customer_id}));

  Customer renamed;
  renamed.id = (*results)[0].customer_id;
  renamed.name = Unique("导入后改名");
  ASSERT_THAT(customers_->Update(*conn_, rep, meta_, renamed, "", {"name"}), IsOk());
  EXPECT_THAT(IndexedIds(rep, "导入即索引"), ElementsAreArray({(*results)[1].customer_id}));
  EXPECT_THAT(IndexedIds(rep, "导入后改名"), ElementsAreArray({(*results)[0].customer_id}));
}

// A creation put in by the importing instance may arrive after the index has read a newer
// state of the customer from the outbox, or its removal: it then changes nothing; a state
// read back from the table always applies.
TEST_F(SearchIndexTest, LateCreationsNeverUndoNewerStates) {
  const std::string dept = NewId();
  const auth::Principal rep = Rep(dept);
  NameIndex index(TextRules::ForLocale(lc_ctype_), 1000);
  const std::string renamed = NewId(), deleted = NewId(), created = NewId();
  index.Put(renamed, rep.user_id, dept, "晚到改名后公司");
  index.PutNew(renamed, rep.user_id, dept, "晚到改名前公司");
  index.Remove(deleted);
  index.PutNew(deleted, rep.user_id, dept, "晚到已删除公司");
  index.PutNew(created, rep.user_id, dept, "晚到新建公司");
  const auto found = [&](const std::string& query) {
    std::vector<std::string> ids;
    const std::optional<std::vector<NameHit>> hits = index.Find(rep, query, false, 20);
    EXPECT_TRUE(hits.has_value()) << query;
    for (const auto& hit : hits.value_or(std::vector<NameHit>{})) ids.push_back(hit.id);
    return ids;
  };
  EXPECT_THAT(found("改名后"), ElementsAreArray({renamed}));
  EXPECT_THAT(found("改名前"), ElementsAreArray(std::vector<std::string>{}));
  EXPECT_THAT(found("已删除"), ElementsAreArray(std::vector<std::string>{}));
  EXPECT_THAT(found("新建"), ElementsAreArray({created}));
  EXPECT_TRUE(index.Knows(deleted));
  EXPECT_FALSE(index.Knows(NewId()));
  index.Put(deleted, rep.user_id, dept, "晚到已删除公司");
  EXPECT_THAT(found("已删除"), ElementsAreArray({deleted}));
  EXPECT_EQ(index.size(), 3u);
}

}  // namespace
}  // namespace crm::customers_service
