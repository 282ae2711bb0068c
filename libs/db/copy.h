#pragma once
// Many rows into a table with COPY ... FROM STDIN (text format), which inserts them a page at
// a time where INSERT ... SELECT inserts them one by one.
//
//   db::CopyRows rows;
//   for (...) rows.Add({c.id, c.name, std::nullopt /* NULL */});
//   rows.Into(tx, "customers.customers", "id, name, owner_department_id");

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "libs/db/conn.h"

namespace crm::db {

class CopyRows {
 public:
  // One row: a value per column, std::nullopt for NULL.
  void Add(std::initializer_list<std::optional<absl::string_view>> values);
  // Sends the rows into `columns` ("a, b, c", in the order of each row's values); none: nothing
  // is sent. A constraint the rows break throws as from Exec.
  void Into(Tx& tx, const std::string& table, absl::string_view columns) const;

 private:
  std::string data_;  // the rows in COPY's text format, separated by newlines
  size_t rows_ = 0;
};

}  // namespace crm::db
