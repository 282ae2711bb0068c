#include "services/customers/src/customer_fields.h"

#include <algorithm>

#include "services/customers/src/customers.h"

namespace crm::customers_service {
namespace {

template <typename T>
bool IsEmpty(const T& v) {
  if constexpr (std::is_arithmetic_v<T>) {
    return v == 0;
  } else if constexpr (std::is_same_v<T, std::optional<Money>>) {
    return !v.has_value();
  } else {
    return v.empty();
  }
}

}  // namespace

// clang-format off
#define CRM_CUSTOMER_FIELD(f)                                                          \
  validation::Field<Customer>{#f,                                                                    \
                [](const Customer& from, Customer& to) { to.f = from.f; },             \
                [](const Customer& a, const Customer& b) { return a.f == b.f; },       \
                [](const Customer& from, Customer& to) {                               \
                  if (IsEmpty(to.f)) to.f = from.f;                                    \
                }}
// clang-format on

const std::vector<validation::Field<Customer>>& CustomerFields() {
  static const auto* fields = new std::vector<validation::Field<Customer>>{
      CRM_CUSTOMER_FIELD(name),
      CRM_CUSTOMER_FIELD(region),
      CRM_CUSTOMER_FIELD(industry),
      CRM_CUSTOMER_FIELD(level),
      CRM_CUSTOMER_FIELD(satisfaction),
      CRM_CUSTOMER_FIELD(credit),
      CRM_CUSTOMER_FIELD(address),
      CRM_CUSTOMER_FIELD(postal_code),
      CRM_CUSTOMER_FIELD(phone),
      CRM_CUSTOMER_FIELD(fax),
      CRM_CUSTOMER_FIELD(website),
      CRM_CUSTOMER_FIELD(business_licence_number),
      CRM_CUSTOMER_FIELD(legal_representative),
      CRM_CUSTOMER_FIELD(registered_capital),
      CRM_CUSTOMER_FIELD(annual_revenue),
      CRM_CUSTOMER_FIELD(bank),
      CRM_CUSTOMER_FIELD(bank_account),
      CRM_CUSTOMER_FIELD(tax_id),
      CRM_CUSTOMER_FIELD(source),
      {"tags", [](const Customer& from, Customer& to) { to.tags = TidyTags(from.tags); },
       [](const Customer& a, const Customer& b) { return a.tags == b.tags; },
       [](const Customer& from, Customer& to) {
         for (const auto& t : from.tags) {
           if (to.tags.size() >= kMaxTags) break;
           if (std::find(to.tags.begin(), to.tags.end(), t) == to.tags.end()) {
             to.tags.push_back(t);
           }
         }
         std::sort(to.tags.begin(), to.tags.end());
       }},
      {"attributes", [](const Customer& from, Customer& to) { to.attributes = from.attributes; },
       [](const Customer& a, const Customer& b) { return a.attributes == b.attributes; },
       [](const Customer& from, Customer& to) {
         for (const auto& [k, v] : from.attributes) to.attributes.emplace(k, v);
       }},
  };
  return *fields;
}

#undef CRM_CUSTOMER_FIELD

}  // namespace crm::customers_service
