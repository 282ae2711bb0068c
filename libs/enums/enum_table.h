#pragma once
// An enum's values in a table of pairs: the domain value and the API's value, or a value and
// the name it is stored under. One table per mapping, read both ways, replaces a pair of
// switch statements that must be kept in step.
//
//   constexpr enums::Pair<Status, v1::Status> kStatuses[] = {{Status::kOpen, v1::STATUS_OPEN}};
//   v1::Status api = enums::Lookup(kStatuses, Status::kOpen, v1::STATUS_UNSPECIFIED);
//   Status domain = enums::ReverseLookup(kStatuses, v1::STATUS_OPEN, Status::kUnspecified);

#include <cstddef>

#include "absl/strings/string_view.h"

namespace crm::enums {

// T, in a parameter that takes part in no deduction (so a std::string finds a string_view).
template <typename T>
struct Same {
  using type = T;
};

template <typename A, typename B>
struct Pair {
  A a;
  B b;
};

// The b paired with `a`, else `otherwise`.
template <typename A, typename B, size_t N>
constexpr B Lookup(const Pair<A, B> (&table)[N], const typename Same<A>::type& a,
                   typename Same<B>::type otherwise) {
  for (const auto& p : table) {
    if (p.a == a) return p.b;
  }
  return otherwise;
}

// The a paired with `b`, else `otherwise`.
template <typename A, typename B, size_t N>
constexpr A ReverseLookup(const Pair<A, B> (&table)[N], const typename Same<B>::type& b,
                          typename Same<A>::type otherwise) {
  for (const auto& p : table) {
    if (p.b == b) return p.a;
  }
  return otherwise;
}

// A value's stored name (absl::string_view compares by content).
template <typename E>
using Named = Pair<E, absl::string_view>;

}  // namespace crm::enums
