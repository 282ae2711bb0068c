#include "services/customers/src/documents.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "crm/customers/v1/events.pb.h"
#include "libs/checksum/sha256.h"
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

bool IsHex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

// type/subtype, printable ASCII without spaces.
bool IsMediaType(const std::string& s) {
  if (s.empty() || s.size() > 127 || s.find('/') == std::string::npos) return false;
  for (char c : s) {
    if (!absl::ascii_isgraph(c)) return false;
  }
  return true;
}

}  // namespace

absl::Status Documents::CheckMayUpload(const Principal& caller) {
  return auth::Require(caller, "customers.write");
}

absl::Status Documents::CheckUpload(const Principal& caller, const std::string& request_id,
                                    const Document& d) const {
  CRM_RETURN_IF_ERROR(CheckMayUpload(caller));
  Violations v;
  db::CheckRequestId(v, request_id);
  validation::RequiredUuid(v, "metadata.customer_id", d.customer_id);
  if (validation::Name(v, "metadata.file_name", d.file_name, 255) &&
      d.file_name.find_first_of("/\\") != std::string::npos) {
    v.Add("metadata.file_name", "must not contain / or \\");
  }
  if (!d.content_type.empty() && !IsMediaType(d.content_type)) {
    v.Add("metadata.content_type", "must be a media type such as application/pdf");
  }
  if (d.size_bytes < 0) {
    v.Add("metadata.size_bytes", "must not be negative");
  } else if (d.size_bytes > max_bytes_) {
    v.Add("metadata.size_bytes", absl::StrCat("must be at most ", max_bytes_, " bytes"));
  }
  if (!IsHex64(absl::AsciiStrToLower(d.sha256))) {
    v.Add("metadata.sha256", "must be the content's SHA-256 as 64 hex digits");
  }
  validation::OptionalText(v, "metadata.description", d.description, 500, true);
  return v.ToStatus();
}

absl::Status Documents::CheckCustomer(db::Conn& conn, const Principal& caller,
                                      const std::string& customer_id) const {
  return conn.Read([&](db::Tx& tx) -> absl::Status {
    CRM_RETURN_IF_ERROR(Repository::CheckCustomerInScope(tx, customer_id, caller, /*lock=*/false));
    return absl::OkStatus();
  });
}

absl::Status Documents::BeginUpload() const {
  if (uploads_.fetch_add(1) >= max_uploads_) {
    uploads_.fetch_sub(1);
    return absl::ResourceExhaustedError(
        absl::StrCat("already receiving ", max_uploads_, " uploads; retry with backoff"));
  }
  return absl::OkStatus();
}

void Documents::EndUpload() const { uploads_.fetch_sub(1); }

absl::StatusOr<Document> Documents::Store(db::Conn& conn, const Principal& caller,
                                          const RequestMeta& meta, const std::string& request_id,
                                          Document d, const std::string& content) const {
  CRM_RETURN_IF_ERROR(CheckUpload(caller, request_id, d));
  d.sha256 = absl::AsciiStrToLower(d.sha256);
  if (static_cast<int64_t>(content.size()) != d.size_bytes) {
    return InvalidField("metadata.size_bytes",
                        absl::StrCat("the upload has ", content.size(), " bytes, not the ",
                                     d.size_bytes, " declared: it is incomplete or corrupted"));
  }
  const std::string actual = checksum::Sha256Hex(content);
  if (actual != d.sha256) {
    return InvalidField("metadata.sha256", absl::StrCat("the content's SHA-256 is ", actual,
                                                        ", not the one declared: "
                                                        "the upload is corrupted"));
  }
  if (d.content_type.empty()) d.content_type = "application/octet-stream";
  d.file_name = std::string(validation::TrimSpace(d.file_name));
  d.id = ids::NewUuidV7();
  d.created_by = caller.user_id;
  std::vector<std::string> chunks;
  for (size_t at = 0; at < content.size(); at += kChunkBytes) {
    chunks.push_back(content.substr(at, kChunkBytes));
  }
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Document> {
    CRM_RETURN_IF_ERROR(Repository::CheckCustomerInScope(tx, d.customer_id, caller, /*lock=*/true));
    CRM_ASSIGN_OR_RETURN(
        auto earlier, request_log_->Claim(tx, caller.user_id, request_id, "UploadDocument", d.id));
    if (earlier) {
      auto existing = Repository::FindDocumentInScope(tx, *earlier, caller, false);
      if (!existing) return absl::NotFoundError("the document this request stored is gone");
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

absl::StatusOr<std::string> Documents::Chunk(db::Conn& conn, const std::string& id, int seq) const {
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::string> {
    return Repository::DocumentChunk(tx, id, seq);
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
