#pragma once
// The fields an update request changes (AIP-134).

#include <string>
#include <vector>

#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/message.h>

namespace crm::rpc {

// The paths of `mask`; without any, the fields of `resource` that the request sets and that are
// among `updatable`. A field is set when it is a singular field not at its default, a message
// that is present, or a repeated or map field with entries (proto3's notion of presence).
std::vector<std::string> UpdateMask(const google::protobuf::FieldMask& mask,
                                    const google::protobuf::Message& resource,
                                    const std::vector<std::string>& updatable);

}  // namespace crm::rpc
