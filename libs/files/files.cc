#include "libs/files/files.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/checksum/sha256.h"
#include "libs/validation/text.h"

namespace crm::files {
namespace {

bool IsHex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

// type/subtype, printable ASCII without spaces.
bool IsMediaType(const std::string& s) {
  if (s.empty() || s.size() > 127 || s.find('/') == std::string::npos) return false;
  for (char c : s) {
    if (!absl::ascii_isgraph(c)) return false;
  }
  return true;
}

}  // namespace

void CheckDeclared(Violations& v, const Declared& d, int64_t max_bytes) {
  if (validation::Name(v, "metadata.file_name", d.file_name, 255) &&
      d.file_name.find_first_of("/\\") != std::string::npos) {
    v.Add("metadata.file_name", "must not contain / or \\");
  }
  if (!d.content_type.empty() && !IsMediaType(d.content_type)) {
    v.Add("metadata.content_type", "must be a media type such as application/pdf");
  }
  if (d.size_bytes < 0) {
    v.Add("metadata.size_bytes", "must not be negative");
  } else if (d.size_bytes > max_bytes) {
    v.Add("metadata.size_bytes", absl::StrCat("must be at most ", max_bytes, " bytes"));
  }
  if (!IsHex64(absl::AsciiStrToLower(d.sha256))) {
    v.Add("metadata.sha256", "must be the content's SHA-256 as 64 hex digits");
  }
}

absl::Status Verify(const Declared& d, const std::string& content) {
  if (static_cast<int64_t>(content.size()) != d.size_bytes) {
    return InvalidField("metadata.size_bytes",
                        absl::StrCat("the upload has ", content.size(), " bytes, not the ",
                                     d.size_bytes, " declared: it is incomplete or corrupted"));
  }
  const std::string actual = checksum::Sha256Hex(content);
  if (actual != absl::AsciiStrToLower(d.sha256)) {
    return InvalidField("metadata.sha256", absl::StrCat("the content's SHA-256 is ", actual,
                                                        ", not the one declared: "
                                                        "the upload is corrupted"));
  }
  return absl::OkStatus();
}

Declared Normalized(Declared d) {
  d.file_name = std::string(validation::TrimSpace(d.file_name));
  d.sha256 = absl::AsciiStrToLower(d.sha256);
  if (d.content_type.empty()) d.content_type = "application/octet-stream";
  return d;
}

std::vector<std::string> Chunks(const std::string& content) {
  std::vector<std::string> chunks;
  for (size_t at = 0; at < content.size(); at += kChunkBytes) {
    chunks.push_back(content.substr(at, kChunkBytes));
  }
  return chunks;
}

absl::Status UploadSlots::Take() const {
  if (taken_.fetch_add(1) >= max_) {
    taken_.fetch_sub(1);
    return absl::ResourceExhaustedError(
        absl::StrCat("already receiving ", max_, " uploads; retry with backoff"));
  }
  return absl::OkStatus();
}

void UploadSlots::Release() const { taken_.fetch_sub(1); }

}  // namespace crm::files
