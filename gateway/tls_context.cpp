#include "gateway/tls_context.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace chat::gateway {

persistence::result<std::unique_ptr<boost::asio::ssl::context>> load_tls_context(
    const config& cfg) {
  namespace ssl = boost::asio::ssl;
  // OpenSSL's own messages for a missing file are vague ("asio.ssl error"): say which and why.
  for (const auto* file : {&cfg.tls_cert_file, &cfg.tls_key_file}) {
    if (std::FILE* f = std::fopen(file->c_str(), "rb")) {
      std::fclose(f);
    } else {
      return persistence::error{persistence::errc::bad_config,
                                fmt::format("cannot load the TLS {} '{}': {}",
                                            file == &cfg.tls_cert_file ? "certificate" : "key",
                                            *file, std::strerror(errno))};
    }
  }
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::no_compression | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cfg.tls_cert_file, ec);
  if (ec)
    return persistence::error{
        persistence::errc::bad_config,
        fmt::format("cannot load the TLS certificate '{}': {}", cfg.tls_cert_file, ec.message())};
  ctx->use_private_key_file(cfg.tls_key_file, ssl::context::pem, ec);
  if (ec)
    return persistence::error{
        persistence::errc::bad_config,
        fmt::format("cannot load the TLS key '{}': {}", cfg.tls_key_file, ec.message())};
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    return persistence::error{persistence::errc::bad_config,
                              fmt::format("the TLS key '{}' does not match the certificate '{}'",
                                          cfg.tls_key_file, cfg.tls_cert_file)};
  return ctx;
}

}  // namespace chat::gateway
