#pragma once
// The OpenAPI 3 document of the gateway's HTTP/JSON API, generated from the same descriptors and
// HTTP bindings the gateway transcodes with (so it cannot drift from what is served).

#include <string>

#include "services/gateway/src/routes.h"

namespace crm::gateway {

std::string OpenApiJson(const Routes& routes);

}  // namespace crm::gateway
