#include "libs/rpc/update_mask.h"

#include <algorithm>

#include <google/protobuf/descriptor.h>

namespace crm::rpc {

std::vector<std::string> UpdateMask(const google::protobuf::FieldMask& mask,
                                    const google::protobuf::Message& resource,
                                    const std::vector<std::string>& updatable) {
  std::vector<std::string> paths(mask.paths().begin(), mask.paths().end());
  if (!paths.empty()) return paths;
  std::vector<const google::protobuf::FieldDescriptor*> set;
  resource.GetReflection()->ListFields(resource, &set);
  for (const auto* field : set) {
    if (std::find(updatable.begin(), updatable.end(), field->name()) != updatable.end()) {
      paths.push_back(field->name());
    }
  }
  return paths;
}

}  // namespace crm::rpc
