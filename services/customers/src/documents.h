#pragma once
// Documents attached to customers (文档管理): uploads verified against the size and SHA-256 the
// client declared, stored in chunks, read back in chunks. Visible and changeable exactly when
// their customer is (customers.read / customers.write).

#include <atomic>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "services/customers/src/model.h"

namespace crm::customers_service {

class Documents {
 public:
  // Size of the stored (and downloaded) pieces.
  static constexpr size_t kChunkBytes = 256 << 10;
  static constexpr int kMaxListed = 500;

  // At most max_uploads uploads are received at once (each holds up to max_bytes in memory).
  Documents(const events::Outbox* outbox, const db::RequestLog* request_log, int64_t max_bytes,
            int max_uploads = 8)
      : outbox_(outbox),
        request_log_(request_log),
        max_bytes_(max_bytes),
        max_uploads_(max_uploads) {}

  int64_t max_bytes() const { return max_bytes_; }
  // Whether the caller may upload at all: checked as the stream opens.
  static absl::Status CheckMayUpload(const auth::Principal& caller);
  // What an upload checks before any content arrives: the permission and the metadata
  // (customer_id, file_name, content_type, size_bytes within the limit, sha256).
  absl::Status CheckUpload(const auth::Principal& caller, const std::string& request_id,
                           const Document& meta) const;
  // Whether the upload's customer is live and within the caller's scope: checked before any
  // content is received.
  absl::Status CheckCustomer(db::Conn& conn, const auth::Principal& caller,
                             const std::string& customer_id) const;
  // A place among the uploads received at once; RESOURCE_EXHAUSTED when all are taken. Give it
  // back with EndUpload.
  absl::Status BeginUpload() const;
  void EndUpload() const;
  // Stores `content` if it has the declared size and SHA-256.
  absl::StatusOr<Document> Store(db::Conn& conn, const auth::Principal& caller,
                                 const RequestMeta& meta, const std::string& request_id,
                                 Document doc, const std::string& content) const;
  absl::StatusOr<Document> Get(db::Conn& conn, const auth::Principal& caller,
                               const std::string& id) const;
  // Piece `seq` of a document already authorised with Get.
  absl::StatusOr<std::string> Chunk(db::Conn& conn, const std::string& id, int seq) const;
  absl::StatusOr<std::vector<Document>> List(db::Conn& conn, const auth::Principal& caller,
                                             const std::string& customer_id) const;
  absl::Status Delete(db::Conn& conn, const auth::Principal& caller, const RequestMeta& meta,
                      const std::string& id) const;

 private:
  const events::Outbox* outbox_;
  const db::RequestLog* request_log_;
  int64_t max_bytes_;
  int max_uploads_;
  mutable std::atomic<int> uploads_{0};
};

}  // namespace crm::customers_service
