#include "libs/db/rows.h"

#include <libpq-fe.h>

#include <pqxx/array>

#include "absl/strings/numbers.h"

namespace crm::db {

bool Field::is_null() const { return PQgetisnull(res_, row_, col_) != 0; }

const char* Field::c_str() const { return PQgetvalue(res_, row_, col_); }

template <>
std::string Field::as<std::string>() const {
  return std::string(PQgetvalue(res_, row_, col_),
                     static_cast<size_t>(PQgetlength(res_, row_, col_)));
}

template <>
int64_t Field::as<int64_t>() const {
  int64_t v = 0;
  (void)absl::SimpleAtoi(c_str(), &v);
  return v;
}

template <>
int Field::as<int>() const {
  int v = 0;
  (void)absl::SimpleAtoi(c_str(), &v);
  return v;
}

template <>
bool Field::as<bool>() const {
  return c_str()[0] == 't';
}

template <>
double Field::as<double>() const {
  double v = 0;
  (void)absl::SimpleAtod(c_str(), &v);
  return v;
}

template <>
std::optional<int64_t> Field::as<std::optional<int64_t>>() const {
  if (is_null()) return std::nullopt;
  return as<int64_t>();
}

template <>
std::optional<std::string> Field::as<std::optional<std::string>>() const {
  if (is_null()) return std::nullopt;
  return as<std::string>();
}

Rows::Rows(pg_result* res) : res_(res, PQclear) {}

int Rows::size() const { return res_ ? PQntuples(res_.get()) : 0; }

int64_t Rows::affected_rows() const {
  if (!res_) return 0;
  int64_t n = 0;
  (void)absl::SimpleAtoi(PQcmdTuples(res_.get()), &n);
  return n;
}

std::vector<std::string> ParseTextArray(const char* text) {
  std::vector<std::string> out;
  if (text == nullptr) return out;
  pqxx::array_parser parser(text);
  for (auto [kind, value] = parser.get_next(); kind != pqxx::array_parser::done;
       std::tie(kind, value) = parser.get_next()) {
    if (kind == pqxx::array_parser::string_value) out.push_back(std::move(value));
  }
  return out;
}

}  // namespace crm::db
