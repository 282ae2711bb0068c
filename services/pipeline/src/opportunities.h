#pragma once
// Sales opportunities: creation, reading, editing, assignment, the funnel's stages, and the
// outcome of development (开发成功 / 终止开发). Plans are in plans.h.
//
// Who may do what (besides the permission each needs):
//   editing an unassigned opportunity — its creator or a sales manager (one who may assign);
//   editing or moving an assigned or developing one — its assignee or a sales manager;
//   assigning — a sales manager, to an active user of their department subtree, while the
//   opportunity is unassigned or assigned;
//   development succeeded — its assignee, while developing;
//   terminating — its assignee or a sales manager, while assigned or developing.
// Won and lost opportunities do not change. A transition the status does not allow is
// FAILED_PRECONDITION naming the status.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crm/common/v1/events.pb.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "libs/service/directory_user.h"
#include "libs/status/field_violations.h"
#include "libs/validation/paging.h"
#include "services/pipeline/src/customers_client.h"
#include "services/pipeline/src/model.h"

namespace crm::pipeline_service {

// The caller may act on it as a sales manager: may assign, and sees it in their scope.
bool IsManager(const auth::Principal& caller);
// FAILED_PRECONDITION: "opportunity <id> is <status>; <what> needs …".
absl::Status WrongStatus(const Opportunity& o, const std::string& what);
// Records the event of a change to `o` (as stored) in the caller's transaction.
void EmitOpportunity(db::Tx& tx, const events::Outbox& outbox, const RequestMeta& meta,
                     const char* type, const Opportunity& o);
// Writes `next` (read as `current`, whose version it must still be) and its event; returns it
// as stored, or ABORTED when it changed meanwhile. assigned_at / closed_at become now() when
// asked.
absl::StatusOr<Opportunity> SaveOpportunity(db::Tx& tx, const events::Outbox& outbox,
                                            const RequestMeta& meta, const char* event,
                                            const Opportunity& current, const Opportunity& next,
                                            bool assigned_now = false, bool closed_now = false);

class Opportunities {
 public:
  Opportunities(const events::Outbox* outbox, const db::RequestLog* request_log,
                absl::TimeZone zone)
      : outbox_(outbox), request_log_(request_log), zone_(zone) {}

  // The fields Update changes, by their update_mask paths.
  static const std::vector<std::string>& UpdatableFields();

  // What "today" is for close dates (the business time zone).
  absl::CivilDay Today() const;

  // The checks of a create that need no database; the service calls it before asking the
  // customers service whether customer_id is visible to the caller.
  absl::Status CheckCreate(const auth::Principal& caller, const std::string& request_id,
                           const Opportunity& o, const Violations& decoding) const;
  absl::StatusOr<Opportunity> Create(db::Conn& conn, const auth::Principal& caller,
                                     const RequestMeta& meta, const std::string& request_id,
                                     Opportunity o, Violations decoding = {}) const;
  absl::StatusOr<Opportunity> Get(db::Conn& conn, const auth::Principal& caller,
                                  const std::string& id) const;
  absl::StatusOr<validation::Page<Opportunity>> List(db::Conn& conn, const auth::Principal& caller,
                                                     const OpportunityFilter& filter,
                                                     int32_t page_size,
                                                     const std::string& page_token) const;
  // `mask` names the fields of `patch` to apply.
  absl::StatusOr<Opportunity> Update(db::Conn& conn, const auth::Principal& caller,
                                     const RequestMeta& meta, const Opportunity& patch,
                                     const std::string& etag, const std::vector<std::string>& mask,
                                     Violations decoding = {}) const;

  // The checks of an assignment that need no database; the service calls it before looking
  // the assignee up in the auth service's directory.
  static absl::Status CheckAssign(const auth::Principal& caller, const std::string& id,
                                  const std::string& etag, const std::string& assignee_id);
  absl::StatusOr<Opportunity> Assign(db::Conn& conn, const auth::Principal& caller,
                                     const RequestMeta& meta, const std::string& id,
                                     const std::string& etag,
                                     const service::DirectoryUser& to) const;
  // probability 0: the stage's default.
  absl::StatusOr<Opportunity> ChangeStage(db::Conn& conn, const auth::Principal& caller,
                                          const RequestMeta& meta, const std::string& id,
                                          const std::string& etag, const std::string& stage,
                                          int probability) const;
  absl::StatusOr<std::vector<StageChange>> StageChanges(db::Conn& conn,
                                                        const auth::Principal& caller,
                                                        const std::string& id) const;

  // 开发成功 in two steps around the customers service. Prepare checks that the caller may
  // mark it (nothing is written) and says which customer to link (empty: create one from the
  // prospect) — or that it is already won, when the answer is the opportunity as it is.
  struct Success {
    Opportunity opportunity;
    bool already_won = false;
    std::string customer_id;
  };
  absl::StatusOr<Success> PrepareSuccess(db::Conn& conn, const auth::Principal& caller,
                                         const std::string& id, const std::string& etag,
                                         const std::string& customer_id) const;
  // Marks it won with the customer (created or linked), if it is still at the version `etag`
  // names (empty: any); a repeat with the same customer returns the won opportunity.
  absl::StatusOr<Opportunity> CompleteSuccess(db::Conn& conn, const auth::Principal& caller,
                                              const RequestMeta& meta, const std::string& id,
                                              const std::string& etag,
                                              const std::string& customer_id) const;
  // The request id under which the customer of a won opportunity is created in the customers
  // service: the same for every attempt, so a retry gets the customer created before.
  static std::string CustomerRequestId(const std::string& opportunity_id);

  // Runs a step on a database session: the glue's transaction executor (in tests, at once).
  using OnDb = std::function<void(std::function<void(db::Conn&)>)>;
  struct SuccessRequest {
    std::string id;
    std::string etag;
    std::string customer_id;  // empty: create the customer from the prospect
    bool force_new_customer = false;
  };
  // Development succeeded, the whole flow: PrepareSuccess, then the named customer checked
  // (visible to the caller) or a customer created from the prospect in the customers service,
  // then CompleteSuccess. `customers` must outlive the call of `done`. A retry, even after a
  // failure between the steps, makes no second customer; when the customers service cannot
  // be reached or refuses, nothing changes.
  void Succeed(const OnDb& on_db, const CustomersClient& customers, const auth::Principal& caller,
               const RequestMeta& meta, SuccessRequest r,
               std::function<void(absl::StatusOr<Opportunity>)> done) const;

  absl::StatusOr<Opportunity> Terminate(db::Conn& conn, const auth::Principal& caller,
                                        const RequestMeta& meta, const std::string& id,
                                        const std::string& etag, const std::string& reason) const;

  // A customers' hand-over or merge (events::FollowCustomerMoves), applied inside the
  // transaction that stores the event's cursor: the open opportunities of the customers handed
  // over that were assigned to the previous owner go to the new one; opportunities of a merged
  // duplicate name the survivor.
  absl::Status ApplyCustomerEvent(db::Tx& tx, const common::v1::Event& event) const;
  // A contract made from an opportunity (contracts.contract.*, applied like the above): the
  // opportunity shows it, as last reported.
  absl::Status ApplyContractEvent(db::Tx& tx, const common::v1::Event& event) const;
  static const std::vector<std::string>& ContractEventTypes();

  absl::StatusOr<std::vector<Stage>> Stages(db::Conn& conn, const auth::Principal& caller) const;
  absl::StatusOr<Stage> UpsertStage(db::Conn& conn, const auth::Principal& caller,
                                    const RequestMeta& meta, const Stage& stage) const;

 private:
  const events::Outbox* outbox_;
  const db::RequestLog* request_log_;
  absl::TimeZone zone_;
};

}  // namespace crm::pipeline_service
