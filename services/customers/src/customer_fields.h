#pragma once
// The customer's fields that users edit, in one table: UpdateCustomer's update_mask paths,
// how an update copies them, how an import tells whether a row changes them, and how a merge
// fills the survivor's empty ones from the duplicate.

#include <string>
#include <vector>

#include "services/customers/src/model.h"

namespace crm::customers_service {

struct CustomerField {
  std::string path;
  void (*copy)(const Customer& from, Customer& to);
  bool (*same)(const Customer& a, const Customer& b);
  // Copies the field when `to` has none (the tags and attributes of both are joined).
  void (*fill)(const Customer& from, Customer& to);
};

const std::vector<CustomerField>& CustomerFields();

}  // namespace crm::customers_service
