#include "services/customers/src/convert.h"

#include "absl/strings/str_cat.h"
#include "libs/db/time_fields.h"
#include "libs/enums/enum_table.h"
#include "libs/proto_time/proto_time.h"
#include "libs/validation/updates.h"

namespace crm::customers_service {
namespace {

using proto_time::DayOf;
using proto_time::SetDate;
using proto_time::SetTimestamp;

void SetMoney(const std::optional<Money>& m, google::type::Money* out) { money::SetProto(*m, out); }

std::optional<Money> MoneyOf(const google::type::Money& p, bool present, const std::string& field,
                             Violations& v) {
  return money::FromProto(p, present, field, v);
}

constexpr enums::Pair<CustomerStatus, v1::CustomerStatus> kApiStatuses[] = {
    {CustomerStatus::kActive, v1::CUSTOMER_STATUS_ACTIVE},
    {CustomerStatus::kLossWarning, v1::CUSTOMER_STATUS_LOSS_WARNING},
    {CustomerStatus::kLossDelayed, v1::CUSTOMER_STATUS_LOSS_DELAYED},
    {CustomerStatus::kLost, v1::CUSTOMER_STATUS_LOST}};

constexpr enums::Pair<PathStep::Edge, v1::PathEdge> kEdges[] = {
    {PathStep::Edge::kKnows, v1::PATH_EDGE_KNOWS},
    {PathStep::Edge::kReportsTo, v1::PATH_EDGE_REPORTS_TO},
    {PathStep::Edge::kManages, v1::PATH_EDGE_MANAGES}};

using enums::Named;

// A stored name, or "".
template <typename E, size_t N>
std::string NameOf(const Named<E> (&table)[N], E value) {
  return std::string(enums::Lookup(table, value, ""));
}

// An enum from a request: UNSPECIFIED is "", values outside the table are violations.
template <typename E, size_t N>
std::string FromEnum(const Named<E> (&table)[N], E value, E unspecified, const std::string& field,
                     Violations& v) {
  if (value == unspecified) return "";
  std::string name = NameOf(table, value);
  if (name.empty()) v.Add(field, "is not a known value");
  return name;
}

constexpr Named<v1::Gender> kGenders[] = {{v1::GENDER_MALE, "male"}, {v1::GENDER_FEMALE, "female"}};
constexpr Named<v1::BuyingRole> kBuyingRoles[] = {
    {v1::BUYING_ROLE_DECISION_MAKER, "decision_maker"},
    {v1::BUYING_ROLE_INFLUENCER, "influencer"},
    {v1::BUYING_ROLE_USER, "user"},
    {v1::BUYING_ROLE_GATEKEEPER, "gatekeeper"}};
constexpr Named<v1::Attitude> kAttitudes[] = {{v1::ATTITUDE_SUPPORTER, "supporter"},
                                              {v1::ATTITUDE_NEUTRAL, "neutral"},
                                              {v1::ATTITUDE_OPPONENT, "opponent"}};
constexpr Named<v1::SocialStyle> kSocialStyles[] = {{v1::SOCIAL_STYLE_EXPRESSIVE, "expressive"},
                                                    {v1::SOCIAL_STYLE_DRIVER, "driver"},
                                                    {v1::SOCIAL_STYLE_AMIABLE, "amiable"},
                                                    {v1::SOCIAL_STYLE_ANALYTICAL, "analytical"}};
constexpr Named<v1::InteractionMethod> kMethods[] = {{v1::INTERACTION_METHOD_VISIT, "visit"},
                                                     {v1::INTERACTION_METHOD_PHONE, "phone"},
                                                     {v1::INTERACTION_METHOD_EMAIL, "email"},
                                                     {v1::INTERACTION_METHOD_MEETING, "meeting"},
                                                     {v1::INTERACTION_METHOD_MESSAGE, "message"}};
constexpr Named<v1::LossActionKind> kLossActions[] = {
    {v1::LOSS_ACTION_KIND_WARNED, "warned"},
    {v1::LOSS_ACTION_KIND_DELAYED, "delayed"},
    {v1::LOSS_ACTION_KIND_CONFIRMED, "confirmed"},
    {v1::LOSS_ACTION_KIND_RECOVERED, "recovered"}};
constexpr Named<v1::DictionaryKind> kKinds[] = {{v1::DICTIONARY_KIND_LEVEL, "level"},
                                                {v1::DICTIONARY_KIND_REGION, "region"},
                                                {v1::DICTIONARY_KIND_INDUSTRY, "industry"},
                                                {v1::DICTIONARY_KIND_SOURCE, "source"}};
constexpr Named<v1::CustomerStatus> kStatuses[] = {
    {v1::CUSTOMER_STATUS_ACTIVE, "active"},
    {v1::CUSTOMER_STATUS_LOSS_WARNING, "loss_warning"},
    {v1::CUSTOMER_STATUS_LOSS_DELAYED, "loss_delayed"},
    {v1::CUSTOMER_STATUS_LOST, "lost"}};
constexpr Named<v1::CustomerLinkKind> kLinkKinds[] = {
    {v1::CUSTOMER_LINK_KIND_REFERRAL, "referral"},
    {v1::CUSTOMER_LINK_KIND_PARENT_SUBSIDIARY, "parent_subsidiary"},
    {v1::CUSTOMER_LINK_KIND_PARTNER, "partner"},
    {v1::CUSTOMER_LINK_KIND_CHANNEL, "channel"}};

}  // namespace

v1::Contact ToProto(const Contact& c) {
  v1::Contact p;
  p.set_id(c.id);
  p.set_customer_id(c.customer_id);
  p.set_name(c.name);
  p.set_gender(enums::ReverseLookup(kGenders, c.gender, v1::GENDER_UNSPECIFIED));
  p.set_position(c.position);
  p.set_office_phone(c.office_phone);
  p.set_mobile(c.mobile);
  p.set_email(c.email);
  p.set_notes(c.notes);
  p.set_primary(c.primary);
  p.set_reports_to_id(c.reports_to_id);
  p.set_buying_role(enums::ReverseLookup(kBuyingRoles, c.buying_role, v1::BUYING_ROLE_UNSPECIFIED));
  p.set_attitude(enums::ReverseLookup(kAttitudes, c.attitude, v1::ATTITUDE_UNSPECIFIED));
  p.set_social_style(
      enums::ReverseLookup(kSocialStyles, c.social_style, v1::SOCIAL_STYLE_UNSPECIFIED));
  SetTimestamp(c.created_at, p.mutable_create_time());
  SetTimestamp(c.updated_at, p.mutable_update_time());
  p.set_etag(validation::Etag(c.version));
  return p;
}

Contact FromProto(const v1::Contact& p, Violations& v) {
  Contact c;
  c.id = p.id();
  c.customer_id = p.customer_id();
  c.name = p.name();
  c.gender = FromEnum(kGenders, p.gender(), v1::GENDER_UNSPECIFIED, "contact.gender", v);
  c.position = p.position();
  c.office_phone = p.office_phone();
  c.mobile = p.mobile();
  c.email = p.email();
  c.notes = p.notes();
  c.primary = p.primary();
  c.reports_to_id = p.reports_to_id();
  c.buying_role = FromEnum(kBuyingRoles, p.buying_role(), v1::BUYING_ROLE_UNSPECIFIED,
                           "contact.buying_role", v);
  c.attitude = FromEnum(kAttitudes, p.attitude(), v1::ATTITUDE_UNSPECIFIED, "contact.attitude", v);
  c.social_style = FromEnum(kSocialStyles, p.social_style(), v1::SOCIAL_STYLE_UNSPECIFIED,
                            "contact.social_style", v);
  return c;
}

v1::Interaction ToProto(const Interaction& i) {
  v1::Interaction p;
  p.set_id(i.id);
  p.set_customer_id(i.customer_id);
  p.set_contact_id(i.contact_id);
  p.set_user_id(i.user_id);
  p.set_method(enums::ReverseLookup(kMethods, i.method, v1::INTERACTION_METHOD_UNSPECIFIED));
  SetTimestamp(i.occurred_at, p.mutable_occur_time());
  p.set_location(i.location);
  p.set_summary(i.summary);
  p.set_details(i.details);
  p.set_result(i.result);
  if (i.next_follow_up_date) SetDate(i.next_follow_up_date, p.mutable_next_follow_up_date());
  SetTimestamp(i.created_at, p.mutable_create_time());
  SetTimestamp(i.updated_at, p.mutable_update_time());
  p.set_etag(validation::Etag(i.version));
  return p;
}

Interaction FromProto(const v1::Interaction& p, Violations& v) {
  Interaction i;
  i.id = p.id();
  i.customer_id = p.customer_id();
  i.contact_id = p.contact_id();
  i.method =
      FromEnum(kMethods, p.method(), v1::INTERACTION_METHOD_UNSPECIFIED, "interaction.method", v);
  i.occurred_at = absl::InfinitePast();
  if (p.has_occur_time()) {
    i.occurred_at =
        proto_time::TimeOf(p.occur_time(), "interaction.occur_time", v).value_or(i.occurred_at);
  }
  i.location = p.location();
  i.summary = p.summary();
  i.details = p.details();
  i.result = p.result();
  i.next_follow_up_date = DayOf(p.next_follow_up_date(), "interaction.next_follow_up_date", v);
  return i;
}

v1::ContactRelation ToProto(const ContactRelation& r) {
  v1::ContactRelation p;
  p.set_user_id(r.user_id);
  p.set_contact_id(r.contact_id);
  p.set_customer_id(r.customer_id);
  p.set_strength(r.strength);
  p.set_notes(r.notes);
  SetTimestamp(r.created_at, p.mutable_create_time());
  SetTimestamp(r.updated_at, p.mutable_update_time());
  p.set_etag(validation::Etag(r.version));
  return p;
}

ContactRelation FromProto(const v1::ContactRelation& p) {
  ContactRelation r;
  r.contact_id = p.contact_id();
  r.strength = p.strength();
  r.notes = p.notes();
  return r;
}

v1::CustomerLink ToProto(const CustomerLink& l) {
  v1::CustomerLink p;
  p.set_id(l.id);
  p.set_from_customer_id(l.from_customer_id);
  p.set_to_customer_id(l.to_customer_id);
  p.set_kind(enums::ReverseLookup(kLinkKinds, l.kind, v1::CUSTOMER_LINK_KIND_UNSPECIFIED));
  p.set_notes(l.notes);
  p.set_create_user_id(l.created_by);
  SetTimestamp(l.created_at, p.mutable_create_time());
  return p;
}

CustomerLink FromProto(const v1::CustomerLink& p, Violations& v) {
  CustomerLink l;
  l.from_customer_id = p.from_customer_id();
  l.to_customer_id = p.to_customer_id();
  l.kind = FromEnum(kLinkKinds, p.kind(), v1::CUSTOMER_LINK_KIND_UNSPECIFIED, "link.kind", v);
  l.notes = p.notes();
  return l;
}

v1::RelationshipMap ToProto(const RelationshipMap& m) {
  v1::RelationshipMap p;
  *p.mutable_customer() = ToProto(m.customer);
  for (const auto& c : m.contacts) *p.add_contacts() = ToProto(c);
  for (const auto& r : m.relations) *p.add_relations() = ToProto(r);
  for (const auto& l : m.links) *p.add_links() = ToProto(l);
  for (const auto& c : m.linked_customers) *p.add_linked_customers() = ToProto(c);
  return p;
}

v1::PathStep ToProto(const PathStep& s) {
  v1::PathStep p;
  p.set_user_id(s.user_id);
  if (s.contact) *p.mutable_contact() = ToProto(*s.contact);
  p.set_edge(enums::Lookup(kEdges, s.edge, v1::PATH_EDGE_UNSPECIFIED));
  p.set_strength(s.strength);
  return p;
}

v1::Handover ToProto(const Handover& h) {
  v1::Handover p;
  p.set_id(h.id);
  p.set_from_user_id(h.from_user_id);
  p.set_to_user_id(h.to_user_id);
  p.set_to_department_id(h.to_department_id);
  for (const auto& id : h.customer_ids) p.add_customer_ids(id);
  p.set_reason(h.reason);
  p.set_create_user_id(h.created_by);
  SetTimestamp(h.created_at, p.mutable_create_time());
  for (const auto& id : h.from_department_ids) p.add_from_department_ids(id);
  return p;
}

v1::Merge ToProto(const Merge& m) {
  v1::Merge p;
  p.set_id(m.id);
  p.set_survivor_id(m.survivor_id);
  p.set_duplicate_id(m.duplicate_id);
  p.set_contacts_moved(m.contacts_moved);
  p.set_interactions_moved(m.interactions_moved);
  p.set_links_moved(m.links_moved);
  p.set_create_user_id(m.created_by);
  SetTimestamp(m.created_at, p.mutable_create_time());
  return p;
}

v1::LossAction ToProto(const LossAction& a) {
  v1::LossAction p;
  p.set_id(a.id);
  p.set_customer_id(a.customer_id);
  p.set_kind(enums::ReverseLookup(kLossActions, a.kind, v1::LOSS_ACTION_KIND_UNSPECIFIED));
  p.set_note(a.note);
  if (a.delayed_until) SetDate(a.delayed_until, p.mutable_delay_until());
  p.set_user_id(a.user_id);
  SetTimestamp(a.created_at, p.mutable_create_time());
  return p;
}

v1::Document ToProto(const Document& d) {
  v1::Document p;
  p.set_id(d.id);
  p.set_customer_id(d.customer_id);
  p.set_file_name(d.file_name);
  p.set_content_type(d.content_type);
  p.set_size_bytes(d.size_bytes);
  p.set_sha256(d.sha256);
  p.set_description(d.description);
  p.set_create_user_id(d.created_by);
  SetTimestamp(d.created_at, p.mutable_create_time());
  return p;
}

Document FromProto(const v1::Document& p) {
  Document d;
  d.customer_id = p.customer_id();
  d.file_name = p.file_name();
  d.content_type = p.content_type();
  d.size_bytes = p.size_bytes();
  d.sha256 = p.sha256();
  d.description = p.description();
  return d;
}

// Proto3 text fields: empty is the default, and setting one allocates a string, so only the
// non-empty ones are set (most of a customer's optional fields are empty).
#define CRM_SET_TEXT(field) \
  if (!c.field.empty()) p.set_##field(c.field)

v1::Customer ToProto(const Customer& c) {
  v1::Customer p;
  CRM_SET_TEXT(id);
  CRM_SET_TEXT(number);
  CRM_SET_TEXT(name);
  CRM_SET_TEXT(region);
  CRM_SET_TEXT(industry);
  CRM_SET_TEXT(level);
  p.set_satisfaction(c.satisfaction);
  p.set_credit(c.credit);
  CRM_SET_TEXT(address);
  CRM_SET_TEXT(postal_code);
  CRM_SET_TEXT(phone);
  CRM_SET_TEXT(fax);
  CRM_SET_TEXT(website);
  CRM_SET_TEXT(business_licence_number);
  CRM_SET_TEXT(legal_representative);
  if (c.registered_capital) SetMoney(c.registered_capital, p.mutable_registered_capital());
  if (c.annual_revenue) SetMoney(c.annual_revenue, p.mutable_annual_revenue());
  CRM_SET_TEXT(bank);
  CRM_SET_TEXT(bank_account);
  CRM_SET_TEXT(tax_id);
  CRM_SET_TEXT(owner_id);
  CRM_SET_TEXT(owner_department_id);
  CRM_SET_TEXT(source);
  p.set_status(enums::Lookup(kApiStatuses, c.status, v1::CUSTOMER_STATUS_ACTIVE));
  for (const auto& t : c.tags) p.add_tags(t);
  for (const auto& [k, v] : c.attributes) (*p.mutable_attributes())[k] = v;
  SetTimestamp(c.created_at, p.mutable_create_time());
  SetTimestamp(c.updated_at, p.mutable_update_time());
  p.set_etag(validation::Etag(c.version));
  if (c.last_order_date) SetDate(c.last_order_date, p.mutable_last_order_date());
  if (c.loss_warned_at) SetTimestamp(*c.loss_warned_at, p.mutable_loss_warn_time());
  if (c.loss_delayed_until) SetDate(c.loss_delayed_until, p.mutable_loss_delay_until());
  p.set_sales_system_key(c.sales_system_key);
  return p;
}

#undef CRM_SET_TEXT

Customer FromProto(const v1::Customer& p, Violations& v) {
  Customer c;
  c.id = p.id();
  c.name = p.name();
  c.region = p.region();
  c.industry = p.industry();
  c.level = p.level();
  c.satisfaction = p.satisfaction();
  c.credit = p.credit();
  c.address = p.address();
  c.postal_code = p.postal_code();
  c.phone = p.phone();
  c.fax = p.fax();
  c.website = p.website();
  c.business_licence_number = p.business_licence_number();
  c.legal_representative = p.legal_representative();
  c.registered_capital =
      MoneyOf(p.registered_capital(), p.has_registered_capital(), "customer.registered_capital", v);
  c.annual_revenue =
      MoneyOf(p.annual_revenue(), p.has_annual_revenue(), "customer.annual_revenue", v);
  c.bank = p.bank();
  c.bank_account = p.bank_account();
  c.tax_id = p.tax_id();
  c.owner_id = p.owner_id();
  c.source = p.source();
  c.tags = {p.tags().begin(), p.tags().end()};
  c.attributes = {p.attributes().begin(), p.attributes().end()};
  return c;
}

v1::DictionaryEntry ToProto(const DictionaryEntry& e) {
  v1::DictionaryEntry p;
  p.set_kind(KindOf(e.kind));
  p.set_code(e.code);
  p.set_name(e.name);
  p.set_sort_order(e.sort_order);
  p.set_active(e.active);
  return p;
}

std::string KindName(v1::DictionaryKind kind) { return NameOf(kKinds, kind); }

v1::DictionaryKind KindOf(const std::string& name) {
  return enums::ReverseLookup(kKinds, name, v1::DICTIONARY_KIND_UNSPECIFIED);
}

std::string StatusName(v1::CustomerStatus status) { return NameOf(kStatuses, status); }

}  // namespace crm::customers_service
