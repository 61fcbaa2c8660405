#pragma once
// Load for the fault suite: sender threads that behave like a careful client (resend every
// unacked message with its client_msg_id after a reconnect or an `unavailable`), and the check
// against the database that every acked message is stored once, at its acked seq, with no gap.
// Sender threads never use Catch (its assertions are not thread-safe); the checks run on the test
// thread.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "protocol/messages.hpp"

namespace chat::faults {

struct acked {
  protocol::id_t conversation = 0;
  std::int64_t sender = 0;
  std::string client_msg_id;
  protocol::id_t seq = 0;
};

/// One user's connection sending numbered messages round-robin into its conversations.
class sender {
 public:
  /// `port`: the server's current port (it changes when a test restarts chatd).
  sender(std::function<std::uint16_t()> port, std::int64_t user, std::string username,
         std::string cookie, std::vector<protocol::id_t> conversations, int window = 8,
         std::string source_ip = {});
  ~sender();
  void start();
  /// No new messages from now on; unacked ones keep being resent.
  void stop_new();
  /// Waits until nothing is unacked (true) or the timeout passes (false); then stops the thread.
  bool settle(std::chrono::milliseconds timeout);
  std::vector<acked> acks() const;
  std::int64_t sent() const { return next_; }
  std::int64_t unavailable_answers() const { return unavailable_; }
  std::int64_t reconnects() const { return reconnects_; }
  std::string last_problem() const;

 private:
  void run();
  std::function<std::uint16_t()> port_;
  std::int64_t user_;
  std::string username_, cookie_, source_ip_;
  std::vector<protocol::id_t> convs_;
  int window_;
  std::atomic<bool> stop_new_{false}, quit_{false};
  std::atomic<std::int64_t> next_{0}, unavailable_{0}, reconnects_{0};
  mutable std::mutex mu_;
  std::map<std::string, protocol::id_t> unacked_;  // client_msg_id -> conversation
  std::vector<acked> acks_;
  std::string problem_;
  std::thread thread_;
};

/// One user's connections asking for list_conversations as fast as the request rate limit lets
/// them (each reads everything it gets, so the server's backpressure never slows it down).
class list_hammer {
 public:
  /// `per_second` requests on each of `connections` sockets (the server's request rate limit).
  list_hammer(std::uint16_t port, std::string cookie, int connections, double per_second);
  ~list_hammer();
  void stop();
  std::int64_t pages() const { return pages_; }                ///< conversations frames received
  std::int64_t limited() const { return limited_; }            ///< rate_limited answers
  std::int64_t other_errors() const { return errors_; }        ///< any other error frame
  std::int64_t failed_connections() const { return failed_; }  ///< not opened, or closed
  double seconds() const { return seconds_; }                  ///< from the start to stop()

 private:
  void run(std::uint16_t port, const std::string& cookie, double per_second);
  std::atomic<bool> quit_{false};
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  double seconds_ = 0;
  std::atomic<std::int64_t> pages_{0}, limited_{0}, errors_{0}, failed_{0};
  std::vector<std::thread> threads_;
};

/// Every event of `conversation` in the log, in seq order (through persistence, not chatd).
std::vector<protocol::id_t> stored_seqs(const std::string& db_url, protocol::id_t conversation);

/// REQUIREs (test thread only): in every conversation named by `acks` the log holds seqs 1..n
/// without a gap, each acked (sender, client_msg_id) exactly once, at its acked seq.
void require_acked_stored_once(const std::string& db_url, const std::vector<acked>& acks);

/// Nearest-rank percentile of `samples` (unsorted), in milliseconds.
double percentile_ms(std::vector<double> samples, double p);

}  // namespace chat::faults
