#include "libs/rpc/tls.h"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>

#include "absl/strings/str_cat.h"
#include "libs/config/flags.h"

namespace crm::rpc {
namespace {

absl::Status ReadPem(const std::string& flag, const std::string& path, std::string* out) {
  if (path.empty()) return absl::OkStatus();
  auto content = config::ReadFile(flag, path);
  if (!content.ok()) return content.status();
  *out = *std::move(content);
  return absl::OkStatus();
}

}  // namespace

TlsFlags::TlsFlags(config::Flags& flags)
    : cert_(flags.String("tls-cert", "CRM_TLS_CERT", "",
                         "PEM certificate (chain) this service presents; empty: plaintext")),
      key_(flags.String("tls-key", "CRM_TLS_KEY", "", "PEM private key of --tls-cert")),
      client_ca_(flags.String("tls-client-ca", "CRM_TLS_CLIENT_CA", "",
                              "PEM CA that client certificates must chain to (mTLS); empty: "
                              "no client certificate asked")),
      ca_(flags.String("tls-ca", "CRM_TLS_CA", "",
                       "PEM CA that other services' certificates must chain to; set: calls to "
                       "them use TLS (presenting --tls-cert when asked)")) {}

absl::Status TlsFlags::Resolve(ServerTls* server, ClientTls* client) const {
  if (cert_->empty() != key_->empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  if (!client_ca_->empty() && cert_->empty()) {
    return absl::InvalidArgumentError("--tls-client-ca needs --tls-cert and --tls-key");
  }
  if (absl::Status s = ReadPem("tls-cert", *cert_, &server->cert_pem); !s.ok()) return s;
  if (absl::Status s = ReadPem("tls-key", *key_, &server->key_pem); !s.ok()) return s;
  if (absl::Status s = ReadPem("tls-client-ca", *client_ca_, &server->client_ca_pem); !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadPem("tls-ca", *ca_, &client->ca_pem); !s.ok()) return s;
  server->ca_pem = client->ca_pem;
  client->cert_pem = server->cert_pem;
  client->key_pem = server->key_pem;
  return absl::OkStatus();
}

std::shared_ptr<grpc::ServerCredentials> ServerCredentials(const ServerTls& tls) {
  if (!tls.enabled()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options(
      tls.client_ca_pem.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = tls.client_ca_pem;
  options.pem_key_cert_pairs.push_back({tls.key_pem, tls.cert_pem});
  return grpc::SslServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials(const ClientTls& tls) {
  if (!tls.enabled()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = tls.ca_pem;
  options.pem_private_key = tls.key_pem;
  options.pem_cert_chain = tls.cert_pem;
  return grpc::SslCredentials(options);
}

absl::StatusOr<absl::Time> CertificateExpiry(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr, &X509_free);
  if (cert == nullptr) return absl::InvalidArgumentError("not a PEM certificate");
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &tm) != 1) {
    return absl::InvalidArgumentError("the certificate's notAfter does not parse");
  }
  return absl::FromCivil(absl::CivilSecond(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                                           tm.tm_min, tm.tm_sec),
                         absl::UTCTimeZone());
}

}  // namespace crm::rpc
