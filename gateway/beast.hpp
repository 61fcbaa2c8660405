#pragma once
// What the gateway's Beast translation units share: the namespace aliases, string_view bridges
// and the one fail() that keeps "the other side went away" out of the log. Private to gateway/
// (server.hpp stays free of Beast and Asio).
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>
#include <string_view>

#include "logging/logger.hpp"

namespace chat::gateway {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = beast::error_code;

// Boost 1.74's Beast speaks boost::string_view; our code speaks std::string_view.
inline std::string_view sv(beast::string_view s) {
  return {s.data(), s.size()};
}
inline beast::string_view bsv(std::string_view s) {
  return {s.data(), s.size()};
}

// Errors that only mean "the other side went away" or "we cancelled": not worth a log line.
inline bool benign(const error_code& ec) {
  return ec == net::error::operation_aborted || ec == websocket::error::closed ||
         ec == net::ssl::error::stream_truncated || ec == net::error::eof ||
         ec == http::error::end_of_stream || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == beast::error::timeout;
}

inline void fail(const error_code& ec, const char* what) {
  if (!ec || benign(ec)) return;
  CHAT_LOG_WARN("gateway", "{}: {}", what, ec.message());
}

}  // namespace chat::gateway
