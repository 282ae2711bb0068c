#include "services/service/src/attachments.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crm/service/v1/events.pb.h"
#include "libs/ids/uuid.h"
#include "libs/status/field_violations.h"
#include "libs/status/status_macros.h"
#include "libs/validation/text.h"
#include "services/service/src/repository.h"

namespace crm::tickets_service {
namespace {

using auth::Principal;

constexpr char kRead[] = "service.tickets.read";

files::Declared DeclaredOf(const Attachment& a) {
  return {a.file_name, a.content_type, a.size_bytes, a.sha256};
}

// The ticket, locked when asked, if the caller may attach a file to it.
absl::Status Attachable(db::Tx& tx, const Principal& caller, const std::string& id, bool lock) {
  std::optional<Ticket> t = Repository::Get(tx, id, caller, lock);
  if (!t) return auth::NotVisible(caller.scope, "ticket", id);
  const bool involved = caller.user_id == t->creator_id || caller.user_id == t->assignee_id ||
                        caller.user_id == t->customer_owner_id ||
                        caller.Can("service.tickets.assign");
  if (!involved) {
    return absl::PermissionDeniedError(
        "files are attached by the ticket's creator, assignee or customer's account manager, or "
        "by someone who assigns tickets");
  }
  if (t->status == TicketStatus::kArchived) {
    return absl::FailedPreconditionError(
        absl::StrCat("ticket ", t->number, " is archived; it takes no more files"));
  }
  return absl::OkStatus();
}

}  // namespace

Attachments::UploadSteps Attachments::Upload() const {
  UploadSteps steps;
  steps.may_upload = [](const Principal& caller) { return auth::Require(caller, kRead); };
  steps.begin = [this](const Principal& caller,
                       const v1::UploadTicketAttachmentRequest& first) -> absl::StatusOr<int64_t> {
    Attachment a = FromProto(first.metadata());
    CRM_RETURN_IF_ERROR(CheckUpload(caller, first.request_id(), a));
    return a.size_bytes;
  };
  steps.check_record = [this](db::Conn& conn, const Principal& caller,
                              const v1::UploadTicketAttachmentRequest& first) {
    return CheckTicket(conn, caller, first.metadata().ticket_id());
  };
  steps.store = [this](db::Conn& conn, const Principal& caller, const RequestMeta& meta,
                       const v1::UploadTicketAttachmentRequest& first,
                       const std::string& content) -> absl::StatusOr<v1::TicketAttachment> {
    CRM_ASSIGN_OR_RETURN(Attachment a, Store(conn, caller, meta, first.request_id(),
                                             FromProto(first.metadata()), content));
    return ToProto(a);
  };
  steps.slots = &slots_;
  return steps;
}

Attachments::DownloadSteps Attachments::Download() const {
  DownloadSteps steps;
  steps.open = [this](db::Conn& conn, const Principal& caller,
                      const v1::DownloadTicketAttachmentRequest& req)
      -> absl::StatusOr<files::Opened<v1::TicketAttachment>> {
    CRM_ASSIGN_OR_RETURN(Attachment a, Get(conn, caller, req.ticket_id(), req.attachment_id()));
    return files::Opened<v1::TicketAttachment>{ToProto(a), a.id, a.chunks};
  };
  steps.chunk = [](db::Conn& conn, const std::string& id, int seq) {
    return conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::string> {
      return Repository::AttachmentChunk(tx, id, seq);
    });
  };
  return steps;
}

absl::Status Attachments::CheckUpload(const Principal& caller, const std::string& request_id,
                                      const Attachment& a) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  Violations v;
  db::CheckRequestId(v, request_id);
  validation::RequiredUuid(v, "metadata.ticket_id", a.ticket_id);
  files::CheckDeclared(v, DeclaredOf(a), max_bytes_);
  return v.ToStatus();
}

absl::Status Attachments::CheckTicket(db::Conn& conn, const Principal& caller,
                                      const std::string& ticket_id) const {
  return conn.Read(
      [&](db::Tx& tx) -> absl::Status { return Attachable(tx, caller, ticket_id, false); });
}

absl::StatusOr<Attachment> Attachments::Store(db::Conn& conn, const Principal& caller,
                                              const RequestMeta& meta,
                                              const std::string& request_id, Attachment a,
                                              const std::string& content) const {
  CRM_RETURN_IF_ERROR(CheckUpload(caller, request_id, a));
  CRM_RETURN_IF_ERROR(files::Verify(DeclaredOf(a), content));
  const files::Declared stored = files::Normalized(DeclaredOf(a));
  a.file_name = stored.file_name;
  a.content_type = stored.content_type;
  a.sha256 = stored.sha256;
  a.id = ids::NewUuidV7();
  a.uploaded_by = caller.user_id;
  const std::vector<std::string> chunks = files::Chunks(content);
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Attachment> {
    CRM_RETURN_IF_ERROR(Attachable(tx, caller, a.ticket_id, /*lock=*/true));
    CRM_ASSIGN_OR_RETURN(auto earlier, request_log_->Claim(tx, caller.user_id, request_id,
                                                           "UploadTicketAttachment", a.id));
    if (earlier) {
      auto existing = Repository::FindAttachment(tx, *earlier);
      if (!existing) return absl::NotFoundError("the file this request stored is gone");
      if (!absl::EqualsIgnoreCase(existing->ticket_id, a.ticket_id)) {
        return InvalidField("request_id", "was used for an upload to another ticket");
      }
      return *existing;
    }
    Repository::InsertAttachment(tx, a, chunks);
    Attachment saved = *Repository::FindAttachment(tx, a.id);
    v1::TicketAttachmentUploaded e;
    *e.mutable_attachment() = ToProto(saved);
    outbox_->Append(tx, {"service.attachment.uploaded", "ticket", saved.ticket_id, &e,
                         meta.actor_id, meta.request_id});
    return saved;
  });
}

absl::StatusOr<Attachment> Attachments::Get(db::Conn& conn, const Principal& caller,
                                            const std::string& ticket_id,
                                            const std::string& attachment_id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  CRM_RETURN_IF_ERROR(validation::CheckId("ticket_id", ticket_id));
  CRM_RETURN_IF_ERROR(validation::CheckId("attachment_id", attachment_id));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<Attachment> {
    std::optional<Ticket> t = Repository::Get(tx, ticket_id, caller, /*lock=*/false);
    if (!t) return auth::NotVisible(caller.scope, "ticket", ticket_id);
    std::optional<Attachment> a = Repository::FindAttachment(tx, attachment_id);
    if (!a || a->ticket_id != ticket_id) {
      return absl::NotFoundError(
          absl::StrCat("ticket ", t->number, " has no attachment ", attachment_id));
    }
    return *a;
  });
}

absl::StatusOr<std::vector<Attachment>> Attachments::List(db::Conn& conn, const Principal& caller,
                                                          const std::string& ticket_id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  CRM_RETURN_IF_ERROR(validation::CheckId("ticket_id", ticket_id));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<Attachment>> {
    if (!Repository::Get(tx, ticket_id, caller, /*lock=*/false)) {
      return auth::NotVisible(caller.scope, "ticket", ticket_id);
    }
    return Repository::Attachments(tx, ticket_id);
  });
}

}  // namespace crm::tickets_service
