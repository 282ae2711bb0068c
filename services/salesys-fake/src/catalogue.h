#pragma once
// The stand-in sales system's data: a catalogue of product lines and products with Chinese
// names, inventory in two warehouses, and order history for the demo customers' keys
// (SC00001, SC00002, …). Generated the same way on every start, so tests and the demo data
// can name products and orders.

#include <map>
#include <string>
#include <vector>

#include "external/salesys/v1/sales_system.pb.h"

namespace crm::salesys_fake {

namespace v1 = ::external::salesys::v1;

struct Catalogue {
  std::vector<v1::ProductLine> lines;
  std::vector<v1::Product> products;          // by code
  std::map<std::string, size_t> by_id;        // index into products
  std::vector<v1::InventoryLevel> inventory;  // by product, then warehouse
  std::vector<v1::Order> orders;              // oldest first: the order stream
};

// `customers` demo customer keys get between 0 and 8 orders each over the two years before
// `today` (CIVIL days since 1970-01-01 in UTC); one in five has none in the last year.
Catalogue MakeCatalogue(int customers, int64_t today_days);

// The key of the n-th demo customer (1-based): SC00001.
std::string DemoCustomerKey(int n);

// A new order for a demo customer, placed now (cursor order: after every existing one).
v1::Order NewOrder(const Catalogue& c, int sequence, const std::string& customer_key,
                   int64_t today_days);

}  // namespace crm::salesys_fake
