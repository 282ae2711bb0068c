#include "services/customers/src/relations.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "crm/customers/v1/events.pb.h"
#include "libs/ids/uuid.h"
#include "libs/status/field_violations.h"
#include "libs/status/status_macros.h"
#include "libs/validation/text.h"
#include "libs/validation/updates.h"
#include "services/customers/src/convert.h"
#include "services/customers/src/repository.h"

namespace crm::customers_service {
namespace {

using auth::Principal;

// What a reporting line counts for when paths are compared (a relation counts its strength).
constexpr int kReportingWeight = 3;

absl::Status RequirePerson(const Principal& caller) {
  if (caller.service_account) {
    return absl::FailedPreconditionError("relations belong to people, not service accounts");
  }
  return absl::OkStatus();
}

void EmitRelation(db::Tx& tx, const events::Outbox* outbox, const RequestMeta& meta,
                  const char* type, const ContactRelation& r) {
  v1::ContactRelationChanged e;
  *e.mutable_relation() = ToProto(r);
  outbox->Append(tx, {type, "contact_relation", r.contact_id, &e, meta.actor_id, meta.request_id});
}

void EmitLink(db::Tx& tx, const events::Outbox* outbox, const RequestMeta& meta, const char* type,
              const CustomerLink& l) {
  v1::CustomerLinkChanged e;
  *e.mutable_link() = ToProto(l);
  outbox->Append(tx, {type, "customer_link", l.id, &e, meta.actor_id, meta.request_id});
}

// A node of the relationship graph: one of our users or a contact.
struct Node {
  bool user = false;
  std::string id;
  bool operator<(const Node& o) const { return std::tie(user, id) < std::tie(o.user, o.id); }
  bool operator==(const Node& o) const { return user == o.user && id == o.id; }
};

struct Reached {
  int score = 0;
  Node parent;
  PathStep::Edge edge = PathStep::Edge::kNone;  // from the parent to this node
  int strength = 0;
  bool root = false;
};

}  // namespace

absl::StatusOr<ContactRelation> Relations::SetContactRelation(db::Conn& conn,
                                                              const Principal& caller,
                                                              const RequestMeta& meta,
                                                              ContactRelation r,
                                                              const std::string& etag) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.write"));
  Violations v;
  validation::RequiredUuid(v, "relation.contact_id", r.contact_id);
  if (r.strength < 1 || r.strength > 5) {
    v.Add("relation.strength", "must be between 1 (barely) and 5 (close)");
  }
  validation::OptionalText(v, "relation.notes", r.notes, 2000, true);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("etag", etag));
  CRM_RETURN_IF_ERROR(RequirePerson(caller));
  r.user_id = caller.user_id;
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<ContactRelation> {
    if (!Repository::FindContactInScope(tx, r.contact_id, caller, /*lock=*/false)) {
      return auth::NotVisible(caller.scope, "contact", r.contact_id);
    }
    auto current = Repository::LockRelation(tx, r.user_id, r.contact_id);
    if (expected != 0 && (!current || current->version != expected)) {
      return validation::StaleEtag();
    }
    Repository::UpsertRelation(tx, r);
    auto saved = Repository::LockRelation(tx, r.user_id, r.contact_id);
    EmitRelation(tx, outbox_, meta, "customers.relation.set", *saved);
    return *saved;
  });
}

absl::Status Relations::DeleteContactRelation(db::Conn& conn, const Principal& caller,
                                              const RequestMeta& meta,
                                              const std::string& contact_id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.write"));
  CRM_RETURN_IF_ERROR(validation::CheckId("contact_id", contact_id));
  CRM_RETURN_IF_ERROR(RequirePerson(caller));
  return conn.Transact([&](db::Tx& tx) -> absl::Status {
    if (!Repository::FindContactInScope(tx, contact_id, caller, /*lock=*/false)) {
      return auth::NotVisible(caller.scope, "contact", contact_id);
    }
    auto current = Repository::LockRelation(tx, caller.user_id, contact_id);
    if (!current) {
      return absl::NotFoundError(absl::StrCat("you have no relation to contact ", contact_id));
    }
    Repository::DeleteRelation(tx, caller.user_id, contact_id);
    EmitRelation(tx, outbox_, meta, "customers.relation.deleted", *current);
    return absl::OkStatus();
  });
}

absl::StatusOr<CustomerLink> Relations::CreateLink(db::Conn& conn, const Principal& caller,
                                                   const RequestMeta& meta,
                                                   const std::string& request_id,
                                                   CustomerLink l) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.write"));
  Violations v;
  db::CheckRequestId(v, request_id);
  validation::RequiredUuid(v, "link.from_customer_id", l.from_customer_id);
  validation::RequiredUuid(v, "link.to_customer_id", l.to_customer_id);
  l.from_customer_id = absl::AsciiStrToLower(l.from_customer_id);
  l.to_customer_id = absl::AsciiStrToLower(l.to_customer_id);
  if (!l.from_customer_id.empty() && l.from_customer_id == l.to_customer_id) {
    v.Add("link.to_customer_id", "a customer cannot be linked to itself");
  }
  if (l.kind.empty()) v.Add("link.kind", "is required");
  validation::OptionalText(v, "link.notes", l.notes, 500, true);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  if (l.kind == "partner" && l.to_customer_id < l.from_customer_id) {
    std::swap(l.from_customer_id, l.to_customer_id);
  }
  l.id = ids::NewUuidV7();
  l.created_by = caller.user_id;
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<CustomerLink> {
    for (const auto* id : {&l.from_customer_id, &l.to_customer_id}) {
      CRM_RETURN_IF_ERROR(Repository::CheckCustomerInScope(tx, *id, caller, /*lock=*/true));
    }
    CRM_ASSIGN_OR_RETURN(auto earlier, request_log_->Claim(tx, caller.user_id, request_id,
                                                           "CreateCustomerLink", l.id));
    if (earlier) {
      auto existing = Repository::LockLink(tx, *earlier);
      if (!existing) return absl::NotFoundError("the link this request created is gone");
      CRM_RETURN_IF_ERROR(
          Repository::CheckCustomerInScope(tx, existing->from_customer_id, caller, false));
      return *existing;
    }
    if (!Repository::InsertLink(tx, l)) {
      return absl::AlreadyExistsError(absl::StrCat("customers ", l.from_customer_id, " and ",
                                                   l.to_customer_id, " already have a ", l.kind,
                                                   " link"));
    }
    auto created = Repository::LockLink(tx, l.id);
    EmitLink(tx, outbox_, meta, "customers.link.created", *created);
    return *created;
  });
}

absl::Status Relations::DeleteLink(db::Conn& conn, const Principal& caller, const RequestMeta& meta,
                                   const std::string& id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.write"));
  CRM_RETURN_IF_ERROR(validation::CheckId("id", id));
  return conn.Transact([&](db::Tx& tx) -> absl::Status {
    auto link = Repository::LockLink(tx, id);
    // Either end within scope lets the caller see the link; changing it takes both.
    if (!link || !Repository::CustomerInScope(tx, link->from_customer_id, caller, false) ||
        !Repository::CustomerInScope(tx, link->to_customer_id, caller, false)) {
      return auth::NotVisible(caller.scope, "customer link", id);
    }
    Repository::DeleteLink(tx, id);
    EmitLink(tx, outbox_, meta, "customers.link.deleted", *link);
    return absl::OkStatus();
  });
}

absl::StatusOr<RelationshipMap> Relations::Map(db::Conn& conn, const Principal& caller,
                                               const std::string& customer_id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.read"));
  CRM_RETURN_IF_ERROR(validation::CheckId("customer_id", customer_id));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<RelationshipMap> {
    CRM_RETURN_IF_ERROR(Repository::CheckCustomerInScope(tx, customer_id, caller, false));
    RelationshipMap m;
    m.customer = *Repository::Find(tx, customer_id);
    m.contacts = Repository::ListContacts(tx, customer_id, "", kMapContacts);
    m.relations = Repository::RelationsOfCustomer(tx, customer_id, kMapRelations);
    m.links = Repository::LinksOfCustomer(tx, customer_id, caller, kMapLinks);
    for (const auto& l : m.links) {
      const std::string& other =
          l.from_customer_id == m.customer.id ? l.to_customer_id : l.from_customer_id;
      if (auto c = Repository::Find(tx, other)) m.linked_customers.push_back(*std::move(c));
    }
    std::sort(m.linked_customers.begin(), m.linked_customers.end(),
              [](const Customer& a, const Customer& b) { return a.id < b.id; });
    m.linked_customers.erase(
        std::unique(m.linked_customers.begin(), m.linked_customers.end(),
                    [](const Customer& a, const Customer& b) { return a.id == b.id; }),
        m.linked_customers.end());
    return m;
  });
}

// A breadth-first search, one level (one more person on the path) at a time, so the first
// level that reaches the contact gives the shortest paths; among those, each person keeps the
// parent with the highest score (strengths summed, a reporting line counting 3), ties going to
// the smaller id so the answer does not depend on the order rows come back in.
absl::StatusOr<std::vector<PathStep>> Relations::FindPath(db::Conn& conn, const Principal& caller,
                                                          std::string from_user_id,
                                                          const std::string& to_contact_id,
                                                          int max_steps) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.read"));
  Violations v;
  validation::OptionalUuid(v, "from_user_id", from_user_id);
  validation::RequiredUuid(v, "to_contact_id", to_contact_id);
  if (max_steps < 0 || max_steps > kMaxSteps) {
    v.Add("max_steps",
          absl::StrCat("must be between 1 and ", kMaxSteps, " (0: ", kDefaultSteps, ")"));
  }
  CRM_RETURN_IF_ERROR(v.ToStatus());
  if (from_user_id.empty()) {
    CRM_RETURN_IF_ERROR(RequirePerson(caller));
    from_user_id = caller.user_id;
  }
  from_user_id = absl::AsciiStrToLower(from_user_id);
  const Node target{false, absl::AsciiStrToLower(to_contact_id)};
  if (max_steps == 0) max_steps = kDefaultSteps;

  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<PathStep>> {
    if (!Repository::FindContactInScope(tx, target.id, caller, false)) {
      return auth::NotVisible(caller.scope, "contact", target.id);
    }
    std::map<Node, Reached> reached;
    const Node start{true, from_user_id};
    reached[start].root = true;
    std::vector<Node> frontier{start};
    bool found = false;
    for (int level = 0; level < max_steps && !found && !frontier.empty(); ++level) {
      std::vector<std::string> users, contacts;
      for (const auto& n : frontier) (n.user ? users : contacts).push_back(n.id);
      std::map<Node, Reached> next;
      auto offer = [&](const Node& from, const Node& to, PathStep::Edge edge, int strength) {
        if (reached.count(to)) return;
        const int weight = edge == PathStep::Edge::kKnows ? strength : kReportingWeight;
        Reached candidate{reached.at(from).score + weight, from, edge, strength, false};
        auto [it, inserted] = next.emplace(to, candidate);
        if (!inserted && (candidate.score > it->second.score ||
                          (candidate.score == it->second.score && from < it->second.parent))) {
          it->second = candidate;
        }
      };
      if (!users.empty()) {
        for (const auto& e : Repository::KnownContacts(tx, users, caller)) {
          offer({true, e.from}, {false, e.to}, PathStep::Edge::kKnows, e.strength);
        }
      }
      if (!contacts.empty()) {
        for (const auto& e : Repository::ContactKnowers(tx, contacts)) {
          offer({false, e.from}, {true, e.to}, PathStep::Edge::kKnows, e.strength);
        }
        std::set<std::string> in_frontier(contacts.begin(), contacts.end());
        for (const auto& e : Repository::ReportingLines(tx, contacts)) {
          // e.from reports to e.to.
          if (in_frontier.count(e.from)) {
            offer({false, e.from}, {false, e.to}, PathStep::Edge::kReportsTo, 0);
          }
          if (in_frontier.count(e.to)) {
            offer({false, e.to}, {false, e.from}, PathStep::Edge::kManages, 0);
          }
        }
      }
      frontier.clear();
      for (auto& [node, r] : next) {
        frontier.push_back(node);
        reached.emplace(node, r);
      }
      found = reached.count(target) > 0;
      if (reached.size() > kMaxVisited) {
        return absl::ResourceExhaustedError(
            absl::StrCat("the search reached more than ", kMaxVisited, " people; lower max_steps"));
      }
    }
    std::vector<PathStep> steps;
    if (!found) return steps;
    // Walk back from the contact; each step's edge is the one leading to the step after it.
    PathStep::Edge edge_to_next = PathStep::Edge::kNone;
    int strength_to_next = 0;
    for (Node n = target;;) {
      const Reached& r = reached.at(n);
      PathStep s;
      if (n.user) {
        s.user_id = n.id;
      } else {
        s.contact = Repository::FindContactInScope(tx, n.id, caller, false);
      }
      s.edge = edge_to_next;
      s.strength = strength_to_next;
      steps.push_back(std::move(s));
      if (r.root) break;
      edge_to_next = r.edge;
      strength_to_next = r.strength;
      n = r.parent;
    }
    std::reverse(steps.begin(), steps.end());
    return steps;
  });
}

}  // namespace crm::customers_service
