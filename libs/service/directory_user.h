#pragma once
// A user as the auth service's directory answered a lookup (service::LookUpUser), for the
// logic that acts on them without depending on gRPC: the new owner of a hand-over, the
// assignee of an opportunity.

#include <string>

namespace crm::service {

struct DirectoryUser {
  std::string id;
  std::string department_id;
  bool active = false;
  bool human = false;  // a person, not a service account
};

}  // namespace crm::service
