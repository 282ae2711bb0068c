#pragma once
// The contracts service's records ⇄ crm.contracts.v1 messages.

#include "crm/contracts/v1/resources.pb.h"
#include "libs/status/field_violations.h"
#include "services/contracts/src/model.h"

namespace crm::contracts_service {

namespace v1 = ::crm::contracts::v1;

v1::ContractStatus ToProto(ContractStatus s);
ContractStatus FromProto(v1::ContractStatus s);
v1::Contract ToProto(const Contract& c);
v1::StatusChange ToProto(const StatusChange& c);
v1::ContractFile ToProto(const ContractFile& f);

// The writable fields of a request's contract; malformed values (dates, money, enums) are
// reported on `v` under "contract.".
Contract FromProto(const v1::Contract& p, Violations& v);
ContractFile FromProto(const v1::ContractFile& p);

}  // namespace crm::contracts_service
