#pragma once
// Domain records ⇄ API messages.

#include "absl/time/civil_time.h"
#include "crm/customers/v1/resources.pb.h"
#include "libs/status/field_violations.h"
#include "services/customers/src/model.h"

namespace crm::customers_service {

v1::Customer ToProto(const Customer& c);
v1::DictionaryEntry ToProto(const DictionaryEntry& e);
// Reports what cannot be represented (sub-cent amounts) as violations.
Customer FromProto(const v1::Customer& p, Violations& v);
v1::Contact ToProto(const Contact& c);
v1::Interaction ToProto(const Interaction& i);
// Unknown enum values are reported as violations.
Contact FromProto(const v1::Contact& p, Violations& v);
Interaction FromProto(const v1::Interaction& p, Violations& v);
v1::ContactRelation ToProto(const ContactRelation& r);
// contact_id, strength and notes.
ContactRelation FromProto(const v1::ContactRelation& p);
v1::CustomerLink ToProto(const CustomerLink& l);
CustomerLink FromProto(const v1::CustomerLink& p, Violations& v);
v1::RelationshipMap ToProto(const RelationshipMap& m);
v1::PathStep ToProto(const PathStep& s);
v1::Handover ToProto(const Handover& h);
v1::Merge ToProto(const Merge& m);
v1::LossAction ToProto(const LossAction& a);
v1::Document ToProto(const Document& d);
// The client's fields: customer_id, file_name, content_type, size_bytes, sha256, description.
Document FromProto(const v1::Document& p);

// "" for UNSPECIFIED or unknown.
std::string KindName(v1::DictionaryKind kind);
v1::DictionaryKind KindOf(const std::string& name);
std::string StatusName(v1::CustomerStatus status);

}  // namespace crm::customers_service
