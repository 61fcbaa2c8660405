#include "tests/e2e/harness.hpp"

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "protocol/limits.hpp"
#include "protocol/parser.hpp"
#include "protocol/serializer.hpp"

namespace chat::e2e {

temp_dir::temp_dir() {
  char tmpl[] = "/tmp/chatd-e2e-dir-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  path_ = tmpl;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

chatd_server::chatd_server(db_kind kind, std::vector<std::string> extra_args,
                           std::function<std::string(const std::string&)> route_db)
    : db_(kind), extra_(std::move(extra_args)), route_db_(std::move(route_db)) {
  start();
}

void chatd_server::start() {
  if (proc_ && proc_->running()) proc_->stop(SIGKILL);
  std::vector<std::string> args{
      "--listen",    "127.0.0.1:0", "--metrics-listen",
      "127.0.0.1:0", "--db",        route_db_ ? route_db_(db_.url()) : db_.url(),
      "--data-dir",  dir_.path()};
  args.insert(args.end(), extra_.begin(), extra_.end());
  proc_ = std::make_unique<chatd_process>(CHATD_BINARY, args);
  bool up = proc_->wait_listening();
  INFO("chatd log:\n" << proc_->log());
  REQUIRE(up);
}

account register_user(std::uint16_t port, const std::string& username) {
  nlohmann::json body{{"username", username}, {"password", test_password()}};
  auto res = http_request(port, "POST", "/api/register", body.dump());
  INFO("register " << username << ": " << res.status << " " << res.body << " " << res.error);
  REQUIRE(res.status == 201);
  account a;
  a.username = username;
  a.cookie = res.set_cookie("chatd_session");
  REQUIRE(!a.cookie.empty());
  auto j = nlohmann::json::parse(res.body, nullptr, false);
  REQUIRE(j.is_object());
  a.id = j["user"]["id"].get<std::int64_t>();
  return a;
}

std::string login_token(std::uint16_t port, const std::string& username) {
  nlohmann::json body{{"username", username}, {"password", test_password()}, {"want_token", true}};
  auto res = http_request(port, "POST", "/api/login", body.dump());
  INFO("login " << username << ": " << res.status << " " << res.body);
  REQUIRE(res.status == 200);
  auto j = nlohmann::json::parse(res.body, nullptr, false);
  REQUIRE(j.contains("token"));
  return j["token"].get<std::string>();
}

std::unique_ptr<chat_client> chat_client::open(std::uint16_t port, const account& who) {
  auto r = ws_client::connect(port, {{"Cookie", "chatd_session=" + who.cookie}});
  INFO("upgrade: " << r.http_status << " " << r.error << " " << r.body);
  REQUIRE(r.client);
  auto c = std::make_unique<chat_client>(std::move(r.client));
  auto id = c->next_id();
  c->send(protocol::hello_req{id, protocol::protocol_version, std::nullopt});
  auto w = c->expect<protocol::welcome_frame>(
      [&](const protocol::welcome_frame& f) { return f.ref == id; });
  REQUIRE(w.user.id == who.id);
  c->welcome_ = w;
  return c;
}

void chat_client::send(const protocol::request& r) {
  send_raw(protocol::serialize(r));
}

void chat_client::send_raw(std::string_view text) {
  REQUIRE(ws_->send_text(text));
}

std::optional<protocol::server_frame> chat_client::read_frame(std::chrono::milliseconds timeout) {
  if (closed_) return std::nullopt;
  auto r = ws_->read(timeout);
  if (r.what == ws_read::kind::closed || r.what == ws_read::kind::error) {
    closed_ = true;
    close_code_ = r.close_code;
    return std::nullopt;
  }
  if (r.what != ws_read::kind::text) return std::nullopt;
  auto parsed = protocol::parse_server_frame(r.data);
  if (auto* e = std::get_if<protocol::parse_error>(&parsed)) {
    FAIL("server sent a frame the protocol cannot parse: " << e->message << ": " << r.data);
  }
  return std::get<protocol::server_frame>(std::move(parsed));
}

std::optional<protocol::server_frame> chat_client::next(std::chrono::milliseconds timeout) {
  if (!inbox_.empty()) {
    auto f = std::move(inbox_.front());
    inbox_.erase(inbox_.begin());
    return f;
  }
  return read_frame(timeout);
}

std::vector<protocol::server_frame> chat_client::drain(std::chrono::milliseconds quiet) {
  std::vector<protocol::server_frame> out = std::move(inbox_);
  inbox_.clear();
  while (auto f = read_frame(quiet)) out.push_back(std::move(*f));
  return out;
}

int chat_client::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_ && std::chrono::steady_clock::now() < deadline) {
    auto f = read_frame(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
    if (f) inbox_.push_back(std::move(*f));
  }
  return closed_ ? close_code_ : 0;
}

protocol::id_t chat_client::open_direct(const std::string& username) {
  auto id = next_id();
  send(protocol::open_direct_req{id, username});
  auto f = expect<protocol::conversation_frame>(
      [&](const protocol::conversation_frame& c) { return c.ref == id; });
  REQUIRE(f.conversation.id > 0);
  REQUIRE(f.conversation.kind == "direct");
  return f.conversation.id;
}

protocol::id_t chat_client::create_group(const std::string& title,
                                         std::vector<std::string> members) {
  auto id = next_id();
  send(protocol::create_group_req{id, title, std::move(members)});
  auto f = expect<protocol::conversation_frame>(
      [&](const protocol::conversation_frame& c) { return c.ref == id; });
  REQUIRE(f.conversation.id > 0);
  REQUIRE(f.conversation.kind == "group");
  return f.conversation.id;
}

protocol::ack_frame chat_client::send_message(protocol::id_t conversation,
                                              const std::string& client_msg_id,
                                              const std::string& body) {
  auto id = next_id();
  send(protocol::send_req{id, conversation, client_msg_id, body});
  auto ack = expect<protocol::ack_frame>([&](const protocol::ack_frame& a) { return a.ref == id; });
  REQUIRE(ack.conversation == conversation);
  REQUIRE(ack.client_msg_id == client_msg_id);
  REQUIRE(ack.seq > 0);
  return ack;
}

protocol::history_frame chat_client::history(protocol::id_t conversation,
                                             std::optional<protocol::id_t> before,
                                             std::optional<protocol::id_t> after, int limit) {
  auto id = next_id();
  send(protocol::history_req{id, conversation, before, after, limit});
  return expect<protocol::history_frame>(
      [&](const protocol::history_frame& h) { return h.ref == id; });
}

protocol::error_frame chat_client::expect_error(const std::string& ref) {
  return expect<protocol::error_frame>(
      [&](const protocol::error_frame& e) { return e.ref == ref; });
}

std::string frame_name(const protocol::server_frame& f) {
  static const char* names[] = {
      "welcome", "ack",    "event", "history",  "sync_done", "conversation", "conversations",
      "users",   "typing", "read",  "presence", "ok",        "pong",         "search_results",
      "error",   "profile"};
  std::string s = names[f.index()];
  if (auto* e = std::get_if<protocol::error_frame>(&f))
    s += "(" + std::string(protocol::to_string(e->code)) + ")";
  return s;
}

std::string chat_client::describe_inbox() const {
  std::string s = "inbox:";
  for (const auto& f : inbox_) s += " " + frame_name(f);
  if (closed_) s += " [closed " + std::to_string(close_code_) + "]";
  return s;
}

std::vector<protocol::event_frame> message_events(const std::vector<protocol::server_frame>& frames,
                                                  protocol::id_t conversation) {
  std::vector<protocol::event_frame> out;
  for (const auto& f : frames)
    if (auto* e = std::get_if<protocol::event_frame>(&f))
      if (e->conversation == conversation && e->type == "message") out.push_back(*e);
  return out;
}

}  // namespace chat::e2e
