// The customer lifecycle across real auth and customers processes, over gRPC.

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "crm/auth/v1/auth_service.grpc.pb.h"
#include "crm/customers/v1/customers_service.grpc.pb.h"
#include "crm/customers/v1/events.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/checksum/sha256.h"
#include "libs/db/conn.h"
#include "libs/status/field_violations.h"
#include "libs/testing/pg.h"
#include "libs/testing/status_matchers.h"
#include "tests/e2e/stack.h"

namespace crm::e2e {
namespace {

namespace cv1 = ::crm::customers::v1;
using ::crm::test::HasFieldViolation;
using ::crm::test::IsOk;
using ::crm::test::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

TEST(CustomersE2eTest, CustomerLifecycle) {
  auto db = test::TestDatabase::Create("customers_e2e");
  ASSERT_THAT(db, IsOk());
  auto auth = AuthServer::Start(**db);
  ASSERT_THAT(auth, IsOk());
  auto customers = CustomersServer::Start(**db, **auth);
  ASSERT_THAT(customers, IsOk());
  AuthServer& a = **auth;
  auto stub = cv1::CustomersService::NewStub((*customers)->channel());
  auto contacts = cv1::ContactsService::NewStub((*customers)->channel());
  auto documents = cv1::DocumentsService::NewStub((*customers)->channel());
  auto handover_stub = cv1::HandoversService::NewStub((*customers)->channel());
  auto transfers = cv1::ImportExportService::NewStub((*customers)->channel());
  auto relationships = cv1::RelationshipsService::NewStub((*customers)->channel());

  // The organisation: 华东区 with a manager and two reps.
  auto east = a.CreateDepartment("华东区");
  ASSERT_THAT(east, IsOk());
  ASSERT_THAT(a.CreateUser("li.na", "sales_manager", *east), IsOk());
  ASSERT_THAT(a.CreateUser("chen.jie", "account_manager", *east), IsOk());
  auto other_id = a.CreateUser("liu.yang", "account_manager", *east);
  ASSERT_THAT(other_id, IsOk());
  auto manager = a.Login("li.na", "s3cret-pass");
  auto rep = a.Login("chen.jie", "s3cret-pass");
  auto other = a.Login("liu.yang", "s3cret-pass");
  ASSERT_THAT(manager, IsOk());
  ASSERT_THAT(rep, IsOk());
  ASSERT_THAT(other, IsOk());

  // The rep creates a customer (retried with the same request id: still one).
  cv1::CreateCustomerRequest create;
  create.set_request_id("e2e-create-1");
  create.mutable_customer()->set_name("华为技术有限公司");
  create.mutable_customer()->set_region("south");
  create.mutable_customer()->set_level("strategic_partner");
  create.mutable_customer()->set_tax_id("914403001922038216");
  create.mutable_customer()->mutable_registered_capital()->set_currency_code("CNY");
  create.mutable_customer()->mutable_registered_capital()->set_units(41041131821);
  cv1::Customer created, again;
  ASSERT_THAT(stub->CreateCustomer(Ctx(*rep).get(), create, &created), IsOk());
  ASSERT_THAT(stub->CreateCustomer(Ctx(*rep).get(), create, &again), IsOk());
  EXPECT_EQ(created.id(), again.id());
  EXPECT_EQ(created.status(), cv1::CUSTOMER_STATUS_ACTIVE);

  // A second company with the same tax id is a duplicate, named in the error to whoever may
  // see the first one, and only reported to another rep.
  cv1::CreateCustomerRequest dup;
  dup.mutable_customer()->set_name("华为终端");
  dup.mutable_customer()->set_tax_id("914403001922038216");
  cv1::Customer ignored;
  grpc::Status s = stub->CreateCustomer(Ctx(*rep).get(), dup, &ignored);
  EXPECT_THAT(s, StatusIs(grpc::StatusCode::ALREADY_EXISTS));
  EXPECT_EQ(ErrorInfoOf(rpc::FromGrpcStatus(s)).Get("existing_ids"), created.id());
  s = stub->CreateCustomer(Ctx(*other).get(), dup, &ignored);
  EXPECT_THAT(s, StatusIs(grpc::StatusCode::ALREADY_EXISTS, HasSubstr("outside your scope")));
  EXPECT_EQ(ErrorInfoOf(rpc::FromGrpcStatus(s)).Get("existing_ids"), "");

  // Bad input names its fields.
  cv1::CreateCustomerRequest bad;
  bad.mutable_customer()->set_satisfaction(7);
  bad.mutable_customer()->mutable_annual_revenue()->set_currency_code("CNY");
  bad.mutable_customer()->mutable_annual_revenue()->set_nanos(1);
  s = stub->CreateCustomer(Ctx(*rep).get(), bad, &ignored);
  EXPECT_THAT(s, HasFieldViolation("customer.name"));
  EXPECT_THAT(s, HasFieldViolation("customer.annual_revenue"));

  // Reading: the owner and the manager see it, the other rep does not.
  cv1::GetCustomerRequest get;
  get.set_id(created.id());
  cv1::Customer got;
  EXPECT_THAT(stub->GetCustomer(Ctx(*rep).get(), get, &got), IsOk());
  EXPECT_EQ(got.name(), "华为技术有限公司");
  EXPECT_EQ(got.registered_capital().units(), 41041131821);
  EXPECT_THAT(stub->GetCustomer(Ctx(*manager).get(), get, &got), IsOk());
  EXPECT_THAT(stub->GetCustomer(Ctx(*other).get(), get, &got),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED));

  // Search by a Chinese fragment, within scope.
  cv1::SearchCustomersRequest search;
  search.set_query("华为");
  cv1::SearchCustomersResponse found;
  ASSERT_THAT(stub->SearchCustomers(Ctx(*manager).get(), search, &found), IsOk());
  ASSERT_EQ(found.customers_size(), 1);
  EXPECT_EQ(found.customers(0).id(), created.id());
  cv1::SearchCustomersResponse none;
  ASSERT_THAT(stub->SearchCustomers(Ctx(*other).get(), search, &none), IsOk());
  EXPECT_EQ(none.customers_size(), 0);

  // Updating with an etag; a stale one is ABORTED.
  cv1::UpdateCustomerRequest update;
  *update.mutable_customer() = created;
  update.mutable_customer()->set_level("major");
  update.mutable_update_mask()->add_paths("level");
  cv1::Customer updated;
  ASSERT_THAT(stub->UpdateCustomer(Ctx(*rep).get(), update, &updated), IsOk());
  EXPECT_EQ(updated.level(), "major");
  EXPECT_THAT(stub->UpdateCustomer(Ctx(*rep).get(), update, &updated),
              StatusIs(grpc::StatusCode::ABORTED));

  // Listing in the manager's department.
  cv1::ListCustomersRequest list;
  list.set_level("major");
  cv1::ListCustomersResponse listed;
  ASSERT_THAT(stub->ListCustomers(Ctx(*manager).get(), list, &listed), IsOk());
  ASSERT_EQ(listed.customers_size(), 1);

  // A contact and a visit with a follow-up date in the past: it is due for the rep.
  cv1::CreateContactRequest add_contact;
  add_contact.mutable_contact()->set_customer_id(created.id());
  add_contact.mutable_contact()->set_name("王小明");
  add_contact.mutable_contact()->set_buying_role(cv1::BUYING_ROLE_DECISION_MAKER);
  add_contact.mutable_contact()->set_primary(true);
  cv1::Contact contact, ignored_contact;
  ASSERT_THAT(contacts->CreateContact(Ctx(*rep).get(), add_contact, &contact), IsOk());
  EXPECT_EQ(contact.buying_role(), cv1::BUYING_ROLE_DECISION_MAKER);
  add_contact.mutable_contact()->set_email("not an address");
  EXPECT_THAT(contacts->CreateContact(Ctx(*rep).get(), add_contact, &ignored_contact),
              HasFieldViolation("contact.email"));
  cv1::CreateInteractionRequest visit;
  visit.set_request_id("e2e-visit-1");
  cv1::Interaction& v = *visit.mutable_interaction();
  v.set_customer_id(created.id());
  v.set_contact_id(contact.id());
  v.set_method(cv1::INTERACTION_METHOD_VISIT);
  v.mutable_occur_time()->set_seconds(time(nullptr) - 86400 * 10);
  v.set_summary("拜访采购部，介绍方案");
  v.mutable_next_follow_up_date()->set_year(2020);
  v.mutable_next_follow_up_date()->set_month(1);
  v.mutable_next_follow_up_date()->set_day(2);
  cv1::Interaction recorded;
  ASSERT_THAT(contacts->CreateInteraction(Ctx(*rep).get(), visit, &recorded), IsOk());
  EXPECT_EQ(recorded.next_follow_up_date().day(), 2);
  cv1::ListFollowUpsDueRequest due;
  cv1::ListFollowUpsDueResponse due_list;
  ASSERT_THAT(contacts->ListFollowUpsDue(Ctx(*rep).get(), due, &due_list), IsOk());
  ASSERT_EQ(due_list.interactions_size(), 1);
  EXPECT_EQ(due_list.interactions(0).summary(), "拜访采购部，介绍方案");
  cv1::ListInteractionsRequest history;
  history.set_customer_id(created.id());
  cv1::ListInteractionsResponse history_list;
  ASSERT_THAT(contacts->ListInteractions(Ctx(*manager).get(), history, &history_list), IsOk());
  EXPECT_EQ(history_list.interactions_size(), 1);

  // The rep knows the contact well; the manager finds the way from the rep to the contact.
  cv1::SetContactRelationRequest know;
  know.mutable_relation()->set_contact_id(contact.id());
  know.mutable_relation()->set_strength(4);
  cv1::ContactRelation relation;
  ASSERT_THAT(relationships->SetContactRelation(Ctx(*rep).get(), know, &relation), IsOk());
  cv1::FindIntroductionPathRequest path_req;
  path_req.set_from_user_id(relation.user_id());
  path_req.set_to_contact_id(contact.id());
  cv1::FindIntroductionPathResponse path;
  ASSERT_THAT(relationships->FindIntroductionPath(Ctx(*manager).get(), path_req, &path), IsOk());
  ASSERT_EQ(path.steps_size(), 2);
  EXPECT_EQ(path.steps(0).edge(), cv1::PATH_EDGE_KNOWS);
  EXPECT_EQ(path.steps(1).contact().name(), "王小明");

  // The manager hands the rep's customers over to liu.yang (looked up in auth with the
  // manager's token); an unknown new owner is refused and moves nothing.
  cv1::HandOverCustomersRequest handover;
  handover.set_request_id("e2e-handover-1");
  handover.set_from_user_id(relation.user_id());
  handover.set_to_user_id("01900000-0000-7000-8000-000000000000");
  handover.set_reason("离职交接");
  cv1::Handover handed;
  EXPECT_THAT(handover_stub->HandOverCustomers(Ctx(*manager).get(), handover, &handed),
              HasFieldViolation("to_user_id"));
  handover.set_to_user_id(*other_id);
  ASSERT_THAT(handover_stub->HandOverCustomers(Ctx(*manager).get(), handover, &handed), IsOk());
  EXPECT_THAT(handed.customer_ids(), ElementsAre(created.id()));
  // The receiving rep finds the record among the hand-overs to them.
  cv1::ListHandoversRequest list_handovers;
  cv1::ListHandoversResponse handovers;
  ASSERT_THAT(handover_stub->ListHandovers(Ctx(*other).get(), list_handovers, &handovers), IsOk());
  ASSERT_EQ(handovers.handovers_size(), 1);
  EXPECT_EQ(handovers.handovers(0).id(), handed.id());
  cv1::GetCustomerRequest get_moved;
  get_moved.set_id(created.id());
  cv1::Customer moved;
  ASSERT_THAT(stub->GetCustomer(Ctx(*other).get(), get_moved, &moved), IsOk());
  EXPECT_EQ(moved.owner_id(), *other_id);
  EXPECT_THAT(stub->GetCustomer(Ctx(*rep).get(), get_moved, &moved),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED));

  // Bulk import over a stream, twice: the second pass creates nothing. Then an export.
  auto import_batch = [&](const std::string& job) {
    auto ctx = Ctx(*rep);
    auto stream = transfers->ImportCustomers(ctx.get());
    cv1::ImportCustomersRequest batch;
    batch.set_import_id(job);
    for (int i = 1; i <= 3; ++i) {
      cv1::ImportRow* row = batch.add_rows();
      row->set_row_number(i);
      row->set_external_key(absl::StrCat("ERP-", i));
      row->mutable_customer()->set_name(absl::StrCat("导入客户", i, "号有限公司"));
      row->mutable_customer()->set_region("east");
    }
    batch.mutable_rows(2)->mutable_customer()->set_name("");
    EXPECT_TRUE(stream->Write(batch));
    cv1::ImportCustomersResponse answer;
    EXPECT_TRUE(stream->Read(&answer));
    stream->WritesDone();
    EXPECT_THAT(stream->Finish(), IsOk());
    std::vector<cv1::ImportOutcome> outcomes;
    for (const auto& r : answer.results()) outcomes.push_back(r.outcome());
    return outcomes;
  };
  EXPECT_THAT(import_batch("01900000-0000-7000-8000-0000000000a1"),
              ElementsAre(cv1::IMPORT_OUTCOME_CREATED, cv1::IMPORT_OUTCOME_CREATED,
                          cv1::IMPORT_OUTCOME_FAILED));
  EXPECT_THAT(import_batch("01900000-0000-7000-8000-0000000000a2"),
              ElementsAre(cv1::IMPORT_OUTCOME_UNCHANGED, cv1::IMPORT_OUTCOME_UNCHANGED,
                          cv1::IMPORT_OUTCOME_FAILED));
  cv1::GetImportJobRequest job_req;
  job_req.set_import_id("01900000-0000-7000-8000-0000000000a1");
  cv1::ImportJob job;
  ASSERT_THAT(transfers->GetImportJob(Ctx(*rep).get(), job_req, &job), IsOk());
  EXPECT_EQ(job.created(), 2);
  EXPECT_EQ(job.last_row_number(), 3);
  {
    auto ctx = Ctx(*manager);
    cv1::ExportCustomersRequest export_req;
    export_req.set_region("east");
    auto reader = transfers->ExportCustomers(ctx.get(), export_req);
    cv1::ExportCustomersResponse page;
    std::vector<std::string> keys;
    while (reader->Read(&page)) {
      for (const auto& row : page.rows()) keys.push_back(row.external_key());
    }
    EXPECT_THAT(reader->Finish(), IsOk());
    EXPECT_THAT(keys, UnorderedElementsAre("ERP-1", "ERP-2"));
  }
  {
    auto ctx = Ctx(*other);  // liu.yang now owns the handed-over customer, not these
    auto reader = transfers->ExportCustomers(ctx.get(), cv1::ExportCustomersRequest());
    cv1::ExportCustomersResponse page;
    int rows = 0;
    while (reader->Read(&page)) rows += page.rows_size();
    EXPECT_THAT(reader->Finish(), IsOk());
    EXPECT_EQ(rows, 1);
  }

  // A document: uploaded in pieces, read back whole; a corrupted upload is refused.
  const std::string file = std::string(300000, 'x') + "合同正文";
  auto upload = [&](const std::string& content, const std::string& declared_sha) {
    auto ctx = Ctx(*other);
    cv1::Document stored;
    auto writer = documents->UploadDocument(ctx.get(), &stored);
    cv1::UploadDocumentRequest first;
    cv1::Document* meta = first.mutable_metadata();
    meta->set_customer_id(created.id());
    meta->set_file_name("合同.txt");
    meta->set_content_type("text/plain");
    meta->set_size_bytes(static_cast<int64_t>(content.size()));
    meta->set_sha256(declared_sha);
    EXPECT_TRUE(writer->Write(first));
    for (size_t at = 0; at < content.size(); at += 65536) {
      cv1::UploadDocumentRequest piece;
      piece.set_chunk(content.substr(at, 65536));
      if (!writer->Write(piece)) break;
    }
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    return std::make_pair(status, stored);
  };
  std::string corrupted = file;
  corrupted[1000] = 'y';
  const std::string sha = checksum::Sha256Hex(file);
  EXPECT_THAT(upload(corrupted, sha).first, HasFieldViolation("metadata.sha256"));
  auto [uploaded, document] = upload(file, sha);
  ASSERT_THAT(uploaded, IsOk());
  EXPECT_EQ(document.size_bytes(), static_cast<int64_t>(file.size()));
  {
    auto ctx = Ctx(*manager);
    cv1::DownloadDocumentRequest get_doc;
    get_doc.set_id(document.id());
    auto reader = documents->DownloadDocument(ctx.get(), get_doc);
    cv1::DownloadDocumentResponse part;
    std::string read;
    std::string name;
    while (reader->Read(&part)) {
      if (part.has_metadata()) name = part.metadata().file_name();
      read += part.chunk();
    }
    EXPECT_THAT(reader->Finish(), IsOk());
    EXPECT_EQ(name, "合同.txt");
    EXPECT_TRUE(read == file);
  }
  // An upload is refused before any content arrives when its customer is not the caller's,
  // and at most 8 are received at once (each is held in memory).
  auto start_upload = [&](const std::string& token, const std::string& customer_id,
                          grpc::ClientContext* ctx, cv1::Document* stored) {
    ctx->AddMetadata("authorization", "Bearer " + token);
    auto writer = documents->UploadDocument(ctx, stored);
    cv1::UploadDocumentRequest first;
    first.mutable_metadata()->set_customer_id(customer_id);
    first.mutable_metadata()->set_file_name("大文件.bin");
    first.mutable_metadata()->set_size_bytes(20 << 20);
    first.mutable_metadata()->set_sha256(std::string(64, 'a'));
    EXPECT_TRUE(writer->Write(first));
    return writer;
  };
  {
    grpc::ClientContext ctx;
    cv1::Document stored;
    auto writer = start_upload(*rep, "01890000-0000-7000-8000-000000000000", &ctx, &stored);
    // The server ends the stream itself, without waiting for the content.
    const absl::Time asked = absl::Now();
    EXPECT_THAT(writer->Finish(), StatusIs(grpc::StatusCode::PERMISSION_DENIED));
    EXPECT_LT(absl::Now() - asked, absl::Seconds(3));
  }
  {
    std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
    std::vector<std::unique_ptr<grpc::ClientWriter<cv1::UploadDocumentRequest>>> open;
    cv1::Document stored;
    for (int i = 0; i < 8; ++i) {
      contexts.push_back(std::make_unique<grpc::ClientContext>());
      open.push_back(start_upload(*other, created.id(), contexts.back().get(), &stored));
    }
    // Once the eight are in (a slow machine may take a while to admit them), a ninth is refused.
    // One of the eight may itself have been refused while an earlier upload's slot was not yet
    // given back: a stream the server ended takes no more content, and is started again.
    cv1::UploadDocumentRequest byte;
    byte.set_chunk("x");
    grpc::Status ninth_status;
    for (const absl::Time until = absl::Now() + absl::Seconds(30); absl::Now() < until;) {
      absl::SleepFor(absl::Milliseconds(300));
      for (size_t i = 0; i < open.size(); ++i) {
        if (open[i]->Write(byte)) continue;
        EXPECT_THAT(open[i]->Finish(), StatusIs(grpc::StatusCode::RESOURCE_EXHAUSTED));
        contexts[i] = std::make_unique<grpc::ClientContext>();
        open[i] = start_upload(*other, created.id(), contexts[i].get(), &stored);
      }
      grpc::ClientContext ctx;
      auto ninth = start_upload(*other, created.id(), &ctx, &stored);
      ninth->WritesDone();
      ninth_status = ninth->Finish();
      if (ninth_status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) break;
    }
    EXPECT_THAT(ninth_status, StatusIs(grpc::StatusCode::RESOURCE_EXHAUSTED));
    for (auto& c : contexts) c->TryCancel();
    for (auto& w : open) (void)w->Finish();
  }

  // Deleting needs customers.delete, which account managers do not have.
  cv1::DeleteCustomerRequest del;
  del.set_id(created.id());
  cv1::DeleteCustomerResponse deleted;
  EXPECT_THAT(stub->DeleteCustomer(Ctx(*rep).get(), del, &deleted),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, HasSubstr("customers.delete")));

  // The admin, who sees no business data, cannot follow the stream.
  auto admin = a.Login("admin", kAdminPassword);
  ASSERT_THAT(admin, IsOk());
  {
    auto denied_ctx = Ctx(*admin);
    auto denied = stub->WatchEvents(denied_ctx.get(), common::v1::WatchEventsRequest());
    common::v1::Event none;
    EXPECT_FALSE(denied->Read(&none));
    EXPECT_THAT(denied->Finish(), StatusIs(grpc::StatusCode::PERMISSION_DENIED));
  }
  // The changes are on the event stream, for a service account allowed to follow it.
  auto follower = a.ServiceToken("customers-watcher", "pipeline_follower");
  ASSERT_THAT(follower, IsOk());
  auto watch_ctx = Ctx(*follower);
  common::v1::WatchEventsRequest watch;
  auto reader = stub->WatchEvents(watch_ctx.get(), watch);
  std::vector<std::string> types;
  common::v1::Event e;
  while (types.size() < 2 && reader->Read(&e)) types.push_back(e.type());
  EXPECT_THAT(types, ElementsAre("customers.customer.created", "customers.customer.updated"));
  cv1::CustomerChanged payload;
  ASSERT_TRUE(e.payload().UnpackTo(&payload));
  EXPECT_EQ(payload.customer().level(), "major");
  watch_ctx->TryCancel();

  // Without an order source (none is configured here) no customer is warned for having no
  // orders, however old: the scan that runs shortly after start is off.
  db::Conn sql((*db)->AdminConninfo());
  ASSERT_THAT(sql.Read([&](db::Tx& tx) -> absl::Status {
    tx.exec_params(
        "UPDATE customers.customers SET created_at = now() - interval '2 years'"
        " WHERE id = $1",
        created.id());
    return absl::OkStatus();
  }),
              IsOk());
  ASSERT_THAT((*customers)->Restart(), IsOk());
  absl::SleepFor(absl::Seconds(7));
  cv1::GetCustomerRequest get_again;
  get_again.set_id(created.id());
  cv1::Customer after_scan;
  ASSERT_THAT(stub->GetCustomer(Ctx(*manager).get(), get_again, &after_scan), IsOk());
  EXPECT_EQ(after_scan.status(), cv1::CUSTOMER_STATUS_ACTIVE);
}

}  // namespace
}  // namespace crm::e2e
