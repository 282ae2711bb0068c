#include "services/analytics/src/analytics_service.h"

#include "libs/db/time_fields.h"
#include "libs/proto_time/proto_time.h"
#include "libs/rpc/stream.h"
#include "libs/service/directory_lookup.h"

namespace crm::analytics {
namespace {

using rpc::Call;

// How long the directory may take, within the caller's deadline.
constexpr absl::Duration kPeerWait = absl::Seconds(5);
// Rows per message of a CSV export.
constexpr size_t kCsvRows = 1000;

class ExportStream : public rpc::Stream<grpc::ServerWriteReactor<v1::ExportReportResponse>> {
 public:
  ExportStream(const rpc::Calls* calls, const Reports* reports, grpc::CallbackServerContext* ctx,
               const v1::ExportReportRequest* req)
      : Stream(calls, ctx), reports_(reports) {
    Violations v;
    request_ = FromProto(req->kind(), req->period(), req->filter(), req->dimension(), v);
    if (early_.ok()) early_ = Reports::Check(*principal_, request_, std::move(v));
    if (!early_.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      FinishLocked(early_);
      return;
    }
    OnDb([this](db::Conn& conn) { return reports_->Run(conn, *principal_, request_); },
         [this](absl::StatusOr<Table> t) {
           if (!t.ok()) return FinishLocked(t.status());
           table_ = *std::move(t);
           resp_.set_data(CsvHeader(table_));
           StartWrite(&resp_);
         });
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!ok) return FinishLocked(absl::UnavailableError("stream broken"));
    if (finished_) return;
    if (cancelled_) return FinishLocked(absl::CancelledError("cancelled by the client"));
    if (next_ >= table_.rows.size()) return FinishLocked(absl::OkStatus());
    resp_.set_data(CsvRows(table_, next_, next_ + kCsvRows));
    next_ += kCsvRows;
    StartWrite(&resp_);
  }

  void OnCancel() override { Cancelled(); }
  void OnDone() override { Destroy(); }

 private:
  const Reports* reports_;
  ReportRequest request_;
  Table table_;
  size_t next_ = 0;
  v1::ExportReportResponse resp_;
};

class AnalyticsServiceImpl final : public v1::AnalyticsService::CallbackService,
                                   private rpc::Glue<Parts> {
 public:
  explicit AnalyticsServiceImpl(const Parts& parts)
      : Glue(parts, v1::AnalyticsService::service_full_name()) {}

  Unary* RunReport(Context* ctx, const v1::RunReportRequest* req, v1::Report* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      Violations v;
      ReportRequest r = FromProto(req->kind(), req->period(), req->filter(), req->dimension(), v);
      if (absl::Status s = Reports::Check(call.principal(), r, std::move(v)); !s.ok()) return s;
      auto window = Reports::PageWindow(r, req->page_size(), req->page_token());
      if (!window.ok()) return window.status();
      auto t = reports->Run(conn, call.principal(), r, *window);
      if (!t.ok()) return t.status();
      ToProto(*t, r, resp);
      resp->set_total_rows(t->total_rows);
      resp->set_next_page_token(Reports::NextPageToken(r, *window, t->total_rows));
      return absl::OkStatus();
    });
  }

  grpc::ServerWriteReactor<v1::ExportReportResponse>* ExportReport(
      Context* ctx, const v1::ExportReportRequest* req) override {
    return new ExportStream(&calls_, reports, ctx, req);
  }

  Unary* GetIngestionStatus(Context* ctx, const v1::GetIngestionStatusRequest*,
                            v1::IngestionStatus* resp) override {
    return calls_.Unary(ctx, __func__, [this, resp](Call& call, db::Conn& conn) -> absl::Status {
      if (absl::Status s = Reports::CheckReader(call.principal()); !s.ok()) return s;
      return conn.Read([&](db::Tx& tx) -> absl::Status {
        pqxx::result r =
            tx.exec("SELECT source, " CRM_SQL_MICROS("last_event_time") ", " CRM_SQL_MICROS(
                "last_apply_time") " FROM analytics.source_progress");
        for (const auto& [source, count] : applied()) {
          v1::SourceStatus* s = resp->add_sources();
          s->set_source(source);
          s->set_applied_events(count);
          for (const auto& row : r) {
            if (row[0].as<std::string>() != source) continue;
            proto_time::SetTimestamp(db::TimeOf(row[1]), s->mutable_last_event_time());
            proto_time::SetTimestamp(db::TimeOf(row[2]), s->mutable_last_apply_time());
          }
        }
        return absl::OkStatus();
      });
    });
  }

  Unary* ListSalesTargets(Context* ctx, const v1::ListSalesTargetsRequest* req,
                          v1::ListSalesTargetsResponse* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      Violations v;
      TargetFilter f = FromProto(*req, v);
      auto listed = targets->List(conn, call.principal(), f, std::move(v));
      if (!listed.ok()) return listed.status();
      for (const auto& t : *listed) *resp->add_targets() = ToProto(t);
      return absl::OkStatus();
    });
  }

  Unary* SetSalesTarget(Context* ctx, const v1::SetSalesTargetRequest* req,
                        v1::SalesTarget* resp) override {
    std::shared_ptr<Call> call = calls_.Begin(ctx, __func__, rpc::Auth::kRequired);
    Unary* reactor = call->reactor();
    if (call->finished()) return reactor;
    Violations v;
    SalesTarget t = FromProto(req->target(), v);
    absl::Status checked = Targets::CheckSet(call->principal(), t, std::move(v));
    if (!checked.ok()) {
      call->Finish(checked);
      return reactor;
    }
    const auto store = [this, call, resp](SalesTarget t) {
      calls_.OnDb(call, [this, resp, t](Call& call, db::Conn& conn) {
        auto stored = targets->Set(conn, call.principal(), t);
        if (!stored.ok()) return stored.status();
        *resp = ToProto(*stored);
        return absl::OkStatus();
      });
    };
    if (t.subject != TargetSubject::kUser) {
      store(t);
      return reactor;
    }
    // A user's target belongs to their department (auth's directory says which).
    service::LookUpUser(directory, *call, t.subject_id, "target.subject_id", kPeerWait,
                        [call, t, store](absl::StatusOr<service::DirectoryUser> u) mutable {
                          if (!u.ok()) return call->Finish(u.status());
                          t.department_id = u->department_id;
                          store(t);
                        });
    return reactor;
  }

  Unary* DeleteSalesTarget(Context* ctx, const v1::DeleteSalesTargetRequest* req,
                           v1::DeleteSalesTargetResponse*) override {
    std::shared_ptr<Call> call = calls_.Begin(ctx, __func__, rpc::Auth::kRequired);
    Unary* reactor = call->reactor();
    if (call->finished()) return reactor;
    Violations v;
    SalesTarget key;
    key.subject = FromProto(req->subject());
    key.subject_id = req->subject_id();
    key.unit = FromProto(req->unit());
    auto day = proto_time::DayOf(req->start_date(), "start_date", v);
    if (!day && !v.Has("start_date")) v.Add("start_date", "is required");
    if (day) key.start = *day;
    absl::Status checked = Targets::CheckDelete(call->principal(), key, std::move(v));
    if (!checked.ok()) {
      call->Finish(checked);
      return reactor;
    }
    const auto remove = [this, call](SalesTarget key) {
      calls_.OnDb(call, [this, key](Call& call, db::Conn& conn) {
        return targets->Delete(conn, call.principal(), key);
      });
    };
    if (key.subject != TargetSubject::kUser) {
      remove(key);
      return reactor;
    }
    service::LookUpUser(directory, *call, key.subject_id, "subject_id", kPeerWait,
                        [call, key, remove](absl::StatusOr<service::DirectoryUser> u) mutable {
                          if (!u.ok()) return call->Finish(u.status());
                          key.department_id = u->department_id;
                          remove(key);
                        });
    return reactor;
  }
};

}  // namespace

std::unique_ptr<grpc::Service> NewAnalyticsService(const Parts& parts) {
  return std::make_unique<AnalyticsServiceImpl>(parts);
}

}  // namespace crm::analytics
