#include "services/customers/src/people.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "crm/customers/v1/events.pb.h"
#include "libs/auth/scope.h"
#include "libs/ids/uuid.h"
#include "libs/status/field_violations.h"
#include "libs/status/status_macros.h"
#include "libs/validation/text.h"
#include "libs/validation/updates.h"
#include "services/customers/src/convert.h"
#include "services/customers/src/repository.h"

namespace crm::customers_service {
namespace {

using auth::Principal;
using validation::InMask;

bool OneOf(const std::string& value, std::initializer_list<const char*> allowed) {
  if (value.empty()) return true;
  for (const char* a : allowed) {
    if (value == a) return true;
  }
  return false;
}

void ValidateInteraction(Violations& v, const Interaction& i,
                         const std::vector<std::string>* mask) {
  auto check = [&](absl::string_view f) { return mask == nullptr || InMask(*mask, f); };
  if (check("method") &&
      (i.method.empty() || !OneOf(i.method, {"visit", "phone", "email", "meeting", "message"}))) {
    v.Add("interaction.method", i.method.empty() ? "is required" : "is unknown");
  }
  if (check("occur_time")) {
    if (i.occurred_at == absl::InfinitePast()) {
      v.Add("interaction.occur_time", "is required");
    } else if (i.occurred_at > absl::Now() + absl::Hours(24)) {
      v.Add("interaction.occur_time", "must not be in the future");
    }
  }
  if (check("summary")) validation::Name(v, "interaction.summary", i.summary, 200);
  if (check("location")) validation::OptionalText(v, "interaction.location", i.location, 200);
  if (check("details")) validation::OptionalText(v, "interaction.details", i.details, 10000, true);
  if (check("result")) validation::OptionalText(v, "interaction.result", i.result, 2000, true);
  if (check("contact_id")) validation::OptionalUuid(v, "interaction.contact_id", i.contact_id);
}

void EmitContact(db::Tx& tx, const events::Outbox* outbox, const RequestMeta& meta,
                 const char* type, const Contact& c) {
  v1::ContactChanged e;
  *e.mutable_contact() = ToProto(c);
  outbox->Append(tx, {type, "contact", c.id, &e, meta.actor_id, meta.request_id});
}

void EmitInteraction(db::Tx& tx, const events::Outbox* outbox, const RequestMeta& meta,
                     const char* type, const Interaction& i) {
  v1::InteractionChanged e;
  *e.mutable_interaction() = ToProto(i);
  outbox->Append(tx, {type, "interaction", i.id, &e, meta.actor_id, meta.request_id});
}

// reports_to must be another live contact of the same customer, and no cycle may form.
absl::Status CheckReportsTo(db::Tx& tx, const Contact& c) {
  if (c.reports_to_id.empty()) return absl::OkStatus();
  if (c.reports_to_id == c.id) {
    return InvalidField("contact.reports_to_id", "a contact cannot report to themselves");
  }
  if (!Repository::ContactOfCustomer(tx, c.reports_to_id, c.customer_id)) {
    return InvalidField("contact.reports_to_id", "is not a contact of the same customer");
  }
  for (const auto& above : Repository::ReportingChain(tx, c.reports_to_id)) {
    if (above == c.id) {
      return InvalidField("contact.reports_to_id", "would make a reporting cycle");
    }
  }
  return absl::OkStatus();
}

// What a list of one customer's contacts or interactions checks first: the permission, the
// customer id, the page size (at most 500) and the page token (`keys` sort keys, bound to the
// customer). Returns the page size and the keys (none on the first page).
absl::StatusOr<std::pair<int, std::vector<std::string>>> StartList(
    const Principal& caller, const std::string& customer_id, int32_t page_size, int default_size,
    const std::string& page_token, int keys) {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.read"));
  CRM_RETURN_IF_ERROR(validation::CheckId("customer_id", customer_id));
  CRM_ASSIGN_OR_RETURN(int limit, validation::PageSize(page_size, default_size, 500));
  CRM_ASSIGN_OR_RETURN(auto decoded, validation::DecodePageToken(page_token, customer_id, keys));
  return std::make_pair(limit, std::move(decoded));
}

}  // namespace

void ValidateContact(Violations& v, const Contact& c, const std::vector<std::string>* mask) {
  auto check = [&](absl::string_view f) { return mask == nullptr || InMask(*mask, f); };
  if (check("name")) validation::Name(v, "contact.name", c.name, 100);
  if (check("position")) validation::OptionalText(v, "contact.position", c.position, 100);
  if (check("office_phone")) validation::OptionalPhone(v, "contact.office_phone", c.office_phone);
  if (check("mobile")) validation::OptionalPhone(v, "contact.mobile", c.mobile);
  if (check("email")) validation::OptionalEmail(v, "contact.email", c.email);
  if (check("notes")) validation::OptionalText(v, "contact.notes", c.notes, 2000, true);
  if (check("reports_to_id")) validation::OptionalUuid(v, "contact.reports_to_id", c.reports_to_id);
  if (check("gender") && !OneOf(c.gender, {"male", "female"}))
    v.Add("contact.gender", "is unknown");
  if (check("buying_role") &&
      !OneOf(c.buying_role, {"decision_maker", "influencer", "user", "gatekeeper"})) {
    v.Add("contact.buying_role", "is unknown");
  }
  if (check("attitude") && !OneOf(c.attitude, {"supporter", "neutral", "opponent"})) {
    v.Add("contact.attitude", "is unknown");
  }
  if (check("social_style") &&
      !OneOf(c.social_style, {"expressive", "driver", "amiable", "analytical"})) {
    v.Add("contact.social_style", "is unknown");
  }
}

void EmitSideEffects(db::Tx& tx, const events::Outbox* outbox, const RequestMeta& meta,
                     const Principal& caller, const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    if (auto c = Repository::FindContactInScope(tx, id, caller, false)) {
      EmitContact(tx, outbox, meta, "customers.contact.updated", *c);
    }
  }
}

absl::StatusOr<Contact> People::CreateContact(db::Conn& conn, const Principal& caller,
                                              const RequestMeta& meta,
                                              const std::string& request_id, Contact c) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.write"));
  Violations v;
  db::CheckRequestId(v, request_id);
  validation::RequiredUuid(v, "contact.customer_id", c.customer_id);
  ValidateContact(v, c, nullptr);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  c.id = ids::NewUuidV7();
  c.name = std::string(validation::TrimSpace(c.name));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Contact> {
    CRM_RETURN_IF_ERROR(Repository::CheckCustomerInScope(tx, c.customer_id, caller, /*lock=*/true));
    CRM_ASSIGN_OR_RETURN(
        auto earlier, request_log_->Claim(tx, caller.user_id, request_id, "CreateContact", c.id));
    if (earlier) {
      auto existing = Repository::FindContactInScope(tx, *earlier, caller, false);
      if (!existing) return absl::NotFoundError("the contact this request created is gone");
      return *existing;
    }
    CRM_RETURN_IF_ERROR(CheckReportsTo(tx, c));
    if (c.primary) {
      EmitSideEffects(tx, outbox_, meta, caller, Repository::ClearPrimary(tx, c.customer_id, c.id));
    }
    Repository::InsertContact(tx, c);
    auto created = Repository::FindContactInScope(tx, c.id, caller, false);
    EmitContact(tx, outbox_, meta, "customers.contact.created", *created);
    return *created;
  });
}

absl::StatusOr<Contact> People::GetContact(db::Conn& conn, const Principal& caller,
                                           const std::string& id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.read"));
  CRM_RETURN_IF_ERROR(validation::CheckId("id", id));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<Contact> {
    auto c = Repository::FindContactInScope(tx, id, caller, false);
    if (!c) return auth::NotVisible(caller.scope, "contact", id);
    return *c;
  });
}

absl::StatusOr<validation::Page<Contact>> People::ListContacts(
    db::Conn& conn, const Principal& caller, const std::string& customer_id, int32_t page_size,
    const std::string& page_token) const {
  CRM_ASSIGN_OR_RETURN(auto list, StartList(caller, customer_id, page_size, 100, page_token, 1));
  const auto& [limit, keys] = list;
  const std::string after = keys.empty() ? "" : keys[0];
  CRM_RETURN_IF_ERROR(validation::CheckOptionalId("page_token", after));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<validation::Page<Contact>> {
    CRM_RETURN_IF_ERROR(Repository::CheckCustomerInScope(tx, customer_id, caller, false));
    return validation::PageOf(Repository::ListContacts(tx, customer_id, after, limit + 1), limit,
                              customer_id, validation::IdKey<Contact>);
  });
}

absl::StatusOr<Contact> People::UpdateContact(db::Conn& conn, const Principal& caller,
                                              const RequestMeta& meta, const Contact& patch,
                                              const std::string& etag,
                                              const std::vector<std::string>& mask) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.write"));
  Violations v;
  validation::RequiredUuid(v, "contact.id", patch.id);
  ValidateContact(v, patch, &mask);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  CRM_RETURN_IF_ERROR(validation::CheckMask(mask, ContactPaths()));
  if (mask.empty()) return InvalidField("update_mask", "names no field to update");
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("contact.etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Contact> {
    auto current = Repository::FindContactInScope(tx, patch.id, caller, /*lock=*/true);
    if (!current) return auth::NotVisible(caller.scope, "contact", patch.id);
    if (expected != 0 && current->version != expected) return validation::StaleEtag();
    Contact next = validation::ApplyMask(ContactFields(), mask, patch, *current);
    next.name = std::string(validation::TrimSpace(next.name));
    if (InMask(mask, "reports_to_id")) CRM_RETURN_IF_ERROR(CheckReportsTo(tx, next));
    if (next.primary && !current->primary) {
      EmitSideEffects(tx, outbox_, meta, caller,
                      Repository::ClearPrimary(tx, next.customer_id, next.id));
    }
    if (!Repository::UpdateContact(tx, next, current->version)) return validation::StaleEtag();
    auto updated = Repository::FindContactInScope(tx, next.id, caller, false);
    EmitContact(tx, outbox_, meta, "customers.contact.updated", *updated);
    return *updated;
  });
}

absl::Status People::DeleteContact(db::Conn& conn, const Principal& caller, const RequestMeta& meta,
                                   const std::string& id, const std::string& etag) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.write"));
  CRM_RETURN_IF_ERROR(validation::CheckId("id", id));
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::Status {
    auto current = Repository::FindContactInScope(tx, id, caller, /*lock=*/true);
    if (!current) return auth::NotVisible(caller.scope, "contact", id);
    if (expected != 0 && current->version != expected) return validation::StaleEtag();
    if (!Repository::DeleteContact(tx, id, current->version)) return validation::StaleEtag();
    EmitContact(tx, outbox_, meta, "customers.contact.deleted", *current);
    EmitSideEffects(tx, outbox_, meta, caller, Repository::DetachReports(tx, id));
    return absl::OkStatus();
  });
}

absl::StatusOr<Interaction> People::CreateInteraction(db::Conn& conn, const Principal& caller,
                                                      const RequestMeta& meta,
                                                      const std::string& request_id,
                                                      Interaction i) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.write"));
  Violations v;
  db::CheckRequestId(v, request_id);
  validation::RequiredUuid(v, "interaction.customer_id", i.customer_id);
  ValidateInteraction(v, i, nullptr);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  i.id = ids::NewUuidV7();
  i.user_id = caller.user_id;
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Interaction> {
    CRM_RETURN_IF_ERROR(Repository::CheckCustomerInScope(tx, i.customer_id, caller, /*lock=*/true));
    CRM_ASSIGN_OR_RETURN(auto earlier, request_log_->Claim(tx, caller.user_id, request_id,
                                                           "CreateInteraction", i.id));
    if (earlier) {
      auto existing = Repository::FindInteractionInScope(tx, *earlier, caller);
      if (!existing) return absl::NotFoundError("the interaction this request recorded is gone");
      return *existing;
    }
    if (!i.contact_id.empty() && !Repository::ContactOfCustomer(tx, i.contact_id, i.customer_id)) {
      return InvalidField("interaction.contact_id", "is not a contact of the customer");
    }
    Repository::InsertInteraction(tx, i);
    auto created = Repository::FindInteractionInScope(tx, i.id, caller);
    EmitInteraction(tx, outbox_, meta, "customers.interaction.recorded", *created);
    return *created;
  });
}

absl::StatusOr<validation::Page<Interaction>> People::ListInteractions(
    db::Conn& conn, const Principal& caller, const std::string& customer_id, int32_t page_size,
    const std::string& page_token) const {
  CRM_ASSIGN_OR_RETURN(auto list, StartList(caller, customer_id, page_size, 50, page_token, 2));
  const auto& [limit, keys] = list;
  CRM_ASSIGN_OR_RETURN(auto before, validation::TimeAndIdOf(keys, {INT64_MAX / 2}));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<validation::Page<Interaction>> {
    CRM_RETURN_IF_ERROR(Repository::CheckCustomerInScope(tx, customer_id, caller, false));
    return validation::PageOf(
        Repository::ListInteractions(tx, customer_id, absl::FromUnixMicros(before.micros),
                                     before.id, limit + 1),
        limit, customer_id, [](const Interaction& last) {
          return validation::TimeAndId{absl::ToUnixMicros(last.occurred_at), last.id}.Keys();
        });
  });
}

absl::StatusOr<Interaction> People::UpdateInteraction(db::Conn& conn, const Principal& caller,
                                                      const RequestMeta& meta,
                                                      const Interaction& patch,
                                                      const std::string& etag,
                                                      const std::vector<std::string>& mask) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.write"));
  Violations v;
  validation::RequiredUuid(v, "interaction.id", patch.id);
  ValidateInteraction(v, patch, &mask);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  CRM_RETURN_IF_ERROR(validation::CheckMask(mask, InteractionPaths()));
  if (mask.empty()) return InvalidField("update_mask", "names no field to update");
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("interaction.etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Interaction> {
    auto current = Repository::FindInteractionInScope(tx, patch.id, caller);
    if (!current) return auth::NotVisible(caller.scope, "interaction", patch.id);
    if (current->user_id != caller.user_id) {
      return absl::PermissionDeniedError("only the user who recorded an interaction may change it");
    }
    if (expected != 0 && current->version != expected) return validation::StaleEtag();
    Interaction next = validation::ApplyMask(InteractionFields(), mask, patch, *current);
    if (InMask(mask, "contact_id") && !next.contact_id.empty() &&
        !Repository::ContactOfCustomer(tx, next.contact_id, next.customer_id)) {
      return InvalidField("interaction.contact_id", "is not a contact of the customer");
    }
    if (!Repository::UpdateInteraction(tx, next, current->version)) {
      return validation::StaleEtag();
    }
    auto updated = Repository::FindInteractionInScope(tx, next.id, caller);
    EmitInteraction(tx, outbox_, meta, "customers.interaction.updated", *updated);
    return *updated;
  });
}

absl::StatusOr<validation::Page<Interaction>> People::ListFollowUpsDue(
    db::Conn& conn, const Principal& caller, std::optional<absl::CivilDay> due_by,
    int32_t page_size, const std::string& page_token) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.read"));
  CRM_ASSIGN_OR_RETURN(int limit, validation::PageSize(page_size, 50, 500));
  const absl::CivilDay day = due_by ? *due_by : absl::ToCivilDay(absl::Now(), zone_);
  const std::string filters = absl::FormatCivilTime(day);
  CRM_ASSIGN_OR_RETURN(auto keys, validation::DecodePageToken(page_token, filters, 2));
  Violations bad_key;
  absl::CivilDay after_day;
  if (!keys.empty() && (!absl::ParseCivilTime(keys[0], &after_day) ||
                        !validation::RequiredUuid(bad_key, "page_token", keys[1]))) {
    bad_key.Add("page_token", "is malformed");
  }
  CRM_RETURN_IF_ERROR(bad_key.ToStatus());
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<validation::Page<Interaction>> {
    return validation::PageOf(Repository::FollowUpsDue(tx, caller, day, keys.empty() ? "" : keys[0],
                                                       keys.empty() ? "" : keys[1], limit + 1),
                              limit, filters,
                              [](const Interaction& last) -> std::vector<std::string> {
                                return {absl::FormatCivilTime(*last.next_follow_up_date), last.id};
                              });
  });
}

const std::vector<validation::Field<Contact>>& People::ImportedContactFields() {
  static const auto* fields = new std::vector<validation::Field<Contact>>{
      CRM_FIELD(Contact, gender),       CRM_FIELD(Contact, position),
      CRM_FIELD(Contact, office_phone), CRM_FIELD(Contact, mobile),
      CRM_FIELD(Contact, email),        CRM_FIELD(Contact, notes),
      CRM_FIELD(Contact, buying_role),  CRM_FIELD(Contact, attitude),
      CRM_FIELD(Contact, social_style)};
  return *fields;
}

const std::vector<validation::Field<Contact>>& People::ContactFields() {
  static const auto* fields = [] {
    auto* all = new std::vector<validation::Field<Contact>>(ImportedContactFields());
    all->insert(all->end(), {CRM_FIELD(Contact, name), CRM_FIELD(Contact, primary),
                             CRM_FIELD(Contact, reports_to_id)});
    return all;
  }();
  return *fields;
}

const std::vector<validation::Field<Interaction>>& People::InteractionFields() {
  static const auto* fields = new std::vector<validation::Field<Interaction>>{
      CRM_FIELD(Interaction, contact_id),
      CRM_FIELD(Interaction, method),
      CRM_FIELD_AT(Interaction, "occur_time", occurred_at),
      CRM_FIELD(Interaction, location),
      CRM_FIELD(Interaction, summary),
      CRM_FIELD(Interaction, details),
      CRM_FIELD(Interaction, result),
      CRM_FIELD(Interaction, next_follow_up_date)};
  return *fields;
}

const std::vector<std::string>& People::ContactPaths() {
  static const auto* paths = new std::vector<std::string>(validation::PathsOf(ContactFields()));
  return *paths;
}

const std::vector<std::string>& People::InteractionPaths() {
  static const auto* paths = new std::vector<std::string>(validation::PathsOf(InteractionFields()));
  return *paths;
}

}  // namespace crm::customers_service
