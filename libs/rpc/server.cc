#include "libs/rpc/server.h"

#include <signal.h>
#include <unistd.h>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/config/flags.h"
#include "libs/log/log.h"
#include "libs/rpc/interceptors.h"

namespace crm::rpc {
namespace {

// Signal handling through a self-pipe: the handler only writes a byte, Run() reads it.
int g_signal_pipe[2] = {-1, -1};

void OnSignal(int signo) {
  const char c = static_cast<char>(signo);
  (void)!write(g_signal_pipe[1], &c, 1);
}

}  // namespace

struct ServerOptions::FlagValues {
  int64_t* port;
  int64_t* metrics_port;
  std::string* host;
  std::string* unix_socket;
  absl::Duration* drain;
  std::string* access_log;
};

std::shared_ptr<ServerOptions::FlagValues> ServerOptions::DeclareFlags(config::Flags& flags,
                                                                       int default_port,
                                                                       int default_metrics_port) {
  auto v = std::make_shared<FlagValues>();
  v->host = flags.String("listen-host", "CRM_LISTEN_HOST", "127.0.0.1",
                         "address the gRPC and metrics ports listen on (0.0.0.0: every "
                         "interface, as in a container)");
  v->unix_socket = flags.String("grpc-unix-socket", "CRM_GRPC_UNIX_SOCKET", "",
                                "also serve gRPC on this Unix-domain socket path (empty: none)");
  v->port = flags.Int("grpc-port", "CRM_GRPC_PORT", default_port, "gRPC port (0: any free port)", 0,
                      65535);
  v->metrics_port = flags.Int("metrics-port", "CRM_METRICS_PORT", default_metrics_port,
                              "Prometheus /metrics port (0: disabled)", 0, 65535);
  v->drain = flags.Duration("drain-timeout", "CRM_DRAIN_TIMEOUT", absl::Seconds(20),
                            "how long in-flight calls may run after SIGTERM");
  v->access_log = flags.String("access-log", "CRM_ACCESS_LOG", "all",
                               "which RPCs get an access log line: all | errors | none");
  return v;
}

absl::Status ServerOptions::FromFlags(const FlagValues& v, std::string service_name,
                                      ServerOptions* o) {
  o->service_name = std::move(service_name);
  o->grpc_address = absl::StrCat(*v.host, ":", *v.port);
  o->grpc_unix_socket = *v.unix_socket;
  o->metrics_address = *v.metrics_port == 0 ? "" : absl::StrCat(*v.host, ":", *v.metrics_port);
  o->drain_timeout = *v.drain;
  if (!ParseAccessLog(*v.access_log, &o->access_log)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--access-log=\"", *v.access_log, "\" is not one of all, errors, none"));
  }
  return absl::OkStatus();
}

Server::Server(ServerOptions options)
    : options_(std::move(options)),
      registry_(std::make_shared<prometheus::Registry>()),
      observer_(std::make_unique<Observer>(*registry_, options_.access_log)) {
  // Debian's Abseil is built with mutex deadlock detection on, which gRPC's hot paths pay
  // for on every lock (a graph update per acquisition). It is a debugging aid; serve without.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

Server::~Server() { Shutdown(); }

void Server::AddService(grpc::Service* service) { services_.push_back(service); }

void Server::SetReadinessProbe(std::function<absl::Status()> probe) { probe_ = std::move(probe); }

void Server::OnShutdown(std::function<void()> fn) { shutdown_hooks_.push_back(std::move(fn)); }

absl::Status Server::Start() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.grpc_address, ServerCredentials(options_.tls), &port_);
  int unix_bound = 0;
  if (!options_.grpc_unix_socket.empty()) {
    builder.AddListeningPort("unix:" + options_.grpc_unix_socket, grpc::InsecureServerCredentials(),
                             &unix_bound);
  }
  builder.SetMaxReceiveMessageSize(options_.max_message_bytes);
  builder.SetMaxSendMessageSize(options_.max_message_bytes);
  // Keepalive: notice dead clients of long-lived streams, and let clients ping us.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  for (grpc::Service* s : services_) builder.RegisterService(s);
  if (generic_ != nullptr) builder.RegisterCallbackGenericService(generic_);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(MakeObservingInterceptor(*observer_));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0 || (!options_.grpc_unix_socket.empty() && unix_bound == 0)) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.grpc_address,
                     options_.grpc_unix_socket.empty() ? "" : " and the Unix-domain socket ",
                     options_.grpc_unix_socket));
  }
  // When the certificates expire, for the alert that warns weeks ahead.
  if (options_.tls.enabled()) {
    auto& expiries = prometheus::BuildGauge()
                         .Name("crm_tls_certificate_expiry_timestamp_seconds")
                         .Help("When a certificate this server presents or trusts expires")
                         .Register(*registry_);
    for (const auto& [name, pem] :
         {std::pair<std::string, std::string>{"server", options_.tls.cert_pem},
          {"client_ca", options_.tls.client_ca_pem},
          {"ca", options_.tls.ca_pem}}) {
      if (pem.empty()) continue;
      auto expiry = CertificateExpiry(pem);
      if (!expiry.ok()) return expiry.status();
      expiries.Add({{"certificate", name}}).Set(static_cast<double>(absl::ToUnixSeconds(*expiry)));
    }
  }
  if (!options_.metrics_address.empty()) {
    try {
      exposer_ = std::make_unique<prometheus::Exposer>(options_.metrics_address);
      exposer_->RegisterCollectable(registry_);
    } catch (const std::exception& e) {
      return absl::UnavailableError(
          absl::StrCat("cannot serve metrics on ", options_.metrics_address, ": ", e.what()));
    }
  }
  // NOT_SERVING until the first probe passes.
  serving_ = false;
  server_->GetHealthCheckService()->SetServingStatus(false);
  probe_thread_ = std::thread([this] { ProbeLoop(); });
  log::Info("serving")
      .Str("grpc", absl::StrCat(options_.grpc_address.substr(0, options_.grpc_address.rfind(':')),
                                ":", port_))
      .Str("grpc_unix_socket", options_.grpc_unix_socket)
      .Str("metrics", options_.metrics_address);
  return absl::OkStatus();
}

std::shared_ptr<grpc::Channel> Server::InProcessChannel() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options_.max_message_bytes);
  args.SetMaxSendMessageSize(options_.max_message_bytes);
  return server_->InProcessChannel(args);
}

void Server::ProbeLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    const absl::Status s = probe_ ? probe_() : absl::OkStatus();
    lock.lock();
    if (stopping_) break;
    const bool serving = s.ok();
    if (serving != serving_.load()) {
      serving_ = serving;
      server_->GetHealthCheckService()->SetServingStatus(serving);
      if (serving) {
        log::Info("health: SERVING");
      } else {
        log::Warn("health: NOT_SERVING").Str("reason", s.ToString());
      }
    }
    cv_.wait_for(lock, absl::ToChronoNanoseconds(options_.probe_interval),
                 [this] { return stopping_; });
  }
}

absl::Status Server::Run() {
  if (pipe(g_signal_pipe) != 0) return absl::InternalError("pipe failed");
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  if (server_ == nullptr) {
    if (absl::Status s = Start(); !s.ok()) {
      Shutdown();  // a gRPC server started before the failure stops now, its hooks with it
      return s;
    }
  }
  char c = 0;
  while (read(g_signal_pipe[0], &c, 1) < 0 && errno == EINTR) {
  }
  log::Info("shutting down").Str("signal", c == SIGINT ? "SIGINT" : "SIGTERM");
  Shutdown();
  log::Info("stopped");
  log::Flush();
  return absl::OkStatus();
}

void Server::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || !server_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (probe_thread_.joinable()) probe_thread_.join();
  // Tell load balancers first, then stop taking calls and let in-flight ones finish.
  server_->GetHealthCheckService()->Shutdown();
  for (auto& hook : shutdown_hooks_) hook();
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoNanoseconds(options_.drain_timeout));
  server_->Wait();
  exposer_.reset();
}

}  // namespace crm::rpc
