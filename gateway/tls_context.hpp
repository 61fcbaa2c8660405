#pragma once
// The public port's TLS settings: TLS 1.2 or newer, the certificate chain and key from
// config::tls_cert_file / tls_key_file, checked to match. Errors name the file and the reason.
#include <memory>

#include <boost/asio/ssl/context.hpp>

#include "gateway/server.hpp"
#include "persistence/result.hpp"

namespace chat::gateway {

persistence::result<std::unique_ptr<boost::asio::ssl::context>> load_tls_context(const config& cfg);

}  // namespace chat::gateway
