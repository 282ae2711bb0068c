#pragma once
// The electronic contract (电子版合同): uploads verified against the size and SHA-256 the
// client declared and stored in chunks; every upload kept, the newest current. A file is
// uploaded by whoever may change the contract (its owner or a reviewer over it) while it is not
// terminated, and read by whoever sees the contract.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crm/contracts/v1/contracts_service.pb.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "libs/files/streams.h"
#include "services/contracts/src/convert.h"
#include "services/contracts/src/model.h"

namespace crm::contracts_service {

class Files {
 public:
  Files(const events::Outbox* outbox, const db::RequestLog* request_log, int64_t max_bytes,
        int max_uploads = 8)
      : outbox_(outbox), request_log_(request_log), max_bytes_(max_bytes), slots_(max_uploads) {}

  // The streams' steps (libs/files/streams.h).
  using UploadSteps = files::UploadSteps<v1::UploadContractFileRequest, v1::ContractFile>;
  UploadSteps Upload() const;
  using DownloadSteps = files::DownloadSteps<v1::DownloadContractFileRequest, v1::ContractFile>;
  DownloadSteps Download() const;

  // What an upload checks before any content arrives: the permission and the metadata.
  absl::Status CheckUpload(const auth::Principal& caller, const std::string& request_id,
                           const ContractFile& meta) const;
  // Whether the caller may attach a file to the contract now.
  absl::Status CheckContract(db::Conn& conn, const auth::Principal& caller,
                             const std::string& contract_id) const;
  // Stores `content` if it has the declared size and SHA-256.
  absl::StatusOr<ContractFile> Store(db::Conn& conn, const auth::Principal& caller,
                                     const RequestMeta& meta, const std::string& request_id,
                                     ContractFile f, const std::string& content) const;
  // The file (empty id: the contract's current one), if the caller sees the contract.
  absl::StatusOr<ContractFile> Get(db::Conn& conn, const auth::Principal& caller,
                                   const std::string& contract_id,
                                   const std::string& file_id) const;
  absl::StatusOr<std::vector<ContractFile>> List(db::Conn& conn, const auth::Principal& caller,
                                                 const std::string& contract_id) const;

 private:
  const events::Outbox* outbox_;
  const db::RequestLog* request_log_;
  int64_t max_bytes_;
  files::UploadSlots slots_;
};

}  // namespace crm::contracts_service
