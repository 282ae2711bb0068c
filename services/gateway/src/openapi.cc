#include "services/gateway/src/openapi.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/descriptor.h"
#include "google/rpc/status.pb.h"
#include "nlohmann/json.hpp"

namespace crm::gateway {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using nlohmann::json;

std::string Ref(const Descriptor& d) { return "#/components/schemas/" + d.full_name(); }

class Schemas {
 public:
  // The schema of a field's values (without repetition).
  json ValueSchema(const FieldDescriptor& f) {
    switch (f.type()) {
      case FieldDescriptor::TYPE_BOOL:
        return {{"type", "boolean"}};
      case FieldDescriptor::TYPE_INT32:
      case FieldDescriptor::TYPE_SINT32:
      case FieldDescriptor::TYPE_SFIXED32:
      case FieldDescriptor::TYPE_UINT32:
      case FieldDescriptor::TYPE_FIXED32:
        return {{"type", "integer"}, {"format", "int32"}};
      case FieldDescriptor::TYPE_INT64:
      case FieldDescriptor::TYPE_SINT64:
      case FieldDescriptor::TYPE_SFIXED64:
      case FieldDescriptor::TYPE_UINT64:
      case FieldDescriptor::TYPE_FIXED64:
        return {{"type", "string"}, {"format", "int64"}};  // JSON mapping: a string
      case FieldDescriptor::TYPE_FLOAT:
      case FieldDescriptor::TYPE_DOUBLE:
        return {{"type", "number"}};
      case FieldDescriptor::TYPE_STRING:
        return {{"type", "string"}};
      case FieldDescriptor::TYPE_BYTES:
        return {{"type", "string"}, {"format", "byte"}};
      case FieldDescriptor::TYPE_ENUM: {
        json values = json::array();
        for (int i = 0; i < f.enum_type()->value_count(); ++i) {
          values.push_back(f.enum_type()->value(i)->name());
        }
        return {{"type", "string"}, {"enum", values}};
      }
      default:
        return Message(*f.message_type());
    }
  }

  json Message(const Descriptor& d) {
    const std::string& n = d.full_name();
    if (n == "google.protobuf.Timestamp") return {{"type", "string"}, {"format", "date-time"}};
    if (n == "google.protobuf.Duration" || n == "google.protobuf.FieldMask") {
      return {{"type", "string"}};
    }
    if (n == "google.protobuf.Any" || n == "google.protobuf.Struct") {
      return {{"type", "object"}, {"additionalProperties", true}};
    }
    Add(d);
    return {{"$ref", Ref(d)}};
  }

  void Add(const Descriptor& d) {
    if (!seen_.insert(d.full_name()).second) return;
    json properties = json::object();
    for (int i = 0; i < d.field_count(); ++i) {
      const FieldDescriptor& f = *d.field(i);
      if (f.is_map()) {
        properties[f.json_name()] = {
            {"type", "object"},
            {"additionalProperties", ValueSchema(*f.message_type()->map_value())}};
      } else if (f.is_repeated()) {
        properties[f.json_name()] = {{"type", "array"}, {"items", ValueSchema(f)}};
      } else {
        properties[f.json_name()] = ValueSchema(f);
      }
    }
    all_[d.full_name()] = {{"type", "object"}, {"properties", properties}};
  }

  json all_ = json::object();

 private:
  std::set<std::string> seen_;
};

}  // namespace

std::string OpenApiJson(const Routes& routes) {
  Schemas schemas;
  json paths = json::object();
  for (const Route& r : routes.all()) {
    const auto& m = *r.method;
    for (const HttpBinding& b : r.http) {
      json op;
      op["operationId"] = absl::StrCat(m.service()->name(), "_", m.name());
      op["tags"] = json::array({m.service()->full_name()});
      json parameters = json::array();
      std::set<std::string> in_path;
      for (const Segment& s : b.segments) {
        if (s.field.empty()) continue;
        in_path.insert(s.field);
        parameters.push_back({{"name", s.field},
                              {"in", "path"},
                              {"required", true},
                              {"schema", {{"type", "string"}}}});
      }
      if (b.body.empty()) {
        const Descriptor& in = *m.input_type();
        for (int i = 0; i < in.field_count(); ++i) {
          const FieldDescriptor& f = *in.field(i);
          if (in_path.count(f.name()) > 0 || f.is_map()) continue;
          if (f.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
              f.message_type()->full_name() != "google.type.Date" &&
              f.message_type()->full_name() != "google.protobuf.Timestamp") {
            continue;
          }
          json schema =
              f.message_type() != nullptr && f.message_type()->full_name() == "google.type.Date"
                  ? json{{"type", "string"}, {"format", "date"}}
                  : schemas.ValueSchema(f);
          if (f.is_repeated()) schema = {{"type", "array"}, {"items", schema}};
          parameters.push_back({{"name", f.json_name()}, {"in", "query"}, {"schema", schema}});
        }
      } else {
        const json body_schema =
            b.body == "*" ? schemas.Message(*m.input_type())
                          : schemas.ValueSchema(*m.input_type()->FindFieldByName(b.body));
        // A client stream's body is its messages, one JSON object per line.
        op["requestBody"] = {
            {"required", true},
            {"description", m.client_streaming() ? "one request message per line" : "the request"},
            {"content",
             {{m.client_streaming() ? "application/x-ndjson" : "application/json",
               {{"schema", body_schema}}}}}};
      }
      if (!parameters.empty()) op["parameters"] = parameters;
      const json out = schemas.Message(*m.output_type());
      op["responses"]["200"] = {
          {"description", m.server_streaming() ? "a stream of {\"result\": …} lines" : "OK"},
          {"content",
           {{m.server_streaming() ? "application/x-ndjson" : "application/json",
             {{"schema", out}}}}}};
      op["responses"]["default"] = {
          {"description", "an error (google.rpc.Status)"},
          {"content",
           {{"application/json",
             {{"schema", schemas.Message(*google::rpc::Status::descriptor())}}}}}};
      if (r.is_public) op["security"] = json::array();
      std::string path = "/";
      for (size_t i = 0; i < b.segments.size(); ++i) {
        if (i > 0) path += "/";
        path += b.segments[i].field.empty() ? b.segments[i].literal
                                            : absl::StrCat("{", b.segments[i].field, "}");
      }
      if (!b.custom.empty()) absl::StrAppend(&path, ":", b.custom);
      paths[path][absl::AsciiStrToLower(b.verb)] = op;
    }
  }
  json doc = {{"openapi", "3.0.3"},
              {"info",
               {{"title", "CRM API"},
                {"version", "v1"},
                {"description",
                 "The CRM backend's HTTP/JSON API: every method of every service (protobuf's JSON "
                 "mapping), served by the gateway."}}},
              {"paths", paths},
              {"components",
               {{"schemas", schemas.all_},
                {"securitySchemes",
                 {{"bearer", {{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}}}}}}},
              {"security", json::array({{{"bearer", json::array()}}})}};
  return doc.dump();
}

}  // namespace crm::gateway
