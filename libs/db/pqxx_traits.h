#pragma once
// Extra libpqxx 6 conversions: absl::string_view parameters, text[] parameters and results.
// (libpqxx itself maps std::optional<T> to NULL and back.)

#include <optional>
#include <string>
#include <vector>

// libpqxx 6.4's <pqxx/field> needs <pqxx/strconv> first.
#include <pqxx/strconv>
// (kept apart so include sorting cannot swap them)
#include <pqxx/binarystring>
#include <pqxx/field>

#include "absl/strings/string_view.h"

namespace pqxx {

template <>
struct string_traits<absl::string_view> {
  static constexpr const char* name() noexcept { return "string_view"; }
  static constexpr bool has_null() noexcept { return false; }
  static bool is_null(absl::string_view) { return false; }
  static std::string to_string(absl::string_view v) { return std::string(v); }
};

}  // namespace pqxx

namespace crm::db {

// A PostgreSQL array literal for a text[] parameter ($1::text[]).
std::string TextArray(const std::vector<std::string>& values);
// A text[] or bytea[] parameter in PostgreSQL's binary format, for the bulk statements: nothing
// is escaped here or parsed by the server, and bytes need no encoding. The statement must give
// the parameter's type ($1::text[], $1::bytea[]); text must be UTF-8.
pqxx::binarystring BinaryTextArray(const std::vector<std::string>& values);
pqxx::binarystring BinaryByteaArray(const std::vector<std::string>& values);
// The elements of a text[] column; NULL gives an empty vector.
std::vector<std::string> ParseTextArray(const pqxx::field& field);
// The first column of every row as text (e.g. the ids an UPDATE … RETURNING id::text changed).
std::vector<std::string> FirstColumn(const pqxx::result& r);

// NULL for an empty string, for optional foreign keys sent as "" in the API.
inline std::optional<std::string> NullIfEmpty(absl::string_view s) {
  if (s.empty()) return std::nullopt;
  return std::string(s);
}

}  // namespace crm::db
