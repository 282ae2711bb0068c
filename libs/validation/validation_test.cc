#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/validation/fields.h"
#include "libs/validation/paging.h"
#include "libs/validation/text.h"
#include "libs/validation/updates.h"

namespace crm::validation {
namespace {

using ::testing::ElementsAre;

TEST(TextTest, Utf8) {
  EXPECT_TRUE(IsValidUtf8("华为技术有限公司"));
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("😀"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));
  EXPECT_FALSE(IsValidUtf8("\xE5\x8D"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));      // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // surrogate
  EXPECT_EQ(Utf8Length("华为"), 2u);
  EXPECT_EQ(Utf8Length("ab华"), 3u);
}

TEST(TextTest, TrimRemovesAsciiAndIdeographicSpace) {
  EXPECT_EQ(TrimSpace("  华为\xE3\x80\x80"), "华为");
  EXPECT_EQ(TrimSpace("\xE3\x80\x80 \t"), "");
}

TEST(TextTest, NameChecksCountCharacters) {
  Violations v;
  EXPECT_TRUE(Name(v, "name", "华为技术有限公司", 8));
  EXPECT_FALSE(Name(v, "name", "华为技术有限公司!", 8));
  EXPECT_FALSE(Name(v, "other", "  ", 8));
  EXPECT_FALSE(Name(v, "ctl", "a\x01", 8));
  ASSERT_EQ(v.list().size(), 3u);
  EXPECT_EQ(v.list()[0].field, "name");
  EXPECT_EQ(v.list()[1].description, "is required");
  EXPECT_EQ(v.list()[2].field, "ctl");
}

TEST(TextTest, Uuids) {
  Violations v;
  EXPECT_TRUE(OptionalUuid(v, "a", ""));
  EXPECT_FALSE(RequiredUuid(v, "b", ""));
  EXPECT_FALSE(OptionalUuid(v, "c", "42"));
  EXPECT_TRUE(RequiredUuid(v, "d", "0192d3a4-5b6c-7d8e-9f00-112233445566"));
  // Ids are compared as text: an upper-case spelling is refused, not a different record.
  EXPECT_FALSE(RequiredUuid(v, "e", "0192D3A4-5B6C-7D8E-9F00-112233445566"));
  EXPECT_EQ(v.list().size(), 3u);
  EXPECT_EQ(v.list().back().description, "must be a UUID in lower case, as the API returns it");
}

TEST(TextTest, Email) {
  EXPECT_TRUE(LooksLikeEmail("li.lei@example.com.cn"));
  EXPECT_FALSE(LooksLikeEmail("li.lei"));
  EXPECT_FALSE(LooksLikeEmail("a@b"));
  EXPECT_FALSE(LooksLikeEmail("a b@c.d"));
}

TEST(TextTest, ControlCharactersAndPhones) {
  EXPECT_TRUE(Printable("华为技术有限公司 Huawei"));
  EXPECT_FALSE(Printable("ACME\x7f"));      // DEL
  EXPECT_FALSE(Printable("ACME\xc2\x85"));  // U+0085, a C1 control
  EXPECT_FALSE(
      Printable("\xe2\x80\xae"
                "ACME"));  // U+202E, right-to-left override
  EXPECT_FALSE(
      Printable("\xe2\x81\xa6"
                "ACME"
                "\xe2\x81\xa9"));  // an isolate
  Violations v;
  EXPECT_TRUE(OptionalText(v, "note", "第一行\n第二行", 100, true));
  EXPECT_FALSE(OptionalText(v, "name",
                            "\xe2\x80\xae"
                            "abc",
                            100, false));
  EXPECT_TRUE(v.Has("name"));
  EXPECT_TRUE(LooksLikePhone("0755-1234 5678"));
  EXPECT_TRUE(LooksLikePhone(""));
  EXPECT_FALSE(LooksLikePhone("--"));
  EXPECT_FALSE(LooksLikePhone("()"));
}

TEST(PagingTest, PageSizeRules) {
  EXPECT_EQ(*PageSize(0), 100);
  EXPECT_EQ(*PageSize(5), 5);
  EXPECT_EQ(*PageSize(5000), 1000);
  EXPECT_EQ(PageSize(-1).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PagingTest, TokenRoundTripAndFilterBinding) {
  std::string t = EncodePageToken({"华为", "0189a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}, "dept=1");
  EXPECT_THAT(*DecodePageToken(t, "dept=1", 2),
              ElementsAre("华为", "0189a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"));
  EXPECT_EQ(DecodePageToken(t, "dept=2", 2).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodePageToken(t, "dept=1", 1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodePageToken("!!!", "dept=1", 2).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(DecodePageToken("", "x", 2)->empty());
}

// A token is the same in every process (a restarted service, another replica): no per-process
// hash seed in the fingerprint.
TEST(PagingTest, TokensAreStableAcrossProcesses) {
  EXPECT_EQ(EncodePageToken({"k42"}, "dept=1"), "cDEfNjZjNjJjYmUyZmMwOTI2OB9rNDI");
  EXPECT_THAT(*DecodePageToken("cDEfNjZjNjJjYmUyZmMwOTI2OB9rNDI", "dept=1", 1), ElementsAre("k42"));
}

TEST(TextTest, IdsAndRequiredText) {
  EXPECT_TRUE(CheckId("id", "01890000-0000-7000-8000-00000000abcd").ok());
  EXPECT_EQ(CheckId("id", "").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckId("id", "42").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckOptionalId("owner_id", "").ok());
  EXPECT_FALSE(CheckOptionalId("owner_id", "x").ok());
  Violations v;
  EXPECT_TRUE(RequiredText(v, "reason", "客户预算削减\n明年再谈", 20, /*multiline=*/true));
  EXPECT_FALSE(RequiredText(v, "reason", " \u3000", 20));
  EXPECT_FALSE(RequiredText(v, "note", "一\n二", 20));
  EXPECT_EQ(v.list().size(), 2u);
}

TEST(PagingTest, PagesAndTimeKeys) {
  struct Row {
    std::string id;
  };
  Page<Row> page = PageOf(std::vector<Row>{{"a"}, {"b"}, {"c"}}, 2, "f", IdKey<Row>);
  ASSERT_EQ(page.items.size(), 2u);
  auto keys = DecodePageToken(page.next_page_token, "f", 1);
  ASSERT_TRUE(keys.ok());
  EXPECT_THAT(*keys, ElementsAre("b"));
  EXPECT_TRUE(PageOf(std::vector<Row>{{"a"}}, 2, "f", IdKey<Row>).next_page_token.empty());

  const std::string id = "01890000-0000-7000-8000-00000000abcd";
  auto at = TimeAndIdOf(TimeAndId{1700000000000000, id}.Keys(), {});
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(at->micros, 1700000000000000);
  EXPECT_EQ(at->id, id);
  EXPECT_EQ(TimeAndIdOf({}, {7})->micros, 7);
  EXPECT_FALSE(TimeAndIdOf({"soon", id}, {}).ok());
  EXPECT_FALSE(TimeAndIdOf({"1", "not-an-id"}, {}).ok());
}

TEST(FieldsTest, MasksCopyAndCompareByTable) {
  struct Contact {
    std::string name, phone;
  };
  const std::vector<Field<Contact>> fields = {CRM_FIELD(Contact, name),
                                              CRM_FIELD_AT(Contact, "mobile", phone)};
  EXPECT_THAT(PathsOf(fields), ElementsAre("name", "mobile"));
  const Contact current{"王经理", "13800000000"}, patch{"王总", "13900000000"};
  const Contact next = ApplyMask(fields, {"mobile"}, patch, current);
  EXPECT_EQ(next.name, "王经理");
  EXPECT_EQ(next.phone, "13900000000");
  EXPECT_FALSE(SameFields(fields, current, next));
  EXPECT_TRUE(SameFields(fields, patch, CopyFields(fields, patch, current)));
}

TEST(UpdatesTest, MasksAndEtags) {
  EXPECT_TRUE(InMask({"name", "phone"}, "phone"));
  EXPECT_FALSE(InMask({"name"}, "phone"));
  EXPECT_TRUE(CheckMask({"name"}, {"name", "phone"}).ok());
  absl::Status s = CheckMask({"name", "owner_id"}, {"name", "phone"});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(s.message()).find("\"owner_id\" is not an updatable field"),
            std::string::npos);
  EXPECT_EQ(*ParseEtag("etag", ""), 0);
  EXPECT_EQ(*ParseEtag("etag", Etag(42)), 42);
  EXPECT_EQ(ParseEtag("x.etag", "W/42").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseEtag("x.etag", "0").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(StaleEtag().code(), absl::StatusCode::kAborted);
}

}  // namespace
}  // namespace crm::validation
