// End-to-end: chatd serving HTTPS/WSS itself (--tls-cert/--tls-key), and --trust-proxy behind a
// TLS-terminating proxy. A throw-away self-signed certificate is made per test with the openssl
// CLI; the TLS client is Beast over OpenSSL, verifying the server against that certificate.
#include <unistd.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>

#include "tests/e2e/chatd_process.hpp"
#include "tests/e2e/client.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace fs = std::filesystem;
using tcp = net::ip::tcp;
using error_code = beast::error_code;
using json = nlohmann::json;
using namespace std::chrono_literals;

std::string unique_suffix() {
  static std::mt19937_64 rng{std::random_device{}()};
  return std::to_string(::getpid()) + "_" + std::to_string(rng() % 1'000'000'000);
}

// A temp folder with cert.pem + key.pem (EC P-256, CN=localhost, SAN 127.0.0.1); removed after.
struct temp_cert {
  fs::path dir;
  temp_cert() {
    dir = fs::temp_directory_path() / ("chatd_tls_" + unique_suffix());
    fs::create_directories(dir);
    std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
        " -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost"
        " -keyout '" +
        key().string() + "' -out '" + cert().string() + "' >'" + (dir / "openssl.log").string() +
        "' 2>&1";
    ok = std::system(cmd.c_str()) == 0 && fs::exists(cert()) && fs::exists(key());
  }
  ~temp_cert() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  fs::path cert() const { return dir / "cert.pem"; }
  fs::path key() const { return dir / "key.pem"; }
  bool ok = false;
};

// A chatd child on 127.0.0.1:0 with its own SQLite file. Parses the "listening on" line itself
// so it can tell http:// from https://.
struct server {
  fs::path db;
  std::unique_ptr<chat::e2e::chatd_process> proc;
  std::string scheme;
  std::uint16_t port = 0;

  explicit server(std::vector<std::string> extra) {
    db = fs::temp_directory_path() / ("chatd_tls_" + unique_suffix() + ".db");
    std::vector<std::string> args{"--listen", "127.0.0.1:0", "--db", "sqlite:" + db.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    proc = std::make_unique<chat::e2e::chatd_process>(CHATD_BINARY, args);
  }
  ~server() {
    proc.reset();
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix, ec);
  }

  bool wait_listening(std::chrono::milliseconds timeout = 30s) {
    const std::string marker = "chatd listening on ";
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline && proc->running()) {
      auto text = proc->log();
      auto at = text.find(marker);
      auto eol = at == std::string::npos ? at : text.find('\n', at);
      if (eol != std::string::npos) {
        auto url = text.substr(at + marker.size(), eol - at - marker.size());
        auto sep = url.find("://");
        scheme = url.substr(0, sep);
        port = static_cast<std::uint16_t>(std::atoi(url.c_str() + url.rfind(':') + 1));
        return port != 0;
      }
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
};

// Runs one asynchronous operation to completion (or 10 s); true when it finished without error.
template <class Start>
bool step(net::io_context& ioc, error_code& ec, Start start) {
  bool done = false;
  start([&](error_code e, auto&&...) {
    ec = e;
    done = true;
  });
  ioc.restart();
  ioc.run_for(10s);
  if (!done) ec = beast::error::timeout;
  return done && !ec;
}

net::ssl::context client_context(const temp_cert& cert) {
  net::ssl::context ctx{net::ssl::context::tls_client};
  ctx.load_verify_file(cert.cert().string());
  ctx.set_verify_mode(net::ssl::verify_peer);
  return ctx;
}

struct tls_response {
  int status = 0;
  std::string body;
  std::vector<std::string> set_cookies;
  std::string error;
};

tls_response https_request(const temp_cert& cert, std::uint16_t port, http::verb method,
                           std::string target, std::string body) {
  tls_response out;
  net::io_context ioc;
  auto ctx = client_context(cert);
  beast::ssl_stream<beast::tcp_stream> stream{ioc, ctx};
  error_code ec;
  tcp::endpoint ep{net::ip::make_address("127.0.0.1"), port};
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  req.set(http::field::content_type, "application/json");
  req.body() = std::move(body);
  req.prepare_payload();
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  bool ok =
      step(ioc, ec, [&](auto h) { beast::get_lowest_layer(stream).async_connect(ep, h); }) &&
      step(ioc, ec, [&](auto h) { stream.async_handshake(net::ssl::stream_base::client, h); }) &&
      step(ioc, ec, [&](auto h) { http::async_write(stream, req, h); }) &&
      step(ioc, ec, [&](auto h) { http::async_read(stream, buffer, res, h); });
  if (!ok) {
    out.error = ec.message();
    return out;
  }
  out.status = res.result_int();
  out.body = res.body();
  for (auto [it, end] = res.equal_range(http::field::set_cookie); it != end; ++it)
    out.set_cookies.emplace_back(it->value());
  return out;
}

// The chatd_session Set-Cookie line among several, or "".
template <class Range>
std::string session_set_cookie(const Range& lines) {
  for (const auto& line : lines)
    if (std::string(line).rfind("chatd_session=", 0) == 0) return std::string(line);
  return {};
}

std::string cookie_pair(const std::string& set_cookie) {
  return set_cookie.substr(0, set_cookie.find(';'));
}

bool has_attribute(const std::string& set_cookie, const std::string& attribute) {
  std::size_t pos = 0;
  while ((pos = set_cookie.find(';', pos)) != std::string::npos) {
    ++pos;
    while (pos < set_cookie.size() && set_cookie[pos] == ' ') ++pos;
    auto end = set_cookie.find(';', pos);
    auto item = set_cookie.substr(pos, end == std::string::npos ? end : end - pos);
    if (item == attribute) return true;
  }
  return false;
}

std::string register_body(const std::string& name) {
  return json{{"username", name}, {"password", "tls-test-password-42"}}.dump();
}

// A WSS client: blocking calls, each bounded by step()'s timeout.
struct wss_client {
  net::io_context ioc;
  net::ssl::context ctx;
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws;
  beast::flat_buffer buffer;
  error_code ec;

  explicit wss_client(const temp_cert& cert) : ctx(client_context(cert)), ws(ioc, ctx) {}

  bool connect(std::uint16_t port, const std::string& cookie) {
    tcp::endpoint ep{net::ip::make_address("127.0.0.1"), port};
    ws.set_option(websocket::stream_base::decorator(
        [cookie](websocket::request_type& req) { req.set(http::field::cookie, cookie); }));
    return step(ioc, ec, [&](auto h) { beast::get_lowest_layer(ws).async_connect(ep, h); }) &&
           step(ioc, ec,
                [&](auto h) {
                  ws.next_layer().async_handshake(net::ssl::stream_base::client, h);
                }) &&
           step(ioc, ec,
                [&](auto h) { ws.async_handshake("127.0.0.1:" + std::to_string(port), "/ws", h); });
  }

  bool send(const json& frame) {
    auto text = frame.dump();
    ws.text(true);
    return step(ioc, ec, [&](auto h) { ws.async_write(net::buffer(text), h); });
  }

  // The next frame of this type (others, e.g. presence, are skipped); null on error or timeout.
  json read_until(const std::string& type) {
    for (int i = 0; i < 50; ++i) {
      buffer.consume(buffer.size());
      if (!step(ioc, ec, [&](auto h) { ws.async_read(buffer, h); })) return nullptr;
      auto frame = json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
      if (frame.is_object() &&
          (frame.value("type", "") == type || frame.value("type", "") == "error"))
        return frame;
    }
    return nullptr;
  }
};

}  // namespace

TEST_CASE("chatd serves HTTPS and WSS with --tls-cert/--tls-key: Secure cookie, hello, send",
          "[e2e][tls]") {
  temp_cert cert;
  REQUIRE(cert.ok);
  server srv({"--tls-cert", cert.cert().string(), "--tls-key", cert.key().string()});
  REQUIRE(srv.wait_listening());
  CHECK(srv.scheme == "https");

  auto name = "tls" + std::to_string(std::random_device{}() % 1'000'000);
  auto reg = https_request(cert, srv.port, http::verb::post, "/api/register", register_body(name));
  INFO(reg.error << " " << reg.body);
  REQUIRE(reg.status == 201);
  auto set_cookie = session_set_cookie(reg.set_cookies);
  INFO(set_cookie);
  REQUIRE(!set_cookie.empty());
  CHECK(has_attribute(set_cookie, "Secure"));
  CHECK(has_attribute(set_cookie, "HttpOnly"));

  // Plain HTTP to the TLS port is refused (no TLS handshake, no answer).
  auto plain = chat::e2e::http_request(srv.port, "GET", "/healthz", {}, {}, 3s);
  CHECK(plain.status == 0);

  wss_client ws(cert);
  INFO("wss: " << ws.ec.message());
  REQUIRE(ws.connect(srv.port, cookie_pair(set_cookie)));
  REQUIRE(ws.send({{"type", "hello"}, {"id", "1"}, {"version", 1}}));
  auto welcome = ws.read_until("welcome");
  INFO(welcome.dump());
  REQUIRE(welcome.is_object());
  REQUIRE(welcome["type"] == "welcome");
  CHECK(welcome["user"]["username"] == name);

  REQUIRE(ws.send(
      {{"type", "create_group"}, {"id", "2"}, {"title", "tls"}, {"members", json::array()}}));
  auto conv = ws.read_until("conversation");
  INFO(conv.dump());
  REQUIRE(conv.is_object());
  REQUIRE(conv["type"] == "conversation");
  auto conversation = conv["conversation"]["id"].get<std::int64_t>();

  REQUIRE(ws.send({{"type", "send"},
                   {"id", "3"},
                   {"conversation", conversation},
                   {"client_msg_id", "tls-1"},
                   {"body", "hello over TLS"}}));
  auto ack = ws.read_until("ack");
  INFO(ack.dump());
  REQUIRE(ack.is_object());
  REQUIRE(ack["type"] == "ack");
  CHECK(ack["ref"] == "3");
  CHECK(ack["seq"].get<std::int64_t>() > 0);
}

TEST_CASE("chatd refuses to start with a TLS certificate it cannot load", "[e2e][tls]") {
  temp_cert cert;
  REQUIRE(cert.ok);
  server srv({"--tls-cert", (cert.dir / "missing.pem").string(), "--tls-key", cert.key().string()});
  CHECK_FALSE(srv.wait_listening(15s));
  CHECK(srv.proc->stop(SIGTERM, 10s) != 0);
  CHECK(srv.proc->log().find("cannot load the TLS certificate") != std::string::npos);
}

TEST_CASE("with --trust-proxy, X-Forwarded-Proto https from loopback gives a Secure cookie",
          "[e2e][proxy]") {
  server srv({"--trust-proxy"});
  REQUIRE(srv.wait_listening());
  CHECK(srv.scheme == "http");
  auto name = "px" + std::to_string(std::random_device{}() % 1'000'000);
  auto res = chat::e2e::http_request(srv.port, "POST", "/api/register", register_body(name),
                                     {{"Content-Type", "application/json"},
                                      {"X-Forwarded-Proto", "https"},
                                      {"X-Forwarded-For", "203.0.113.9, 198.51.100.7"}});
  INFO(res.error << " " << res.body);
  REQUIRE(res.status == 201);
  std::vector<std::string> lines;
  for (const auto& [k, v] : res.fields)
    if (beast::iequals(k, "Set-Cookie")) lines.push_back(v);
  auto set_cookie = session_set_cookie(lines);
  INFO(set_cookie);
  REQUIRE(!set_cookie.empty());
  CHECK(has_attribute(set_cookie, "Secure"));
}

TEST_CASE("without --trust-proxy, X-Forwarded-Proto is ignored: no Secure cookie", "[e2e][proxy]") {
  server srv({});
  REQUIRE(srv.wait_listening());
  auto name = "np" + std::to_string(std::random_device{}() % 1'000'000);
  auto res = chat::e2e::http_request(
      srv.port, "POST", "/api/register", register_body(name),
      {{"Content-Type", "application/json"}, {"X-Forwarded-Proto", "https"}});
  INFO(res.error << " " << res.body);
  REQUIRE(res.status == 201);
  std::vector<std::string> lines;
  for (const auto& [k, v] : res.fields)
    if (beast::iequals(k, "Set-Cookie")) lines.push_back(v);
  auto set_cookie = session_set_cookie(lines);
  INFO(set_cookie);
  REQUIRE(!set_cookie.empty());
  CHECK_FALSE(has_attribute(set_cookie, "Secure"));
}
