#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/checksum/sha256.h"
#include "libs/testing/status_matchers.h"
#include "services/contracts/tests/fixture.h"

namespace crm::contracts_service {
namespace {

using test::HasFieldViolation;
using test::IsOk;
using test::StatusIs;

class FilesTest : public ContractsFixture {
 protected:
  static ContractFile MetaOf(const Contract& c, const std::string& content) {
    ContractFile f;
    f.contract_id = c.id;
    f.file_name = "合同-签字版.pdf";
    f.content_type = "application/pdf";
    f.size_bytes = static_cast<int64_t>(content.size());
    f.sha256 = checksum::Sha256Hex(content);
    return f;
  }
};

TEST_F(FilesTest, TheNewestUploadIsTheElectronicContract) {
  auto rep = Rep(NewId());
  Contract c = Create(rep);
  const std::string first(300 << 10, 'a');  // two chunks
  auto a = files_->Store(*conn_, rep, meta_, "up-1", MetaOf(c, first), first);
  ASSERT_THAT(a, IsOk());
  EXPECT_EQ(a->chunks, 2);
  // A retried upload returns the file stored the first time.
  auto retried = files_->Store(*conn_, rep, meta_, "up-1", MetaOf(c, first), first);
  ASSERT_THAT(retried, IsOk());
  EXPECT_EQ(retried->id, a->id);
  const std::string second = "签字版第二稿";
  auto b = files_->Store(*conn_, rep, meta_, "up-2", MetaOf(c, second), second);
  ASSERT_THAT(b, IsOk());
  auto current = files_->Get(*conn_, rep, c.id, "");
  ASSERT_THAT(current, IsOk());
  EXPECT_EQ(current->id, b->id);
  EXPECT_EQ(contracts_->Get(*conn_, rep, c.id)->file->id, b->id);
  auto listed = files_->List(*conn_, rep, c.id);
  ASSERT_THAT(listed, IsOk());
  EXPECT_EQ(listed->size(), 2u);
  auto steps = files_->Download();
  std::string back;
  for (int i = 0; i < a->chunks; ++i) {
    auto chunk = steps.chunk(*conn_, a->id, i);
    ASSERT_THAT(chunk, IsOk());
    back += *chunk;
  }
  EXPECT_EQ(back, first);
}

TEST_F(FilesTest, CorruptOrOversizedUploadsAreRefusedAndNothingIsStored) {
  auto rep = Rep(NewId());
  Contract c = Create(rep);
  const int64_t before = Count("files");
  const std::string content = "合同正文";
  ContractFile f = MetaOf(c, content);
  f.sha256 = checksum::Sha256Hex("something else");
  EXPECT_THAT(files_->Store(*conn_, rep, meta_, "", f, content),
              HasFieldViolation("metadata.sha256"));
  f = MetaOf(c, content);
  f.size_bytes += 1;
  EXPECT_THAT(files_->Store(*conn_, rep, meta_, "", f, content),
              HasFieldViolation("metadata.size_bytes"));
  f = MetaOf(c, content);
  f.size_bytes = 2 << 20;
  EXPECT_THAT(files_->CheckUpload(rep, "", f), HasFieldViolation("metadata.size_bytes"));
  f = MetaOf(c, content);
  f.file_name = "../etc/passwd";
  EXPECT_THAT(files_->CheckUpload(rep, "", f), HasFieldViolation("metadata.file_name"));
  EXPECT_EQ(Count("files"), before);
}

TEST_F(FilesTest, OnlyThoseWhoMayChangeTheContractUploadAndOnlyWhileItIsLive) {
  const std::string dept = NewId();
  auto rep = Rep(dept);
  auto colleague = Rep(dept);
  auto manager = Manager({dept});
  Contract c = Create(rep);
  const std::string content = "扫描件";
  EXPECT_THAT(files_->CheckContract(*conn_, colleague, c.id),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(files_->Get(*conn_, colleague, c.id, ""),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(files_->Get(*conn_, rep, c.id, ""), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(files_->Store(*conn_, manager, meta_, "", MetaOf(c, content), content), IsOk());
  ASSERT_THAT(contracts_->Terminate(*conn_, rep, meta_, c.id, "", "作废"), IsOk());
  EXPECT_THAT(files_->Store(*conn_, rep, meta_, "", MetaOf(c, content), content),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace crm::contracts_service
