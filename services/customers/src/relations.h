#pragma once
// The relationship map (营销员内部客户关系图): our users' relations to contacts, links between
// customers, a customer's whole map and introduction paths through it. Everything is seen
// through the caller's record scope: contacts and customers outside it are not on the map
// and no path passes through them.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "services/customers/src/model.h"

namespace crm::customers_service {

class Relations {
 public:
  // Bounds of what a map returns.
  static constexpr int kMapContacts = 1000;
  static constexpr int kMapRelations = 5000;
  static constexpr int kMapLinks = 500;
  // Bounds of a path search: people on the path after the first, and people looked at.
  static constexpr int kDefaultSteps = 6;
  static constexpr int kMaxSteps = 8;
  static constexpr size_t kMaxVisited = 200000;

  Relations(const events::Outbox* outbox, const db::RequestLog* request_log)
      : outbox_(outbox), request_log_(request_log) {}

  // The caller's relation to r.contact_id becomes (r.strength, r.notes). `etag`, when set,
  // must be the current relation's.
  absl::StatusOr<ContactRelation> SetContactRelation(db::Conn& conn, const auth::Principal& caller,
                                                     const RequestMeta& meta, ContactRelation r,
                                                     const std::string& etag) const;
  absl::Status DeleteContactRelation(db::Conn& conn, const auth::Principal& caller,
                                     const RequestMeta& meta, const std::string& contact_id) const;
  absl::StatusOr<CustomerLink> CreateLink(db::Conn& conn, const auth::Principal& caller,
                                          const RequestMeta& meta, const std::string& request_id,
                                          CustomerLink link) const;
  absl::Status DeleteLink(db::Conn& conn, const auth::Principal& caller, const RequestMeta& meta,
                          const std::string& id) const;
  absl::StatusOr<RelationshipMap> Map(db::Conn& conn, const auth::Principal& caller,
                                      const std::string& customer_id) const;
  // From `from_user_id` (the caller when empty) to the contact; empty when none is found.
  absl::StatusOr<std::vector<PathStep>> FindPath(db::Conn& conn, const auth::Principal& caller,
                                                 std::string from_user_id,
                                                 const std::string& to_contact_id,
                                                 int max_steps) const;

 private:
  const events::Outbox* outbox_;
  const db::RequestLog* request_log_;
};

}  // namespace crm::customers_service
