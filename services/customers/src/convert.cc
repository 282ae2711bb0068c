#include "services/customers/src/convert.h"

#include "absl/strings/str_cat.h"
#include "libs/db/time_fields.h"
#include "libs/validation/updates.h"

namespace crm::customers_service {
namespace {

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t micros = absl::ToUnixMicros(t);
  out->set_seconds(micros / 1000000);
  out->set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
}

void SetMoney(const std::optional<Money>& m, google::type::Money* out) {
  out->set_currency_code(m->currency);
  out->set_units(m->minor / 100);
  out->set_nanos(static_cast<int32_t>(m->minor % 100) * 10000000);
}

std::optional<Money> MoneyOf(const google::type::Money& p, bool present, const std::string& field,
                             Violations& v) {
  if (!present) return std::nullopt;
  if (p.nanos() % 10000000 != 0) {
    v.Add(field, "at most two decimal places");
    return std::nullopt;
  }
  if ((p.units() > 0 && p.nanos() < 0) || (p.units() < 0 && p.nanos() > 0)) {
    v.Add(field, "units and nanos must have the same sign");
    return std::nullopt;
  }
  if (p.units() > INT64_MAX / 100 - 1 || p.units() < INT64_MIN / 100 + 1) {
    v.Add(field, "is too large");
    return std::nullopt;
  }
  return Money{p.units() * 100 + p.nanos() / 10000000, p.currency_code()};
}

v1::CustomerStatus ToProto(Status s) {
  switch (s) {
    case Status::kLossWarning:
      return v1::CUSTOMER_STATUS_LOSS_WARNING;
    case Status::kLossDelayed:
      return v1::CUSTOMER_STATUS_LOSS_DELAYED;
    case Status::kLost:
      return v1::CUSTOMER_STATUS_LOST;
    case Status::kActive:
      break;
  }
  return v1::CUSTOMER_STATUS_ACTIVE;
}

}  // namespace

v1::Customer ToProto(const Customer& c) {
  v1::Customer p;
  p.set_id(c.id);
  p.set_number(c.number);
  p.set_name(c.name);
  p.set_region(c.region);
  p.set_industry(c.industry);
  p.set_level(c.level);
  p.set_satisfaction(c.satisfaction);
  p.set_credit(c.credit);
  p.set_address(c.address);
  p.set_postal_code(c.postal_code);
  p.set_phone(c.phone);
  p.set_fax(c.fax);
  p.set_website(c.website);
  p.set_business_licence_number(c.business_licence_number);
  p.set_legal_representative(c.legal_representative);
  if (c.registered_capital) SetMoney(c.registered_capital, p.mutable_registered_capital());
  if (c.annual_revenue) SetMoney(c.annual_revenue, p.mutable_annual_revenue());
  p.set_bank(c.bank);
  p.set_bank_account(c.bank_account);
  p.set_tax_id(c.tax_id);
  p.set_owner_id(c.owner_id);
  p.set_owner_department_id(c.owner_department_id);
  p.set_source(c.source);
  p.set_status(ToProto(c.status));
  for (const auto& t : c.tags) p.add_tags(t);
  for (const auto& [k, v] : c.attributes) (*p.mutable_attributes())[k] = v;
  SetTimestamp(c.created_at, p.mutable_create_time());
  SetTimestamp(c.updated_at, p.mutable_update_time());
  p.set_etag(validation::Etag(c.version));
  if (c.last_order_date) {
    p.mutable_last_order_date()->set_year(static_cast<int32_t>(c.last_order_date->year()));
    p.mutable_last_order_date()->set_month(c.last_order_date->month());
    p.mutable_last_order_date()->set_day(c.last_order_date->day());
  }
  return p;
}

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

std::string KindName(v1::DictionaryKind kind) {
  switch (kind) {
    case v1::DICTIONARY_KIND_LEVEL:
      return "level";
    case v1::DICTIONARY_KIND_REGION:
      return "region";
    case v1::DICTIONARY_KIND_INDUSTRY:
      return "industry";
    case v1::DICTIONARY_KIND_SOURCE:
      return "source";
    default:
      return "";
  }
}

v1::DictionaryKind KindOf(const std::string& name) {
  for (auto k : {v1::DICTIONARY_KIND_LEVEL, v1::DICTIONARY_KIND_REGION,
                 v1::DICTIONARY_KIND_INDUSTRY, v1::DICTIONARY_KIND_SOURCE}) {
    if (KindName(k) == name) return k;
  }
  return v1::DICTIONARY_KIND_UNSPECIFIED;
}

std::string StatusName(v1::CustomerStatus status) {
  switch (status) {
    case v1::CUSTOMER_STATUS_ACTIVE:
      return "active";
    case v1::CUSTOMER_STATUS_LOSS_WARNING:
      return "loss_warning";
    case v1::CUSTOMER_STATUS_LOSS_DELAYED:
      return "loss_delayed";
    case v1::CUSTOMER_STATUS_LOST:
      return "lost";
    default:
      return "";
  }
}

}  // namespace crm::customers_service
