// gRPC glue of the document RPCs: uploads collected in memory up to the size limit, checked
// and stored in one transaction; downloads written a stored chunk at a time.

#include "libs/rpc/stream.h"
#include "services/customers/src/customers_service.h"

namespace crm::customers_service {
namespace {

class UploadStream : public rpc::Stream<grpc::ServerReadReactor<v1::UploadDocumentRequest>> {
 public:
  UploadStream(const rpc::Calls* calls, const Documents* documents,
               grpc::CallbackServerContext* ctx, v1::Document* resp)
      : Stream(calls, ctx), documents_(documents), resp_(resp) {
    std::lock_guard<std::mutex> lock(mu_);
    if (early_.ok()) early_ = Documents::CheckMayUpload(*principal_);
    if (!early_.ok()) {
      FinishLocked(early_);
      return;
    }
    StartRead(&req_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // everything received
      if (!started_) {
        std::lock_guard<std::mutex> lock(mu_);
        return FinishLocked(InvalidField("metadata", "the first message must carry it"));
      }
      return Store();
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_) {
      if (!req_.has_metadata()) {
        return FinishLocked(InvalidField("metadata", "the first message must carry it"));
      }
      started_ = true;
      request_id_of_upload_ = req_.request_id();
      doc_ = FromProto(req_.metadata());
      if (absl::Status s = documents_->CheckUpload(*principal_, request_id_of_upload_, doc_);
          !s.ok()) {
        return FinishLocked(s);
      }
      if (absl::Status s = documents_->BeginUpload(); !s.ok()) return FinishLocked(s);
      counted_ = true;
      // The customer is checked before any content is taken in; memory grows with what
      // arrives, never with what was declared.
      return OnDbLocked(
          [this](db::Conn& conn) {
            return documents_->CheckCustomer(conn, *principal_, doc_.customer_id);
          },
          [this](absl::Status visible) {
            if (!visible.ok()) return FinishLocked(visible);
            StartRead(&req_);
          });
    } else if (req_.has_chunk()) {
      if (content_.size() + req_.chunk().size() > static_cast<size_t>(doc_.size_bytes)) {
        return FinishLocked(
            InvalidField("chunk", absl::StrCat("the content is longer than the ", doc_.size_bytes,
                                               " bytes declared in metadata.size_bytes")));
      }
      content_.append(req_.chunk());
    } else {
      return FinishLocked(InvalidField("metadata", "may only come in the first message"));
    }
    StartRead(&req_);
  }

  void OnCancel() override { Cancelled(); }
  void OnDone() override {
    if (counted_) documents_->EndUpload();
    Destroy();
  }

 private:
  void Store() {
    OnDb(
        [this](db::Conn& conn) {
          return documents_->Store(conn, *principal_, {request_id_, principal_->user_id},
                                   request_id_of_upload_, doc_, content_);
        },
        [this](absl::StatusOr<Document> stored) {
          if (stored.ok()) *resp_ = customers_service::ToProto(*stored);
          FinishLocked(stored.status());
        });
  }

  const Documents* documents_;
  v1::Document* resp_;
  v1::UploadDocumentRequest req_;
  bool started_ = false;
  bool counted_ = false;  // holds a place among the uploads received at once
  std::string request_id_of_upload_;
  Document doc_;
  std::string content_;
};

class DownloadStream : public rpc::Stream<grpc::ServerWriteReactor<v1::DownloadDocumentResponse>> {
 public:
  DownloadStream(const rpc::Calls* calls, const Documents* documents,
                 grpc::CallbackServerContext* ctx, const v1::DownloadDocumentRequest* req)
      : Stream(calls, ctx), documents_(documents), id_(req->id()) {
    if (!early_.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      FinishLocked(early_);
      return;
    }
    OnDb([this](db::Conn& conn) { return documents_->Get(conn, *principal_, id_); },
         [this](absl::StatusOr<Document> doc) {
           if (!doc.ok()) return FinishLocked(doc.status());
           chunks_ = doc->chunks;
           *resp_.mutable_metadata() = customers_service::ToProto(*doc);
           StartWrite(&resp_);
         });
  }

  void OnWriteDone(bool ok) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!ok) return FinishLocked(absl::UnavailableError("stream broken"));
      if (finished_) return;
      if (next_ >= chunks_) return FinishLocked(absl::OkStatus());
    }
    OnDb([this](db::Conn& conn) { return documents_->Chunk(conn, id_, next_); },
         [this](absl::StatusOr<std::string> chunk) {
           if (!chunk.ok()) return FinishLocked(chunk.status());
           ++next_;
           resp_.Clear();
           resp_.set_chunk(*std::move(chunk));
           StartWrite(&resp_);
         });
  }

  void OnCancel() override { Cancelled(); }
  void OnDone() override { Destroy(); }

 private:
  const Documents* documents_;
  std::string id_;
  int chunks_ = 0;
  int next_ = 0;
  v1::DownloadDocumentResponse resp_;
};

class DocumentsServiceImpl final : public v1::DocumentsService::CallbackService,
                                   private rpc::Glue<Parts> {
 public:
  explicit DocumentsServiceImpl(const Parts& parts)
      : Glue(parts, v1::DocumentsService::service_full_name()) {}

  grpc::ServerReadReactor<v1::UploadDocumentRequest>* UploadDocument(Context* ctx,
                                                                     v1::Document* resp) override {
    return new UploadStream(&calls_, documents, ctx, resp);
  }

  grpc::ServerWriteReactor<v1::DownloadDocumentResponse>* DownloadDocument(
      Context* ctx, const v1::DownloadDocumentRequest* req) override {
    return new DownloadStream(&calls_, documents, ctx, req);
  }

  Unary* ListDocuments(Context* ctx, const v1::ListDocumentsRequest* req,
                       v1::ListDocumentsResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      auto docs = documents->List(conn, call.principal(), req->customer_id());
      if (!docs.ok()) return docs.status();
      for (const auto& d : *docs) *resp->add_documents() = ToProto(d);
      return absl::OkStatus();
    });
  }

  Unary* DeleteDocument(Context* ctx, const v1::DeleteDocumentRequest* req,
                        v1::DeleteDocumentResponse*) override {
    return calls_.Unary(ctx, __func__, [this, req](rpc::Call& call, db::Conn& conn) {
      return documents->Delete(conn, call.principal(), rpc::RequestMetaOf(call), req->id());
    });
  }
};

}  // namespace

std::unique_ptr<grpc::Service> NewDocumentsService(const Parts& parts) {
  return std::make_unique<DocumentsServiceImpl>(parts);
}

}  // namespace crm::customers_service
