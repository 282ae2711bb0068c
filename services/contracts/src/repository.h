#pragma once
// The contracts service's SQL: contracts (always under the caller's record scope when read
// for a caller) with their lines, status history and files.

#include <optional>
#include <string>
#include <vector>

#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "services/contracts/src/model.h"

namespace crm::contracts_service {

class Repository {
 public:
  // Inserts the contract (without lines) under a new number of `day` (YYYYMMDD), and the first
  // step of its history; the contract as stored.
  static Contract Insert(db::Tx& tx, const Contract& c, const std::string& day);
  // Without scope: for reading back what this request wrote. With lines and current file.
  static std::optional<Contract> Find(db::Tx& tx, const std::string& id);
  // Within the caller's scope (owner, or the owner's department); `lock`: FOR UPDATE. With
  // lines and current file.
  static std::optional<Contract> Get(db::Tx& tx, const std::string& id,
                                     const auth::Principal& caller, bool lock);
  // Writes every changeable field and the totals (not the lines), and a step of the history
  // (by whom, why) when the status is no longer `from`; the contract as stored (with `c`'s
  // lines and file), or nullopt when the version is not `expected_version`.
  static std::optional<Contract> Update(db::Tx& tx, const Contract& c, int64_t expected_version,
                                        ContractStatus from, const std::string& by,
                                        const std::string& reason);
  // Replaces the contract's lines (`fresh`: it has none yet).
  static void ReplaceLines(db::Tx& tx, const std::string& id, const std::vector<Line>& lines,
                           bool fresh = false);
  // Contracts of these customers owned by `from` and not completed or terminated go to `to`;
  // returns their ids.
  static std::vector<std::string> Reassign(db::Tx& tx, const std::vector<std::string>& customer_ids,
                                           const std::string& from, const std::string& to,
                                           const std::string& to_department_id);
  // Contracts of `duplicate` now name `survivor`; returns their ids.
  static std::vector<std::string> Repoint(db::Tx& tx, const std::string& duplicate,
                                          const std::string& survivor);
  // Newest first, without lines.
  static std::vector<Contract> List(db::Tx& tx, const ContractFilter& f,
                                    const auth::Principal& caller, const std::string& before_id,
                                    int limit);

  static std::vector<StatusChange> StatusChanges(db::Tx& tx, const std::string& contract_id);

  static void InsertFile(db::Tx& tx, const ContractFile& f, const std::vector<std::string>& chunks);
  static std::optional<ContractFile> FindFile(db::Tx& tx, const std::string& id);
  // Newest first.
  static std::vector<ContractFile> Files(db::Tx& tx, const std::string& contract_id);
  static absl::StatusOr<std::string> FileChunk(db::Tx& tx, const std::string& file_id, int seq);
};

}  // namespace crm::contracts_service
