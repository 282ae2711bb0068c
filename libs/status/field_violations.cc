#include "libs/status/field_violations.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"

namespace crm {

void Violations::Add(std::string field, std::string description) {
  violations_.push_back({std::move(field), std::move(description)});
}

absl::Status Violations::ToStatus() const {
  if (violations_.empty()) return absl::OkStatus();
  google::rpc::BadRequest bad_request;
  std::string message = "invalid request:";
  for (size_t i = 0; i < violations_.size(); ++i) {
    auto* v = bad_request.add_field_violations();
    v->set_field(violations_[i].field);
    v->set_description(violations_[i].description);
    absl::StrAppend(&message, i == 0 ? " " : "; ", violations_[i].field, ": ",
                    violations_[i].description);
  }
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kBadRequestTypeUrl, absl::Cord(bad_request.SerializeAsString()));
  return status;
}

absl::Status InvalidField(std::string field, std::string description) {
  Violations v;
  v.Add(std::move(field), std::move(description));
  return v.ToStatus();
}

std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status) {
  std::vector<FieldViolation> out;
  auto payload = status.GetPayload(kBadRequestTypeUrl);
  if (!payload) return out;
  google::rpc::BadRequest bad_request;
  if (!bad_request.ParseFromString(std::string(*payload))) return out;
  for (const auto& v : bad_request.field_violations()) {
    out.push_back({v.field(), v.description()});
  }
  return out;
}

absl::Status WithErrorInfo(absl::Status status, absl::string_view reason, absl::string_view domain,
                           const std::vector<std::pair<std::string, std::string>>& metadata) {
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(domain));
  for (const auto& [k, v] : metadata) (*info.mutable_metadata())[k] = v;
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

std::string ErrorInfo::Get(absl::string_view key) const {
  for (const auto& [k, v] : metadata) {
    if (k == key) return v;
  }
  return "";
}

ErrorInfo ErrorInfoOf(const absl::Status& status) {
  ErrorInfo out;
  auto payload = status.GetPayload(kErrorInfoTypeUrl);
  if (!payload) return out;
  google::rpc::ErrorInfo info;
  if (!info.ParseFromString(std::string(*payload))) return out;
  out.reason = info.reason();
  out.domain = info.domain();
  for (const auto& [k, v] : info.metadata()) out.metadata.emplace_back(k, v);
  return out;
}

}  // namespace crm
