#pragma once
// SHA-256 of content that arrives in pieces (uploads), as lower-case hex.

#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace crm::checksum {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(absl::string_view data);
  // The digest of everything given so far, as 64 lower-case hex digits. Call once.
  std::string HexDigest();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The digest of one piece of content.
std::string Sha256Hex(absl::string_view data);

}  // namespace crm::checksum
