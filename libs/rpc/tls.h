#pragma once
// TLS for gRPC: servers present a certificate (and may require one from clients: mTLS), and
// calls between services verify the server against a CA (and present the caller's own
// certificate when the server asks). Without certificates, everything is plaintext, for a
// laptop or a mesh that encrypts for us; deployments set the flags from a Secret.

#include <memory>
#include <string>

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace crm::config {
class Flags;
}  // namespace crm::config

namespace crm::rpc {

struct ServerTls {
  std::string cert_pem, key_pem;
  // When set, clients must present a certificate signed by this CA.
  std::string client_ca_pem;
  // --tls-ca, which this process checks the services it calls against: the server does not
  // use it, but reports its expiry with the others'.
  std::string ca_pem;
  bool enabled() const { return !cert_pem.empty(); }
};

struct ClientTls {
  // When set, calls to other services use TLS and verify them against this CA.
  std::string ca_pem;
  // The caller's certificate for servers that require one (mTLS).
  std::string cert_pem, key_pem;
  bool enabled() const { return !ca_pem.empty(); }
};

// --tls-cert, --tls-key, --tls-client-ca, --tls-ca (file paths; CRM_TLS_* in the environment).
class TlsFlags {
 public:
  explicit TlsFlags(config::Flags& flags);
  // Reads the files; INVALID_ARGUMENT naming the flag when one is unreadable or half set.
  absl::Status Resolve(ServerTls* server, ClientTls* client) const;

 private:
  std::string *cert_, *key_, *client_ca_, *ca_;
};

std::shared_ptr<grpc::ServerCredentials> ServerCredentials(const ServerTls& tls);
// When the first certificate of a PEM text stops being valid (its notAfter).
absl::StatusOr<absl::Time> CertificateExpiry(const std::string& pem);
std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials(const ClientTls& tls);

}  // namespace crm::rpc
