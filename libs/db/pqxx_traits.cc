#include "libs/db/pqxx_traits.h"

#include "libs/db/rows.h"

namespace crm::db {

std::string TextArray(const std::vector<std::string>& values) {
  size_t size = 2;
  for (const auto& v : values) size += v.size() + 3;
  std::string out;
  out.reserve(size + size / 16);
  out.push_back('{');
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out.push_back(',');
    out.push_back('"');
    // Runs without a quote or backslash are copied whole; those two are escaped.
    const std::string& v = values[i];
    size_t from = 0;
    for (size_t at = v.find_first_of("\"\\"); at != std::string::npos;
         at = v.find_first_of("\"\\", from)) {
      out.append(v, from, at - from);
      out.push_back('\\');
      out.push_back(v[at]);
      from = at + 1;
    }
    out.append(v, from, std::string::npos);
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

std::vector<std::string> ParseTextArray(const pqxx::field& field) {
  return ParseTextArray(field.is_null() ? nullptr : field.c_str());
}

}  // namespace crm::db
