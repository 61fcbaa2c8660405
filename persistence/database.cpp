#include "persistence/database.hpp"

#include <fmt/format.h>
#include <soci/mysql/soci-mysql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <cctype>
#include <charconv>
#include <mutex>

#include "persistence/sql_error.hpp"

namespace chat::persistence {

namespace {

constexpr std::string_view url_help =
    "expected sqlite:<path> or mysql://user:pass@host:port/dbname";

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

/// SQLite counts every allocation under one process-wide mutex unless told not to; nothing here
/// reads those counts (SOCI's header declares SQLite's API in `sqlite_api`), and the log writer,
/// the search indexer and the workers allocate on every row. Must run before SQLite initialises
/// (the first open).
void configure_sqlite_once() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite_api::sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Percent-decoding so passwords may hold '@', ':' or '/'.
result<std::string> pct_decode(std::string_view in, std::string_view part) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    unsigned value = 0;
    if (i + 2 >= in.size() ||
        std::from_chars(in.data() + i + 1, in.data() + i + 3, value, 16).ptr != in.data() + i + 3)
      return error{errc::bad_config, fmt::format("bad mysql url: bad percent-escape in {}", part)};
    out.push_back(static_cast<char>(value));
    i += 2;
  }
  return out;
}

result<db_config> parse_mysql(std::string_view rest) {
  db_config cfg;
  cfg.kind = backend::mysql;
  auto at = rest.rfind('@');
  if (at == std::string_view::npos)
    return error{errc::bad_config, "bad mysql url: missing 'user:password@' before the host"};
  auto userinfo = rest.substr(0, at);
  auto hostpart = rest.substr(at + 1);
  auto colon = userinfo.find(':');
  auto user = pct_decode(userinfo.substr(0, colon), "user");
  if (!user) return user.err();
  cfg.user = std::move(*user);
  if (colon != std::string_view::npos) {
    auto pass = pct_decode(userinfo.substr(colon + 1), "password");
    if (!pass) return pass.err();
    cfg.password = std::move(*pass);
  }
  if (cfg.user.empty()) return error{errc::bad_config, "bad mysql url: empty user name"};
  auto slash = hostpart.find('/');
  if (slash == std::string_view::npos)
    return error{errc::bad_config, "bad mysql url: missing '/dbname' after the host"};
  auto hostport = hostpart.substr(0, slash);
  auto db = hostpart.substr(slash + 1);
  if (auto q = db.find('?'); q != std::string_view::npos) db = db.substr(0, q);
  cfg.dbname = std::string(db);
  if (cfg.dbname.empty()) return error{errc::bad_config, "bad mysql url: empty database name"};
  auto pcolon = hostport.rfind(':');
  if (pcolon != std::string_view::npos) {
    auto port_text = hostport.substr(pcolon + 1);
    int port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || port <= 0 ||
        port > 65535)
      return error{errc::bad_config,
                   fmt::format("bad mysql url: port '{}' is not a number in 1..65535", port_text)};
    cfg.port = port;
    hostport = hostport.substr(0, pcolon);
  }
  cfg.host = std::string(hostport);
  if (cfg.host.empty()) return error{errc::bad_config, "bad mysql url: empty host"};
  for (char ch : cfg.host + cfg.dbname + cfg.user)
    if (std::isspace(static_cast<unsigned char>(ch)) || ch == '\'' || ch == '\\')
      return error{errc::bad_config,
                   "bad mysql url: host, user and database may not contain spaces, quotes or "
                   "backslashes"};
  return cfg;
}

// SOCI's MySQL connect string: single-quoted values, with \' and \\ escapes inside.
std::string quote(std::string_view v) {
  std::string out = "'";
  for (char ch : v) {
    if (ch == '\'' || ch == '\\') out.push_back('\\');
    out.push_back(ch);
  }
  out.push_back('\'');
  return out;
}

}  // namespace

result<db_config> db_config::parse(std::string_view url) {
  if (url.empty()) return error{errc::bad_config, fmt::format("empty database url ({})", url_help)};
  auto scheme_end = url.find(':');
  std::string scheme = scheme_end == std::string_view::npos ? "" : lower(url.substr(0, scheme_end));
  if (scheme == "sqlite" || scheme == "sqlite3") {
    db_config cfg;
    cfg.kind = backend::sqlite;
    auto rest = url.substr(scheme_end + 1);
    if (rest.starts_with("//")) rest.remove_prefix(2);
    cfg.sqlite_path = std::string(rest);
    if (cfg.sqlite_path.empty())
      return error{errc::bad_config, fmt::format("bad sqlite url: empty path ({})", url_help)};
    if (cfg.sqlite_path.find('=') != std::string::npos)
      return error{errc::bad_config, "bad sqlite url: the path may not contain '='"};
    return cfg;
  }
  if (scheme == "mysql" || scheme == "mariadb") {
    auto rest = url.substr(scheme_end + 1);
    if (!rest.starts_with("//"))
      return error{errc::bad_config, fmt::format("bad mysql url: missing '//' ({})", url_help)};
    return parse_mysql(rest.substr(2));
  }
  if (scheme_end == std::string_view::npos || url.starts_with("/") || url.starts_with(".")) {
    if (ends_with(url, ".db") || ends_with(url, ".sqlite") || ends_with(url, ".sqlite3")) {
      db_config cfg;
      cfg.sqlite_path = std::string(url);
      return cfg;
    }
    return error{errc::bad_config, fmt::format("database url has no scheme ({})", url_help)};
  }
  return error{errc::bad_config,
               fmt::format("unknown database backend '{}' ({})", scheme, url_help)};
}

std::string db_config::describe() const {
  if (kind == backend::sqlite) return fmt::format("sqlite:{}", sqlite_path);
  return fmt::format("mysql://{}@{}:{}/{}", user, host, port, dbname);
}

database::database(db_config cfg) : cfg_(std::move(cfg)), sql_(std::make_unique<soci::session>()) {}

database::~database() = default;

status database::reconnect() {
  auto fresh = open(cfg_);
  if (!fresh) return fresh.err();
  sql_ = std::move((*fresh)->sql_);
  return success();
}

result<std::unique_ptr<database>> database::open(std::string_view url) {
  auto cfg = db_config::parse(url);
  if (!cfg) return cfg.err();
  return open(*cfg);
}

result<std::unique_ptr<database>> database::open(const db_config& cfg) {
  std::unique_ptr<database> db(new database(cfg));
  if (cfg.kind == backend::sqlite) {
    configure_sqlite_once();
    try {
      db->sql_->open(soci::sqlite3, cfg.sqlite_path);
      auto& sql = *db->sql_;
      // busy_timeout first: switching to WAL takes a lock, and without it that fails at once
      // while another connection to the file is closing. WAL lets readers run beside the one
      // writer; synchronous=FULL keeps commits durable (an ack means on disk).
      int timeout = 0;
      sql << "PRAGMA busy_timeout=10000", soci::into(timeout);
      std::string mode;
      sql << "PRAGMA journal_mode=WAL", soci::into(mode);
      sql << "PRAGMA synchronous=FULL";
      sql << "PRAGMA foreign_keys=ON";
    } catch (const std::exception& e) {
      return error{errc::bad_config, fmt::format("cannot open sqlite database '{}': {}",
                                                 cfg.sqlite_path, detail::first_line(e.what()))};
    }
    return db;
  }
  // connect_timeout bounds an unreachable host; read/write timeouts bound a hung (e.g. frozen)
  // server, so callers answer `unavailable` within seconds (docs/operations.md states the limits).
  std::string conn = fmt::format(
      "host={} port={} user={} password={} db={} charset=utf8mb4 connect_timeout=3 "
      "read_timeout=5 write_timeout=5",
      quote(cfg.host), cfg.port, quote(cfg.user), quote(cfg.password), quote(cfg.dbname));
  try {
    db->sql_->open(soci::mysql, conn);
    *db->sql_ << "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'";
    // Lock waits end (error 1205, reported as retryable) before read_timeout cuts the link.
    *db->sql_ << "SET SESSION innodb_lock_wait_timeout = 3";
  } catch (const soci::mysql_soci_error& e) {
    auto where = fmt::format("{}:{}", cfg.host, cfg.port);
    auto msg = detail::first_line(e.what());
    switch (e.err_num_) {
      case 1045:
        return error{errc::bad_config,
                     fmt::format("mysql at {} refused login for user '{}' (access denied)", where,
                                 cfg.user)};
      case 1044:
      case 1049:
        return error{errc::bad_config, fmt::format("mysql at {}: no access to database '{}': {}",
                                                   where, cfg.dbname, msg)};
      default:
        return error{errc::unavailable, fmt::format("cannot reach mysql at {} (error {}): {}",
                                                    where, e.err_num_, msg)};
    }
  } catch (const std::exception& e) {
    return error{errc::unavailable, fmt::format("cannot connect to mysql at {}:{}: {}", cfg.host,
                                                cfg.port, detail::first_line(e.what()))};
  }
  return db;
}

}  // namespace chat::persistence
