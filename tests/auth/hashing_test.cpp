// Password hashing on its own bounded pool: a sign-in flood is refused beyond the queue, and
// session checks never wait behind it.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>

#include "auth/hash_pool.hpp"
#include "fixture.hpp"

using namespace chat::auth;
using namespace chat::auth::test;
using namespace std::chrono_literals;

TEST_CASE("The hash pool runs a fixed number of jobs at once and refuses beyond its queue",
          "[auth][hashing]") {
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::atomic<int> running{0}, peak{0}, done{0};
  auto pool = std::make_unique<hash_pool>(2, 3);
  auto job = [&] {
    int now = ++running;
    for (int p = peak; now > p && !peak.compare_exchange_weak(p, now);) {
    }
    gate.wait();
    --running;
    ++done;
  };
  int accepted = 0;
  for (int i = 0; i < 10; ++i) accepted += pool->try_submit(job) ? 1 : 0;
  // Up to two were taken by the threads already; the queue holds three more.
  REQUIRE(accepted >= 3);
  REQUIRE(accepted <= 5);
  release.set_value();
  pool.reset();  // finishes what was accepted
  REQUIRE(done == accepted);
  REQUIRE(peak <= 2);
}

TEST_CASE("A sign-in flood gets 503 beyond the hashing queue while session checks stay fast",
          "[auth][hashing]") {
  fixture f("sqlite", [](config& c) {
    c.fast_password_hashing = false;  // real argon2id (64 MiB, tens of ms): the expensive kind
    c.hash_threads = 1;
    c.hash_queue = 2;
    c.login_per_ip = {1000, 1000};
    c.login_per_username = {1000, 1000};
  });
  auto token = f.register_user("hana");
  http_request login;
  login.method = "POST";
  login.target = "/api/login";
  login.content_type = "application/json";
  login.remote_ip = "10.0.0.7";
  login.body = R"({"username":"hana","password":"wrong password!"})";

  std::mutex mu;
  std::vector<int> statuses;
  std::atomic<int> answered{0};
  for (int i = 0; i < 20; ++i) {
    f.svc().handle_async(login, [&](http_response r) {
      std::lock_guard lock(mu);
      statuses.push_back(r.status);
      ++answered;
    });
  }
  // The caller's thread was never held: a session check answers at once, mid-flood.
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(f.svc().authenticate_token(token));
  auto check = std::chrono::steady_clock::now() - t0;
  for (int i = 0; i < 600 && answered < 20; ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(answered == 20);
  int busy = 0, wrong = 0;
  for (int s : statuses) {
    if (s == 503) ++busy;
    if (s == 401) ++wrong;
  }
  // Two queued, plus the one the thread took (if it took it before the queue filled) and any
  // that found room after one finished.
  CHECK(wrong >= 2);
  CHECK(wrong <= 6);
  CHECK(busy == 20 - wrong);
  CHECK(check < 1s);
}
