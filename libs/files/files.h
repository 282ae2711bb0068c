#pragma once
// Files uploaded to a record (a customer's documents, a contract's electronic contract):
// the metadata checks an upload makes before taking any content, the verification of what
// arrived against the size and SHA-256 the client declared, the chunks the content is stored
// in, and a bound on the uploads held in memory at once. The streams are in streams.h.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "libs/status/field_violations.h"

namespace crm::files {

// Size of the stored (and downloaded) pieces.
inline constexpr size_t kChunkBytes = 256 << 10;

// What the client declares in an upload's first message.
struct Declared {
  std::string file_name;
  std::string content_type;  // empty: application/octet-stream
  int64_t size_bytes = 0;
  std::string sha256;  // 64 hex digits
};

// Violations on "metadata.<field>": a file name (no path), a media type, a size within
// max_bytes, a SHA-256.
void CheckDeclared(Violations& v, const Declared& d, int64_t max_bytes);
// OK when `content` has the declared size and SHA-256; INVALID_ARGUMENT saying which differs.
absl::Status Verify(const Declared& d, const std::string& content);
// The declared metadata as stored: trimmed name, lowercase digest, a default media type.
Declared Normalized(Declared d);
// The content in stored pieces.
std::vector<std::string> Chunks(const std::string& content);

// At most `max` uploads received at once (each holds up to its size in memory).
class UploadSlots {
 public:
  explicit UploadSlots(int max) : max_(max) {}
  // A slot, or RESOURCE_EXHAUSTED when all are taken; give it back with Release.
  absl::Status Take() const;
  void Release() const;

 private:
  int max_;
  mutable std::atomic<int> taken_{0};
};

}  // namespace crm::files
