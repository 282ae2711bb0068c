#include "services/customers/src/documents.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crm/customers/v1/events.pb.h"
#include "libs/ids/uuid.h"
#include "libs/status/field_violations.h"
#include "libs/status/status_macros.h"
#include "libs/validation/text.h"
#include "services/customers/src/convert.h"
#include "services/customers/src/repository.h"

namespace crm::customers_service {
namespace {

using auth::Principal;

void Emit(db::Tx& tx, const events::Outbox* outbox, const RequestMeta& meta, const char* type,
          const Document& d) {
  v1::DocumentChanged e;
  *e.mutable_document() = ToProto(d);
  outbox->Append(tx, {type, "document", d.id, &e, meta.actor_id, meta.request_id});
}

files::Declared DeclaredOf(const Document& d) {
  return {d.file_name, d.content_type, d.size_bytes, d.sha256};
}

}  // namespace

Documents::UploadSteps Documents::Upload() const {
  UploadSteps steps;
  steps.may_upload = [](const Principal& caller) {
    return auth::Require(caller, "customers.write");
  };
  steps.begin = [this](const Principal& caller,
                       const v1::UploadDocumentRequest& first) -> absl::StatusOr<int64_t> {
    Document d = FromProto(first.metadata());
    CRM_RETURN_IF_ERROR(CheckUpload(caller, first.request_id(), d));
    return d.size_bytes;
  };
  steps.check_record = [](db::Conn& conn, const Principal& caller,
                          const v1::UploadDocumentRequest& first) {
    return conn.Read([&](db::Tx& tx) {
      return Repository::CheckCustomerInScope(tx, first.metadata().customer_id(), caller, false);
    });
  };
  steps.store = [this](db::Conn& conn, const Principal& caller, const RequestMeta& meta,
                       const v1::UploadDocumentRequest& first,
                       const std::string& content) -> absl::StatusOr<v1::Document> {
    CRM_ASSIGN_OR_RETURN(Document d, Store(conn, caller, meta, first.request_id(),
                                           FromProto(first.metadata()), content));
    return ToProto(d);
  };
  steps.slots = &slots_;
  return steps;
}

Documents::DownloadSteps Documents::Download() const {
  DownloadSteps steps;
  steps.open =
      [this](
          db::Conn& conn, const Principal& caller,
          const v1::DownloadDocumentRequest& req) -> absl::StatusOr<files::Opened<v1::Document>> {
    CRM_ASSIGN_OR_RETURN(Document d, Get(conn, caller, req.id()));
    return files::Opened<v1::Document>{ToProto(d), d.id, d.chunks};
  };
  steps.chunk = [](db::Conn& conn, const std::string& id, int seq) {
    return conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::string> {
      return Repository::DocumentChunk(tx, id, seq);
    });
  };
  return steps;
}

absl::Status Documents::CheckUpload(const Principal& caller, const std::string& request_id,
                                    const Document& d) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.write"));
  Violations v;
  db::CheckRequestId(v, request_id);
  validation::RequiredUuid(v, "metadata.customer_id", d.customer_id);
  files::CheckDeclared(v, DeclaredOf(d), max_bytes_);
  validation::OptionalText(v, "metadata.description", d.description, 500, true);
  return v.ToStatus();
}

absl::StatusOr<Document> Documents::Store(db::Conn& conn, const Principal& caller,
                                          const RequestMeta& meta, const std::string& request_id,
                                          Document d, const std::string& content) const {
  CRM_RETURN_IF_ERROR(CheckUpload(caller, request_id, d));
  CRM_RETURN_IF_ERROR(files::Verify(DeclaredOf(d), content));
  const files::Declared stored = files::Normalized(DeclaredOf(d));
  d.file_name = stored.file_name;
  d.content_type = stored.content_type;
  d.sha256 = stored.sha256;
  d.id = ids::NewUuidV7();
  d.created_by = caller.user_id;
  const std::vector<std::string> chunks = files::Chunks(content);
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Document> {
    CRM_RETURN_IF_ERROR(Repository::CheckCustomerInScope(tx, d.customer_id, caller, /*lock=*/true));
    CRM_ASSIGN_OR_RETURN(
        auto earlier, request_log_->Claim(tx, caller.user_id, request_id, "UploadDocument", d.id));
    if (earlier) {
      auto existing = Repository::FindDocumentInScope(tx, *earlier, caller, false);
      if (!existing) return absl::NotFoundError("the document this request stored is gone");
      if (!absl::EqualsIgnoreCase(existing->customer_id, d.customer_id)) {
        return InvalidField("request_id", "was used for an upload to another customer");
      }
      return *existing;
    }
    Repository::InsertDocument(tx, d, chunks);
    Document stored = *Repository::FindDocument(tx, d.id);
    Emit(tx, outbox_, meta, "customers.document.uploaded", stored);
    return stored;
  });
}

absl::StatusOr<Document> Documents::Get(db::Conn& conn, const Principal& caller,
                                        const std::string& id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.read"));
  CRM_RETURN_IF_ERROR(validation::CheckId("id", id));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<Document> {
    auto d = Repository::FindDocumentInScope(tx, id, caller, false);
    if (!d) return auth::NotVisible(caller.scope, "document", id);
    return *d;
  });
}

absl::StatusOr<std::vector<Document>> Documents::List(db::Conn& conn, const Principal& caller,
                                                      const std::string& customer_id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.read"));
  CRM_RETURN_IF_ERROR(validation::CheckId("customer_id", customer_id));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<Document>> {
    CRM_RETURN_IF_ERROR(Repository::CheckCustomerInScope(tx, customer_id, caller, false));
    return Repository::ListDocuments(tx, customer_id, kMaxListed);
  });
}

absl::Status Documents::Delete(db::Conn& conn, const Principal& caller, const RequestMeta& meta,
                               const std::string& id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.write"));
  CRM_RETURN_IF_ERROR(validation::CheckId("id", id));
  return conn.Transact([&](db::Tx& tx) -> absl::Status {
    auto d = Repository::FindDocumentInScope(tx, id, caller, /*lock=*/true);
    if (!d) return auth::NotVisible(caller.scope, "document", id);
    Repository::DeleteDocument(tx, id);
    Emit(tx, outbox_, meta, "customers.document.deleted", *d);
    return absl::OkStatus();
  });
}

}  // namespace crm::customers_service
