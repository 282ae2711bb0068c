#pragma once
// Documents attached to customers (文档管理): uploads verified against the size and SHA-256 the
// client declared, stored in chunks, read back in chunks. Visible and changeable exactly when
// their customer is (customers.read / customers.write).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crm/customers/v1/customers_service.pb.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "libs/files/streams.h"
#include "services/customers/src/convert.h"
#include "services/customers/src/model.h"

namespace crm::customers_service {

class Documents {
 public:
  static constexpr int kMaxListed = 500;

  // At most max_uploads uploads are received at once (each holds up to max_bytes in memory).
  Documents(const events::Outbox* outbox, const db::RequestLog* request_log, int64_t max_bytes,
            int max_uploads = 8)
      : outbox_(outbox), request_log_(request_log), max_bytes_(max_bytes), slots_(max_uploads) {}

  // The upload stream's steps (libs/files/streams.h).
  using UploadSteps = files::UploadSteps<v1::UploadDocumentRequest, v1::Document>;
  UploadSteps Upload() const;
  using DownloadSteps = files::DownloadSteps<v1::DownloadDocumentRequest, v1::Document>;
  DownloadSteps Download() const;

  // What an upload checks before any content arrives: the permission and the metadata
  // (customer_id, file_name, content_type, size_bytes within the limit, sha256).
  absl::Status CheckUpload(const auth::Principal& caller, const std::string& request_id,
                           const Document& meta) const;
  // Stores `content` if it has the declared size and SHA-256.
  absl::StatusOr<Document> Store(db::Conn& conn, const auth::Principal& caller,
                                 const RequestMeta& meta, const std::string& request_id,
                                 Document doc, const std::string& content) const;
  absl::StatusOr<Document> Get(db::Conn& conn, const auth::Principal& caller,
                               const std::string& id) const;
  absl::StatusOr<std::vector<Document>> List(db::Conn& conn, const auth::Principal& caller,
                                             const std::string& customer_id) const;
  absl::Status Delete(db::Conn& conn, const auth::Principal& caller, const RequestMeta& meta,
                      const std::string& id) const;

 private:
  const events::Outbox* outbox_;
  const db::RequestLog* request_log_;
  int64_t max_bytes_;
  files::UploadSlots slots_;
};

}  // namespace crm::customers_service
