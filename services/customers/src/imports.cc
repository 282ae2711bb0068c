#include "services/customers/src/imports.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "crm/customers/v1/events.pb.h"
#include "libs/auth/scope.h"
#include "libs/ids/uuid.h"
#include "libs/status/status_macros.h"
#include "libs/validation/fields.h"
#include "libs/validation/text.h"
#include "services/customers/src/convert.h"
#include "services/customers/src/customer_fields.h"
#include "services/customers/src/customers.h"
#include "services/customers/src/people.h"
#include "services/customers/src/repository.h"

namespace crm::customers_service {
namespace {

using auth::Principal;
using Outcome = ImportResult::Outcome;

ImportResult Failed(int64_t row, absl::Status error) {
  return {row, Outcome::kFailed, "", std::move(error)};
}

}  // namespace

void AddContactViolations(Violations& row, size_t k, const Violations& contact) {
  for (const auto& fv : contact.list()) {
    row.Add(absl::StrCat("contacts[", k, "].", fv.field.substr(fv.field.find('.') + 1)),
            fv.description);
  }
}

absl::Status Imports::CheckImporter(const Principal& caller) {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.import"));
  if (caller.service_account) {
    return absl::FailedPreconditionError("customers are owned by people, not service accounts");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ImportResult>> Imports::ImportBatch(db::Conn& conn,
                                                               const Principal& caller,
                                                               const RequestMeta& meta,
                                                               const std::string& chosen_import_id,
                                                               std::vector<ImportRow> rows) const {
  CRM_RETURN_IF_ERROR(CheckImporter(caller));
  // The client chooses it (any UUID generator's spelling); it is kept in lower case.
  const std::string import_id = absl::AsciiStrToLower(chosen_import_id);
  Violations batch;
  validation::RequiredUuid(batch, "import_id", import_id);
  if (rows.size() > kMaxBatch) {
    batch.Add("rows", absl::StrCat("at most ", kMaxBatch, " rows per message"));
  }
  CRM_RETURN_IF_ERROR(batch.ToStatus());

  // Row checks that need no database; a key repeated within the batch fails its later rows.
  std::vector<ImportResult> results(rows.size());
  std::vector<bool> ok(rows.size(), false);
  std::map<std::string, int64_t> first_row_of_key;
  for (size_t i = 0; i < rows.size(); ++i) {
    ImportRow& r = rows[i];
    results[i].row_number = r.row_number;
    Violations v = std::move(r.decoding);
    r.external_key = std::string(validation::TrimSpace(r.external_key));
    validation::RequiredText(v, "external_key", r.external_key, 100);
    ValidateCustomer(v, r.customer, nullptr);
    if (r.contacts.size() > 100) v.Add("contacts", "at most 100 per row");
    for (size_t k = 0; k < r.contacts.size() && k < 100; ++k) {
      Violations cv;
      ValidateContact(cv, r.contacts[k], nullptr);
      AddContactViolations(v, k, cv);
    }
    if (!v.empty()) {
      results[i] = Failed(r.row_number, v.ToStatus());
      continue;
    }
    auto [it, fresh] = first_row_of_key.emplace(r.external_key, r.row_number);
    if (!fresh) {
      results[i] =
          Failed(r.row_number, InvalidField("external_key", absl::StrCat("repeats row ", it->second,
                                                                         " of the same batch")));
      continue;
    }
    r.customer.name = std::string(validation::TrimSpace(r.customer.name));
    r.customer.tags = TidyTags(std::move(r.customer.tags));
    r.customer.external_key = r.external_key;
    ok[i] = true;
  }

  // The transaction may run more than once (after a deadlock, or a key another import created
  // meanwhile), so it changes `rows` only in ways each run sets again: new customers are
  // completed in place (id, owner, then what the database assigns), not moved out.
  bool key_taken = false;
  const std::vector<bool> checked = ok;  // the rows that passed the checks before the database
  auto run = [&](db::Tx& tx) -> absl::StatusOr<std::vector<ImportResult>> {
    key_taken = false;
    ok = checked;
    std::vector<ImportResult> out = results;
    ImportJob job = Repository::LockImportJob(tx, import_id, caller.user_id);
    if (job.created_by != caller.user_id) {
      return absl::PermissionDeniedError(
          absl::StrCat("import ", import_id, " belongs to another user"));
    }
    // Dictionary codes, all rows at once.
    std::vector<CodeRef> codes;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (!ok[i]) continue;
      for (auto& code : DictionaryCodes(rows[i].customer, nullptr))
        codes.push_back(std::move(code));
    }
    std::sort(codes.begin(), codes.end());
    codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
    std::set<CodeRef> unknown;
    if (!codes.empty()) {
      for (auto& u : Repository::UnknownCodes(tx, codes)) unknown.insert(std::move(u));
    }
    std::vector<std::string> keys;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (!ok[i]) continue;
      std::vector<CodeRef> bad;
      for (auto& code : DictionaryCodes(rows[i].customer, nullptr)) {
        if (unknown.count(code)) bad.push_back(std::move(code));
      }
      if (!bad.empty()) {
        ok[i] = false;
        out[i] = Failed(rows[i].row_number, UnknownCodesStatus(bad));
        continue;
      }
      keys.push_back(rows[i].external_key);
    }

    std::map<std::string, Repository::Existing> existing =
        Repository::LockByExternalKeys(tx, keys, caller);
    std::vector<Customer*> to_insert;
    std::vector<size_t> insert_rows;
    std::vector<std::string> changed_ids;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (!ok[i]) continue;
      ImportRow& r = rows[i];
      auto it = existing.find(r.external_key);
      if (it == existing.end()) {
        Customer& c = r.customer;
        c.id = ids::NewUuidV7();
        c.owner_id = caller.user_id;
        c.owner_department_id = caller.department_id;
        to_insert.push_back(&c);
        insert_rows.push_back(i);
        continue;
      }
      const Repository::Existing& e = it->second;
      if (!e.visible) {
        out[i] = Failed(r.row_number, auth::NotVisible(caller.scope, "customer with external_key",
                                                       r.external_key));
      } else if (e.deleted) {
        out[i] = Failed(r.row_number,
                        absl::FailedPreconditionError(absl::StrCat(
                            "customer ", e.customer.id, " with this external_key was deleted")));
      } else if (validation::SameFields(CustomerFields(), e.customer, r.customer)) {
        out[i] = {r.row_number, Outcome::kUnchanged, e.customer.id, absl::OkStatus()};
      } else {
        Customer next = validation::CopyFields(CustomerFields(), r.customer, e.customer);
        if (!Repository::Update(tx, next, e.customer.version)) {
          return absl::AbortedError("a customer changed while it was imported; resend the batch");
        }
        out[i] = {r.row_number, Outcome::kUpdated, e.customer.id, absl::OkStatus()};
        changed_ids.push_back(e.customer.id);
      }
      if (out[i].outcome == Outcome::kFailed) ok[i] = false;
    }
    try {
      Repository::InsertMany(tx, to_insert);
    } catch (const pqxx::unique_violation&) {
      // Another import created one of these keys since they were locked: the next run finds
      // it among the existing customers.
      key_taken = true;
      return absl::AbortedError(
          "other imports keep creating this batch's external keys meanwhile; resend the batch");
    }
    for (size_t k = 0; k < to_insert.size(); ++k) {
      const size_t i = insert_rows[k];
      out[i] = {rows[i].row_number, Outcome::kCreated, to_insert[k]->id, absl::OkStatus()};
    }

    // Contacts, matched by name (ASCII case ignored) among the customer's live contacts: a new
    // name is added; a known one takes the row's details (its place in the reporting lines and
    // the primary mark stay as they are).
    std::vector<std::string> contact_ids;  // added or updated
    std::set<std::string> new_contact_ids;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (!ok[i] || rows[i].contacts.empty()) continue;
      const std::string& customer_id = out[i].customer_id;
      std::map<std::string, Contact> by_name;
      bool has_primary = false;
      for (auto& c : Repository::ListContacts(tx, customer_id, "", 1000)) {
        has_primary = has_primary || c.primary;
        std::string key = absl::AsciiStrToLower(c.name);
        by_name.emplace(std::move(key), std::move(c));
      }
      for (Contact c : rows[i].contacts) {
        c.name = std::string(validation::TrimSpace(c.name));
        auto [it, fresh] = by_name.emplace(absl::AsciiStrToLower(c.name), Contact());
        Contact& known = it->second;
        if (!fresh) {
          const auto& fields = People::ImportedContactFields();
          if (validation::SameFields(fields, known, c)) continue;
          Contact next = validation::CopyFields(fields, c, known);
          if (!Repository::UpdateContact(tx, next, known.version)) {
            return absl::AbortedError("a contact changed while it was imported; resend the batch");
          }
          next.version = known.version + 1;
          known = next;
        } else {
          c.id = ids::NewUuidV7();
          c.customer_id = customer_id;
          c.reports_to_id.clear();
          c.primary = c.primary && !has_primary;
          c.version = 1;
          has_primary = has_primary || c.primary;
          Repository::InsertContact(tx, c);
          new_contact_ids.insert(c.id);
          known = c;
        }
        contact_ids.push_back(known.id);
        if (out[i].outcome == Outcome::kUnchanged) out[i].outcome = Outcome::kUpdated;
      }
    }

    // Events: one per customer created or updated, and per contact added or updated, with
    // the rows as stored.
    const std::vector<Customer> updated = Repository::FindMany(tx, changed_ids);
    std::vector<const Customer*> changed(to_insert.begin(), to_insert.end());
    std::set<std::string> created_ids;
    for (const Customer* c : to_insert) created_ids.insert(c->id);
    for (const Customer& c : updated) changed.push_back(&c);
    const std::vector<Contact> contacts = Repository::FindContacts(tx, contact_ids);
    EmitCustomerChanges(tx, *outbox_, meta, changed, created_ids);
    std::vector<v1::ContactChanged> contact_payloads(contacts.size());
    std::vector<events::EventDraft> drafts;
    drafts.reserve(contacts.size());
    for (size_t k = 0; k < contacts.size(); ++k) {
      *contact_payloads[k].mutable_contact() = ToProto(contacts[k]);
      drafts.push_back({new_contact_ids.count(contacts[k].id) ? "customers.contact.created"
                                                              : "customers.contact.updated",
                        "contact", contacts[k].id, &contact_payloads[k], meta.actor_id,
                        meta.request_id});
    }
    outbox_->AppendAll(tx, drafts);

    ImportJob delta;
    delta.id = import_id;
    delta.rows = static_cast<int64_t>(out.size());
    for (const auto& r : out) {
      switch (r.outcome) {
        case Outcome::kCreated:
          ++delta.created;
          break;
        case Outcome::kUpdated:
          ++delta.updated;
          break;
        case Outcome::kUnchanged:
          ++delta.unchanged;
          break;
        case Outcome::kFailed:
          ++delta.failed;
          break;
      }
      delta.last_row_number = std::max(delta.last_row_number, r.row_number);
    }
    Repository::AdvanceImportJob(tx, delta);
    return out;
  };
  for (int attempt = 1;; ++attempt) {
    auto out = conn.Transact(run);
    if (key_taken && attempt < kKeyAttempts) continue;
    return out;
  }
}

absl::StatusOr<ImportJob> Imports::GetJob(db::Conn& conn, const Principal& caller,
                                          const std::string& chosen_import_id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.import"));
  const std::string import_id = absl::AsciiStrToLower(chosen_import_id);
  CRM_RETURN_IF_ERROR(validation::CheckId("import_id", import_id));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<ImportJob> {
    auto job = Repository::FindImportJob(tx, import_id);
    if (!job || job->created_by != caller.user_id) {
      return absl::NotFoundError(absl::StrCat("no import ", import_id, " of yours"));
    }
    return *job;
  });
}

absl::Status Imports::CheckExport(const Principal& caller, const CustomerFilter& filter) {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.export"));
  return CheckFilter(filter);
}

absl::StatusOr<std::vector<ExportRow>> Imports::ExportPage(db::Conn& conn, const Principal& caller,
                                                           const CustomerFilter& filter,
                                                           bool include_contacts,
                                                           const std::string& before_id) const {
  CRM_RETURN_IF_ERROR(CheckExport(caller, filter));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<ExportRow>> {
    std::vector<ExportRow> out;
    for (auto& c : Repository::List(tx, filter, caller, before_id, kExportPage)) {
      ExportRow row;
      // A customer created here, not imported, is keyed by its number: the row imports again.
      row.external_key = c.external_key.empty() ? c.number : c.external_key;
      if (include_contacts) row.contacts = Repository::ListContacts(tx, c.id, "", 1000);
      row.customer = std::move(c);
      out.push_back(std::move(row));
    }
    return out;
  });
}

}  // namespace crm::customers_service
