#pragma once
// How a customer row is read and written: the column list, the row → Customer conversion and
// the encodings of money and attributes. Shared by the repository's source files only.

#include <map>
#include <optional>
#include <string>

#include "libs/db/pqxx_traits.h"
#include "libs/db/time_fields.h"
#include "libs/ids/uuid.h"
#include "nlohmann/json.hpp"
#include "services/customers/src/model.h"

namespace crm::customers_service::rows {

#define CRM_CUSTOMER_COLUMNS \
  "c.id::text, c.number, c.name, c.region, c.industry, c.level, c.satisfaction, c.credit," \
  " c.address, c.postal_code, c.phone, c.fax, c.website, c.business_licence_number,"       \
  " c.legal_representative, c.registered_capital_minor, c.registered_capital_currency,"    \
  " c.annual_revenue_minor, c.annual_revenue_currency, c.bank, c.bank_account, c.tax_id,"  \
  " c.owner_id::text, coalesce(c.owner_department_id::text, ''), c.source, c.status,"      \
  " c.tags, c.attributes::text, c.last_order_date::text, c.version,"                       \
  " " CRM_SQL_MICROS("c.created_at") ", " CRM_SQL_MICROS("c.updated_at") ","          \
  " " CRM_SQL_MICROS("c.loss_warned_at") ", c.loss_delayed_until::text,"                 \
  " coalesce(c.external_key, ''), coalesce(c.sales_system_key, '')"
// How many columns CRM_CUSTOMER_COLUMNS has (CustomerFromRow reads them all).
inline constexpr int kCustomerColumnCount = 36;

template <typename Field>
std::optional<Money> MoneyOf(const Field& minor, const Field& currency) {
  if (minor.is_null()) return std::nullopt;
  return Money{minor.template as<int64_t>(), currency.template as<std::string>()};
}

template <typename Row>
inline Customer CustomerFromRow(const Row& r) {
  Customer c;
  c.id = r[0].template as<std::string>();
  c.number = r[1].template as<std::string>();
  c.name = r[2].template as<std::string>();
  c.region = r[3].template as<std::string>();
  c.industry = r[4].template as<std::string>();
  c.level = r[5].template as<std::string>();
  c.satisfaction = r[6].template as<int>();
  c.credit = r[7].template as<int>();
  c.address = r[8].template as<std::string>();
  c.postal_code = r[9].template as<std::string>();
  c.phone = r[10].template as<std::string>();
  c.fax = r[11].template as<std::string>();
  c.website = r[12].template as<std::string>();
  c.business_licence_number = r[13].template as<std::string>();
  c.legal_representative = r[14].template as<std::string>();
  c.registered_capital = MoneyOf(r[15], r[16]);
  c.annual_revenue = MoneyOf(r[17], r[18]);
  c.bank = r[19].template as<std::string>();
  c.bank_account = r[20].template as<std::string>();
  c.tax_id = r[21].template as<std::string>();
  c.owner_id = r[22].template as<std::string>();
  c.owner_department_id = r[23].template as<std::string>();
  c.source = r[24].template as<std::string>();
  c.status =
      enums::ReverseLookup(kStatusNames, r[25].template as<std::string>(), CustomerStatus::kActive);
  c.tags = db::ParseTextArray(r[26]);
  auto attributes = nlohmann::json::parse(r[27].template as<std::string>(), nullptr, false);
  if (attributes.is_object()) {
    for (auto& [k, v] : attributes.items()) {
      if (v.is_string()) c.attributes[k] = v.template get<std::string>();
    }
  }
  c.last_order_date = db::OptionalDayOf(r[28]);
  c.version = r[29].template as<int64_t>();
  c.created_at = db::TimeOf(r[30]);
  c.updated_at = db::TimeOf(r[31]);
  c.loss_warned_at = db::OptionalTimeOf(r[32]);
  c.loss_delayed_until = db::OptionalDayOf(r[33]);
  c.external_key = r[34].template as<std::string>();
  c.sales_system_key = r[35].template as<std::string>();
  return c;
}

inline std::string AttributesJson(const std::map<std::string, std::string>& attributes) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : attributes) j[k] = v;
  return j.dump();
}

inline std::optional<int64_t> MinorOf(const std::optional<Money>& m) {
  if (!m) return std::nullopt;
  return m->minor;
}

inline std::string CurrencyOf(const std::optional<Money>& m) { return m ? m->currency : ""; }

}  // namespace crm::customers_service::rows
