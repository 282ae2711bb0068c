#pragma once
// Bulk import and export of customers and their contacts. An import is a stream of batches;
// each batch commits on its own (rows upserted by external key, one result per row, the
// job's progress advanced), so an interrupted import resumes after the job's last row and a
// repeated one creates nothing new. Export reads pages of the caller's scope.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/events/outbox.h"
#include "libs/status/field_violations.h"
#include "services/customers/src/model.h"

namespace crm::customers_service {

struct ImportRow {
  int64_t row_number = 0;
  std::string external_key;
  Customer customer;
  std::vector<Contact> contacts;
  // Problems found while decoding the row, reported with the others.
  Violations decoding;
};

struct ImportResult {
  enum class Outcome { kCreated, kUpdated, kUnchanged, kFailed };
  int64_t row_number = 0;
  Outcome outcome = Outcome::kFailed;
  std::string customer_id;
  absl::Status error;  // kFailed
};

struct ExportRow {
  std::string external_key;
  Customer customer;
  std::vector<Contact> contacts;
};

// Adds the violations of a row's contact k to the row's ("contact.name" becomes
// "contacts[k].name").
void AddContactViolations(Violations& row, size_t k, const Violations& contact);

class Imports {
 public:
  static constexpr size_t kMaxBatch = 1000;
  // Runs of a batch whose new keys other imports created meanwhile, before it is refused.
  static constexpr int kKeyAttempts = 3;
  static constexpr int kExportPage = 500;

  explicit Imports(const events::Outbox* outbox) : outbox_(outbox) {}

  // What an import checks before its first batch: the permission.
  static absl::Status CheckImporter(const auth::Principal& caller);
  // One batch: results in the order of `rows`. An error (bad import_id, too many rows, the
  // database) fails the whole batch and commits nothing.
  absl::StatusOr<std::vector<ImportResult>> ImportBatch(db::Conn& conn,
                                                        const auth::Principal& caller,
                                                        const RequestMeta& meta,
                                                        const std::string& import_id,
                                                        std::vector<ImportRow> rows) const;
  absl::StatusOr<ImportJob> GetJob(db::Conn& conn, const auth::Principal& caller,
                                   const std::string& import_id) const;

  // What an export checks before its first page: the permission and the filter.
  static absl::Status CheckExport(const auth::Principal& caller, const CustomerFilter& filter);
  // The page after `before_id` (newest first; "" for the first).
  absl::StatusOr<std::vector<ExportRow>> ExportPage(db::Conn& conn, const auth::Principal& caller,
                                                    const CustomerFilter& filter,
                                                    bool include_contacts,
                                                    const std::string& before_id) const;

 private:
  const events::Outbox* outbox_;
};

}  // namespace crm::customers_service
