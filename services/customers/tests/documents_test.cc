#include "services/customers/src/documents.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/checksum/sha256.h"
#include "libs/testing/status_matchers.h"
#include "services/customers/tests/fixture.h"

namespace crm::customers_service {
namespace {

using ::crm::test::HasFieldViolation;
using ::crm::test::IsOk;
using ::crm::test::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr absl::StatusCode kHidden = absl::StatusCode::kPermissionDenied;

class DocumentsTest : public CustomersFixture {
 protected:
  void SetUp() override {
    CustomersFixture::SetUp();
    documents_ = std::make_unique<Documents>(&outbox_, &request_log_, 1 << 20);
    rep_ = Rep(NewId());
    customer_ = MakeCustomer(rep_, absl::StrCat("文档测试客户", NewId().substr(24)));
    outbox_start_ += 1;
  }

  // 600 KiB of every byte value: more than two stored chunks.
  static std::string Content() {
    std::string s;
    for (int i = 0; i < 600 * 1024; ++i) s.push_back(static_cast<char>(i * 31 % 256));
    return s;
  }

  Document Meta(const std::string& content) {
    Document d;
    d.customer_id = customer_.id;
    d.file_name = "合同扫描件（2026）.pdf";
    d.content_type = "application/pdf";
    d.size_bytes = static_cast<int64_t>(content.size());
    d.sha256 = checksum::Sha256Hex(content);
    d.description = "年度框架合同";
    return d;
  }

  std::unique_ptr<Documents> documents_;
  auth::Principal rep_;
  Customer customer_;
};

TEST_F(DocumentsTest, AnUploadIsVerifiedStoredInChunksAndReadBack) {
  const std::string content = Content();
  const std::string request = NewId();
  auto stored = documents_->Store(*conn_, rep_, meta_, request, Meta(content), content);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->file_name, "合同扫描件（2026）.pdf");
  EXPECT_EQ(stored->size_bytes, 600 * 1024);
  EXPECT_EQ(stored->chunks, 3);
  auto again = documents_->Store(*conn_, rep_, meta_, request, Meta(content), content);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->id, stored->id);

  auto got = documents_->Get(*conn_, rep_, stored->id);
  ASSERT_THAT(got, IsOk());
  std::string read;
  const auto download = documents_->Download();
  for (int i = 0; i < got->chunks; ++i) {
    auto chunk = download.chunk(*conn_, got->id, i);
    ASSERT_THAT(chunk, IsOk());
    read += *chunk;
  }
  EXPECT_TRUE(read == content);
  auto listed = documents_->List(*conn_, rep_, customer_.id);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_THAT(EventsSinceStart(), ElementsAre("customers.document.uploaded"));
}

TEST_F(DocumentsTest, ACorruptedOrOversizedUploadIsRejectedAndNothingStored) {
  const std::string content = Content();
  std::string corrupted = content;
  corrupted[12345] ^= 0x01;
  EXPECT_THAT(documents_->Store(*conn_, rep_, meta_, "", Meta(content), corrupted),
              HasFieldViolation("metadata.sha256"));
  EXPECT_THAT(documents_->Store(*conn_, rep_, meta_, "", Meta(content), content.substr(1000)),
              HasFieldViolation("metadata.size_bytes"));
  Document big = Meta(content);
  big.size_bytes = (1 << 20) + 1;
  EXPECT_THAT(documents_->CheckUpload(rep_, "", big), HasFieldViolation("metadata.size_bytes"));
  Document bad;
  bad.customer_id = "x";
  bad.file_name = "../etc/passwd";
  bad.content_type = "pdf";
  bad.sha256 = "abc";
  auto status = documents_->CheckUpload(rep_, "", bad);
  EXPECT_THAT(status, HasFieldViolation("metadata.customer_id"));
  EXPECT_THAT(status, HasFieldViolation("metadata.file_name"));
  EXPECT_THAT(status, HasFieldViolation("metadata.content_type"));
  EXPECT_THAT(status, HasFieldViolation("metadata.sha256"));
  auto listed = documents_->List(*conn_, rep_, customer_.id);
  ASSERT_THAT(listed, IsOk());
  EXPECT_THAT(*listed, IsEmpty());
  EXPECT_THAT(EventsSinceStart(), IsEmpty());
}

TEST_F(DocumentsTest, DocumentsFollowTheirCustomersScope) {
  const std::string content = "报价单 v1";
  auto stored = documents_->Store(*conn_, rep_, meta_, "", Meta(content), content);
  ASSERT_THAT(stored, IsOk());
  auth::Principal other = Rep(NewId());
  EXPECT_THAT(documents_->Get(*conn_, other, stored->id), StatusIs(kHidden));
  EXPECT_THAT(documents_->List(*conn_, other, customer_.id), StatusIs(kHidden));
  EXPECT_THAT(documents_->Delete(*conn_, other, meta_, stored->id), StatusIs(kHidden));
  EXPECT_THAT(documents_->Store(*conn_, other, meta_, "", Meta(content), content),
              StatusIs(kHidden));
  EXPECT_THAT(documents_->Get(*conn_, Manager({rep_.department_id}), stored->id), IsOk());
  EXPECT_THAT(documents_->Delete(*conn_, rep_, meta_, stored->id), IsOk());
  EXPECT_THAT(documents_->Get(*conn_, rep_, stored->id), StatusIs(kHidden));
}

}  // namespace
}  // namespace crm::customers_service
