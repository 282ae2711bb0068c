#pragma once
// Result rows of the pipelined read path (db::Reader), read like libpqxx rows:
//   rows[0][2].as<std::string>(), .as<int64_t>(), .is_null().

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

struct pg_result;

namespace crm::db {

class Field {
 public:
  Field(const pg_result* res, int row, int col) : res_(res), row_(row), col_(col) {}
  bool is_null() const;
  const char* c_str() const;
  template <typename T>
  T as() const;

 private:
  const pg_result* res_;
  int row_;
  int col_;
};

template <>
std::string Field::as<std::string>() const;
template <>
int64_t Field::as<int64_t>() const;
template <>
int Field::as<int>() const;
template <>
bool Field::as<bool>() const;
template <>
double Field::as<double>() const;
template <>
std::optional<int64_t> Field::as<std::optional<int64_t>>() const;
template <>
std::optional<std::string> Field::as<std::optional<std::string>>() const;

class Row {
 public:
  Row(const pg_result* res, int row) : res_(res), row_(row) {}
  Field operator[](int col) const { return Field(res_, row_, col); }

 private:
  const pg_result* res_;
  int row_;
};

class Rows {
 public:
  Rows() = default;
  // Takes ownership of res.
  explicit Rows(pg_result* res);
  int size() const;
  bool empty() const { return size() == 0; }
  Row operator[](int i) const { return Row(res_.get(), i); }
  // For INSERT/UPDATE/DELETE.
  int64_t affected_rows() const;

  class iterator {
   public:
    iterator(const pg_result* res, int i) : res_(res), i_(i) {}
    Row operator*() const { return Row(res_, i_); }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator!=(const iterator& o) const { return i_ != o.i_; }

   private:
    const pg_result* res_;
    int i_;
  };
  iterator begin() const { return iterator(res_.get(), 0); }
  iterator end() const { return iterator(res_.get(), size()); }

 private:
  std::shared_ptr<pg_result> res_;
};

// The elements of a text[] value in PostgreSQL's array text form; NULL gives none.
std::vector<std::string> ParseTextArray(const char* text);
inline std::vector<std::string> ParseTextArray(const Field& f) {
  return ParseTextArray(f.is_null() ? nullptr : f.c_str());
}

}  // namespace crm::db
