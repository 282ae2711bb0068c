#include "libs/db/pqxx_traits.h"

#include <pqxx/result>

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

namespace {

void PutInt32(std::string& out, uint32_t v) {
  const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                         static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(bytes, 4);
}

// array_recv's input: dimensions, a has-nulls flag, the element type, then each element as its
// length and bytes (a text element's bytes are its UTF-8, a bytea element's are its bytes).
pqxx::binarystring BinaryArray(const std::vector<std::string>& values, uint32_t element_oid) {
  size_t size = 20;
  for (const auto& v : values) size += 4 + v.size();
  std::string out;
  out.reserve(size);
  PutInt32(out, 1);  // one dimension
  PutInt32(out, 0);  // no NULL elements
  PutInt32(out, element_oid);
  PutInt32(out, static_cast<uint32_t>(values.size()));
  PutInt32(out, 1);  // lower bound
  for (const auto& v : values) {
    PutInt32(out, static_cast<uint32_t>(v.size()));
    out.append(v);
  }
  return pqxx::binarystring(out.data(), out.size());
}

constexpr uint32_t kByteaOid = 17;
constexpr uint32_t kTextOid = 25;

}  // namespace

pqxx::binarystring BinaryTextArray(const std::vector<std::string>& values) {
  return BinaryArray(values, kTextOid);
}

pqxx::binarystring BinaryByteaArray(const std::vector<std::string>& values) {
  return BinaryArray(values, kByteaOid);
}

std::vector<std::string> ParseTextArray(const pqxx::field& field) {
  return ParseTextArray(field.is_null() ? nullptr : field.c_str());
}

std::vector<std::string> FirstColumn(const pqxx::result& r) {
  std::vector<std::string> out;
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(row[0].as<std::string>());
  return out;
}

}  // namespace crm::db
