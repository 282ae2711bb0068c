#pragma once
// The SQL functions text_grams(text) and query_grams(text), created in a service's schema by
// this migration set (search_migrations/): Chinese text searched in PostgreSQL through a GIN
// index over a generated column of grams, rechecked with LIKE.

#include <string>

#include "libs/db/migrate.h"

namespace crm::db::search_grams {

const MigrationSet& Migrations();  // generated from search_migrations/

// The LIKE pattern of "contains `text`": its %, _ and \ escaped.
inline std::string LikeContains(const std::string& text) {
  std::string pattern = "%";
  for (char ch : text) {
    if (ch == '%' || ch == '_' || ch == '\\') pattern.push_back('\\');
    pattern.push_back(ch);
  }
  return pattern + "%";
}

}  // namespace crm::db::search_grams
