#pragma once
// A resource's fields that users edit, in one table: the update_mask paths an update accepts,
// how the update copies each one, and how to tell whether two records differ in it.
//
//   const std::vector<Field<Contact>>& ContactFields() {
//     static const auto* f = new std::vector<Field<Contact>>{CRM_FIELD(Contact, name), ...};
//     return *f;
//   }
//   Contact next = ApplyMask(ContactFields(), mask, patch, current);

#include <string>
#include <vector>

#include "libs/validation/updates.h"

namespace crm::validation {

template <typename T>
struct Field {
  std::string path;
  void (*copy)(const T& from, T& to);
  bool (*same)(const T& a, const T& b);
  // Where a resource is merged into another: copies the field when `to` has none. Null when
  // the resource is never merged.
  void (*fill)(const T& from, T& to) = nullptr;
};

// The field `member` of T, named `path` in update masks.
#define CRM_FIELD_AT(T, path, member)                               \
  ::crm::validation::Field<T> {                                     \
    path, [](const T& from, T& to) { to.member = from.member; },    \
        [](const T& a, const T& b) { return a.member == b.member; } \
  }
// The field `member` of T, named the same in update masks.
#define CRM_FIELD(T, member) CRM_FIELD_AT(T, #member, member)

// The update_mask paths of a table (any table of such fields, here and below).
template <typename Fields>
std::vector<std::string> PathsOf(const Fields& fields) {
  std::vector<std::string> paths;
  for (const auto& f : fields) paths.push_back(f.path);
  return paths;
}

// Whether a and b agree in every field of the table.
template <typename Fields, typename T>
bool SameFields(const Fields& fields, const T& a, const T& b) {
  for (const auto& f : fields) {
    if (!f.same(a, b)) return false;
  }
  return true;
}

// `to` with every field of the table taken from `from`.
template <typename Fields, typename T>
T CopyFields(const Fields& fields, const T& from, T to) {
  for (const auto& f : fields) f.copy(from, to);
  return to;
}

// `current` with the fields named in `mask` taken from `patch`.
template <typename Fields, typename T>
T ApplyMask(const Fields& fields, const std::vector<std::string>& mask, const T& patch, T current) {
  for (const auto& f : fields) {
    if (InMask(mask, f.path)) f.copy(patch, current);
  }
  return current;
}

}  // namespace crm::validation
