#include "harness.hpp"

#include <soci/soci.h>

#include <thread>

#include "persistence/database.hpp"
#include "persistence/user_store.hpp"
#include "protocol/parser.hpp"
#include "protocol/serializer.hpp"
#include "tests/support/scratch_database.hpp"

namespace chat::actors::test {

// ---- recording_sink ----

void recording_sink::send(std::shared_ptr<const std::string> frame) {
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
  total.fetch_add(1, std::memory_order_relaxed);
  if (!store.load(std::memory_order_relaxed)) return;
  std::function<void()> overflow;
  {
    std::lock_guard<std::mutex> lock{mu_};
    if (close_code_) return;
    if (capacity > 0 && frames_.size() >= capacity) {
      if (!overflowed_) {
        overflowed_ = true;
        close_code_ = 4008;
        overflow = on_overflow;
      }
    } else {
      frames_.push_back(*frame);
    }
  }
  cv_.notify_all();
  if (overflow) overflow();
}

void recording_sink::close(std::uint16_t code, std::string) {
  {
    std::lock_guard<std::mutex> lock{mu_};
    if (!close_code_) close_code_ = code;
  }
  cv_.notify_all();
}

std::optional<std::uint16_t> recording_sink::wait_closed(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock{mu_};
  cv_.wait_for(lock, timeout, [&] { return close_code_.has_value(); });
  return close_code_;
}

std::vector<std::string> recording_sink::frames() const {
  std::lock_guard<std::mutex> lock{mu_};
  return frames_;
}

std::size_t recording_sink::count() const {
  std::lock_guard<std::mutex> lock{mu_};
  return frames_.size();
}

void recording_sink::clear() {
  std::lock_guard<std::mutex> lock{mu_};
  frames_.clear();
}

std::optional<std::uint16_t> recording_sink::close_code() const {
  std::lock_guard<std::mutex> lock{mu_};
  return close_code_;
}

bool recording_sink::wait(const std::function<bool(const std::vector<std::string>&)>& pred,
                          std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock{mu_};
  return cv_.wait_for(lock, timeout, [&] { return pred(frames_); });
}

// ---- parsing ----

protocol::server_frame parse(const std::string& text) {
  auto r = protocol::parse_server_frame(text);
  if (auto* e = std::get_if<protocol::parse_error>(&r))
    FAIL("server sent a bad frame: " << text << " (" << e->message << ")");
  return std::get<protocol::server_frame>(r);
}

std::string ref_of(const protocol::server_frame& f) {
  return std::visit(
      [](auto& x) -> std::string {
        if constexpr (requires { x.ref; })
          return x.ref;
        else
          return {};
      },
      f);
}

// ---- client ----

client::client(fixture& fx, persistence::user_id id, std::string username,
               std::shared_ptr<recording_sink> sink)
    : fx_(fx),
      id_(id),
      username_(std::move(username)),
      sink_(sink ? std::move(sink) : std::make_shared<recording_sink>()) {
  conn_ = fx_.srv().connect(id_, username_, sink_);
}

client::~client() {
  close();
}

void client::close() {
  if (conn_) conn_->on_closed();
  conn_.reset();
}

void client::raw(std::string text) {
  conn_->on_frame(std::move(text));
}

void client::send(const protocol::request& r) {
  raw(protocol::serialize(r));
}

void client::hello() {
  auto id = next_id();
  send(protocol::hello_req{id, 1, std::nullopt});
  auto w = expect<protocol::welcome_frame>([&](auto& f) { return f.ref == id; });
  REQUIRE(w.user.id == id_);
}

protocol::server_frame client::call(protocol::request r, std::chrono::milliseconds t) {
  auto id = protocol::request_id(r);
  send(r);
  std::optional<protocol::server_frame> found;
  sink_->wait(
      [&](const std::vector<std::string>& frames) {
        for (auto& text : frames) {
          auto f = parse(text);
          if (ref_of(f) == id) {
            found = f;
            return true;
          }
        }
        return false;
      },
      t);
  if (!found) FAIL("no reply to " << id << " within " << t.count() << " ms");
  return *found;
}

protocol::ack_frame client::send_msg(protocol::id_t conv, const std::string& cmid,
                                     const std::string& body) {
  return as<protocol::ack_frame>(call(protocol::send_req{next_id(), conv, cmid, body}));
}

protocol::conversation_info client::open_direct(const std::string& username) {
  return as<protocol::conversation_frame>(call(protocol::open_direct_req{next_id(), username}))
      .conversation;
}

protocol::conversation_info client::create_group(const std::string& title,
                                                 const std::vector<std::string>& members) {
  return as<protocol::conversation_frame>(
             call(protocol::create_group_req{next_id(), title, members}))
      .conversation;
}

std::vector<protocol::event_frame> client::events(protocol::id_t conversation) const {
  std::vector<protocol::event_frame> out;
  for (auto& e : all<protocol::event_frame>())
    if (e.conversation == conversation) out.push_back(e);
  return out;
}

std::vector<protocol::event_frame> client::wait_events(protocol::id_t conversation, std::size_t n,
                                                       std::chrono::milliseconds t) {
  sink_->wait(
      [&](const std::vector<std::string>& frames) {
        std::size_t k = 0;
        for (auto& text : frames) {
          auto f = parse(text);
          if (auto* e = std::get_if<protocol::event_frame>(&f);
              e && e->conversation == conversation)
            ++k;
        }
        return k >= n;
      },
      t);
  return events(conversation);
}

// ---- reply helpers ----

void unlimited(server_config& c) {
  c.requests_per_second = 1e9;
  c.request_burst = 1e9;
}

protocol::error_code code_of(const protocol::server_frame& f) {
  REQUIRE(std::holds_alternative<protocol::error_frame>(f));
  return std::get<protocol::error_frame>(f).code;
}

std::vector<protocol::event_frame> full_history(client& c, protocol::id_t conversation) {
  std::vector<protocol::event_frame> out;
  protocol::id_t after = 0;
  for (;;) {
    auto h = as<protocol::history_frame>(
        c.call(protocol::history_req{c.next_id(), conversation, std::nullopt, after, 200}));
    out.insert(out.end(), h.events.begin(), h.events.end());
    if (!h.has_more || h.events.empty()) break;
    after = h.events.back().seq;
  }
  return out;
}

// ---- fixture ----

fixture::fixture(const std::string& b, const std::function<void(server_config&)>& tweak)
    : backend(b), db_(b, true, "chat_actors") {
  REQUIRE(db_.available());
  cfg_ = std::make_unique<caf::actor_system_config>();
  sys_ = std::make_unique<caf::actor_system>(*cfg_);
  start_server(tweak);
}

fixture::~fixture() {
  // The database (db_, the first member) goes last, after the server flushed into it.
  stop_server();
  sys_.reset();
  cfg_.reset();
}

void fixture::start_server(const std::function<void(server_config&)>& tweak) {
  server_config cfg;
  cfg.db_url = db_.url();
  if (tweak) tweak(cfg);
  auto s = server::start(*sys_, cfg);
  if (!s) FAIL("server::start: " << s.err().message);
  server_ = std::move(*s);
}

void fixture::stop_server(std::chrono::milliseconds deadline) {
  if (server_) server_->stop(deadline);
  server_.reset();
}

void fixture::restart(const std::function<void(server_config&)>& tweak) {
  stop_server();
  start_server(tweak);
}

persistence::user_id fixture::make_user(const std::string& name) {
  auto db = persistence::database::open(db_.url());
  REQUIRE(db);
  auto u = persistence::user_store{**db}.create(name);
  if (!u) FAIL("create user " << name << ": " << u.err().message);
  return u->id;
}

}  // namespace chat::actors::test
