#pragma once
// A database for one test case that nobody else uses: a temp SQLite file, or a fresh MySQL
// database chat_t_<random> on the server CHAT_TEST_MYSQL_URL names. Removed afterwards.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace chat::test_support {

/// `n` random lowercase hex digits (for unique names under ctest -j).
std::string random_hex(std::size_t n);

/// CHAT_TEST_MYSQL_URL, or nullptr when unset or empty.
const char* mysql_url();

/// True when CHAT_REQUIRE_MYSQL=1: a missing MySQL server is then a failure, not a skip.
bool mysql_required();

/// True when MySQL tests can run. Otherwise FAILs under CHAT_REQUIRE_MYSQL=1, else WARNs
/// "CHAT_TEST_MYSQL_URL unset: <skip_note>" and returns false (the caller returns early).
bool mysql_enabled(std::string_view skip_note = "skipping the MySQL run of this test");

/// The backends a fixture-based test runs on: "sqlite" always; "mysql" when CHAT_TEST_MYSQL_URL
/// is set, or when CHAT_REQUIRE_MYSQL=1 (then making the database FAILs the test).
std::vector<std::string> backends();

/// One scratch database. Construction REQUIREs success; only a MySQL one without a server is
/// left unavailable (after mysql_enabled() reported it), and the caller then returns early.
class scratch_database {
 public:
  /// `kind`: "sqlite" or "mysql". `migrated`: apply the real migrations (false: empty schema).
  /// `file_prefix` starts the SQLite file name, to tell leftovers apart.
  explicit scratch_database(std::string kind, bool migrated = true,
                            std::string_view file_prefix = "chat_test");
  ~scratch_database();
  scratch_database(const scratch_database&) = delete;
  scratch_database& operator=(const scratch_database&) = delete;

  bool available() const { return !url_.empty(); }
  const std::string& kind() const { return kind_; }
  /// The database URL ("sqlite:/tmp/..." or "mysql://user:pw@host:port/chat_t_...").
  const std::string& url() const { return url_; }

 private:
  std::string kind_, url_, sqlite_file_, admin_url_, mysql_db_;
};

}  // namespace chat::test_support
