#pragma once
// Contacts and interactions of customers. Both are visible and changeable exactly when their
// customer is (record scope, customers.read / customers.write); an interaction can be changed
// only by the user who recorded it.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "libs/status/field_violations.h"
#include "libs/validation/fields.h"
#include "libs/validation/paging.h"
#include "services/customers/src/model.h"

namespace crm::customers_service {

// Checks the fields of `c` (those in `mask`, or all of them without one).
void ValidateContact(Violations& v, const Contact& c, const std::vector<std::string>* mask);

// Contacts changed as a side effect (primary moved away, manager deleted, customer merged)
// are announced as customers.contact.updated.
void EmitSideEffects(db::Tx& tx, const events::Outbox* outbox, const RequestMeta& meta,
                     const auth::Principal& caller, const std::vector<std::string>& ids);

class People {
 public:
  // `zone`: where "today" is, for follow-ups.
  People(const events::Outbox* outbox, const db::RequestLog* request_log, absl::TimeZone zone)
      : outbox_(outbox), request_log_(request_log), zone_(zone) {}

  // The fields UpdateContact and UpdateInteraction change.
  static const std::vector<validation::Field<Contact>>& ContactFields();
  static const std::vector<validation::Field<Interaction>>& InteractionFields();
  // Their update_mask paths.
  static const std::vector<std::string>& ContactPaths();
  static const std::vector<std::string>& InteractionPaths();
  // The contact fields an import row sets on a known contact (not its name, place in the
  // reporting lines or primary mark).
  static const std::vector<validation::Field<Contact>>& ImportedContactFields();

  absl::StatusOr<Contact> CreateContact(db::Conn& conn, const auth::Principal& caller,
                                        const RequestMeta& meta, const std::string& request_id,
                                        Contact contact) const;
  absl::StatusOr<Contact> GetContact(db::Conn& conn, const auth::Principal& caller,
                                     const std::string& id) const;
  absl::StatusOr<validation::Page<Contact>> ListContacts(db::Conn& conn,
                                                         const auth::Principal& caller,
                                                         const std::string& customer_id,
                                                         int32_t page_size,
                                                         const std::string& page_token) const;
  // mask: name, gender, position, office_phone, mobile, email, notes, primary, reports_to_id,
  // buying_role, attitude, social_style.
  absl::StatusOr<Contact> UpdateContact(db::Conn& conn, const auth::Principal& caller,
                                        const RequestMeta& meta, const Contact& patch,
                                        const std::string& etag,
                                        const std::vector<std::string>& mask) const;
  absl::Status DeleteContact(db::Conn& conn, const auth::Principal& caller, const RequestMeta& meta,
                             const std::string& id, const std::string& etag) const;

  absl::StatusOr<Interaction> CreateInteraction(db::Conn& conn, const auth::Principal& caller,
                                                const RequestMeta& meta,
                                                const std::string& request_id,
                                                Interaction interaction) const;
  absl::StatusOr<validation::Page<Interaction>> ListInteractions(
      db::Conn& conn, const auth::Principal& caller, const std::string& customer_id,
      int32_t page_size, const std::string& page_token) const;
  // mask: contact_id, method, occur_time, location, summary, details, result,
  // next_follow_up_date.
  absl::StatusOr<Interaction> UpdateInteraction(db::Conn& conn, const auth::Principal& caller,
                                                const RequestMeta& meta, const Interaction& patch,
                                                const std::string& etag,
                                                const std::vector<std::string>& mask) const;
  // due_by: nullopt for today.
  absl::StatusOr<validation::Page<Interaction>> ListFollowUpsDue(
      db::Conn& conn, const auth::Principal& caller, std::optional<absl::CivilDay> due_by,
      int32_t page_size, const std::string& page_token) const;

 private:
  const events::Outbox* outbox_;
  const db::RequestLog* request_log_;
  absl::TimeZone zone_;
};

}  // namespace crm::customers_service
