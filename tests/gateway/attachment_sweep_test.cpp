// The attachment sweep on both backends: rows no message references are removed once past the
// grace, with their files unless another row names the same bytes; an upload of the same content
// racing the sweep never ends with a row whose file is gone.
#include <soci/soci.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "gateway/attachments.hpp"
#include "persistence/attachment_store.hpp"
#include "persistence/database.hpp"
#include "tests/support/scratch_database.hpp"
#include "util/clock.hpp"

using namespace chat;
namespace fs = std::filesystem;

namespace {

struct sweep_fixture {
  test_support::scratch_database db;
  fs::path dir = fs::temp_directory_path() / ("sweep_test_" + test_support::random_hex(12));
  std::unique_ptr<gateway::attachment_service> svc;
  std::unique_ptr<persistence::database> raw;

  explicit sweep_fixture(const std::string& kind) : db(kind) {
    if (!db.available()) return;
    gateway::attachments_config cfg;
    cfg.dir = dir.string();
    cfg.db_url = db.url();
    cfg.orphan_grace = std::chrono::hours(1);
    cfg.sweep_interval = std::chrono::milliseconds(0);  // the test calls sweep() itself
    auto parsed = persistence::db_config::parse(db.url());
    REQUIRE(parsed);
    svc = std::make_unique<gateway::attachment_service>(cfg, *parsed);
    std::string msg;
    REQUIRE(svc->start(msg));
    auto opened = persistence::database::open(db.url());
    REQUIRE(opened);
    raw = std::move(*opened);
  }
  ~sweep_fixture() {
    if (svc) svc->stop();
    fs::remove_all(dir);
  }

  /// Uploads `bytes` as user 1 through the service's three steps; the new attachment's id.
  std::string upload_id(const std::string& bytes) {
    auto begun = svc->begin_upload(1, "/api/attachments?name=f.txt");
    REQUIRE(std::holds_alternative<gateway::pending_upload>(begun));
    auto& up = std::get<gateway::pending_upload>(begun);
    REQUIRE_FALSE(svc->append(up, bytes));
    auto res = svc->finish_upload(std::move(up));
    INFO(res.body);
    REQUIRE(res.status == 201);
    return res.body.substr(res.body.find("\"id\":\"") + 6, 32);
  }
  /// The same, and the new attachment's row.
  persistence::attachment upload(const std::string& bytes) {
    auto found = persistence::attachment_store{*raw}.find(upload_id(bytes));
    REQUIRE(found);
    REQUIRE(*found);
    return **found;
  }
  bool row_exists(const std::string& id) {
    auto found = persistence::attachment_store{*raw}.find(id);
    REQUIRE(found);
    return found->has_value();
  }
  bool file_exists(const std::string& sha) {
    return fs::exists(gateway::blob_store(dir.string()).path_of(sha));
  }
  // What a sent message leaves behind (the log writer's link_attachments): one reference.
  void reference(const std::string& id, int seq) {
    raw->sql() << "INSERT INTO message_attachments (attachment_id, conversation_id, seq) VALUES "
                  "(:a, 1, :s)",
        soci::use(id), soci::use(seq);
  }
  void unreference(const std::string& id) {
    raw->sql() << "DELETE FROM message_attachments WHERE attachment_id = :a", soci::use(id);
  }
};

}  // namespace

TEST_CASE("The sweep removes unreferenced attachments past the grace and keeps shared files",
          "[gateway][attachments]") {
  for (const auto& kind : test_support::backends()) {
    DYNAMIC_SECTION(kind) {
      sweep_fixture f(kind);
      if (!f.db.available()) continue;
      auto never_sent = f.upload("never sent");
      auto sent = f.upload("sent and kept");
      auto same = f.upload("sent and kept");  // the same bytes, another attachment
      auto dropped = f.upload("sent, then its message deleted");
      CHECK(same.sha256 == sent.sha256);
      f.reference(sent.id, 1);
      f.reference(dropped.id, 2);
      const auto now = util::now_ms();

      // Within the grace nothing goes, referenced or not.
      auto none = f.svc->sweep(now);
      REQUIRE(none);
      CHECK(none->rows == 0);
      CHECK(f.row_exists(never_sent.id));

      // The message with `dropped` is deleted (its references go); an hour later:
      f.unreference(dropped.id);
      auto swept = f.svc->sweep(now + 2 * 3'600'000);
      REQUIRE(swept);
      CHECK(swept->rows == 3);   // never_sent, same, dropped
      CHECK(swept->files == 2);  // never_sent's and dropped's; `same` shares sent's file
      CHECK_FALSE(f.row_exists(never_sent.id));
      CHECK_FALSE(f.file_exists(never_sent.sha256));
      CHECK_FALSE(f.row_exists(dropped.id));
      CHECK_FALSE(f.file_exists(dropped.sha256));
      CHECK_FALSE(f.row_exists(same.id));
      CHECK(f.row_exists(sent.id));
      CHECK(f.file_exists(sent.sha256));

      // Its last message gone, the kept one goes too.
      f.unreference(sent.id);
      auto last = f.svc->sweep(now + 2 * 3'600'000);
      REQUIRE(last);
      CHECK(last->rows == 1);
      CHECK(last->files == 1);
      CHECK_FALSE(f.file_exists(sent.sha256));
    }
  }
}

TEST_CASE("Uploads of the same content racing the sweep never leave a row without its file",
          "[gateway][attachments]") {
  for (const auto& kind : test_support::backends()) {
    DYNAMIC_SECTION(kind) {
      sweep_fixture f(kind);
      if (!f.db.available()) continue;
      // Every sweep sees every upload as past the grace: it removes each unreferenced row it
      // finds, and the file with it, while the uploader keeps storing the same bytes (so the
      // same file) and sends some of them (a referenced row is never swept).
      std::atomic<bool> stop{false};
      std::atomic<int> sweeps{0}, removed{0};
      std::thread sweeper([&] {
        while (!stop) {
          if (auto n = f.svc->sweep(util::now_ms() + 2 * 3'600'000)) removed += n->files;
          ++sweeps;
        }
      });
      struct joiner {
        std::atomic<bool>& stop;
        std::thread& t;
        ~joiner() {
          stop = true;
          if (t.joinable()) t.join();
        }
      } join_at_exit{stop, sweeper};
      // Each upload is sent at once, if the sweep has not taken it first; while it is sent, its
      // file must be there. Then its message is deleted, so the sweep may take the file again.
      const std::string bytes = "the same bytes every time";
      const std::string sha = gateway::sha256_hex(bytes);
      int kept = 0;
      for (int i = 0; i < 2000 && (i < 150 || removed < 5); ++i) {
        const auto id = f.upload_id(bytes);
        f.reference(id, i);
        if (f.row_exists(id)) {
          ++kept;
          CHECK(f.file_exists(sha));
        }
        f.unreference(id);
      }
      stop = true;
      sweeper.join();
      INFO(sweeps << " sweeps removed the file " << removed << " times; " << kept << " sent");
      CHECK(removed > 0);
      CHECK(kept > 0);
      // Whatever rows are left, their file is there.
      int rows = 0;
      f.raw->sql() << "SELECT COUNT(*) FROM attachments", soci::into(rows);
      if (rows > 0) CHECK(f.file_exists(sha));
    }
  }
}
