#include "persistence/conversation_store.hpp"

#include <unordered_map>

#include <fmt/format.h>
#include <soci/soci.h>

#include <algorithm>
#include <charconv>
#include <limits>

#include "persistence/event_row.hpp"
#include "persistence/event_store.hpp"
#include "persistence/sql_error.hpp"

namespace chat::persistence {

namespace {

conversation_kind kind_of(std::string_view s) {
  return s == "direct" ? conversation_kind::direct : conversation_kind::group;
}

// last_seq and last activity come from the log (primary-key range lookups), so the projection
// cannot drift from it.
constexpr std::string_view conversation_select =
    "SELECT c.id, c.kind, c.title, c.created_at, "
    "COALESCE((SELECT MAX(e.seq) FROM conversation_events e WHERE e.conversation_id = c.id), 0), "
    "c.description, c.avatar_color, c.avatar "
    "FROM conversations c ";

result<std::optional<conversation>> find_by_key(database& db, const std::string& key) {
  conversation c;
  std::string kind;
  db.sql() << fmt::format("{} WHERE c.direct_key = :k", conversation_select), soci::use(key),
      soci::into(c.id), soci::into(kind), soci::into(c.title), soci::into(c.created_at_ms),
      soci::into(c.last_seq), soci::into(c.description), soci::into(c.avatar_color),
      soci::into(c.avatar);
  if (!db.sql().got_data()) return std::optional<conversation>{};
  c.kind = kind_of(kind);
  return std::optional<conversation>{std::move(c)};
}

// MySQL/SQLite both: upsert that never lowers an existing membership row. `at`: the
// conversation's creation, its last activity until an event says otherwise.
void add_member(database& db, conversation_id c, user_id u, std::int64_t at) {
  if (db.kind() == backend::sqlite)
    db.sql() << "INSERT INTO memberships (conversation_id, user_id, joined_seq, last_activity) "
                "VALUES (:c, :u, 0, :a) ON CONFLICT (conversation_id, user_id) DO NOTHING",
        soci::use(c), soci::use(u), soci::use(at);
  else
    db.sql() << "INSERT INTO memberships (conversation_id, user_id, joined_seq, last_activity) "
                "VALUES (:c, :u, 0, :a) ON DUPLICATE KEY UPDATE joined_seq = joined_seq",
        soci::use(c), soci::use(u), soci::use(at);
}

}  // namespace

result<conversation_store::direct_result> conversation_store::get_or_create_direct(
    user_id a, user_id b, std::int64_t now_ms) {
  std::string key = fmt::format("{}:{}", std::min(a, b), std::max(a, b));
  // Two attempts: if a concurrent caller inserts between our lookup and insert, the unique key
  // refuses ours and the second lookup finds theirs.
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      auto found = find_by_key(db_, key);
      if (!found) return found.err();
      if (found->has_value()) return direct_result{std::move(**found), false};
      detail::transaction tx(db_);
      std::string kind = "direct", title;
      db_.sql() << "INSERT INTO conversations (kind, title, created_at, direct_key) VALUES (:k, "
                   ":t, :a, :d)",
          soci::use(kind), soci::use(title), soci::use(now_ms), soci::use(key);
      conversation c;
      db_.sql() << "SELECT id FROM conversations WHERE direct_key = :d", soci::use(key),
          soci::into(c.id);
      c.kind = conversation_kind::direct;
      c.created_at_ms = now_ms;
      // A direct conversation's members are fixed by its key: record both at creation.
      add_member(db_, c.id, a, now_ms);
      add_member(db_, c.id, b, now_ms);
      tx.commit();
      return direct_result{std::move(c), true};
    } catch (...) {
      auto err = detail::current_error(db_, "create direct conversation");
      if (err.code != errc::duplicate || attempt == 1) return err;
    }
  }
  return error{errc::internal, "create direct conversation: gave up"};
}

result<conversation> conversation_store::create_group(std::string_view title, std::int64_t now_ms) {
  try {
    conversation c;
    c.kind = conversation_kind::group;
    c.title = std::string(title);
    c.created_at_ms = now_ms;
    std::string kind = "group";
    detail::transaction tx(db_);
    db_.sql() << "INSERT INTO conversations (kind, title, created_at) VALUES (:k, :t, :a)",
        soci::use(kind), soci::use(c.title), soci::use(now_ms);
    // Both functions are per connection, so a concurrent insert elsewhere cannot leak in.
    if (db_.kind() == backend::sqlite)
      db_.sql() << "SELECT last_insert_rowid()", soci::into(c.id);
    else
      db_.sql() << "SELECT LAST_INSERT_ID()", soci::into(c.id);
    tx.commit();
    return c;
  } catch (...) {
    return detail::current_error(db_, "create group");
  }
}

result<std::optional<conversation>> conversation_store::find(conversation_id id) {
  try {
    conversation c;
    std::string kind;
    db_.sql() << fmt::format("{} WHERE c.id = :i", conversation_select), soci::use(id),
        soci::into(c.id), soci::into(kind), soci::into(c.title), soci::into(c.created_at_ms),
        soci::into(c.last_seq), soci::into(c.description), soci::into(c.avatar_color),
        soci::into(c.avatar);
    if (!db_.sql().got_data()) return std::optional<conversation>{};
    c.kind = kind_of(kind);
    return std::optional<conversation>{std::move(c)};
  } catch (...) {
    return detail::current_error(db_, "find conversation");
  }
}

result<std::vector<user_id>> conversation_store::members(conversation_id id) {
  try {
    std::vector<user_id> out;
    user_id u = 0;
    soci::statement st = (db_.sql().prepare << "SELECT user_id FROM memberships WHERE "
                                               "conversation_id = :c ORDER BY user_id",
                          soci::use(id), soci::into(u));
    st.execute();
    while (st.fetch()) out.push_back(u);
    return out;
  } catch (...) {
    return detail::current_error(db_, "members");
  }
}

result<std::vector<std::pair<user_id, std::string>>> conversation_store::roles(conversation_id id) {
  try {
    std::vector<std::pair<user_id, std::string>> out;
    user_id u = 0;
    std::string role;
    soci::statement st = (db_.sql().prepare << "SELECT user_id, role FROM memberships WHERE "
                                               "conversation_id = :c ORDER BY user_id",
                          soci::use(id), soci::into(u), soci::into(role));
    st.execute();
    while (st.fetch()) out.emplace_back(u, role);
    return out;
  } catch (...) {
    return detail::current_error(db_, "roles");
  }
}

result<std::int64_t> conversation_store::unread_mentions(conversation_id c, user_id u,
                                                         seq_t after) {
  try {
    std::int64_t n = 0;
    db_.sql() << "SELECT COUNT(*) FROM mentions WHERE conversation_id = :c AND user_id = :u AND "
                 "seq > :s",
        soci::use(c), soci::use(u), soci::use(after), soci::into(n);
    return n;
  } catch (...) {
    return detail::current_error(db_, "unread_mentions");
  }
}

result<std::vector<conversation>> conversation_store::conversations_of(user_id u) {
  try {
    std::vector<conversation> out;
    conversation c;
    std::string kind;
    std::int64_t last_activity = 0;
    soci::statement st =
        (db_.sql().prepare << fmt::format(
             "SELECT c.id, c.kind, c.title, c.created_at, "
             "COALESCE((SELECT MAX(e.seq) FROM conversation_events e WHERE e.conversation_id = "
             "c.id), 0), "
             "COALESCE((SELECT e.created_at FROM conversation_events e WHERE e.conversation_id = "
             "c.id ORDER BY e.seq DESC LIMIT 1), c.created_at) AS last_activity, "
             "c.description, c.avatar_color, c.avatar "
             "FROM conversations c JOIN memberships m ON m.conversation_id = c.id "
             "WHERE m.user_id = :u ORDER BY last_activity DESC, c.id DESC"),
         soci::use(u), soci::into(c.id), soci::into(kind), soci::into(c.title),
         soci::into(c.created_at_ms), soci::into(c.last_seq), soci::into(last_activity),
         soci::into(c.description), soci::into(c.avatar_color), soci::into(c.avatar));
    st.execute();
    while (st.fetch()) {
      c.kind = kind_of(kind);
      out.push_back(c);
    }
    return out;
  } catch (...) {
    return detail::current_error(db_, "conversations_of");
  }
}

std::string encode_list_position(const list_position& p) {
  return fmt::format("{}.{}", p.last_activity_ms, p.conversation);
}

std::optional<list_position> decode_list_position(std::string_view cursor) {
  auto dot = cursor.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto number = [](std::string_view s, std::int64_t& v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return !s.empty() && ec == std::errc{} && p == s.data() + s.size();
  };
  list_position out;
  if (!number(cursor.substr(0, dot), out.last_activity_ms) ||
      !number(cursor.substr(dot + 1), out.conversation) || out.conversation <= 0)
    return std::nullopt;
  return out;
}

result<std::vector<conversation_summary>> conversation_store::summaries_of(user_id u) {
  auto page = summaries_of(u, std::numeric_limits<std::size_t>::max(), std::nullopt);
  if (!page) return page.err();
  return std::move(page->items);
}

namespace {

// ":c0, :c1, ..." for an IN list of `n` ids, each bound as a parameter.
std::string id_placeholders(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += fmt::format("{}:c{}", i ? ", " : "", i);
  return out;
}

}  // namespace

result<summary_page> conversation_store::summaries_of(user_id u, std::size_t limit,
                                                      std::optional<list_position> after) {
  try {
    summary_page page;
    auto& out = page.items;
    std::unordered_map<conversation_id, std::size_t> at;
    // Every statement reads the page only: first its ids (from the memberships index, in list
    // order), then those conversations' rows and counts, members, last events.
    {  // 1: the page's conversations, one more than asked to know whether there are more
      const auto wanted = static_cast<std::int64_t>(
          std::min<std::size_t>(limit, std::numeric_limits<std::int32_t>::max() - 1) + 1);
      conversation_id conv = 0;
      std::int64_t activity = 0;
      const list_position from = after.value_or(list_position{});
      soci::statement st(db_.sql());
      st.exchange(soci::into(conv));
      st.exchange(soci::into(activity));
      st.exchange(soci::use(u));
      if (after) {
        // (activity, id) below the cursor's: a range on the index's second column, the ties
        // filtered within it (written so both MariaDB and SQLite use the range).
        st.exchange(soci::use(from.last_activity_ms));
        st.exchange(soci::use(from.last_activity_ms));
        st.exchange(soci::use(from.conversation));
      }
      st.exchange(soci::use(wanted));
      st.alloc();
      st.prepare(std::string("SELECT m.conversation_id, m.last_activity FROM memberships m "
                             "WHERE m.user_id = :u ") +
                 (after ? "AND m.last_activity <= :a AND (m.last_activity < :b OR "
                          "m.conversation_id < :c) "
                        : "") +
                 "ORDER BY m.last_activity DESC, m.conversation_id DESC LIMIT :n");
      st.define_and_bind();
      st.execute();
      while (st.fetch()) {
        if (out.size() == limit) {
          page.more = true;
          break;
        }
        at.emplace(conv, out.size());
        conversation_summary s;
        s.c.id = conv;
        s.last_activity_ms = activity;
        out.push_back(std::move(s));
      }
    }
    if (out.empty()) return page;
    std::vector<conversation_id> ids;
    ids.reserve(out.size());
    for (auto& x : out) ids.push_back(x.c.id);
    const std::string in_page = id_placeholders(ids.size());
    {  // 2: their rows, last seq, the user's read position, unread messages and mentions
      conversation c;
      std::string kind;
      seq_t read = 0;
      std::int64_t unread = 0, mentioned = 0;
      soci::statement st(db_.sql());
      st.exchange(soci::into(c.id));
      st.exchange(soci::into(kind));
      st.exchange(soci::into(c.title));
      st.exchange(soci::into(c.created_at_ms));
      st.exchange(soci::into(c.description));
      st.exchange(soci::into(c.avatar_color));
      st.exchange(soci::into(c.avatar));
      st.exchange(soci::into(c.last_seq));
      st.exchange(soci::into(read));
      st.exchange(soci::into(unread));
      st.exchange(soci::into(mentioned));
      st.exchange(soci::use(u));
      st.exchange(soci::use(u));
      st.exchange(soci::use(u));
      for (auto& id : ids) st.exchange(soci::use(id));
      st.alloc();
      st.prepare(
          "SELECT c.id, c.kind, c.title, c.created_at, c.description, c.avatar_color, c.avatar, "
          "COALESCE((SELECT MAX(e.seq) FROM conversation_events e WHERE e.conversation_id = "
          "c.id), 0), COALESCE(r.seq, 0), "
          // Unread: messages by others after the read position; membership events never count.
          "(SELECT COUNT(*) FROM conversation_events e WHERE e.conversation_id = c.id AND e.seq > "
          "COALESCE(r.seq, 0) AND e.type = 'message' AND e.sender_id <> :v), "
          // Mentions of the user after the read position (the mentions projection).
          "(SELECT COUNT(*) FROM mentions x WHERE x.conversation_id = c.id AND x.user_id = :w "
          "AND x.seq > COALESCE(r.seq, 0)) "
          "FROM conversations c LEFT JOIN read_positions r ON r.conversation_id = c.id AND "
          "r.user_id = :u WHERE c.id IN (" +
          in_page + ")");
      st.define_and_bind();
      st.execute();
      while (st.fetch()) {
        auto it = at.find(c.id);
        if (it == at.end()) continue;
        auto& s = out[it->second];
        c.kind = kind_of(kind);
        s.c = c;
        s.read_seq = read;
        s.unread = unread;
        s.unread_mentions = mentioned;
      }
    }
    {  // 2: every member of the page's conversations, with usernames
      conversation_id conv = 0;
      user member;
      std::string role;
      soci::statement st(db_.sql());
      st.exchange(soci::into(conv));
      st.exchange(soci::into(member.id));
      st.exchange(soci::into(member.username));
      st.exchange(soci::into(role));
      for (auto& id : ids) st.exchange(soci::use(id));
      st.alloc();
      st.prepare(
          "SELECT m.conversation_id, us.id, us.username, m.role FROM memberships m "
          "JOIN users us ON us.id = m.user_id WHERE m.conversation_id IN (" +
          in_page + ") ORDER BY m.conversation_id, us.id");
      st.define_and_bind();
      st.execute();
      while (st.fetch())
        if (auto it = at.find(conv); it != at.end()) {
          out[it->second].members.push_back(member);
          out[it->second].roles.push_back(role);
        }
    }
    {  // 3: the last event of each, with the names it mentions
      detail::event_row row;
      std::string sender_name, subject_name;
      soci::statement st(db_.sql());
      row.bind(st);
      st.exchange(soci::into(sender_name));
      st.exchange(soci::into(subject_name));
      for (auto& id : ids) st.exchange(soci::use(id));
      st.alloc();
      st.prepare("SELECT " + detail::event_columns_of("e") +
                 ", COALESCE(su.username, ''), COALESCE(sj.username, '') "
                 "FROM conversation_events e "
                 "LEFT JOIN users su ON su.id = e.sender_id "
                 "LEFT JOIN users sj ON sj.id = e.subject_id "
                 "WHERE e.conversation_id IN (" +
                 in_page +
                 ") AND e.seq = (SELECT MAX(x.seq) FROM conversation_events x WHERE "
                 "x.conversation_id = e.conversation_id)");
      st.define_and_bind();
      st.execute();
      while (st.fetch()) {
        auto it = at.find(row.e.conversation);
        if (it == at.end()) continue;
        auto& s = out[it->second];
        s.last_event = row.get();
        s.last_sender_name = sender_name;
        s.last_subject_name = subject_name;
      }
    }
    return page;
  } catch (...) {
    return detail::current_error(db_, "summaries_of");
  }
}

result<std::vector<user_id>> conversation_store::contacts_of(user_id u) {
  try {
    std::vector<user_id> out;
    user_id other = 0;
    soci::statement st =
        (db_.sql().prepare << "SELECT DISTINCT m.user_id FROM memberships mine "
                              "JOIN memberships m ON m.conversation_id = mine.conversation_id "
                              "WHERE mine.user_id = :u AND m.user_id <> :v ORDER BY m.user_id",
         soci::use(u), soci::use(u), soci::into(other));
    st.execute();
    while (st.fetch()) out.push_back(other);
    return out;
  } catch (...) {
    return detail::current_error(db_, "contacts_of");
  }
}

result<std::vector<user>> conversation_store::names_in(conversation_id c, seq_t after_seq) {
  try {
    std::vector<user> out;
    user row;
    soci::statement st =
        (db_.sql().prepare
             << "SELECT us.id, us.username FROM users us WHERE "
                "us.id IN (SELECT m.user_id FROM memberships m WHERE m.conversation_id = :c) OR "
                "us.id IN (SELECT e.sender_id FROM conversation_events e WHERE "
                "e.conversation_id = :c2 AND e.seq > :s) OR "
                "us.id IN (SELECT e.subject_id FROM conversation_events e WHERE "
                "e.conversation_id = :c3 AND e.seq > :s2) ORDER BY us.id",
         soci::use(c), soci::use(c), soci::use(after_seq), soci::use(c), soci::use(after_seq),
         soci::into(row.id), soci::into(row.username));
    st.execute();
    while (st.fetch()) out.push_back(row);
    return out;
  } catch (...) {
    return detail::current_error(db_, "names_in");
  }
}

status conversation_store::set_read(conversation_id c, user_id u, seq_t seq) {
  try {
    if (db_.kind() == backend::sqlite)
      db_.sql() << "INSERT INTO read_positions (conversation_id, user_id, seq) VALUES (:c, :u, :s) "
                   "ON CONFLICT (conversation_id, user_id) DO UPDATE SET seq = MAX(seq, "
                   "excluded.seq)",
          soci::use(c), soci::use(u), soci::use(seq);
    else
      db_.sql() << "INSERT INTO read_positions (conversation_id, user_id, seq) VALUES (:c, :u, :s) "
                   "ON DUPLICATE KEY UPDATE seq = GREATEST(seq, VALUES(seq))",
          soci::use(c), soci::use(u), soci::use(seq);
    return success();
  } catch (...) {
    return detail::current_error(db_, "set_read");
  }
}

result<seq_t> conversation_store::read_seq(conversation_id c, user_id u) {
  try {
    seq_t seq = 0;
    db_.sql() << "SELECT seq FROM read_positions WHERE conversation_id = :c AND user_id = :u",
        soci::use(c), soci::use(u), soci::into(seq);
    if (!db_.sql().got_data()) return seq_t{0};
    return seq;
  } catch (...) {
    return detail::current_error(db_, "read_seq");
  }
}

}  // namespace chat::persistence
