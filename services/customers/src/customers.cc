#include "services/customers/src/customers.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crm/customers/v1/events.pb.h"
#include "crm/service/v1/events.pb.h"
#include "libs/auth/scope.h"
#include "libs/ids/uuid.h"
#include "libs/log/log.h"
#include "libs/status/field_violations.h"
#include "libs/status/status_macros.h"
#include "libs/validation/fields.h"
#include "libs/validation/newest_first.h"
#include "libs/validation/text.h"
#include "libs/validation/updates.h"
#include "services/customers/src/convert.h"
#include "services/customers/src/customer_fields.h"
#include "services/customers/src/repository.h"

namespace crm::customers_service {
namespace {

using auth::Principal;
using validation::InMask;

bool Matches(absl::string_view s, bool (*ok)(char)) { return std::all_of(s.begin(), s.end(), ok); }

bool IdChar(char c) { return absl::ascii_isalnum(c) || c == '-'; }
bool AccountChar(char c) { return absl::ascii_isdigit(c) || c == ' ' || c == '-'; }

// Dictionary codes chosen by this write (all for a create, the masked ones for an update)
// must be active entries.
absl::Status CheckCodes(db::Tx& tx, const Customer& c, const std::vector<std::string>* mask) {
  std::vector<CodeRef> codes = DictionaryCodes(c, mask);
  if (codes.empty()) return absl::OkStatus();
  return UnknownCodesStatus(Repository::UnknownCodes(tx, codes));
}

void Emit(db::Tx& tx, const events::Outbox* outbox, const RequestMeta& meta, const char* type,
          const Customer& c) {
  v1::CustomerChanged e;
  *e.mutable_customer() = ToProto(c);
  outbox->Append(tx, {type, "customer", c.id, &e, meta.actor_id, meta.request_id});
}

}  // namespace

void EmitCustomerChanges(db::Tx& tx, const events::Outbox& outbox, const RequestMeta& meta,
                         const std::vector<const Customer*>& customers,
                         const std::set<std::string>& created) {
  std::vector<v1::CustomerChanged> payloads(customers.size());
  std::vector<events::EventDraft> drafts;
  drafts.reserve(customers.size());
  for (size_t k = 0; k < customers.size(); ++k) {
    const Customer& c = *customers[k];
    *payloads[k].mutable_customer() = ToProto(c);
    drafts.push_back(
        {created.count(c.id) ? "customers.customer.created" : "customers.customer.updated",
         "customer", c.id, &payloads[k], meta.actor_id, meta.request_id});
  }
  outbox.AppendAll(tx, drafts);
}

namespace {

// The existing customers a new one may duplicate. Those outside the caller's scope are named
// only by what matched: their ids and numbers are not the caller's to see.
absl::Status DuplicateError(const std::vector<Duplicate>& dups, const Principal& caller) {
  std::vector<std::string> ids, numbers, matched;
  const Duplicate* shown = nullptr;
  for (const auto& d : dups) {
    matched.push_back(d.matched_on);
    if (!caller.Sees(d.owner_id, d.owner_department_id)) continue;
    ids.push_back(d.id);
    numbers.push_back(d.number);
    if (shown == nullptr) shown = &d;
  }
  const Duplicate& first = shown != nullptr ? *shown : dups[0];
  const std::string which = shown != nullptr
                                ? absl::StrCat("customer ", first.number, " (", first.id, ")")
                                : "a customer outside your scope";
  return WithErrorInfo(absl::AlreadyExistsError(
                           absl::StrCat("possible duplicate of ", which, ": same ",
                                        first.matched_on == "tax_id" ? "tax id" : first.matched_on,
                                        "; set force to create it anyway")),
                       "DUPLICATE_CUSTOMER", "crm.customers.v1",
                       {{"existing_ids", absl::StrJoin(ids, ",")},
                        {"existing_numbers", absl::StrJoin(numbers, ",")},
                        {"matched_on", absl::StrJoin(matched, ",")}});
}

}  // namespace

const std::vector<std::string>& Customers::UpdatableFields() {
  static const auto* paths = new std::vector<std::string>(validation::PathsOf(CustomerFields()));
  return *paths;
}

void ValidateCustomer(Violations& v, const Customer& c, const std::vector<std::string>* mask) {
  auto check = [&](absl::string_view f) { return mask == nullptr || InMask(*mask, f); };
  if (check("name")) validation::Name(v, "customer.name", c.name, 200);
  for (auto [field, value] : {std::pair{"region", &c.region},
                              {"industry", &c.industry},
                              {"level", &c.level},
                              {"source", &c.source}}) {
    if (check(field)) validation::OptionalCode(v, absl::StrCat("customer.", field), *value);
  }
  for (auto [field, value] : {std::pair{"satisfaction", c.satisfaction}, {"credit", c.credit}}) {
    if (check(field) && (value < 0 || value > 5)) {
      v.Add(absl::StrCat("customer.", field), "must be between 1 and 5 (0: not rated)");
    }
  }
  if (check("address")) validation::OptionalText(v, "customer.address", c.address, 500);
  if (check("postal_code") && (c.postal_code.size() > 16 || !Matches(c.postal_code, IdChar))) {
    v.Add("customer.postal_code", "must be at most 16 letters, digits or -");
  }
  if (check("phone")) validation::OptionalPhone(v, "customer.phone", c.phone);
  if (check("fax")) validation::OptionalPhone(v, "customer.fax", c.fax);
  if (check("website")) validation::OptionalText(v, "customer.website", c.website, 200);
  for (auto [field, value] :
       {std::pair{"business_licence_number", &c.business_licence_number}, {"tax_id", &c.tax_id}}) {
    if (check(field) && (value->size() > 32 || !Matches(*value, IdChar))) {
      v.Add(absl::StrCat("customer.", field), "must be at most 32 letters, digits or -");
    }
  }
  if (check("legal_representative")) {
    validation::OptionalText(v, "customer.legal_representative", c.legal_representative, 50);
  }
  if (check("bank")) validation::OptionalText(v, "customer.bank", c.bank, 100);
  if (check("bank_account") &&
      (c.bank_account.size() > 50 || !Matches(c.bank_account, AccountChar))) {
    v.Add("customer.bank_account", "may contain only digits, spaces and -, at most 50");
  }
  if (check("registered_capital"))
    money::CheckAmount(v, "customer.registered_capital", c.registered_capital);
  if (check("annual_revenue")) money::CheckAmount(v, "customer.annual_revenue", c.annual_revenue);
  if (check("tags")) {
    if (c.tags.size() > kMaxTags) {
      v.Add("customer.tags", absl::StrCat("at most ", kMaxTags, " tags"));
    }
    for (const auto& t : c.tags) {
      if (validation::TrimSpace(t).empty() || validation::Utf8Length(t) > 32 ||
          !validation::Printable(t)) {
        v.Add("customer.tags", absl::StrCat("\"", t, "\" must be 1 to 32 printable characters"));
      }
    }
  }
  if (check("attributes")) {
    if (c.attributes.size() > 50) v.Add("customer.attributes", "at most 50 attributes");
    for (const auto& [k, val] : c.attributes) {
      if (k.empty() || validation::Utf8Length(k) > 64 || !validation::Printable(k)) {
        v.Add("customer.attributes", absl::StrCat("key \"", k, "\" must be 1 to 64 characters"));
      } else if (validation::Utf8Length(val) > 500 || !validation::Printable(val)) {
        v.Add(absl::StrCat("customer.attributes[", k, "]"), "must be at most 500 characters");
      }
    }
  }
}

std::vector<std::string> TidyTags(std::vector<std::string> tags) {
  for (auto& t : tags) t = std::string(validation::TrimSpace(t));
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  return tags;
}

absl::StatusOr<Customer> Customers::Create(db::Conn& conn, const Principal& caller,
                                           const RequestMeta& meta, const std::string& request_id,
                                           Customer c, bool force, Violations decoding) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.write"));
  Violations v = std::move(decoding);
  db::CheckRequestId(v, request_id);
  ValidateCustomer(v, c, nullptr);
  if (!c.owner_id.empty() && c.owner_id != caller.user_id) {
    v.Add("customer.owner_id",
          "a new customer belongs to its creator; hand it over to change the owner");
  }
  CRM_RETURN_IF_ERROR(v.ToStatus());
  if (caller.service_account) {
    return absl::FailedPreconditionError("customers are owned by people, not service accounts");
  }
  c.id = ids::NewUuidV7();
  c.name = std::string(validation::TrimSpace(c.name));
  c.owner_id = caller.user_id;
  c.owner_department_id = caller.department_id;
  c.tags = TidyTags(std::move(c.tags));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Customer> {
    CRM_ASSIGN_OR_RETURN(
        auto earlier, request_log_->Claim(tx, caller.user_id, request_id, "CreateCustomer", c.id));
    if (earlier) {
      auto existing = Repository::Find(tx, *earlier);
      if (!existing) return absl::NotFoundError("the customer this request created is gone");
      if (!Repository::CustomerInScope(tx, existing->id, caller, false)) {
        return auth::NotVisible(caller.scope, "customer", existing->id);  // handed over since
      }
      return *existing;
    }
    CRM_RETURN_IF_ERROR(CheckCodes(tx, c, nullptr));
    Repository::LockDuplicateKeys(tx, c.name, c.tax_id);
    if (!force) {
      std::vector<Duplicate> dups = Repository::FindDuplicates(tx, c.name, c.tax_id, c.phone);
      if (!dups.empty()) return DuplicateError(dups, caller);
    }
    Customer created = Repository::Insert(tx, c);
    Emit(tx, outbox_, meta, "customers.customer.created", created);
    return created;
  });
}

void Customers::Get(db::Reader& reader, const Principal& caller, const std::string& id,
                    db::Callback<Customer> done) const {
  if (absl::Status s = auth::Require(caller, "customers.read"); !s.ok()) return done(s);
  if (absl::Status s = validation::CheckId("id", id); !s.ok()) return done(s);
  reader.Submit(Repository::GetInScope(id, caller), [done = std::move(done), scope = caller.scope,
                                                     id](absl::StatusOr<db::Rows> rows) mutable {
    if (!rows.ok()) return done(rows.status());
    std::optional<Customer> customer = Repository::CustomerOf(*rows);
    if (!customer) return done(auth::NotVisible(scope, "customer", id));
    done(*std::move(customer));
  });
}

std::vector<CodeRef> DictionaryCodes(const Customer& c, const std::vector<std::string>* mask) {
  std::vector<CodeRef> codes;
  for (auto [kind, value] : {std::pair{"region", &c.region},
                             {"industry", &c.industry},
                             {"level", &c.level},
                             {"source", &c.source}}) {
    if (!value->empty() && (mask == nullptr || InMask(*mask, kind))) {
      codes.emplace_back(kind, *value);
    }
  }
  return codes;
}

absl::Status UnknownCodesStatus(const std::vector<CodeRef>& unknown) {
  Violations v;
  for (const auto& [kind, code] : unknown) {
    v.Add(absl::StrCat("customer.", kind),
          absl::StrCat("\"", code, "\" is not an active ", kind, " (see ListDictionaryEntries)"));
  }
  return v.ToStatus();
}

absl::Status CheckFilter(const CustomerFilter& f) {
  Violations v;
  validation::OptionalCode(v, "region", f.region);
  validation::OptionalCode(v, "industry", f.industry);
  validation::OptionalCode(v, "level", f.level);
  validation::OptionalUuid(v, "owner_id", f.owner_id);
  if (!f.tag.empty()) validation::MaxChars(v, "tag", f.tag, 32);
  validation::MaxChars(v, "name_contains", f.name_contains, 100);
  return v.ToStatus();
}

absl::StatusOr<validation::Page<Customer>> Customers::List(db::Conn& conn, const Principal& caller,
                                                           const CustomerFilter& f,
                                                           int32_t page_size,
                                                           const std::string& page_token) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.read"));
  CRM_RETURN_IF_ERROR(CheckFilter(f));
  CustomerFilter filter = f;
  filter.name_contains = std::string(validation::TrimSpace(f.name_contains));
  const std::string fingerprint =
      absl::StrJoin({filter.region, filter.industry, filter.level, filter.owner_id, filter.status,
                     filter.tag, filter.name_contains},
                    "|");
  return validation::NewestFirst<Customer>(
      conn, fingerprint, page_size, page_token,
      [&](db::Tx& tx, const std::string& before_id, int limit) {
        return Repository::List(tx, filter, caller, before_id, limit);
      });
}

void Customers::Search(db::Reader& reader, const Principal& caller, const std::string& query,
                       int32_t page_size, db::Callback<std::vector<Customer>> done) const {
  if (absl::Status s = auth::Require(caller, "customers.read"); !s.ok()) return done(s);
  const std::string q(validation::TrimSpace(query));
  Violations v;
  if (q.empty()) v.Add("query", "is required");
  validation::MaxChars(v, "query", q, 100);
  if (!validation::Printable(q)) v.Add("query", "must not contain control characters");
  auto limit = validation::PageSize(page_size, 20, 100);
  if (!limit.ok()) return done(limit.status());
  if (!v.empty()) return done(v.ToStatus());
  reader.Submit(Repository::Search(q, caller, *limit),
                [done = std::move(done), limit = *limit](absl::StatusOr<db::Rows> rows) mutable {
                  if (!rows.ok()) return done(rows.status());
                  done(Repository::SearchResultsOf(*rows, limit));
                });
}

absl::StatusOr<Customer> Customers::Update(db::Conn& conn, const Principal& caller,
                                           const RequestMeta& meta, const Customer& patch,
                                           const std::string& etag,
                                           const std::vector<std::string>& mask,
                                           Violations decoding) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.write"));
  Violations v = std::move(decoding);
  validation::RequiredUuid(v, "customer.id", patch.id);
  ValidateCustomer(v, patch, &mask);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  CRM_RETURN_IF_ERROR(validation::CheckMask(mask, UpdatableFields()));
  if (mask.empty()) return InvalidField("update_mask", "names no field to update");
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("customer.etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Customer> {
    std::optional<Customer> current = Repository::LockInScope(tx, patch.id, caller);
    if (!current) return auth::NotVisible(caller.scope, "customer", patch.id);
    if (expected != 0 && current->version != expected) return validation::StaleEtag();
    Customer next = validation::ApplyMask(CustomerFields(), mask, patch, *current);
    next.name = std::string(validation::TrimSpace(next.name));
    CRM_RETURN_IF_ERROR(CheckCodes(tx, next, &mask));
    std::optional<Customer> updated = Repository::Update(tx, next, current->version);
    if (!updated) return validation::StaleEtag();
    Emit(tx, outbox_, meta, "customers.customer.updated", *updated);
    return *updated;
  });
}

absl::Status Customers::Delete(db::Conn& conn, const Principal& caller, const RequestMeta& meta,
                               const std::string& id, const std::string& etag) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.delete"));
  CRM_RETURN_IF_ERROR(validation::CheckId("id", id));
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::Status {
    std::optional<Customer> current = Repository::LockInScope(tx, id, caller);
    if (!current) return auth::NotVisible(caller.scope, "customer", id);
    if (expected != 0 && current->version != expected) return validation::StaleEtag();
    if (!Repository::SoftDelete(tx, id, current->version)) return validation::StaleEtag();
    Emit(tx, outbox_, meta, "customers.customer.deleted", *current);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<DictionaryEntry>> Customers::ListDictionary(
    db::Conn& conn, const Principal& caller, const std::string& kind) const {
  // Read by whoever fills in customers, and by those who edit the dictionaries.
  if (!caller.Can("dictionaries.write"))
    CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.read"));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<DictionaryEntry>> {
    return Repository::ListDictionary(tx, kind);
  });
}

absl::StatusOr<DictionaryEntry> Customers::UpsertDictionaryEntry(db::Conn& conn,
                                                                 const Principal& caller,
                                                                 const RequestMeta& meta,
                                                                 const DictionaryEntry& e) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "dictionaries.write"));
  Violations v;
  if (e.kind.empty()) v.Add("entry.kind", "is required");
  if (e.code.empty()) {
    v.Add("entry.code", "is required");
  } else {
    validation::OptionalCode(v, "entry.code", e.code);
  }
  validation::Name(v, "entry.name", e.name, 50);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<DictionaryEntry> {
    Repository::UpsertDictionaryEntry(tx, e);
    v1::DictionaryEntryChanged changed;
    *changed.mutable_entry() = ToProto(e);
    outbox_->Append(tx,
                    {"customers.dictionary_entry.upserted", "dictionary_entry",
                     absl::StrCat(e.kind, "/", e.code), &changed, meta.actor_id, meta.request_id});
    return e;
  });
}

absl::Status Customers::ApplySatisfactionEvent(db::Tx& tx, const common::v1::Event& event) const {
  service::v1::CustomerSatisfactionChanged changed;
  if (event.type() != "service.customer.satisfaction_changed" ||
      !event.payload().UnpackTo(&changed) || changed.satisfaction() < 1 ||
      changed.satisfaction() > 5) {
    log::Warn("satisfaction event skipped: not a figure of 1-5")
        .Str("event_id", event.id())
        .Str("type", event.type());
    return absl::OkStatus();
  }
  // Unchanged, or a customer deleted (merged) meanwhile: nothing to do.
  std::optional<Customer> updated =
      Repository::SetSatisfaction(tx, changed.customer_id(), changed.satisfaction());
  if (updated) {
    Emit(tx, outbox_, {event.request_id(), event.actor_id()}, "customers.customer.updated",
         *updated);
  }
  return absl::OkStatus();
}

}  // namespace crm::customers_service
