#pragma once
// Test harness for chat_actors: a fresh database (SQLite temp file or a private MySQL database)
// with migrations applied, a CAF actor system with a chat::actors::server on it, and clients
// whose frame_sink records every frame.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/server.hpp"
#include "persistence/types.hpp"
#include "protocol/messages.hpp"
#include "tests/support/scratch_database.hpp"

namespace chat::actors::test {

using namespace std::chrono_literals;

/// "sqlite" always; "mysql" when CHAT_TEST_MYSQL_URL is set (or required by CHAT_REQUIRE_MYSQL=1).
using test_support::backends;

/// A frame_sink that records frames. Optionally bounded: when `capacity` frames are queued and
/// nobody drains them, it behaves like the gateway: closes with 4008 and reports on_closed().
class recording_sink : public frame_sink {
 public:
  void send(std::shared_ptr<const std::string> frame) override;
  void close(std::uint16_t code, std::string reason) override;

  std::vector<std::string> frames() const;
  std::size_t count() const;
  /// Forgets the frames kept so far (a benchmark's call() then parses only what comes next).
  void clear();
  std::optional<std::uint16_t> close_code() const;
  /// Waits until pred(frames) is true or the timeout passes; returns pred's last value.
  bool wait(const std::function<bool(const std::vector<std::string>&)>& pred,
            std::chrono::milliseconds timeout = 10s) const;

  /// Waits until the server closed this sink; returns the close code if it did.
  std::optional<std::uint16_t> wait_closed(std::chrono::milliseconds timeout = 10s) const;

  /// Every frame ever sent to this sink (also those not stored).
  std::atomic<std::size_t> total{0};
  /// false: only count frames (benchmarks), do not keep them.
  std::atomic<bool> store{true};

  std::size_t capacity = 0;            ///< 0 = unbounded
  std::function<void()> on_overflow;   ///< called once when capacity is exceeded
  std::chrono::microseconds delay{0};  ///< simulated cost per send (a slow socket write)

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<std::string> frames_;
  std::optional<std::uint16_t> close_code_;
  bool overflowed_ = false;
};

class fixture;

/// One client connection with typed helpers.
class client {
 public:
  client(fixture& fx, persistence::user_id id, std::string username,
         std::shared_ptr<recording_sink> sink = nullptr);
  ~client();

  void raw(std::string text);
  void send(const protocol::request& r);
  /// hello + REQUIRE welcome.
  void hello();
  void close();

  /// Waits for a frame of type T matching pred (from the start of the recording). REQUIREs it.
  template <class T>
  T expect(const std::function<bool(const T&)>& pred = nullptr, std::chrono::milliseconds t = 10s);
  /// Every frame of type T so far (parsed), in order.
  template <class T>
  std::vector<T> all() const;
  /// Events of one conversation received so far, in arrival order.
  std::vector<protocol::event_frame> events(protocol::id_t conversation) const;
  /// Waits until `n` events of `conversation` arrived.
  std::vector<protocol::event_frame> wait_events(protocol::id_t conversation, std::size_t n,
                                                 std::chrono::milliseconds t = 10s);

  /// Request helpers: send and wait for the reply naming it. Return the reply frame or error.
  protocol::server_frame call(protocol::request r, std::chrono::milliseconds t = 10s);
  protocol::ack_frame send_msg(protocol::id_t conv, const std::string& cmid,
                               const std::string& body);
  protocol::conversation_info open_direct(const std::string& username);
  protocol::conversation_info create_group(const std::string& title,
                                           const std::vector<std::string>& members);

  std::string next_id() { return "r" + std::to_string(++ids_); }
  recording_sink& sink() { return *sink_; }
  persistence::user_id id() const { return id_; }

 private:
  fixture& fx_;
  persistence::user_id id_;
  std::string username_;
  std::shared_ptr<recording_sink> sink_;
  std::shared_ptr<connection> conn_;
  int ids_ = 0;
};

class fixture {
 public:
  explicit fixture(const std::string& backend,
                   const std::function<void(server_config&)>& tweak = {});
  ~fixture();

  server& srv() { return *server_; }
  caf::actor_system& sys() { return *sys_; }
  const std::string& db_url() const { return db_.url(); }
  persistence::user_id make_user(const std::string& name);
  /// Stops the server (flushing) and starts a new one on the same database.
  void restart(const std::function<void(server_config&)>& tweak = {});
  void stop_server(std::chrono::milliseconds deadline = 10s);
  void start_server(const std::function<void(server_config&)>& tweak = {});
  std::string backend;

 private:
  test_support::scratch_database db_;  // declared first: outlives the server
  std::unique_ptr<caf::actor_system_config> cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::unique_ptr<server> server_;
};

/// Parses one recorded frame (FAILs on garbage: the server must never send it).
protocol::server_frame parse(const std::string& text);

/// Parsed frames of type T among `frames` (for use inside recording_sink::wait predicates,
/// which must not call back into the sink).
template <class T>
std::vector<T> of_type(const std::vector<std::string>& frames) {
  std::vector<T> out;
  for (auto& text : frames) {
    auto f = parse(text);
    if (auto* x = std::get_if<T>(&f)) out.push_back(*x);
  }
  return out;
}

/// The `ref` of a reply frame, or empty.
std::string ref_of(const protocol::server_frame& f);

/// A server_config tweak for tests that send fast: the request rate limit out of the way.
void unlimited(server_config& c);

/// The reply `f` as a T; FAILs with the error's code and message when it is an error frame.
template <class T>
T as(const protocol::server_frame& f);

/// The code of an error reply (REQUIREs an error frame).
protocol::error_code code_of(const protocol::server_frame& f);

/// Every event of a conversation as history returns it, read page by page from the start.
std::vector<protocol::event_frame> full_history(client& c, protocol::id_t conversation);

template <class T>
std::vector<T> client::all() const {
  std::vector<T> out;
  for (auto& text : sink_->frames()) {
    auto f = parse(text);
    if (auto* x = std::get_if<T>(&f)) out.push_back(*x);
  }
  return out;
}

}  // namespace chat::actors::test

#include "harness_impl.hpp"
