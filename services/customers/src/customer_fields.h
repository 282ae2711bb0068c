#pragma once
// The customer's fields that users edit, in one table: UpdateCustomer's update_mask paths,
// how an update copies them, how an import tells whether a row changes them, and how a merge
// fills the survivor's empty ones from the duplicate.

#include <string>
#include <vector>

#include "libs/validation/fields.h"
#include "services/customers/src/model.h"

namespace crm::customers_service {

// A merge fills the survivor's empty fields; the tags and attributes of both are joined.
const std::vector<validation::Field<Customer>>& CustomerFields();

}  // namespace crm::customers_service
