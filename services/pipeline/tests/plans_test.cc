#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "libs/validation/updates.h"
#include "services/pipeline/tests/fixture.h"

namespace crm::pipeline_service {
namespace {

using test::IsOk;
using test::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr auto kDenied = absl::StatusCode::kPermissionDenied;
constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
constexpr auto kPrecondition = absl::StatusCode::kFailedPrecondition;

class PlansTest : public PipelineFixture {};

TEST_F(PlansTest, TheAssigneePlansAndTheFirstItemStartsDevelopment) {
  const std::string dept = NewId();
  auto manager = Manager({dept});
  auto rep = Rep(dept), other = Rep(dept);
  Opportunity o = Assigned(manager, rep);
  PlanItem item;
  item.opportunity_id = o.id;
  item.plan_date = absl::CivilDay(2031, 5, 6);
  item.content = "上门演示产品";
  EXPECT_THAT(plans_->Create(*conn_, manager, meta_, "", item), StatusIs(kDenied));
  EXPECT_THAT(plans_->Create(*conn_, other, meta_, "", item), StatusIs(kDenied));
  auto created = plans_->Create(*conn_, rep, meta_, "plan-1", item);
  ASSERT_THAT(created, IsOk());
  EXPECT_EQ(created->created_by, rep.user_id);
  EXPECT_TRUE(created->result.empty());
  auto retried = plans_->Create(*conn_, rep, meta_, "plan-1", item);
  ASSERT_THAT(retried, IsOk());
  EXPECT_EQ(retried->id, created->id);
  auto now = opportunities_->Get(*conn_, rep, o.id);
  ASSERT_THAT(now, IsOk());
  EXPECT_EQ(now->status, OpportunityStatus::kDeveloping);
  EXPECT_THAT(EventsSinceStart(), ::testing::IsSupersetOf({"pipeline.opportunity.developing",
                                                           "pipeline.plan_item.created"}));

  // Everyone who sees the opportunity sees the plan, in date order.
  PlanItem earlier = item;
  earlier.plan_date = absl::CivilDay(2031, 5, 1);
  earlier.content = "电话预约";
  ASSERT_THAT(plans_->Create(*conn_, rep, meta_, "", earlier), IsOk());
  auto listed = plans_->List(*conn_, manager, o.id);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].content, "电话预约");
  EXPECT_THAT(plans_->List(*conn_, other, o.id), StatusIs(kDenied));

  // Another team's rep cannot tell an item they may not see from a missing one, nor learn its
  // opportunity.
  auto outsider = Rep(NewId());
  auto hidden = plans_->Execute(*conn_, outsider, meta_, created->id, "", "结果");
  EXPECT_THAT(hidden, StatusIs(kDenied));
  EXPECT_THAT(std::string(hidden.status().message()), Not(HasSubstr(o.id)));
  EXPECT_THAT(plans_->Execute(*conn_, outsider, meta_, NewId(), "", "结果"), StatusIs(kDenied));
}

TEST_F(PlansTest, ExecutionRecordsAResultAndFreezesThePlan) {
  const std::string dept = NewId();
  auto manager = Manager({dept});
  auto rep = Rep(dept);
  Opportunity o = Assigned(manager, rep);
  PlanItem item = AddItem(rep, o, "准备报价单");
  PlanItem patch;
  patch.id = item.id;
  patch.content = "准备报价单和合同草案";
  auto edited = plans_->Update(*conn_, rep, meta_, patch, "", {"content"});
  ASSERT_THAT(edited, IsOk());
  EXPECT_EQ(edited->content, "准备报价单和合同草案");
  EXPECT_THAT(plans_->Update(*conn_, rep, meta_, patch, validation::Etag(1), {"content"}),
              StatusIs(absl::StatusCode::kAborted));

  EXPECT_THAT(plans_->Execute(*conn_, rep, meta_, item.id, "", ""), StatusIs(kInvalid));
  EXPECT_THAT(plans_->Execute(*conn_, manager, meta_, item.id, "", "已发送"), StatusIs(kDenied));
  auto done = plans_->Execute(*conn_, rep, meta_, item.id, "", "报价单已发送，客户认可");
  ASSERT_THAT(done, IsOk());
  EXPECT_EQ(done->result, "报价单已发送，客户认可");
  EXPECT_TRUE(done->executed_at.has_value());
  auto frozen = plans_->Update(*conn_, rep, meta_, patch, "", {"content"});
  EXPECT_THAT(frozen, StatusIs(kPrecondition));
  EXPECT_THAT(frozen.status().message(), HasSubstr("executed"));
  // The result may be corrected.
  EXPECT_THAT(plans_->Execute(*conn_, rep, meta_, item.id, "", "客户要求再降价5%"), IsOk());
}

TEST_F(PlansTest, BadInputAndClosedOpportunitiesWriteNothing) {
  const std::string dept = NewId();
  auto manager = Manager({dept});
  auto rep = Rep(dept);
  Opportunity unassigned = Create(manager, "无人跟进公司");
  PlanItem item;
  item.opportunity_id = unassigned.id;
  item.plan_date = absl::CivilDay(2031, 1, 1);
  item.content = "拜访";
  auto refused = plans_->Create(*conn_, manager, meta_, "", item);
  EXPECT_THAT(refused, StatusIs(kPrecondition));
  EXPECT_THAT(refused.status().message(), HasSubstr("is unassigned"));

  Opportunity o = Assigned(manager, rep);
  const int64_t before = Count("plan_items");
  PlanItem bad;
  bad.opportunity_id = o.id;
  auto invalid = plans_->Create(*conn_, rep, meta_, "", bad);
  EXPECT_THAT(invalid, StatusIs(kInvalid));
  std::vector<std::string> fields;
  for (const auto& fv : FieldViolationsOf(invalid.status())) fields.push_back(fv.field);
  EXPECT_THAT(fields, ElementsAre("item.plan_date", "item.content"));
  EXPECT_EQ(Count("plan_items"), before);
  auto still = opportunities_->Get(*conn_, rep, o.id);
  ASSERT_THAT(still, IsOk());
  EXPECT_EQ(still->status, OpportunityStatus::kAssigned);

  ASSERT_THAT(opportunities_->Terminate(*conn_, rep, meta_, o.id, "", "项目取消"), IsOk());
  item.opportunity_id = o.id;
  EXPECT_THAT(plans_->Create(*conn_, rep, meta_, "", item), StatusIs(kPrecondition));
}

}  // namespace
}  // namespace crm::pipeline_service
