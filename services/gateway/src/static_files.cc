#include "services/gateway/src/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace crm::gateway {
namespace {

std::string ContentTypeOf(absl::string_view path) {
  static constexpr std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
  };
  for (const auto& [ext, type] : kTypes) {
    if (absl::EndsWith(path, ext)) return type;
  }
  return "application/octet-stream";
}

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

absl::StatusOr<StaticFiles> StaticFiles::Load(const std::string& root) {
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) {
    return absl::NotFoundError(absl::StrCat("web root ", root, " is not a directory"));
  }
  StaticFiles out;
  std::map<std::string, std::string> gzipped;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root, ec)) {
    if (!entry.is_regular_file()) continue;
    std::string path = "/" + entry.path().lexically_relative(root).generic_string();
    if (absl::EndsWith(path, ".gz")) {
      gzipped[path.substr(0, path.size() - 3)] = ReadAll(entry.path());
      continue;
    }
    StaticFile& f = out.files_[path];
    f.content_type = ContentTypeOf(path);
    f.body = ReadAll(entry.path());
    f.immutable = absl::StartsWith(path, "/assets/");
  }
  if (ec) return absl::InternalError(absl::StrCat("reading ", root, ": ", ec.message()));
  for (auto& [path, body] : gzipped) {
    if (auto it = out.files_.find(path); it != out.files_.end()) it->second.gzip_body = body;
  }
  return out;
}

const StaticFile* StaticFiles::Find(absl::string_view path) const {
  if (path == "/") path = "/index.html";
  auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

}  // namespace crm::gateway
