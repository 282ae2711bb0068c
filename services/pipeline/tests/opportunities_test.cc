#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crm/contracts/v1/events.pb.h"
#include "crm/customers/v1/events.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/auth/scope.h"
#include "libs/ids/uuid.h"
#include "libs/testing/status_matchers.h"
#include "libs/validation/updates.h"
#include "services/pipeline/tests/fixture.h"

namespace crm::pipeline_service {
namespace {

using test::HasFieldViolation;
using test::IsOk;
using test::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

constexpr auto kDenied = absl::StatusCode::kPermissionDenied;
constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
constexpr auto kPrecondition = absl::StatusCode::kFailedPrecondition;

std::vector<std::string> Fields(const absl::Status& s) {
  std::vector<std::string> out;
  for (const auto& fv : FieldViolationsOf(s)) out.push_back(fv.field);
  return out;
}

class OpportunitiesTest : public PipelineFixture {};

TEST_F(OpportunitiesTest, StartsUnassignedInTheFirstStageWithItsProbability) {
  auto rep = Rep(NewId());
  Opportunity o = Create(rep, "杭州云栖科技有限公司");
  EXPECT_EQ(o.status, OpportunityStatus::kUnassigned);
  EXPECT_EQ(o.stage, "lead");
  EXPECT_EQ(o.probability, 10);
  EXPECT_EQ(o.creator_id, rep.user_id);
  EXPECT_EQ(o.prospect_name, "杭州云栖科技有限公司");
  EXPECT_TRUE(o.assignee_id.empty());
  auto history = opportunities_->StageChanges(*conn_, rep, o.id);
  ASSERT_THAT(history, IsOk());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].to_stage, "lead");
  EXPECT_THAT(EventsSinceStart(), ElementsAre("pipeline.opportunity.created"));

  // A given stage and probability are kept.
  Opportunity p = Prospect("深圳前海贸易有限公司");
  p.stage = "proposal";
  p.probability = 60;
  auto q = opportunities_->Create(*conn_, rep, meta_, "", p);
  ASSERT_THAT(q, IsOk());
  EXPECT_EQ(q->stage, "proposal");
  EXPECT_EQ(q->probability, 60);
}

TEST_F(OpportunitiesTest, ARetriedCreateReturnsTheFirstOpportunity) {
  auto rep = Rep(NewId());
  auto a = opportunities_->Create(*conn_, rep, meta_, "create-1", Prospect("北京同创"));
  auto b = opportunities_->Create(*conn_, rep, meta_, "create-1", Prospect("北京同创"));
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(a->id, b->id);
}

TEST_F(OpportunitiesTest, BadInputNamesEachFieldAndWritesNothing) {
  auto rep = Rep(NewId());
  const int64_t before = Count("opportunities");
  Opportunity o = Prospect("");
  o.summary = "";
  o.probability = 101;
  o.expected_close_date = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) - 1;
  o.expected_amount = money::Money{-5, "yuan"};
  o.contact_phone = "call me";
  o.stage = "Not A Code";
  auto r = opportunities_->Create(*conn_, rep, meta_, "", o);
  EXPECT_THAT(r, StatusIs(kInvalid));
  EXPECT_THAT(
      Fields(r.status()),
      UnorderedElementsAre("opportunity.summary", "opportunity.probability",
                           "opportunity.expected_close_date", "opportunity.expected_amount",
                           "opportunity.expected_amount.currency_code", "opportunity.contact_phone",
                           "opportunity.prospect_name", "opportunity.stage"));
  Opportunity unknown_stage = Prospect("某公司");
  unknown_stage.stage = "no_such_stage";
  EXPECT_THAT(opportunities_->Create(*conn_, rep, meta_, "", unknown_stage), StatusIs(kInvalid));
  EXPECT_EQ(Count("opportunities"), before);
  EXPECT_TRUE(EventsSinceStart().empty());

  // Only sales managers and account managers create.
  EXPECT_THAT(opportunities_->Create(*conn_, Executive(), meta_, "", Prospect("某公司")),
              StatusIs(kDenied));
}

TEST_F(OpportunitiesTest, OnlyASalesManagerAssignsWithinTheirDepartments) {
  const std::string dept = NewId(), other_dept = NewId();
  auto manager = Manager({dept});
  auto rep = Rep(dept), rep2 = Rep(dept), outsider = Rep(other_dept);
  Opportunity o = Create(rep, "成都天府软件");
  // The rep cannot assign, even their own.
  EXPECT_THAT(opportunities_->Assign(*conn_, rep, meta_, o.id, "", AssigneeOf(rep)),
              StatusIs(kDenied));
  auto wrong = opportunities_->Assign(*conn_, manager, meta_, o.id, "", AssigneeOf(outsider));
  EXPECT_THAT(wrong, StatusIs(kInvalid));
  EXPECT_THAT(Fields(wrong.status()), ElementsAre("assignee_id"));
  service::DirectoryUser inactive = AssigneeOf(rep2);
  inactive.active = false;
  EXPECT_THAT(opportunities_->Assign(*conn_, manager, meta_, o.id, "", inactive),
              StatusIs(kInvalid));

  auto a = opportunities_->Assign(*conn_, manager, meta_, o.id, "", AssigneeOf(rep));
  ASSERT_THAT(a, IsOk());
  EXPECT_EQ(a->status, OpportunityStatus::kAssigned);
  EXPECT_EQ(a->assignee_id, rep.user_id);
  EXPECT_EQ(a->assigned_by, manager.user_id);
  EXPECT_TRUE(a->assigned_at.has_value());
  // Re-assigned while not yet developing; a stale etag is ABORTED.
  EXPECT_THAT(
      opportunities_->Assign(*conn_, manager, meta_, o.id, validation::Etag(1), AssigneeOf(rep2)),
      StatusIs(absl::StatusCode::kAborted));
  auto b = opportunities_->Assign(*conn_, manager, meta_, o.id, "", AssigneeOf(rep2));
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(b->assignee_id, rep2.user_id);
  // Developing: no longer assigned.
  AddItem(rep2, *b, "电话沟通");
  auto c = opportunities_->Assign(*conn_, manager, meta_, o.id, "", AssigneeOf(rep));
  EXPECT_THAT(c, StatusIs(kPrecondition));
  EXPECT_THAT(c.status().message(), HasSubstr("is developing"));
}

TEST_F(OpportunitiesTest, ScopeFollowsCreatorAndAssignee) {
  const std::string dept = NewId(), other_dept = NewId();
  auto manager = Manager({dept}), other_manager = Manager({other_dept});
  auto creator = Rep(dept), assignee = Rep(dept), stranger = Rep(dept);
  Opportunity o = Create(creator, "武汉光谷电子");
  ASSERT_THAT(opportunities_->Assign(*conn_, manager, meta_, o.id, "", AssigneeOf(assignee)),
              IsOk());
  for (const auto& p : {creator, assignee, manager, Executive()}) {
    EXPECT_THAT(opportunities_->Get(*conn_, p, o.id), IsOk()) << p.roles[0];
  }
  EXPECT_THAT(opportunities_->Get(*conn_, stranger, o.id), StatusIs(kDenied));
  EXPECT_THAT(opportunities_->Get(*conn_, other_manager, o.id), StatusIs(kDenied));
  // Denied whether or not it exists.
  EXPECT_THAT(opportunities_->Get(*conn_, stranger, NewId()), StatusIs(kDenied));
  EXPECT_THAT(opportunities_->Get(*conn_, Executive(), NewId()),
              StatusIs(absl::StatusCode::kNotFound));

  auto ids_of = [&](const auth::Principal& p) {
    std::vector<std::string> ids;
    auto page = opportunities_->List(*conn_, p, {}, 500, "");
    EXPECT_THAT(page, IsOk());
    if (page.ok()) {
      for (const auto& x : page->items) ids.push_back(x.id);
    }
    return ids;
  };
  EXPECT_THAT(ids_of(creator), ElementsAre(o.id));
  EXPECT_THAT(ids_of(assignee), ElementsAre(o.id));
  EXPECT_TRUE(ids_of(stranger).empty());
  EXPECT_TRUE(ids_of(other_manager).empty());
  EXPECT_THAT(ids_of(manager), ::testing::Contains(o.id));

  Opportunity patch;
  patch.id = o.id;
  patch.summary = "改过的概要";
  EXPECT_THAT(opportunities_->Update(*conn_, stranger, meta_, patch, "", {"summary"}),
              StatusIs(kDenied));
}

TEST_F(OpportunitiesTest, WhoEditsDependsOnTheStatus) {
  const std::string dept = NewId();
  auto manager = Manager({dept});
  auto creator = Rep(dept), assignee = Rep(dept);
  Opportunity o = Create(creator, "南京紫金网络");
  Opportunity patch;
  patch.id = o.id;
  patch.summary = "新的概要";
  patch.probability = 30;
  auto edited =
      opportunities_->Update(*conn_, creator, meta_, patch, "", {"summary", "probability"});
  ASSERT_THAT(edited, IsOk());
  EXPECT_EQ(edited->summary, "新的概要");
  EXPECT_EQ(edited->probability, 30);
  EXPECT_EQ(edited->version, o.version + 1);
  EXPECT_THAT(opportunities_->Update(*conn_, manager, meta_, patch, "", {"summary"}), IsOk());
  // A stale etag is ABORTED.
  EXPECT_THAT(
      opportunities_->Update(*conn_, creator, meta_, patch, validation::Etag(1), {"summary"}),
      StatusIs(absl::StatusCode::kAborted));

  ASSERT_THAT(opportunities_->Assign(*conn_, manager, meta_, o.id, "", AssigneeOf(assignee)),
              IsOk());
  // Assigned: the creator (an account manager) no longer edits it; its assignee does.
  EXPECT_THAT(opportunities_->Update(*conn_, creator, meta_, patch, "", {"summary"}),
              StatusIs(kDenied));
  EXPECT_THAT(opportunities_->Update(*conn_, assignee, meta_, patch, "", {"summary"}), IsOk());

  // Bad values and unknown fields, nothing written.
  patch.probability = -1;
  patch.expected_close_date = absl::CivilDay(2001, 1, 1);
  auto bad = opportunities_->Update(*conn_, assignee, meta_, patch, "",
                                    {"probability", "expected_close_date"});
  EXPECT_THAT(bad, StatusIs(kInvalid));
  EXPECT_THAT(opportunities_->Update(*conn_, assignee, meta_, patch, "", {"status"}),
              StatusIs(kInvalid));
  auto now = opportunities_->Get(*conn_, assignee, o.id);
  ASSERT_THAT(now, IsOk());
  EXPECT_NE(now->probability, -1);
}

TEST_F(OpportunitiesTest, StageChangesAreRecordedWithWhoAndWhen) {
  const std::string dept = NewId();
  auto manager = Manager({dept});
  auto rep = Rep(dept);
  Opportunity o = Assigned(manager, rep);
  auto moved = opportunities_->ChangeStage(*conn_, rep, meta_, o.id, "", "proposal", 0);
  ASSERT_THAT(moved, IsOk());
  EXPECT_EQ(moved->stage, "proposal");
  EXPECT_EQ(moved->probability, 50);
  auto again = opportunities_->ChangeStage(*conn_, manager, meta_, o.id, "", "negotiation", 80);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->probability, 80);
  EXPECT_THAT(opportunities_->ChangeStage(*conn_, rep, meta_, o.id, "", "nope", 0),
              StatusIs(kInvalid));
  EXPECT_THAT(opportunities_->ChangeStage(*conn_, rep, meta_, o.id, "", "proposal", 101),
              StatusIs(kInvalid));
  auto history = opportunities_->StageChanges(*conn_, rep, o.id);
  ASSERT_THAT(history, IsOk());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[1].from_stage, "lead");
  EXPECT_EQ((*history)[1].to_stage, "proposal");
  EXPECT_EQ((*history)[1].changed_by, rep.user_id);
  EXPECT_EQ((*history)[2].changed_by, manager.user_id);
  EXPECT_EQ((*history)[2].probability, 80);

  // Stages are data: a new one can be entered, an inactive one cannot.
  EXPECT_THAT(opportunities_->UpsertStage(*conn_, rep, meta_, {"trial", "试用", 35, 60, true}),
              StatusIs(kDenied));
  ASSERT_THAT(opportunities_->UpsertStage(*conn_, manager, meta_, {"trial", "试用", 35, 60, true}),
              IsOk());
  auto trial = opportunities_->ChangeStage(*conn_, rep, meta_, o.id, "", "trial", 0);
  ASSERT_THAT(trial, IsOk());
  EXPECT_EQ(trial->probability, 60);
  ASSERT_THAT(opportunities_->UpsertStage(*conn_, manager, meta_, {"trial", "试用", 35, 60, false}),
              IsOk());
  EXPECT_THAT(opportunities_->ChangeStage(*conn_, rep, meta_, o.id, "", "trial", 70),
              StatusIs(kInvalid));
  EXPECT_THAT(opportunities_->UpsertStage(*conn_, manager, meta_, {"Bad", "", 1, 120, true}),
              StatusIs(kInvalid));
  auto stages = opportunities_->Stages(*conn_, rep);
  ASSERT_THAT(stages, IsOk());
  EXPECT_EQ(stages->front().code, "lead");
}

TEST_F(OpportunitiesTest, TerminationNeedsAReasonAndEndsTheOpportunity) {
  const std::string dept = NewId();
  auto manager = Manager({dept});
  auto rep = Rep(dept);
  Opportunity unassigned = Create(manager, "西安古城旅游");
  EXPECT_THAT(opportunities_->Terminate(*conn_, manager, meta_, unassigned.id, "", "没有预算"),
              StatusIs(kPrecondition));
  Opportunity o = Developing(manager, rep);
  const int64_t before = Count("opportunities");
  auto empty = opportunities_->Terminate(*conn_, rep, meta_, o.id, "", "  ");
  EXPECT_THAT(empty, StatusIs(kInvalid));
  EXPECT_THAT(Fields(empty.status()), ElementsAre("reason"));
  auto unchanged = opportunities_->Get(*conn_, rep, o.id);
  ASSERT_THAT(unchanged, IsOk());
  EXPECT_EQ(unchanged->status, OpportunityStatus::kDeveloping);
  EXPECT_EQ(Count("opportunities"), before);

  auto lost = opportunities_->Terminate(*conn_, rep, meta_, o.id, "", "客户选择了竞争对手");
  ASSERT_THAT(lost, IsOk());
  EXPECT_EQ(lost->status, OpportunityStatus::kLost);
  EXPECT_EQ(lost->lost_reason, "客户选择了竞争对手");
  EXPECT_TRUE(lost->closed_at.has_value());
  // Lost is final: every transition names the status.
  Opportunity patch;
  patch.id = o.id;
  patch.summary = "x";
  for (const absl::Status& s :
       {opportunities_->Update(*conn_, rep, meta_, patch, "", {"summary"}).status(),
        opportunities_->Assign(*conn_, manager, meta_, o.id, "", AssigneeOf(rep)).status(),
        opportunities_->ChangeStage(*conn_, rep, meta_, o.id, "", "proposal", 0).status(),
        opportunities_->Terminate(*conn_, rep, meta_, o.id, "", "再次").status(),
        opportunities_->PrepareSuccess(*conn_, rep, o.id, "", "").status()}) {
    EXPECT_THAT(s, StatusIs(kPrecondition));
    EXPECT_THAT(s.message(), HasSubstr("is lost"));
  }
}

TEST_F(OpportunitiesTest, DevelopmentSucceedsOnceForTheAssignee) {
  const std::string dept = NewId();
  auto manager = Manager({dept});
  auto rep = Rep(dept), other = Rep(dept);
  Opportunity assigned = Assigned(manager, rep);
  auto early = opportunities_->PrepareSuccess(*conn_, rep, assigned.id, "", "");
  EXPECT_THAT(early, StatusIs(kPrecondition));
  EXPECT_THAT(early.status().message(), HasSubstr("is assigned"));

  Opportunity o = Developing(manager, rep);
  EXPECT_THAT(opportunities_->PrepareSuccess(*conn_, manager, o.id, "", ""), StatusIs(kDenied));
  EXPECT_THAT(opportunities_->PrepareSuccess(*conn_, other, o.id, "", ""), StatusIs(kDenied));
  auto plan = opportunities_->PrepareSuccess(*conn_, rep, o.id, "", "");
  ASSERT_THAT(plan, IsOk());
  EXPECT_FALSE(plan->already_won);
  EXPECT_TRUE(plan->customer_id.empty());  // create one from the prospect

  const std::string customer = NewId();
  auto won = opportunities_->CompleteSuccess(*conn_, rep, meta_, o.id, "", customer);
  ASSERT_THAT(won, IsOk());
  EXPECT_EQ(won->status, OpportunityStatus::kWon);
  EXPECT_EQ(won->customer_id, customer);
  EXPECT_EQ(won->probability, 100);
  // A retry of either step answers with the won opportunity, changing nothing.
  auto again = opportunities_->CompleteSuccess(*conn_, rep, meta_, o.id, "", customer);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->version, won->version);
  auto prepared = opportunities_->PrepareSuccess(*conn_, rep, o.id, "", "");
  ASSERT_THAT(prepared, IsOk());
  EXPECT_TRUE(prepared->already_won);
  EXPECT_THAT(opportunities_->CompleteSuccess(*conn_, rep, meta_, o.id, "", NewId()),
              StatusIs(kPrecondition));
  EXPECT_THAT(opportunities_->Terminate(*conn_, rep, meta_, o.id, "", "晚了"),
              StatusIs(kPrecondition));
  const std::vector<std::string> events = EventsSinceStart();
  EXPECT_EQ(std::count(events.begin(), events.end(), "pipeline.opportunity.won"), 1);
  EXPECT_EQ(Opportunities::CustomerRequestId(o.id), "pipeline-won-" + o.id);
}

// The customers service as the flow of "development succeeded" sees it: answers set by the
// test, each request recorded.
class FakeCustomers : public CustomersClient {
 public:
  void CheckVisible(const std::string& customer_id, const std::string& field,
                    std::function<void(absl::Status)> done) const override {
    checked.push_back(customer_id);
    done(visible.ok() ? visible : InvalidField(field, "is not a customer you can see"));
  }
  void CreateFromProspect(const Opportunity& o, const std::string& request_id, bool force,
                          std::function<void(absl::StatusOr<std::string>)> done) const override {
    created_under.push_back(request_id);
    done(created);
  }
  absl::Status visible = absl::OkStatus();
  absl::StatusOr<std::string> created = std::string("");
  mutable std::vector<std::string> checked, created_under;
};

class SuccessTest : public OpportunitiesTest {
 protected:
  absl::StatusOr<Opportunity> Succeed(const auth::Principal& caller,
                                      Opportunities::SuccessRequest r) {
    absl::StatusOr<Opportunity> out = absl::UnknownError("not answered");
    opportunities_->Succeed([this](std::function<void(db::Conn&)> step) { step(*conn_); },
                            customers_, caller, meta_, std::move(r),
                            [&out](absl::StatusOr<Opportunity> won) { out = std::move(won); });
    return out;
  }
  FakeCustomers customers_;
};

// The customer is created from the prospect once, under the opportunity's own request id, and
// the opportunity is won with it; a retry answers with the won opportunity.
TEST_F(SuccessTest, CreatesTheCustomerFromTheProspectThenMarksItWon) {
  const std::string dept = NewId();
  auto rep = Rep(dept);
  Opportunity o = Developing(Manager({dept}), rep);
  const std::string customer = NewId();
  customers_.created = customer;
  auto won = Succeed(rep, {o.id, std::to_string(o.version), "", false});
  ASSERT_THAT(won, IsOk());
  EXPECT_EQ(won->status, OpportunityStatus::kWon);
  EXPECT_EQ(won->customer_id, customer);
  EXPECT_THAT(customers_.created_under,
              testing::ElementsAre(Opportunities::CustomerRequestId(o.id)));
  auto again = Succeed(rep, {o.id, std::to_string(o.version), "", false});
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->version, won->version);
  EXPECT_EQ(customers_.created_under.size(), 1u);
}

// A named customer the caller cannot see, a prospect that looks like an existing customer and
// an unreachable customers service each leave the opportunity as it was.
TEST_F(SuccessTest, WhatTheCustomersServiceRefusesChangesNothing) {
  const std::string dept = NewId();
  auto rep = Rep(dept);
  Opportunity o = Developing(Manager({dept}), rep);
  customers_.visible = absl::PermissionDeniedError("not yours");
  EXPECT_THAT(Succeed(rep, {o.id, "", NewId(), false}), HasFieldViolation("customer_id"));
  customers_.created = absl::AlreadyExistsError("the prospect looks like an existing customer");
  EXPECT_THAT(Succeed(rep, {o.id, "", "", false}), StatusIs(absl::StatusCode::kAlreadyExists));
  customers_.created = absl::UnavailableError("the customers service could not be reached");
  EXPECT_THAT(Succeed(rep, {o.id, "", "", false}), StatusIs(absl::StatusCode::kUnavailable));
  auto now = opportunities_->Get(*conn_, rep, o.id);
  ASSERT_THAT(now, IsOk());
  EXPECT_EQ(now->status, OpportunityStatus::kDeveloping);
  EXPECT_EQ(now->version, o.version);
  const std::vector<std::string> events = EventsSinceStart();
  EXPECT_EQ(std::count(events.begin(), events.end(), "pipeline.opportunity.won"), 0);
}

// The etag the caller sent is checked again when the opportunity is marked won: a change made
// between the two steps (while the customer was being created) makes the second one ABORTED.
TEST_F(OpportunitiesTest, AChangeBetweenTheStepsOfSuccessIsCaught) {
  const std::string dept = NewId();
  auto manager = Manager({dept});
  auto rep = Rep(dept);
  Opportunity o = Developing(manager, rep);
  const std::string etag = std::to_string(o.version);
  ASSERT_THAT(opportunities_->PrepareSuccess(*conn_, rep, o.id, etag, ""), IsOk());
  Opportunity patch = o;
  patch.summary = "期间被修改";
  ASSERT_THAT(opportunities_->Update(*conn_, manager, meta_, patch, "", {"summary"}), IsOk());
  EXPECT_THAT(opportunities_->CompleteSuccess(*conn_, rep, meta_, o.id, etag, NewId()),
              StatusIs(absl::StatusCode::kAborted));
  const std::vector<std::string> events = EventsSinceStart();
  EXPECT_EQ(std::count(events.begin(), events.end(), "pipeline.opportunity.won"), 0);
}

TEST_F(OpportunitiesTest, OpenOpportunitiesFollowTheirCustomersToTheNewOwner) {
  const std::string dept = NewId(), new_dept = NewId();
  auto manager = Manager({dept, new_dept});
  auto leaving = Rep(dept), successor = Rep(new_dept), colleague = Rep(dept);
  const std::string customer = NewId();
  auto for_customer = [&](const auth::Principal& rep, bool develop) {
    Opportunity p = Prospect("交接公司");
    p.customer_id = customer;
    auto o = opportunities_->Create(*conn_, manager, meta_, "", p);
    EXPECT_THAT(o, IsOk());
    auto a = opportunities_->Assign(*conn_, manager, meta_, o->id, "", AssigneeOf(rep));
    EXPECT_THAT(a, IsOk());
    if (develop) AddItem(rep, *a, "拜访");
    return a->id;
  };
  const std::string assigned = for_customer(leaving, false);
  const std::string developing = for_customer(leaving, true);
  const std::string someone_elses = for_customer(colleague, false);
  const std::string lost = for_customer(leaving, true);
  ASSERT_THAT(opportunities_->Terminate(*conn_, leaving, meta_, lost, "", "项目取消"), IsOk());

  common::v1::Event event;
  event.set_id(NewId());
  event.set_type("customers.handover.completed");
  crm::customers::v1::CustomersHandedOver payload;
  auto& h = *payload.mutable_handover();
  h.set_from_user_id(leaving.user_id);
  h.set_to_user_id(successor.user_id);
  h.set_to_department_id(new_dept);
  h.add_customer_ids(customer);
  h.set_create_user_id(manager.user_id);
  event.mutable_payload()->PackFrom(payload);
  for (int times = 0; times < 2; ++times) {  // applying it again changes nothing more
    ASSERT_THAT(
        conn_->Transact([&](db::Tx& tx) { return opportunities_->ApplyCustomerEvent(tx, event); }),
        IsOk());
  }
  for (const std::string& id : {assigned, developing}) {
    auto o = opportunities_->Get(*conn_, successor, id);
    ASSERT_THAT(o, IsOk());
    EXPECT_EQ(o->assignee_id, successor.user_id);
    EXPECT_EQ(o->assigned_by, manager.user_id);
  }
  EXPECT_THAT(opportunities_->Get(*conn_, leaving, developing), StatusIs(kDenied));
  auto kept = opportunities_->Get(*conn_, colleague, someone_elses);
  ASSERT_THAT(kept, IsOk());
  EXPECT_EQ(kept->assignee_id, colleague.user_id);
  auto closed = opportunities_->Get(*conn_, manager, lost);
  ASSERT_THAT(closed, IsOk());
  EXPECT_EQ(closed->assignee_id, leaving.user_id);
  const std::vector<std::string> events = EventsSinceStart();
  EXPECT_EQ(std::count(events.begin(), events.end(), "pipeline.opportunity.handed_over"), 2);

  // A payload of another type is skipped, not an error (the stream moves on).
  common::v1::Event other;
  other.set_type("customers.handover.completed");
  other.mutable_payload()->PackFrom(crm::customers::v1::CustomersHandedOver());
  EXPECT_THAT(
      conn_->Transact([&](db::Tx& tx) { return opportunities_->ApplyCustomerEvent(tx, other); }),
      IsOk());
}

TEST_F(OpportunitiesTest, AMergedCustomersOpportunitiesNameTheSurvivor) {
  auto manager = Manager({NewId()});
  const std::string duplicate = NewId(), survivor = NewId();
  Opportunity p = Prospect("合并公司");
  p.customer_id = duplicate;
  auto o = opportunities_->Create(*conn_, manager, meta_, "", p);
  ASSERT_THAT(o, IsOk());
  common::v1::Event event;
  event.set_id(NewId());
  event.set_type("customers.customer.merged");
  crm::customers::v1::CustomersMerged payload;
  payload.mutable_merge()->set_duplicate_id(duplicate);
  payload.mutable_merge()->set_survivor_id(survivor);
  event.mutable_payload()->PackFrom(payload);
  ASSERT_THAT(
      conn_->Transact([&](db::Tx& tx) { return opportunities_->ApplyCustomerEvent(tx, event); }),
      IsOk());
  auto now = opportunities_->Get(*conn_, manager, o->id);
  ASSERT_THAT(now, IsOk());
  EXPECT_EQ(now->customer_id, survivor);
  OpportunityFilter f;
  f.customer_id = duplicate;
  auto none = opportunities_->List(*conn_, manager, f, 10, "");
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->items.empty());
}

TEST_F(OpportunitiesTest, ListsFilterAndPage) {
  const std::string dept = NewId();
  auto manager = Manager({dept});
  auto rep = Rep(dept);
  std::vector<std::string> created;
  for (int i = 0; i < 5; ++i) created.push_back(Create(manager, "列表公司").id);
  Opportunity assigned = Assigned(manager, rep);
  Opportunity far = Prospect("远期公司");
  far.expected_close_date = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) + 400;
  auto far_one = opportunities_->Create(*conn_, manager, meta_, "", far);
  ASSERT_THAT(far_one, IsOk());

  OpportunityFilter f;
  f.status = OpportunityStatus::kAssigned;
  auto page = opportunities_->List(*conn_, manager, f, 10, "");
  ASSERT_THAT(page, IsOk());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].id, assigned.id);

  OpportunityFilter by_assignee;
  by_assignee.assignee_id = rep.user_id;
  page = opportunities_->List(*conn_, manager, by_assignee, 10, "");
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(page->items.size(), 1u);

  OpportunityFilter later;
  later.close_from = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) + 300;
  page = opportunities_->List(*conn_, manager, later, 10, "");
  ASSERT_THAT(page, IsOk());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].id, far_one->id);

  OpportunityFilter mine;
  mine.creator_id = manager.user_id;
  std::vector<std::string> seen;
  std::string token;
  do {
    auto p = opportunities_->List(*conn_, manager, mine, 2, token);
    ASSERT_THAT(p, IsOk());
    for (const auto& x : p->items) seen.push_back(x.id);
    token = p->next_page_token;
  } while (!token.empty());
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_TRUE(std::is_sorted(seen.rbegin(), seen.rend()));
  OpportunityFilter backwards;
  backwards.close_from = absl::CivilDay(2030, 1, 2);
  backwards.close_to = absl::CivilDay(2030, 1, 1);
  EXPECT_THAT(opportunities_->List(*conn_, manager, backwards, 10, ""), StatusIs(kInvalid));
  EXPECT_THAT(opportunities_->List(*conn_, manager, {}, -1, ""), StatusIs(kInvalid));
}

TEST_F(OpportunitiesTest, AnOpportunityShowsTheContractsMadeFromIt) {
  const std::string dept = NewId();
  auto rep = Rep(dept);
  Opportunity o = Create(rep, "无锡华晨机械有限公司");
  const std::string contract_id = NewId();
  std::string owner = rep.user_id;
  auto report = [&](const std::string& opportunity_id, crm::contracts::v1::ContractStatus status,
                    int64_t micros) {
    crm::contracts::v1::ContractChanged payload;
    auto& c = *payload.mutable_contract();
    c.set_id(contract_id);
    c.set_owner_id(owner);
    c.set_owner_department_id(dept);
    c.set_number("HT20261206-000042");
    c.set_opportunity_id(opportunity_id);
    c.set_status(status);
    c.mutable_amount()->set_currency_code("CNY");
    c.mutable_amount()->set_units(128000);
    c.mutable_update_time()->set_seconds(micros / 1000000);
    c.mutable_update_time()->set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
    common::v1::Event e;
    e.set_id(NewId());
    e.set_type("contracts.contract.signed");
    e.mutable_payload()->PackFrom(payload);
    return conn_->Transact([&](db::Tx& tx) { return opportunities_->ApplyContractEvent(tx, e); });
  };
  ASSERT_THAT(report(o.id, crm::contracts::v1::CONTRACT_STATUS_SIGNED, 2000000), IsOk());
  // An older report arriving late changes nothing; another opportunity's is skipped.
  ASSERT_THAT(report(o.id, crm::contracts::v1::CONTRACT_STATUS_DRAFT, 1000000), IsOk());
  ASSERT_THAT(report(NewId(), crm::contracts::v1::CONTRACT_STATUS_DRAFT, 3000000), IsOk());
  auto got = opportunities_->Get(*conn_, rep, o.id);
  ASSERT_THAT(got, IsOk());
  ASSERT_EQ(got->contracts.size(), 1u);
  EXPECT_EQ(got->contracts[0].contract_id, contract_id);
  EXPECT_EQ(got->contracts[0].status, "signed");
  EXPECT_EQ(got->contracts[0].amount.minor, 12800000);

  // The contract is handed over to a colleague: the opportunity's rep no longer sees it there,
  // their manager still does.
  owner = NewId();
  ASSERT_THAT(report(o.id, crm::contracts::v1::CONTRACT_STATUS_SIGNED, 4000000), IsOk());
  got = opportunities_->Get(*conn_, rep, o.id);
  ASSERT_THAT(got, IsOk());
  EXPECT_TRUE(got->contracts.empty());
  got = opportunities_->Get(*conn_, Manager({dept}), o.id);
  ASSERT_THAT(got, IsOk());
  ASSERT_EQ(got->contracts.size(), 1u);
  EXPECT_EQ(got->contracts[0].owner_id, owner);
}

// A customer's opportunities (Customer 360, a customer's page) are read through the customer's
// index by the plan kept for any customer, in every scope, and a session plans them once.
TEST_F(PipelineFixture, ACustomersOpportunitiesKeepOnePlanThroughTheCustomersIndex) {
  const std::string department = NewId();
  const auth::Principal rep = Rep(department), manager = Manager({department});
  // 3,000 opportunities of 21 creators in 5 departments, two thirds of them the rep's, five for
  // each customer.
  ASSERT_THAT(conn_->Transact([&](db::Tx& tx) -> absl::Status {
    tx.exec_params(
        "INSERT INTO pipeline.opportunities (id, customer_id, summary, probability, stage,"
        " creator_id, creator_department_id)"
        " SELECT gen_random_uuid(), ('00000000-0000-7000-8000-' ||"
        " lpad((i / 5)::text, 12, '0'))::uuid, '计划检查', 10,"
        " (SELECT code FROM pipeline.stages ORDER BY position LIMIT 1),"
        " CASE WHEN i % 3 = 0 THEN ('00000000-0000-7000-9000-' || lpad((i % 20)::text, 12, '0'))"
        " ::uuid ELSE $1::uuid END,"
        " CASE WHEN i % 3 = 0 THEN ('00000000-0000-7000-a000-' || lpad((i % 4)::text, 12, '0'))"
        " ::uuid ELSE $2::uuid END FROM generate_series(1, 3000) i",
        rep.user_id, department);
    tx.exec("ANALYZE pipeline.opportunities");
    return absl::OkStatus();
  }),
              IsOk());
  const std::string customer = "00000000-0000-7000-8000-000000000100";
  OpportunityFilter f;
  f.customer_id = customer;
  auto kept = test::KeptPlanSession(conninfo_);
  for (const auth::Principal& p : {rep, manager, Executive()}) {
    auto page = opportunities_->List(*kept, p, f, 20, "");
    ASSERT_THAT(page, IsOk());
    EXPECT_EQ(page->items.size(), p.scope == auth::DataScope::kAll ? 5u : 3u);
    const std::string plan = test::ExplainPrepared(
        *kept,
        absl::StrCat("pipeline.list_opportunities_by_customer.", auth::DataScopeName(p.scope)),
        {std::string(ids::kMaxUuid), "", "", "", "", customer, "", "", auth::ScopeParam(p), "21"});
    EXPECT_THAT(plan, HasSubstr("opportunities_customer")) << plan;
    EXPECT_THAT(plan, HasSubstr("customer_id = $6")) << plan;  // the plan kept for any customer
    EXPECT_THAT(plan, Not(HasSubstr("Seq Scan"))) << plan;
  }
  for (int i = 0; i < 8; ++i) ASSERT_THAT(opportunities_->List(*conn_, rep, f, 20, ""), IsOk());
  EXPECT_GT(test::PlanCountsOf(*conn_, "pipeline.list_opportunities_by_customer.own").generic, 0);
}

}  // namespace
}  // namespace crm::pipeline_service
