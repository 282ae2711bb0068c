// gRPC glue of the document RPCs (the streams are libs/files/streams.h).

#include "services/customers/src/customers_service.h"

namespace crm::customers_service {
namespace {

class DocumentsServiceImpl final : public v1::DocumentsService::CallbackService,
                                   private rpc::Glue<Parts> {
 public:
  explicit DocumentsServiceImpl(const Parts& parts)
      : Glue(parts, v1::DocumentsService::service_full_name()),
        upload_(documents->Upload()),
        download_(documents->Download()) {}

  grpc::ServerReadReactor<v1::UploadDocumentRequest>* UploadDocument(Context* ctx,
                                                                     v1::Document* resp) override {
    return new files::UploadStream(&calls_, ctx, &upload_, resp);
  }

  grpc::ServerWriteReactor<v1::DownloadDocumentResponse>* DownloadDocument(
      Context* ctx, const v1::DownloadDocumentRequest* req) override {
    return new files::DownloadStream<v1::DownloadDocumentRequest, v1::DownloadDocumentResponse,
                                     v1::Document>(&calls_, ctx, &download_, req);
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

 private:
  const Documents::UploadSteps upload_;
  const Documents::DownloadSteps download_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewDocumentsService(const Parts& parts) {
  return std::make_unique<DocumentsServiceImpl>(parts);
}

}  // namespace crm::customers_service
