#include "services/gateway/src/routes.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crm/analytics/v1/analytics_service.pb.h"
#include "crm/auth/v1/auth_service.pb.h"
#include "crm/auth/v1/directory_service.pb.h"
#include "crm/common/v1/access.pb.h"
#include "crm/contracts/v1/contracts_service.pb.h"
#include "crm/customers/v1/customers_service.pb.h"
#include "crm/payments/v1/payments_service.pb.h"
#include "crm/pipeline/v1/pipeline_service.pb.h"
#include "crm/service/v1/tickets_service.pb.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/descriptor.h"
#include "libs/rpc/observer.h"

namespace crm::gateway {

using google::protobuf::MethodDescriptor;

const std::vector<BackendSpec>& BackendSpecs() {
  // A message of each file: its descriptor gives the file, and links its generated code in.
  static const auto* specs = new std::vector<BackendSpec>{
      {"auth",
       50051,
       {auth::v1::LoginRequest::descriptor()->file(),
        auth::v1::CreateDepartmentRequest::descriptor()->file()}},
      {"customers", 50052, {customers::v1::CreateCustomerRequest::descriptor()->file()}},
      {"pipeline", 50053, {pipeline::v1::CreateOpportunityRequest::descriptor()->file()}},
      {"contracts", 50054, {contracts::v1::CreateContractRequest::descriptor()->file()}},
      {"payments", 50055, {payments::v1::GetReceivableRequest::descriptor()->file()}},
      {"service", 50056, {service::v1::CreateTicketRequest::descriptor()->file()}},
      {"analytics", 50057, {analytics::v1::RunReportRequest::descriptor()->file()}},
  };
  return *specs;
}

void Backend::Observe(int code, double s) const {
  if (calls == nullptr) return;
  calls->Add({{"backend", name}, {"code", rpc::CodeName(code)}}).Increment();
  seconds->Observe(s);
}

absl::Status ParseTemplate(absl::string_view pattern, HttpBinding* b) {
  b->pattern = std::string(pattern);
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("HTTP path \"", pattern, "\": ", why));
  };
  if (!absl::StartsWith(pattern, "/")) return bad("does not start with /");
  absl::string_view rest = pattern.substr(1);
  // A custom verb follows the last ':' after the last '/' (outside a variable).
  const size_t slash = rest.rfind('/');
  const size_t colon = rest.rfind(':');
  const size_t close = rest.rfind('}');
  if (colon != absl::string_view::npos && (slash == absl::string_view::npos || colon > slash) &&
      (close == absl::string_view::npos || colon > close)) {
    b->custom = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (b->custom.empty()) return bad("empty custom verb");
  }
  for (absl::string_view part : absl::StrSplit(rest, '/')) {
    if (part.empty()) return bad("empty segment");
    Segment seg;
    if (part.front() == '{') {
      if (part.back() != '}' || part.size() < 3) return bad("malformed variable");
      seg.field = std::string(part.substr(1, part.size() - 2));
      if (absl::StrContains(seg.field, '=') || absl::StrContains(seg.field, '*')) {
        return bad("only {field} variables are supported");
      }
    } else {
      if (absl::StrContains(part, '{') || absl::StrContains(part, '*')) {
        return bad("wildcards are not supported");
      }
      seg.literal = std::string(part);
    }
    b->segments.push_back(std::move(seg));
  }
  return absl::OkStatus();
}

namespace {

absl::Status AddBindings(const google::api::HttpRule& rule, std::vector<HttpBinding>* out) {
  HttpBinding b;
  std::string pattern;
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      b.verb = "GET", pattern = rule.get();
      break;
    case google::api::HttpRule::kPost:
      b.verb = "POST", pattern = rule.post();
      break;
    case google::api::HttpRule::kPatch:
      b.verb = "PATCH", pattern = rule.patch();
      break;
    case google::api::HttpRule::kDelete:
      b.verb = "DELETE", pattern = rule.delete_();
      break;
    case google::api::HttpRule::kPut:
      b.verb = "PUT", pattern = rule.put();
      break;
    default:
      return absl::InvalidArgumentError("HTTP rule without a supported verb");
  }
  if (absl::Status s = ParseTemplate(pattern, &b); !s.ok()) return s;
  b.body = rule.body();
  out->push_back(std::move(b));
  for (const auto& extra : rule.additional_bindings()) {
    if (absl::Status s = AddBindings(extra, out); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// Two bindings one request could match equally well.
bool Ambiguous(const HttpBinding& a, const HttpBinding& b) {
  if (a.verb != b.verb || a.custom != b.custom || a.segments.size() != b.segments.size()) {
    return false;
  }
  for (size_t i = 0; i < a.segments.size(); ++i) {
    const bool va = !a.segments[i].field.empty(), vb = !b.segments[i].field.empty();
    if (va != vb) return false;
    if (!va && a.segments[i].literal != b.segments[i].literal) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Routes>> Routes::Build(
    const std::vector<const Backend*>& backends, const Backend* local_backend,
    const std::vector<const google::protobuf::FileDescriptor*>& local_files) {
  auto routes = std::make_unique<Routes>();
  std::vector<std::pair<const Backend*, const google::protobuf::FileDescriptor*>> files;
  for (size_t i = 0; i < backends.size(); ++i) {
    for (const auto* f : BackendSpecs()[i].files) files.push_back({backends[i], f});
  }
  for (const auto* f : local_files) files.push_back({local_backend, f});
  for (const auto& [backend, file] : files) {
    for (int s = 0; s < file->service_count(); ++s) {
      const auto* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const MethodDescriptor* method = service->method(m);
        if (!method->options().HasExtension(common::v1::access)) {
          return absl::FailedPreconditionError(
              absl::StrCat(method->full_name(), " declares no access"));
        }
        Route r;
        r.method = method;
        r.path = absl::StrCat("/", service->full_name(), "/", method->name());
        r.backend = backend;
        r.is_public = method->options().GetExtension(common::v1::access).public_();
        if (method->options().HasExtension(google::api::http)) {
          if (absl::Status st =
                  AddBindings(method->options().GetExtension(google::api::http), &r.http);
              !st.ok()) {
            return absl::FailedPreconditionError(
                absl::StrCat(method->full_name(), ": ", st.message()));
          }
        }
        routes->by_path_[r.path] = routes->routes_.size();
        routes->routes_.push_back(std::move(r));
      }
    }
  }
  // No request may match two bindings equally well.
  for (size_t i = 0; i < routes->routes_.size(); ++i) {
    for (const auto& a : routes->routes_[i].http) {
      for (size_t j = i; j < routes->routes_.size(); ++j) {
        for (const auto& b : routes->routes_[j].http) {
          if (&a == &b) continue;
          if (Ambiguous(a, b)) {
            return absl::FailedPreconditionError(
                absl::StrCat("HTTP bindings ", a.verb, " ", a.pattern, " (",
                             routes->routes_[i].method->full_name(), ") and ", b.pattern, " (",
                             routes->routes_[j].method->full_name(), ") are ambiguous"));
          }
        }
      }
    }
  }
  return routes;
}

const Route* Routes::Find(absl::string_view grpc_path) const {
  auto it = by_path_.find(grpc_path);
  return it == by_path_.end() ? nullptr : &routes_[it->second];
}

Routes::Match Routes::MatchHttp(absl::string_view verb, absl::string_view path) const {
  Match best;
  if (!absl::StartsWith(path, "/")) return best;
  absl::string_view rest = path.substr(1);
  std::string custom;
  const size_t slash = rest.rfind('/');
  const size_t colon = rest.rfind(':');
  if (colon != absl::string_view::npos && (slash == absl::string_view::npos || colon > slash)) {
    custom = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
  }
  const std::vector<absl::string_view> parts = absl::StrSplit(rest, '/');
  int best_literals = -1;
  for (const Route& r : routes_) {
    for (const HttpBinding& b : r.http) {
      if (b.verb != verb || b.custom != custom || b.segments.size() != parts.size()) continue;
      int literals = 0;
      bool ok = true;
      for (size_t i = 0; i < parts.size() && ok; ++i) {
        if (b.segments[i].field.empty()) {
          ok = b.segments[i].literal == parts[i];
          ++literals;
        } else {
          ok = !parts[i].empty();
        }
      }
      if (!ok || literals <= best_literals) continue;
      best_literals = literals;
      best.route = &r;
      best.binding = &b;
    }
  }
  if (best.binding != nullptr) {
    for (size_t i = 0; i < parts.size(); ++i) {
      if (!best.binding->segments[i].field.empty()) {
        best.variables.emplace_back(best.binding->segments[i].field, std::string(parts[i]));
      }
    }
  }
  return best;
}

}  // namespace crm::gateway
