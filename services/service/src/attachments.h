#pragma once
// Files attached to a ticket (screenshots, letters, recordings): uploads verified against the
// size and SHA-256 the client declared and stored in chunks (libs/files). A file is attached
// by the ticket's creator, assignee or customer's account manager, or someone who assigns
// tickets, while the ticket is not archived; read by whoever sees the ticket.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crm/service/v1/tickets_service.pb.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "libs/files/streams.h"
#include "services/service/src/convert.h"
#include "services/service/src/model.h"

namespace crm::tickets_service {

class Attachments {
 public:
  Attachments(const events::Outbox* outbox, const db::RequestLog* request_log, int64_t max_bytes,
              int max_uploads = 8)
      : outbox_(outbox), request_log_(request_log), max_bytes_(max_bytes), slots_(max_uploads) {}

  // The streams' steps (libs/files/streams.h).
  using UploadSteps = files::UploadSteps<v1::UploadTicketAttachmentRequest, v1::TicketAttachment>;
  UploadSteps Upload() const;
  using DownloadSteps =
      files::DownloadSteps<v1::DownloadTicketAttachmentRequest, v1::TicketAttachment>;
  DownloadSteps Download() const;

  // What an upload checks before any content arrives: the permission and the metadata.
  absl::Status CheckUpload(const auth::Principal& caller, const std::string& request_id,
                           const Attachment& meta) const;
  // Whether the caller may attach a file to the ticket now.
  absl::Status CheckTicket(db::Conn& conn, const auth::Principal& caller,
                           const std::string& ticket_id) const;
  // Stores `content` if it has the declared size and SHA-256.
  absl::StatusOr<Attachment> Store(db::Conn& conn, const auth::Principal& caller,
                                   const RequestMeta& meta, const std::string& request_id,
                                   Attachment a, const std::string& content) const;
  absl::StatusOr<Attachment> Get(db::Conn& conn, const auth::Principal& caller,
                                 const std::string& ticket_id,
                                 const std::string& attachment_id) const;
  absl::StatusOr<std::vector<Attachment>> List(db::Conn& conn, const auth::Principal& caller,
                                               const std::string& ticket_id) const;

 private:
  const events::Outbox* outbox_;
  const db::RequestLog* request_log_;
  int64_t max_bytes_;
  files::UploadSlots slots_;
};

}  // namespace crm::tickets_service
