// Service tickets over real processes: a complaint from creation through a feedback loop to
// the archive, with the customer's satisfaction following its feedback; attachments streamed
// both ways; a ticket follows its customer's hand-over.

#include "absl/strings/str_cat.h"
#include "crm/auth/v1/directory_service.grpc.pb.h"
#include "libs/checksum/sha256.h"
#include "tests/e2e/stack_fixture.h"

namespace crm::e2e {
namespace {

using ::crm::test::IsOk;
using ::crm::test::StatusIs;

class ServiceE2eTest : public StackE2eTest {
 protected:
  void SetUp() override {
    StackE2eTest::SetUp();
    if (HasFatalFailure()) return;
    auto agent_id = auth_->CreateUser("liu.yang", "service_agent", east_);
    ASSERT_THAT(agent_id, IsOk());
    agent_id_ = *agent_id;
    auto agent = auth_->Login("liu.yang", "s3cret-pass");
    ASSERT_THAT(agent, IsOk());
    agent_ = *agent;
  }

  // The customer's satisfaction once it is `want` (the customers service follows the tickets'
  // events), or what it was after waiting.
  int SatisfactionOnceItIs(const std::string& customer_id, int want) {
    int got = -1;
    for (int i = 0; i < 100 && got != want; ++i) {
      if (i > 0) absl::SleepFor(absl::Milliseconds(100));
      got = GetCustomer(customer_id).satisfaction();
    }
    return got;
  }

  template <typename Request>
  tv1::Ticket Step(grpc::Status (tv1::TicketsService::Stub::*rpc)(grpc::ClientContext*,
                                                                  const Request&, tv1::Ticket*),
                   const std::string& token, const Request& req) {
    tv1::Ticket t;
    EXPECT_THAT((tickets_stub_.get()->*rpc)(Ctx(token).get(), req, &t), IsOk());
    return t;
  }

  std::string agent_id_, agent_;
};

TEST_F(ServiceE2eTest, AComplaintLoopsOnceAndIsArchivedAndTheCustomerSatisfactionFollows) {
  cv1::Customer customer = NewCustomer("苏州工业园区精密机械有限公司");
  cv1::Contact contact = NewContact(customer.id(), "周经理");

  tv1::CreateTicketRequest create;
  create.set_request_id("complaint-1");
  tv1::Ticket* draft = create.mutable_ticket();
  draft->set_type("complaint");
  draft->set_customer_id(customer.id());
  draft->set_contact_id(contact.id());
  draft->set_channel(tv1::TICKET_CHANNEL_PHONE);
  draft->set_priority(tv1::TICKET_PRIORITY_HIGH);
  draft->set_summary("设备安装后无法联网");
  draft->set_request("客户来电：上周安装的设备至今无法连接内网，影响生产。");
  tv1::Ticket t;
  ASSERT_THAT(tickets_stub_->CreateTicket(Ctx(rep_).get(), create, &t), IsOk());
  EXPECT_EQ(t.status(), tv1::TICKET_STATUS_NEW);
  EXPECT_EQ(t.customer_owner_id(), rep_id_);
  EXPECT_TRUE(t.has_first_response_due_time());
  // A retry returns the same ticket.
  tv1::Ticket again;
  ASSERT_THAT(tickets_stub_->CreateTicket(Ctx(rep_).get(), create, &again), IsOk());
  EXPECT_EQ(again.id(), t.id());

  // The rep may not assign; the manager assigns it to the agent.
  tv1::AssignTicketRequest assign;
  assign.set_id(t.id());
  assign.set_assignee_id(agent_id_);
  assign.set_note("请今天上门");
  EXPECT_THAT(tickets_stub_->AssignTicket(Ctx(rep_).get(), assign, &again),
              StatusIs(absl::StatusCode::kPermissionDenied));
  t = Step(&tv1::TicketsService::Stub::AssignTicket, manager_, assign);
  EXPECT_EQ(t.status(), tv1::TICKET_STATUS_ASSIGNED);
  EXPECT_EQ(t.assignee_id(), agent_id_);

  tv1::HandleTicketRequest handle;
  handle.set_id(t.id());
  handle.set_handling("已上门检查，重新配置了网络参数。");
  t = Step(&tv1::TicketsService::Stub::HandleTicket, agent_, handle);
  EXPECT_EQ(t.status(), tv1::TICKET_STATUS_HANDLED);

  tv1::RecordFeedbackRequest feedback;
  feedback.set_id(t.id());
  feedback.set_result("客户反映仍然断断续续");
  feedback.set_satisfaction(2);
  t = Step(&tv1::TicketsService::Stub::RecordFeedback, rep_, feedback);
  EXPECT_EQ(t.status(), tv1::TICKET_STATUS_ASSIGNED);
  EXPECT_EQ(t.returns(), 1);
  EXPECT_EQ(SatisfactionOnceItIs(customer.id(), 2), 2);

  handle.set_handling("更换了交换机端口，连续观察两小时正常。");
  t = Step(&tv1::TicketsService::Stub::HandleTicket, agent_, handle);
  feedback.set_result("客户确认问题解决");
  feedback.set_satisfaction(5);
  t = Step(&tv1::TicketsService::Stub::RecordFeedback, rep_, feedback);
  EXPECT_EQ(t.status(), tv1::TICKET_STATUS_ARCHIVED);
  EXPECT_TRUE(t.has_resolve_time());
  EXPECT_EQ(SatisfactionOnceItIs(customer.id(), 5), 5);

  // Archived is final.
  EXPECT_THAT(tickets_stub_->HandleTicket(Ctx(agent_).get(), handle, &again),
              StatusIs(absl::StatusCode::kFailedPrecondition));

  tv1::ListTicketHistoryRequest history;
  history.set_ticket_id(t.id());
  tv1::ListTicketHistoryResponse steps;
  ASSERT_THAT(tickets_stub_->ListTicketHistory(Ctx(manager_).get(), history, &steps), IsOk());
  std::vector<tv1::TicketAction> actions;
  for (const auto& e : steps.entries()) actions.push_back(e.action());
  EXPECT_THAT(actions,
              ::testing::ElementsAre(tv1::TICKET_ACTION_CREATED, tv1::TICKET_ACTION_ASSIGNED,
                                     tv1::TICKET_ACTION_HANDLED, tv1::TICKET_ACTION_RETURNED,
                                     tv1::TICKET_ACTION_HANDLED, tv1::TICKET_ACTION_ARCHIVED));

  // Found by its Chinese text, in the rep's scope.
  tv1::ListTicketsRequest search;
  search.set_query("无法联网");
  tv1::ListTicketsResponse found;
  ASSERT_THAT(tickets_stub_->ListTickets(Ctx(rep_).get(), search, &found), IsOk());
  ASSERT_EQ(found.tickets_size(), 1);
  EXPECT_EQ(found.tickets(0).id(), t.id());
}

TEST_F(ServiceE2eTest, AttachmentsStreamBothWaysAndTicketsFollowAHandOver) {
  cv1::Customer customer = NewCustomer("无锡新区电子科技有限公司");
  tv1::CreateTicketRequest create;
  create.mutable_ticket()->set_type("consultation");
  create.mutable_ticket()->set_customer_id(customer.id());
  create.mutable_ticket()->set_summary("咨询升级方案");
  create.mutable_ticket()->set_request("客户想了解从旧版本升级的费用和周期。");
  tv1::Ticket t;
  ASSERT_THAT(tickets_stub_->CreateTicket(Ctx(rep_).get(), create, &t), IsOk());

  std::string content;
  for (int i = 0; content.size() < (300u << 10); ++i)
    content += absl::StrCat("升级清单第", i, "项\n");
  tv1::TicketAttachment stored;
  {
    auto ctx = Ctx(rep_);
    auto writer = tickets_stub_->UploadTicketAttachment(ctx.get(), &stored);
    tv1::UploadTicketAttachmentRequest first;
    first.mutable_metadata()->set_ticket_id(t.id());
    first.mutable_metadata()->set_file_name("升级清单.txt");
    first.mutable_metadata()->set_content_type("text/plain");
    first.mutable_metadata()->set_size_bytes(static_cast<int64_t>(content.size()));
    first.mutable_metadata()->set_sha256(checksum::Sha256Hex(content));
    ASSERT_TRUE(writer->Write(first));
    for (size_t at = 0; at < content.size(); at += 64 << 10) {
      tv1::UploadTicketAttachmentRequest chunk;
      chunk.set_chunk(content.substr(at, 64 << 10));
      ASSERT_TRUE(writer->Write(chunk));
    }
    writer->WritesDone();
    ASSERT_THAT(writer->Finish(), IsOk());
  }
  {
    tv1::DownloadTicketAttachmentRequest req;
    req.set_ticket_id(t.id());
    req.set_attachment_id(stored.id());
    auto ctx = Ctx(manager_);
    auto reader = tickets_stub_->DownloadTicketAttachment(ctx.get(), req);
    tv1::DownloadTicketAttachmentResponse part;
    ASSERT_TRUE(reader->Read(&part));
    EXPECT_EQ(part.metadata().file_name(), "升级清单.txt");
    std::string back;
    while (reader->Read(&part)) back += part.chunk();
    ASSERT_THAT(reader->Finish(), IsOk());
    EXPECT_TRUE(back == content);
  }

  // The customer is handed over to another rep: the ticket follows it.
  auto next_id = auth_->CreateUser("sun.li", "account_manager", east_);
  ASSERT_THAT(next_id, IsOk());
  auto next = auth_->Login("sun.li", "s3cret-pass");
  ASSERT_THAT(next, IsOk());
  auto handovers = cv1::HandoversService::NewStub(customers_->channel());
  cv1::HandOverCustomersRequest handover;
  handover.set_from_user_id(rep_id_);
  handover.add_customer_ids(customer.id());
  handover.set_to_user_id(*next_id);
  handover.set_reason("区域调整");
  cv1::Handover done;
  ASSERT_THAT(handovers->HandOverCustomers(Ctx(manager_).get(), handover, &done), IsOk());
  tv1::GetTicketRequest get;
  get.set_id(t.id());
  grpc::Status seen;
  for (int i = 0; i < 100; ++i) {
    tv1::Ticket now;
    seen = tickets_stub_->GetTicket(Ctx(*next).get(), get, &now);
    if (seen.ok()) {
      EXPECT_EQ(now.customer_owner_id(), *next_id);
      break;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_THAT(seen, IsOk());
}

}  // namespace
}  // namespace crm::e2e
