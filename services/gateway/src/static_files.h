#pragma once
// The web front end's files, served by the gateway's HTTP port: read once at start from a
// directory (the front end's build), kept in memory with their precompressed `.gz` twins.

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crm::gateway {

struct StaticFile {
  std::string content_type;
  std::string body;
  std::string gzip_body;  // empty when the build wrote no `.gz` twin
  // Content-hashed build output (under /assets/): cached for good; the rest is revalidated.
  bool immutable = false;
};

class StaticFiles {
 public:
  // Every regular file under `root`, by its path from the root ("/index.html"). A `name.gz`
  // becomes the gzip body of `name`. NOT_FOUND when `root` is not a directory.
  static absl::StatusOr<StaticFiles> Load(const std::string& root);

  // The file at a request path ("/" is "/index.html"), or null. Only loaded paths match, so
  // nothing outside the root can be named.
  const StaticFile* Find(absl::string_view path) const;
  size_t size() const { return files_.size(); }

 private:
  std::map<std::string, StaticFile, std::less<>> files_;
};

}  // namespace crm::gateway
