#pragma once
// The gRPC server interceptor that reports to an Observer the calls that do not report
// themselves: streams, health, reflection (see observer.h).

#include <memory>

#include <grpcpp/support/server_interceptor.h>

namespace crm::rpc {

class Observer;

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeObservingInterceptor(
    Observer& observer);

}  // namespace crm::rpc
