#include "libs/db/copy.h"

// libpqxx 6 writes COPY data through tablewriter (deprecated there in favour of stream_to,
// whose row formatting builds a string per field and per separator: most of the service's
// time for a 28-column row).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <pqxx/tablewriter>

#include <vector>

#include "absl/strings/str_split.h"

namespace crm::db {

void CopyRows::Add(std::initializer_list<std::optional<absl::string_view>> values) {
  if (rows_++ > 0) data_ += '\n';
  bool first = true;
  for (const auto& v : values) {
    if (!first) data_ += '\t';
    first = false;
    if (!v) {
      data_ += "\\N";
      continue;
    }
    // Backslash, newline, carriage return and tab are escaped; everything else is as is.
    absl::string_view rest = *v;
    for (size_t special; (special = rest.find_first_of("\\\n\r\t")) != rest.npos;) {
      data_.append(rest.data(), special);
      const char c = rest[special];
      data_ += '\\';
      data_ += c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : '\\';
      rest.remove_prefix(special + 1);
    }
    data_.append(rest.data(), rest.size());
  }
}

void CopyRows::Into(Tx& tx, const std::string& table, absl::string_view columns) const {
  if (rows_ == 0) return;
  const std::vector<std::string> names =
      absl::StrSplit(columns, absl::ByAnyChar(", "), absl::SkipEmpty());
  pqxx::tablewriter writer(tx, table, names.begin(), names.end());
  writer.write_raw_line(data_);  // which it ends with a newline
  writer.complete();
}

}  // namespace crm::db

#pragma GCC diagnostic pop
