#pragma once
// What every service binary shares: the gRPC server with health and reflection, the
// Prometheus endpoint, per-RPC metrics and access logs, readiness from a probe (the
// database), and a graceful drain on SIGTERM.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/rpc/observer.h"
#include "libs/rpc/tls.h"

namespace grpc {
class CallbackGenericService;
class Channel;
class Server;
class Service;
}  // namespace grpc
namespace prometheus {
class Exposer;
class Registry;
}  // namespace prometheus

namespace crm::config {
class Flags;
}

namespace crm::rpc {

struct ServerOptions {
  std::string service_name;
  // host:port for gRPC; port 0 picks a free port (see port()).
  std::string grpc_address = "127.0.0.1:50051";
  // A Unix-domain socket path to serve gRPC on as well (clients on the same host: a gateway,
  // a sidecar); empty for none. Cheaper per call than TCP over loopback.
  std::string grpc_unix_socket;
  // host:port for GET /metrics; empty for none.
  std::string metrics_address = "127.0.0.1:9464";
  // How long in-flight calls may take to finish after SIGTERM.
  absl::Duration drain_timeout = absl::Seconds(20);
  // How often readiness is re-checked.
  absl::Duration probe_interval = absl::Seconds(1);
  int max_message_bytes = 16 << 20;
  AccessLog access_log = AccessLog::kAll;
  // TLS on the gRPC port (the Unix socket, local by nature, stays plaintext).
  ServerTls tls;

  // Declares the flags for these options (with CRM_* environment fallbacks); the values are
  // read back by FromFlags after parsing.
  struct FlagValues;
  static std::shared_ptr<FlagValues> DeclareFlags(config::Flags& flags, int default_port,
                                                  int default_metrics_port);
  static absl::Status FromFlags(const FlagValues& values, std::string service_name,
                                ServerOptions* options);
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The registry every metric of the process goes to.
  prometheus::Registry& metrics() { return *registry_; }
  // Per-RPC metrics and access log.
  Observer& observer() { return *observer_; }

  // Services must outlive the server. Call before Start.
  void AddService(grpc::Service* service);
  // Serves every method no added service has (a proxy's forwarding). Call before Start.
  void SetGenericService(grpc::CallbackGenericService* service) { generic_ = service; }
  // Health is SERVING while the probe returns OK (checked every probe_interval).
  void SetReadinessProbe(std::function<absl::Status()> probe);
  // Runs first when shutdown begins, e.g. to end long-lived streams.
  void OnShutdown(std::function<void()> fn);

  absl::Status Start();
  // The bound gRPC port (after Start).
  int port() const { return port_; }
  // A channel to this server within the process (after Start): this process's own services
  // without a network hop.
  std::shared_ptr<grpc::Channel> InProcessChannel();
  // Start (unless started), then serve until SIGTERM or SIGINT, then drain and return.
  absl::Status Run();
  // Drain: report NOT_SERVING, run shutdown hooks, stop accepting calls, wait up to
  // drain_timeout for in-flight calls, then cancel the rest.
  void Shutdown();

 private:
  void ProbeLoop();

  ServerOptions options_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Observer> observer_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::vector<grpc::Service*> services_;
  grpc::CallbackGenericService* generic_ = nullptr;
  std::function<absl::Status()> probe_;
  std::vector<std::function<void()>> shutdown_hooks_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread probe_thread_;
  std::atomic<bool> serving_{false};
};

}  // namespace crm::rpc
