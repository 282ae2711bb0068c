#pragma once
// The SQL functions text_grams(text) and query_grams(text), created in a service's schema by
// this migration set (search_migrations/): Chinese text searched in PostgreSQL through a GIN
// index over a generated column of grams, rechecked with LIKE.

#include <cstdint>
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

// Whether lower() could change what `text` matches: it has an ASCII letter, or a character
// outside ASCII and the caseless CJK and Hangul blocks (U+2E80–U+9FFF, U+AC00–U+D7AF,
// U+F900–U+FAFF). A query of Chinese characters, digits and ASCII punctuation is matched
// against the text as it is, without lower-casing every text it is checked against.
inline bool CaseMatters(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      if ((b | 0x20) >= 'a' && (b | 0x20) <= 'z') return true;
      ++i;
      continue;
    }
    if ((b & 0xF0) != 0xE0 || i + 2 >= text.size()) return true;  // not a 3-byte character
    const uint32_t cp = ((b & 0x0Fu) << 12) | ((text[i + 1] & 0x3Fu) << 6) | (text[i + 2] & 0x3Fu);
    if (!((cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
          (cp >= 0xF900 && cp <= 0xFAFF))) {
      return true;
    }
    i += 3;
  }
  return false;
}

}  // namespace crm::db::search_grams
