// gRPC glue of bulk import and export: streams whose database work runs on the transaction
// pool one batch at a time (a batch is read, applied and answered before the next is read,
// so a stream holds at most one session and flow control reaches the client).

#include <mutex>

#include "absl/strings/str_cat.h"
#include "libs/enums/enum_table.h"
#include "libs/log/log.h"
#include "libs/proto_time/proto_time.h"
#include "libs/rpc/status_convert.h"
#include "libs/rpc/stream.h"
#include "services/customers/src/customers_service.h"

namespace crm::customers_service {
namespace {

using Outcome = ImportResult::Outcome;

ImportRow RowOf(const v1::ImportRow& p) {
  ImportRow r;
  r.row_number = p.row_number();
  r.external_key = p.external_key();
  r.customer = FromProto(p.customer(), r.decoding);
  for (int k = 0; k < p.contacts_size(); ++k) {
    Violations v;
    r.contacts.push_back(FromProto(p.contacts(k), v));
    AddContactViolations(r.decoding, k, v);
  }
  return r;
}

constexpr enums::Pair<Outcome, v1::ImportOutcome> kOutcomes[] = {
    {Outcome::kCreated, v1::IMPORT_OUTCOME_CREATED},
    {Outcome::kUpdated, v1::IMPORT_OUTCOME_UPDATED},
    {Outcome::kUnchanged, v1::IMPORT_OUTCOME_UNCHANGED}};

class ImportStream
    : public rpc::Stream<
          grpc::ServerBidiReactor<v1::ImportCustomersRequest, v1::ImportCustomersResponse>> {
 public:
  ImportStream(const rpc::Calls* calls, const Imports* imports, grpc::CallbackServerContext* ctx)
      : Stream(calls, ctx), imports_(imports) {
    if (early_.ok()) early_ = Imports::CheckImporter(*principal_);
    std::lock_guard<std::mutex> lock(mu_);
    if (!early_.ok()) {
      FinishLocked(early_);
      return;
    }
    StartRead(&req_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client has sent everything, and every batch has been answered
      std::lock_guard<std::mutex> lock(mu_);
      return FinishLocked(absl::OkStatus());
    }
    std::vector<ImportRow> rows;
    rows.reserve(req_.rows_size());
    for (const auto& r : req_.rows()) rows.push_back(RowOf(r));
    OnDb(
        [this, rows = std::move(rows)](db::Conn& conn) mutable {
          return imports_->ImportBatch(conn, *principal_, {request_id_, principal_->user_id},
                                       req_.import_id(), std::move(rows));
        },
        [this](absl::StatusOr<std::vector<ImportResult>> results) {
          if (!results.ok()) return FinishLocked(results.status());
          resp_.Clear();
          for (const auto& r : *results) {
            v1::ImportRowResult* out = resp_.add_results();
            out->set_row_number(r.row_number);
            out->set_outcome(enums::Lookup(kOutcomes, r.outcome, v1::IMPORT_OUTCOME_FAILED));
            out->set_customer_id(r.customer_id);
            if (!r.error.ok()) *out->mutable_error() = rpc::ToStatusProto(r.error);
          }
          StartWrite(&resp_);
        });
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!ok) return FinishLocked(absl::UnavailableError("stream broken"));
    if (!finished_) StartRead(&req_);
  }

  void OnCancel() override { Cancelled(); }
  void OnDone() override { Destroy(); }

 private:
  const Imports* imports_;
  v1::ImportCustomersRequest req_;
  v1::ImportCustomersResponse resp_;
};

class ExportStream : public rpc::Stream<grpc::ServerWriteReactor<v1::ExportCustomersResponse>> {
 public:
  ExportStream(const rpc::Calls* calls, const Imports* imports, grpc::CallbackServerContext* ctx,
               const v1::ExportCustomersRequest* req)
      : Stream(calls, ctx), imports_(imports), include_contacts_(req->include_contacts()) {
    filter_.region = req->region();
    filter_.industry = req->industry();
    filter_.level = req->level();
    filter_.owner_id = req->owner_id();
    filter_.status = StatusName(req->status());
    filter_.tag = req->tag();
    if (early_.ok() && req->status() != v1::CUSTOMER_STATUS_UNSPECIFIED && filter_.status.empty()) {
      early_ = InvalidField("status", "is not a customer status");
    }
    if (early_.ok()) early_ = Imports::CheckExport(*principal_, filter_);
    if (!early_.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      FinishLocked(early_);
      return;
    }
    Next();
  }

  void OnWriteDone(bool ok) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!ok) return FinishLocked(absl::UnavailableError("stream broken"));
      if (finished_) return;
      if (last_page_) return FinishLocked(absl::OkStatus());
    }
    Next();
  }

  void OnCancel() override { Cancelled(); }
  void OnDone() override { Destroy(); }

 private:
  void Next() {
    OnDb(
        [this](db::Conn& conn) {
          return imports_->ExportPage(conn, *principal_, filter_, include_contacts_, before_id_);
        },
        [this](absl::StatusOr<std::vector<ExportRow>> page) {
          if (!page.ok()) return FinishLocked(page.status());
          if (page->empty()) return FinishLocked(absl::OkStatus());
          last_page_ = static_cast<int>(page->size()) < Imports::kExportPage;
          before_id_ = page->back().customer.id;
          resp_.Clear();
          for (const auto& row : *page) {
            v1::ImportRow* out = resp_.add_rows();
            out->set_row_number(++rows_);
            out->set_external_key(row.external_key);
            *out->mutable_customer() = customers_service::ToProto(row.customer);
            for (const auto& c : row.contacts) {
              *out->add_contacts() = customers_service::ToProto(c);
            }
          }
          StartWrite(&resp_);
        });
  }

  const Imports* imports_;
  CustomerFilter filter_;
  bool include_contacts_;
  std::string before_id_;
  int64_t rows_ = 0;
  bool last_page_ = false;
  v1::ExportCustomersResponse resp_;
};

class ImportExportServiceImpl final : public v1::ImportExportService::CallbackService,
                                      private rpc::Glue<Parts> {
 public:
  explicit ImportExportServiceImpl(const Parts& parts)
      : Glue(parts, v1::ImportExportService::service_full_name()) {}

  grpc::ServerBidiReactor<v1::ImportCustomersRequest, v1::ImportCustomersResponse>* ImportCustomers(
      Context* ctx) override {
    return new ImportStream(&calls_, imports, ctx);
  }

  Unary* GetImportJob(Context* ctx, const v1::GetImportJobRequest* req,
                      v1::ImportJob* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      auto job = imports->GetJob(conn, call.principal(), req->import_id());
      if (!job.ok()) return job.status();
      resp->set_import_id(job->id);
      resp->set_create_user_id(job->created_by);
      resp->set_rows(job->rows);
      resp->set_created(job->created);
      resp->set_updated(job->updated);
      resp->set_unchanged(job->unchanged);
      resp->set_failed(job->failed);
      resp->set_last_row_number(job->last_row_number);
      proto_time::SetTimestamp(job->created_at, resp->mutable_create_time());
      proto_time::SetTimestamp(job->updated_at, resp->mutable_update_time());
      return absl::OkStatus();
    });
  }

  grpc::ServerWriteReactor<v1::ExportCustomersResponse>* ExportCustomers(
      Context* ctx, const v1::ExportCustomersRequest* req) override {
    return new ExportStream(&calls_, imports, ctx, req);
  }
};

}  // namespace

std::unique_ptr<grpc::Service> NewImportExportService(const Parts& parts) {
  return std::make_unique<ImportExportServiceImpl>(parts);
}

}  // namespace crm::customers_service
