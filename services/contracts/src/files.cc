#include "services/contracts/src/files.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crm/contracts/v1/events.pb.h"
#include "libs/ids/uuid.h"
#include "libs/status/field_violations.h"
#include "libs/status/status_macros.h"
#include "libs/validation/text.h"
#include "services/contracts/src/repository.h"

namespace crm::contracts_service {
namespace {

using auth::Principal;

files::Declared DeclaredOf(const ContractFile& f) {
  return {f.file_name, f.content_type, f.size_bytes, f.sha256};
}

// The contract, locked when asked, if the caller may attach a file to it.
absl::StatusOr<Contract> Attachable(db::Tx& tx, const Principal& caller, const std::string& id,
                                    bool lock) {
  std::optional<Contract> c = Repository::Get(tx, id, caller, lock);
  if (!c) return auth::NotVisible(caller.scope, "contract", id);
  if (caller.user_id != c->owner_id && !caller.Can("contracts.review")) {
    return absl::PermissionDeniedError(
        "the electronic contract is uploaded by the contract's owner or a reviewer over it");
  }
  if (c->status == ContractStatus::kTerminated) {
    return absl::FailedPreconditionError(
        absl::StrCat("contract ", c->number, " is terminated; it takes no more files"));
  }
  return *c;
}

}  // namespace

Files::UploadSteps Files::Upload() const {
  UploadSteps steps;
  steps.may_upload = [](const Principal& caller) {
    return auth::Require(caller, "contracts.write");
  };
  steps.begin = [this](const Principal& caller,
                       const v1::UploadContractFileRequest& first) -> absl::StatusOr<int64_t> {
    ContractFile f = FromProto(first.metadata());
    CRM_RETURN_IF_ERROR(CheckUpload(caller, first.request_id(), f));
    return f.size_bytes;
  };
  steps.check_record = [this](db::Conn& conn, const Principal& caller,
                              const v1::UploadContractFileRequest& first) {
    return CheckContract(conn, caller, first.metadata().contract_id());
  };
  steps.store = [this](db::Conn& conn, const Principal& caller, const RequestMeta& meta,
                       const v1::UploadContractFileRequest& first,
                       const std::string& content) -> absl::StatusOr<v1::ContractFile> {
    CRM_ASSIGN_OR_RETURN(ContractFile f, Store(conn, caller, meta, first.request_id(),
                                               FromProto(first.metadata()), content));
    return ToProto(f);
  };
  steps.slots = &slots_;
  return steps;
}

Files::DownloadSteps Files::Download() const {
  DownloadSteps steps;
  steps.open = [this](db::Conn& conn, const Principal& caller,
                      const v1::DownloadContractFileRequest& req)
      -> absl::StatusOr<files::Opened<v1::ContractFile>> {
    CRM_ASSIGN_OR_RETURN(ContractFile f, Get(conn, caller, req.contract_id(), req.file_id()));
    return files::Opened<v1::ContractFile>{ToProto(f), f.id, f.chunks};
  };
  steps.chunk = [](db::Conn& conn, const std::string& id, int seq) {
    return conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::string> {
      return Repository::FileChunk(tx, id, seq);
    });
  };
  return steps;
}

absl::Status Files::CheckUpload(const Principal& caller, const std::string& request_id,
                                const ContractFile& f) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "contracts.write"));
  Violations v;
  db::CheckRequestId(v, request_id);
  validation::RequiredUuid(v, "metadata.contract_id", f.contract_id);
  files::CheckDeclared(v, DeclaredOf(f), max_bytes_);
  return v.ToStatus();
}

absl::Status Files::CheckContract(db::Conn& conn, const Principal& caller,
                                  const std::string& contract_id) const {
  return conn.Read([&](db::Tx& tx) -> absl::Status {
    return Attachable(tx, caller, contract_id, /*lock=*/false).status();
  });
}

absl::StatusOr<ContractFile> Files::Store(db::Conn& conn, const Principal& caller,
                                          const RequestMeta& meta, const std::string& request_id,
                                          ContractFile f, const std::string& content) const {
  CRM_RETURN_IF_ERROR(CheckUpload(caller, request_id, f));
  CRM_RETURN_IF_ERROR(files::Verify(DeclaredOf(f), content));
  const files::Declared stored = files::Normalized(DeclaredOf(f));
  f.file_name = stored.file_name;
  f.content_type = stored.content_type;
  f.sha256 = stored.sha256;
  f.id = ids::NewUuidV7();
  f.uploaded_by = caller.user_id;
  const std::vector<std::string> chunks = files::Chunks(content);
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<ContractFile> {
    CRM_RETURN_IF_ERROR(Attachable(tx, caller, f.contract_id, /*lock=*/true).status());
    CRM_ASSIGN_OR_RETURN(auto earlier, request_log_->Claim(tx, caller.user_id, request_id,
                                                           "UploadContractFile", f.id));
    if (earlier) {
      auto existing = Repository::FindFile(tx, *earlier);
      if (!existing) return absl::NotFoundError("the file this request stored is gone");
      if (!absl::EqualsIgnoreCase(existing->contract_id, f.contract_id)) {
        return InvalidField("request_id", "was used for an upload to another contract");
      }
      return *existing;
    }
    Repository::InsertFile(tx, f, chunks);
    ContractFile saved = *Repository::FindFile(tx, f.id);
    v1::ContractFileUploaded e;
    *e.mutable_file() = ToProto(saved);
    outbox_->Append(tx, {"contracts.file.uploaded", "contract", saved.contract_id, &e,
                         meta.actor_id, meta.request_id});
    return saved;
  });
}

absl::StatusOr<ContractFile> Files::Get(db::Conn& conn, const Principal& caller,
                                        const std::string& contract_id,
                                        const std::string& file_id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "contracts.read"));
  CRM_RETURN_IF_ERROR(validation::CheckId("contract_id", contract_id));
  CRM_RETURN_IF_ERROR(validation::CheckOptionalId("file_id", file_id));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<ContractFile> {
    std::optional<Contract> c = Repository::Get(tx, contract_id, caller, /*lock=*/false);
    if (!c) return auth::NotVisible(caller.scope, "contract", contract_id);
    std::optional<ContractFile> f = file_id.empty() ? c->file : Repository::FindFile(tx, file_id);
    if (!f || f->contract_id != contract_id) {
      return absl::NotFoundError(
          file_id.empty() ? absl::StrCat("contract ", c->number, " has no electronic contract")
                          : absl::StrCat("contract ", c->number, " has no file ", file_id));
    }
    return *f;
  });
}

absl::StatusOr<std::vector<ContractFile>> Files::List(db::Conn& conn, const Principal& caller,
                                                      const std::string& contract_id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "contracts.read"));
  CRM_RETURN_IF_ERROR(validation::CheckId("contract_id", contract_id));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<ContractFile>> {
    if (!Repository::Get(tx, contract_id, caller, /*lock=*/false)) {
      return auth::NotVisible(caller.scope, "contract", contract_id);
    }
    return Repository::Files(tx, contract_id);
  });
}

}  // namespace crm::contracts_service
