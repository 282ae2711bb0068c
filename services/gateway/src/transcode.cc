#include "services/gateway/src/transcode.h"

#include <civetweb.h>

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "libs/validation/text.h"
#include "nlohmann/json.hpp"

namespace crm::gateway {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using nlohmann::json;

absl::Status Bad(absl::string_view what) { return absl::InvalidArgumentError(what); }

std::string UrlDecode(absl::string_view s) {
  std::string out(s.size() + 1, '\0');
  const int n = mg_url_decode(s.data(), static_cast<int>(s.size()), out.data(),
                              static_cast<int>(out.size()), /*is_form_url_encoded=*/1);
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

const FieldDescriptor* FieldOf(const Descriptor& type, absl::string_view name) {
  const FieldDescriptor* f = type.FindFieldByName(std::string(name));
  return f != nullptr ? f : type.FindFieldByCamelcaseName(std::string(name));
}

// Well-known messages whose JSON form is a string.
bool IsStringMessage(const Descriptor& d) {
  const std::string& n = d.full_name();
  return n == "google.protobuf.Timestamp" || n == "google.protobuf.Duration" ||
         n == "google.protobuf.FieldMask" ||
         (absl::StartsWith(n, "google.protobuf.") && absl::EndsWith(n, "Value"));
}

// Sets the field at `path` ("a.b.c", proto or JSON names) of the JSON object `root` to the
// text `value`, converted to what the field's JSON mapping takes.
absl::Status SetText(const Descriptor& type, absl::string_view path, const std::string& value,
                     json* root) {
  const Descriptor* d = &type;
  json* node = root;
  const std::vector<absl::string_view> names = absl::StrSplit(path, '.');
  for (size_t i = 0; i < names.size(); ++i) {
    const FieldDescriptor* f = FieldOf(*d, names[i]);
    if (f == nullptr || f->is_map()) {
      return Bad(absl::StrCat("unknown parameter \"", path, "\""));
    }
    json& slot = (*node)[f->name()];
    if (i + 1 < names.size()) {
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated()) {
        return Bad(absl::StrCat("parameter \"", path, "\": ", f->name(), " has no fields"));
      }
      if (slot.is_null()) slot = json::object();
      if (!slot.is_object()) return Bad(absl::StrCat("parameter \"", path, "\" is given twice"));
      d = f->message_type();
      node = &slot;
      continue;
    }
    json v;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_BOOL: {
        const std::string lower = absl::AsciiStrToLower(value);
        if (lower == "true" || lower == "1" || lower.empty()) {
          v = true;
        } else if (lower == "false" || lower == "0") {
          v = false;
        } else {
          return Bad(absl::StrCat("parameter \"", path, "\" must be true or false"));
        }
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        const Descriptor& m = *f->message_type();
        int y = 0, mo = 0, day = 0;
        if (m.full_name() == "google.type.Date") {
          const std::vector<absl::string_view> parts = absl::StrSplit(value, '-');
          if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &y) ||
              !absl::SimpleAtoi(parts[1], &mo) || !absl::SimpleAtoi(parts[2], &day)) {
            return Bad(absl::StrCat("parameter \"", path, "\" must be a date YYYY-MM-DD"));
          }
          v = json{{"year", y}, {"month", mo}, {"day", day}};
        } else if (IsStringMessage(m)) {
          v = value;
        } else {
          return Bad(absl::StrCat("parameter \"", path, "\" is a message: give its fields as \"",
                                  path, ".<field>\""));
        }
        break;
      }
      default:
        v = value;  // numbers and enums as strings: the JSON mapping accepts both
    }
    if (f->is_repeated()) {
      if (slot.is_null()) slot = json::array();
      if (!slot.is_array()) return Bad(absl::StrCat("parameter \"", path, "\" is given twice"));
      slot.push_back(std::move(v));
    } else {
      slot = std::move(v);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> BuildRequest(
    const Descriptor& type, const HttpBinding& binding,
    const std::vector<std::pair<std::string, std::string>>& variables,
    absl::string_view query_string, absl::string_view body) {
  json root = json::object();
  if (!binding.body.empty() && !absl::StripAsciiWhitespace(body).empty()) {
    json parsed;
    try {
      parsed = json::parse(body.begin(), body.end());
    } catch (const json::exception& e) {
      return Bad(absl::StrCat("the request body is not valid JSON: ", e.what()));
    }
    if (binding.body == "*") {
      if (!parsed.is_object()) return Bad("the request body must be a JSON object");
      root = std::move(parsed);
    } else {
      root[binding.body] = std::move(parsed);
    }
  }
  if (!query_string.empty()) {
    for (absl::string_view pair : absl::StrSplit(query_string, '&', absl::SkipEmpty())) {
      const size_t eq = pair.find('=');
      const std::string key = UrlDecode(pair.substr(0, eq));
      const std::string value =
          eq == absl::string_view::npos ? std::string() : UrlDecode(pair.substr(eq + 1));
      if (!validation::IsValidUtf8(key) || !validation::IsValidUtf8(value)) {
        return Bad(
            absl::StrCat("the query parameter \"", absl::CHexEscape(key), "\" is not UTF-8 text"));
      }
      if (absl::Status s = SetText(type, key, value, &root); !s.ok()) return s;
    }
  }
  for (const auto& [field, value] : variables) {
    if (!validation::IsValidUtf8(value)) {
      return Bad(absl::StrCat("the path's ", field, " is not UTF-8 text"));
    }
    if (absl::Status s = SetText(type, field, value, &root); !s.ok()) return s;
  }
  std::unique_ptr<google::protobuf::Message> message(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(&type)->New());
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto parsed =
      google::protobuf::util::JsonStringToMessage(root.dump(), message.get(), options);
  if (!parsed.ok()) {
    return Bad(absl::StrCat("invalid request: ", std::string(parsed.message())));
  }
  return message->SerializeAsString();
}

absl::StatusOr<std::string> ResponseJson(const Descriptor& type, const std::string& bytes) {
  std::unique_ptr<google::protobuf::Message> message(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(&type)->New());
  if (!message->ParseFromString(bytes)) {
    return absl::InternalError("a backend's response does not parse");
  }
  std::string out;
  const auto printed = google::protobuf::util::MessageToJsonString(*message, &out);
  if (!printed.ok()) return absl::InternalError(std::string(printed.message()));
  return out;
}

int HttpStatusOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    default:
      return 500;
  }
}

std::string ErrorJson(const grpc::Status& status) {
  // Details such as field violations are Any messages: their types must be linked in.
  (void)google::rpc::BadRequest::descriptor();
  google::rpc::Status proto;
  if (status.error_details().empty() || !proto.ParseFromString(status.error_details())) {
    proto.Clear();
  }
  proto.set_code(static_cast<int>(status.error_code()));
  proto.set_message(status.error_message());
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(proto, &out).ok()) {
    proto.clear_details();
    out.clear();
    (void)google::protobuf::util::MessageToJsonString(proto, &out);
  }
  return out;
}

bool ParseGrpcTimeout(absl::string_view value, absl::Duration* out) {
  if (value.size() < 2 || value.size() > 9) return false;
  int64_t n = 0;
  if (!absl::SimpleAtoi(value.substr(0, value.size() - 1), &n) || n < 0) return false;
  switch (value.back()) {
    case 'H':
      *out = absl::Hours(n);
      return true;
    case 'M':
      *out = absl::Minutes(n);
      return true;
    case 'S':
      *out = absl::Seconds(n);
      return true;
    case 'm':
      *out = absl::Milliseconds(n);
      return true;
    case 'u':
      *out = absl::Microseconds(n);
      return true;
    case 'n':
      *out = absl::Nanoseconds(n);
      return true;
  }
  return false;
}

}  // namespace crm::gateway
