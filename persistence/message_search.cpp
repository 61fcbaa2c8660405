#include "persistence/message_search.hpp"

#include <fmt/format.h>
#include <soci/soci.h>

#include <algorithm>
#include <limits>
#include <span>

#include "persistence/event_row.hpp"
#include "persistence/sql_error.hpp"

namespace chat::persistence {

namespace {

namespace st = search_text;

constexpr std::size_t max_grams_per_query = 8;  ///< enough to be selective; the check is exact
constexpr std::size_t max_rows_per_gram_insert = 500;

struct row {
  conversation_id conversation = 0;
  seq_t seq = 0;
  user_id sender = 0;
  std::int64_t ts = 0;
  std::string body;
  std::string username;
};

/// An FTS5 phrase: the whole query as one literal string (trigram phrases match substrings).
std::string fts_phrase(std::string_view q) {
  std::string out = "\"";
  for (char c : q) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

/// Up to `n` grams spread over the query (its first and last included).
std::vector<std::string> pick_grams(std::vector<std::string> grams, std::size_t n) {
  if (grams.size() <= n) return grams;
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(grams[i * (grams.size() - 1) / (n - 1)]);
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

struct gram_row {
  std::string gram;
  conversation_id c = 0;
  seq_t seq = 0;
};

/// Multi-row INSERTs (TOOLCHAIN.md: the fast path on MySQL), a bounded number of rows each.
void insert_gram_rows(database& db, const std::vector<gram_row>& rows) {
  for (std::size_t begin = 0; begin < rows.size(); begin += max_rows_per_gram_insert) {
    std::size_t end = std::min(rows.size(), begin + max_rows_per_gram_insert);
    std::string q = "INSERT INTO message_trigrams (gram, conversation_id, seq) VALUES ";
    soci::statement stmt(db.sql());
    for (std::size_t i = begin; i < end; ++i) {
      q += fmt::format("{}(:g{}, :c{}, :s{})", i == begin ? "" : ", ", i, i, i);
      stmt.exchange(soci::use(rows[i].gram));
      stmt.exchange(soci::use(rows[i].c));
      stmt.exchange(soci::use(rows[i].seq));
    }
    stmt.alloc();
    stmt.prepare(q);
    stmt.define_and_bind();
    stmt.execute(true);
  }
}

void add_grams(std::vector<gram_row>& out, conversation_id c, seq_t seq, std::string_view text) {
  for (auto& g : st::trigrams(st::fold(text))) out.push_back({std::move(g), c, seq});
}

void insert_grams(database& db, conversation_id c, seq_t seq, std::string_view text) {
  std::vector<gram_row> rows;
  add_grams(rows, c, seq, text);
  insert_gram_rows(db, rows);
}

struct indexed {
  std::int64_t id = 0;  ///< SQLite rowid (the FTS5 table's content_rowid)
  user_id sender = 0;
  std::int64_t ts = 0;
  std::string body;
};

std::optional<indexed> find_indexed(database& db, conversation_id c, seq_t seq) {
  indexed r;
  if (db.kind() == backend::sqlite)
    db.sql() << "SELECT id, sender_id, ts, body FROM message_search WHERE conversation_id = :c "
                "AND seq = :s",
        soci::use(c), soci::use(seq), soci::into(r.id), soci::into(r.sender), soci::into(r.ts),
        soci::into(r.body);
  else
    db.sql() << "SELECT sender_id, ts, body FROM message_search WHERE conversation_id = :c AND "
                "seq = :s",
        soci::use(c), soci::use(seq), soci::into(r.sender), soci::into(r.ts), soci::into(r.body);
  if (!db.sql().got_data()) return std::nullopt;
  return r;
}

void drop(database& db, conversation_id c, seq_t seq, const indexed& old) {
  if (db.kind() == backend::sqlite) {
    // An external-content FTS5 table forgets a row only when told its old text.
    db.sql() << "INSERT INTO message_search_fts (message_search_fts, rowid, body) VALUES "
                "('delete', :i, :b)",
        soci::use(old.id), soci::use(old.body);
  } else {
    db.sql() << "DELETE FROM message_trigrams WHERE conversation_id = :c AND seq = :s",
        soci::use(c), soci::use(seq);
  }
  db.sql() << "DELETE FROM message_search WHERE conversation_id = :c AND seq = :s", soci::use(c),
      soci::use(seq);
}

/// `fresh`: the message is new in the log, so it cannot be indexed yet (saves a lookup).
void put_row(database& db, conversation_id c, seq_t seq, user_id sender, std::int64_t ts,
             std::string_view text, bool fresh) {
  if (auto old = fresh ? std::nullopt : find_indexed(db, c, seq)) {
    sender = old->sender;
    ts = old->ts;
    drop(db, c, seq, *old);
  }
  std::string body(text);
  db.sql() << "INSERT INTO message_search (conversation_id, seq, sender_id, ts, body) VALUES "
              "(:c, :s, :u, :t, :b)",
      soci::use(c), soci::use(seq), soci::use(sender), soci::use(ts), soci::use(body);
  if (db.kind() == backend::sqlite) {
    db.sql() << "INSERT INTO message_search_fts (rowid, body) VALUES (last_insert_rowid(), :b)",
        soci::use(body);
  } else {
    insert_grams(db, c, seq, body);
  }
}

void remove_row(database& db, conversation_id c, seq_t seq) {
  if (auto old = find_indexed(db, c, seq)) drop(db, c, seq, *old);
}

enum class mode { fts, trigram, scan };

/// One chunk of candidates below `below`, newest first. Every candidate is in a conversation `u`
/// is a member of; fts candidates match already, the others still need the exact check.
std::vector<row> candidates(database& db, mode m, user_id u, const std::string& fts_query,
                            const std::vector<std::string>& grams, const st::cursor& below,
                            int limit) {
  std::string q =
      "SELECT s.conversation_id, s.seq, s.sender_id, s.ts, s.body, u.username "
      "FROM message_search s JOIN users u ON u.id = s.sender_id "
      "WHERE s.conversation_id IN (SELECT m.conversation_id FROM memberships m WHERE m.user_id = "
      ":u) AND (s.ts < :t1 OR (s.ts = :t2 AND (s.conversation_id < :c1 OR (s.conversation_id = "
      ":c2 AND s.seq < :q1)))) ";
  if (m == mode::fts) {
    q += "AND s.id IN (SELECT rowid FROM message_search_fts WHERE message_search_fts MATCH :f) ";
  } else if (m == mode::trigram) {
    q += "AND (s.conversation_id, s.seq) IN (SELECT t.conversation_id, t.seq FROM "
         "message_trigrams t WHERE t.gram IN (";
    for (std::size_t i = 0; i < grams.size(); ++i) q += fmt::format("{}:g{}", i ? ", " : "", i);
    q += ") AND t.conversation_id IN (SELECT m2.conversation_id FROM memberships m2 WHERE "
         "m2.user_id = :u2) GROUP BY t.conversation_id, t.seq HAVING COUNT(*) = :k) ";
  }
  q += "ORDER BY s.ts DESC, s.conversation_id DESC, s.seq DESC LIMIT :l";

  std::vector<row> out;
  row r;
  int k = static_cast<int>(grams.size());
  soci::statement stmt(db.sql());
  stmt.exchange(soci::use(u));
  stmt.exchange(soci::use(below.ts));
  stmt.exchange(soci::use(below.ts));
  stmt.exchange(soci::use(below.conversation));
  stmt.exchange(soci::use(below.conversation));
  stmt.exchange(soci::use(below.seq));
  if (m == mode::fts) stmt.exchange(soci::use(fts_query));
  if (m == mode::trigram) {
    for (const auto& g : grams) stmt.exchange(soci::use(g));
    stmt.exchange(soci::use(u));
    stmt.exchange(soci::use(k));
  }
  stmt.exchange(soci::use(limit));
  stmt.exchange(soci::into(r.conversation));
  stmt.exchange(soci::into(r.seq));
  stmt.exchange(soci::into(r.sender));
  stmt.exchange(soci::into(r.ts));
  stmt.exchange(soci::into(r.body));
  stmt.exchange(soci::into(r.username));
  stmt.alloc();
  stmt.prepare(q);
  stmt.define_and_bind();
  stmt.execute();
  while (stmt.fetch()) out.push_back(r);
  return out;
}

/// Whether the log has a message_deleted event for a message: the index may not have seen the
/// delete yet. One prepared lookup in ix_events_target per hit a page returns (joined into the
/// candidates query instead, both backends lost their plans: SQLite 600 ms, MariaDB timeouts).
class deleted_check {
 public:
  explicit deleted_check(database& db)
      : stmt_((db.sql().prepare << "SELECT COUNT(*) FROM conversation_events WHERE "
                                   "conversation_id = :c AND target_seq = :s AND type = "
                                   "'message_deleted'",
               soci::use(c_), soci::use(s_), soci::into(n_))) {}
  bool operator()(conversation_id c, seq_t s) {
    c_ = c;
    s_ = s;
    n_ = 0;
    stmt_.execute(true);
    return n_ > 0;
  }

 private:
  conversation_id c_ = 0;
  seq_t s_ = 0;
  int n_ = 0;
  soci::statement stmt_;
};

std::string message_text(const event& e) {
  return e.payload;
}

/// New messages of one batch: one prepared statement pair on SQLite, multi-row INSERTs on MySQL.
void insert_fresh(database& db, const std::vector<const event*>& fresh) {
  if (fresh.empty()) return;
  if (db.kind() == backend::sqlite) {
    event row;
    std::string text;
    soci::statement put =
        (db.sql().prepare << "INSERT INTO message_search (conversation_id, seq, sender_id, ts, "
                             "body) VALUES (:c, :s, :u, :t, :b)",
         soci::use(row.conversation), soci::use(row.seq), soci::use(row.sender),
         soci::use(row.created_at_ms), soci::use(text));
    soci::statement fts = (db.sql().prepare << "INSERT INTO message_search_fts (rowid, body) "
                                               "VALUES (last_insert_rowid(), :b)",
                           soci::use(text));
    for (const event* e : fresh) {
      row.conversation = e->conversation;
      row.seq = e->seq;
      row.sender = e->sender;
      row.created_at_ms = e->created_at_ms;
      text = message_text(*e);
      put.execute(true);
      fts.execute(true);
    }
    return;
  }
  std::vector<std::string> texts;
  std::vector<gram_row> grams;
  texts.reserve(fresh.size());
  for (const event* e : fresh) {
    texts.push_back(message_text(*e));
    add_grams(grams, e->conversation, e->seq, texts.back());
  }
  for (std::size_t begin = 0; begin < fresh.size(); begin += max_rows_per_gram_insert) {
    std::size_t end = std::min(fresh.size(), begin + max_rows_per_gram_insert);
    std::string q =
        "INSERT INTO message_search (conversation_id, seq, sender_id, ts, body) VALUES ";
    soci::statement stmt(db.sql());
    for (std::size_t i = begin; i < end; ++i) {
      q += fmt::format("{}(:c{}, :s{}, :u{}, :t{}, :b{})", i == begin ? "" : ", ", i, i, i, i, i);
      stmt.exchange(soci::use(fresh[i]->conversation));
      stmt.exchange(soci::use(fresh[i]->seq));
      stmt.exchange(soci::use(fresh[i]->sender));
      stmt.exchange(soci::use(fresh[i]->created_at_ms));
      stmt.exchange(soci::use(texts[i]));
    }
    stmt.alloc();
    stmt.prepare(q);
    stmt.define_and_bind();
    stmt.execute(true);
  }
  insert_gram_rows(db, grams);
}

}  // namespace

namespace detail {

void index_events(database& db, std::span<const event> batch) {
  std::vector<const event*> fresh;
  for (const auto& e : batch) {
    if (e.type == "message") {
      fresh.push_back(&e);
    } else if (e.type == "message_edited" || e.type == "message_deleted") {
      // Changes name their message by seq (`target`): flush the new ones, then apply in order,
      // so a deleted message never matches and an edited one matches its current text only.
      insert_fresh(db, fresh);
      fresh.clear();
      if (e.type == "message_edited")
        put_row(db, e.conversation, e.target, e.sender, e.created_at_ms, e.payload, false);
      else
        remove_row(db, e.conversation, e.target);
    }
  }
  insert_fresh(db, fresh);
}

}  // namespace detail

result<search_page> message_search::search(user_id u, std::string_view query,
                                           std::optional<st::cursor> below, int limit) {
  limit = std::max(1, limit);
  const std::string folded = st::fold(query);
  const bool short_query = st::code_points(folded) < 3;
  const mode m = short_query                     ? mode::scan
                 : db_.kind() == backend::sqlite ? mode::fts
                                                 : mode::trigram;
  const std::string fts_query = m == mode::fts ? fts_phrase(query) : std::string{};
  const auto grams = m == mode::trigram ? pick_grams(st::trigrams(folded), max_grams_per_query)
                                        : std::vector<std::string>{};
  st::cursor pos = below.value_or(st::cursor{std::numeric_limits<std::int64_t>::max(), 0, 0});
  try {
    search_page page;
    deleted_check is_deleted(db_);
    int examined = 0;
    bool exhausted = false;
    while (static_cast<int>(page.hits.size()) <= limit && examined < scan_budget) {
      // The index answers exactly on SQLite: one page plus one tells whether there is more.
      // Short queries scan most rows they read: fewer, larger chunks.
      int chunk = m == mode::fts       ? limit + 1
                  : m == mode::trigram ? std::min(scan_budget - examined, 4 * (limit + 1))
                                       : std::min(scan_budget - examined, 1000);
      auto rows = candidates(db_, m, u, fts_query, grams, pos, chunk);
      for (auto& r : rows) {
        ++examined;
        pos = {r.ts, r.conversation, r.seq};
        if (m != mode::fts && !st::contains(r.body, folded)) continue;
        if (is_deleted(r.conversation, r.seq)) continue;
        page.hits.push_back({r.conversation, r.seq, r.sender, std::move(r.username), r.ts,
                             st::excerpt(r.body, folded)});
        if (static_cast<int>(page.hits.size()) > limit) break;
      }
      if (static_cast<int>(rows.size()) < chunk) {
        exhausted = true;
        break;
      }
    }
    if (static_cast<int>(page.hits.size()) > limit) {
      page.hits.resize(static_cast<std::size_t>(limit));
      const auto& last = page.hits.back();
      page.next = st::cursor{last.ts, last.conversation, last.seq};
    } else if (!exhausted) {
      page.next = pos;  // the budget ran out: continue below the last row looked at
    }
    return page;
  } catch (...) {
    return detail::current_error(db_, "search");
  }
}

status message_search::put(conversation_id c, seq_t seq, user_id sender, std::int64_t ts,
                           std::string_view text) {
  try {
    detail::transaction tx(db_);
    put_row(db_, c, seq, sender, ts, text, false);
    tx.commit();
    return success();
  } catch (...) {
    return detail::current_error(db_, "search index put");
  }
}

status message_search::remove(conversation_id c, seq_t seq) {
  try {
    detail::transaction tx(db_);
    remove_row(db_, c, seq);
    tx.commit();
    return success();
  } catch (...) {
    return detail::current_error(db_, "search index remove");
  }
}

namespace {

/// The message, edit and delete events of `ranges`, in log order per conversation.
std::vector<event> read_indexable(database& db, std::span<const seq_range> ranges) {
  std::string q = fmt::format(
      "SELECT {} FROM conversation_events WHERE type IN ('message', "
      "'message_edited', 'message_deleted') AND (",
      detail::event_columns);
  soci::statement stmt(db.sql());
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    q += fmt::format("{}(conversation_id = :c{} AND seq > :a{} AND seq <= :u{})", i ? " OR " : "",
                     i, i, i);
    stmt.exchange(soci::use(ranges[i].conversation));
    stmt.exchange(soci::use(ranges[i].after));
    stmt.exchange(soci::use(ranges[i].upto));
  }
  q += ") ORDER BY conversation_id, seq";
  detail::event_row row;
  row.bind(stmt);
  stmt.alloc();
  stmt.prepare(q);
  stmt.define_and_bind();
  stmt.execute();
  std::vector<event> out;
  while (stmt.fetch()) out.push_back(row.get());
  return out;
}

void write_watermarks(database& db, std::span<const seq_range> ranges) {
  conversation_id c = 0;
  seq_t upto = 0;
  soci::statement stmt =
      (db.sql().prepare << (db.kind() == backend::sqlite
                                ? "INSERT INTO search_watermarks (conversation_id, indexed_seq) "
                                  "VALUES (:c, :s) ON CONFLICT (conversation_id) DO UPDATE SET "
                                  "indexed_seq = excluded.indexed_seq"
                                : "INSERT INTO search_watermarks (conversation_id, indexed_seq) "
                                  "VALUES (:c, :s) ON DUPLICATE KEY UPDATE indexed_seq = "
                                  "VALUES(indexed_seq)"),
       soci::use(c), soci::use(upto));
  for (const auto& r : ranges) {
    c = r.conversation;
    upto = r.upto;
    stmt.execute(true);
  }
}

}  // namespace

result<std::size_t> message_search::index_ranges(std::span<const seq_range> ranges) {
  return index_ranges(ranges, {}, ranges);
}

result<std::size_t> message_search::index_ranges(std::span<const seq_range> ranges,
                                                 std::span<const event> known,
                                                 std::span<const seq_range> to_read) {
  if (ranges.empty()) return std::size_t{0};
  try {
    detail::transaction tx(db_);
    // Order across conversations does not matter; within one, each source is in seq order.
    detail::index_events(db_, known);
    std::size_t n = known.size();
    if (!to_read.empty()) {
      auto events = read_indexable(db_, to_read);
      detail::index_events(db_, events);
      n += events.size();
    }
    write_watermarks(db_, ranges);
    tx.commit();
    return n;
  } catch (...) {
    return detail::current_error(db_, "search index");
  }
}

result<std::vector<seq_t>> message_search::watermarks(std::span<const conversation_id> convs) {
  try {
    std::vector<seq_t> out;
    out.reserve(convs.size());
    seq_t w = 0;
    conversation_id c = 0;
    soci::indicator ind = soci::i_ok;
    soci::statement stmt =
        (db_.sql().prepare
             << "SELECT indexed_seq FROM search_watermarks WHERE conversation_id = :c",
         soci::use(c), soci::into(w, ind));
    for (auto id : convs) {
      c = id;
      w = 0;
      stmt.execute(true);
      out.push_back(db_.sql().got_data() && ind == soci::i_ok ? w : 0);
    }
    return out;
  } catch (...) {
    return detail::current_error(db_, "search watermarks");
  }
}

result<std::vector<seq_range>> message_search::unindexed() {
  try {
    std::vector<seq_range> out;
    seq_range r;
    soci::statement stmt =
        (db_.sql().prepare
             << "SELECT x.c, COALESCE(w.indexed_seq, 0), x.m FROM (SELECT conversation_id AS c, "
                "MAX(seq) AS m FROM conversation_events GROUP BY conversation_id) x LEFT JOIN "
                "search_watermarks w ON w.conversation_id = x.c WHERE x.m > "
                "COALESCE(w.indexed_seq, 0) ORDER BY x.c",
         soci::into(r.conversation), soci::into(r.after), soci::into(r.upto));
    stmt.execute();
    while (stmt.fetch()) out.push_back(r);
    return out;
  } catch (...) {
    return detail::current_error(db_, "search backlog");
  }
}

status message_search::prepare_indexer_connection(database& db) {
  if (db.kind() != backend::sqlite) return success();
  try {
    db.sql() << "PRAGMA synchronous=NORMAL";
    return success();
  } catch (...) {
    return detail::current_error(db, "search indexer connection");
  }
}

status message_search::catch_up() {
  auto todo = unindexed();
  if (!todo) return todo.err();
  constexpr seq_t step = 1000;
  for (auto r : *todo) {
    for (seq_t at = r.after; at < r.upto; at += step) {
      seq_range one{r.conversation, at, std::min(r.upto, at + step)};
      auto done = index_ranges(std::span<const seq_range>(&one, 1));
      if (!done) return done.err();
    }
  }
  return success();
}

void detail::rebuild_search_index(database& db_) {
  if (db_.kind() == backend::sqlite) {
    db_.sql() << "INSERT INTO message_search_fts (message_search_fts) VALUES ('delete-all')";
  } else {
    db_.sql() << "DELETE FROM message_trigrams";
  }
  db_.sql() << "DELETE FROM message_search";
  // Replays the log in order, one conversation page at a time, through the append path's code.
  conversation_id conv = 0;
  seq_t seq = 0;
  constexpr int page = 500;
  while (true) {
    std::vector<event> batch;
    event e;
    soci::indicator cmid = soci::i_ok;
    soci::statement stmt =
        (db_.sql().prepare
             << "SELECT conversation_id, seq, type, sender_id, client_msg_id, subject_id, "
                "payload, created_at, target_seq FROM conversation_events WHERE "
                "conversation_id > :c1 OR "
                "(conversation_id = :c2 AND seq > :s) ORDER BY conversation_id, seq LIMIT :l",
         soci::use(conv), soci::use(conv), soci::use(seq), soci::use(page),
         soci::into(e.conversation), soci::into(e.seq), soci::into(e.type), soci::into(e.sender),
         soci::into(e.client_msg_id, cmid), soci::into(e.subject), soci::into(e.payload),
         soci::into(e.created_at_ms), soci::into(e.target));
    stmt.execute();
    while (stmt.fetch()) batch.push_back(e);
    detail::index_events(db_, batch);
    if (static_cast<int>(batch.size()) < page) break;
    conv = batch.back().conversation;
    seq = batch.back().seq;
  }
}

status message_search::rebuild() {
  try {
    detail::transaction tx(db_);
    detail::rebuild_search_index(db_);
    db_.sql() << "DELETE FROM search_watermarks";
    db_.sql() << "INSERT INTO search_watermarks (conversation_id, indexed_seq) SELECT "
                 "conversation_id, MAX(seq) FROM conversation_events GROUP BY conversation_id";
    tx.commit();
    return success();
  } catch (...) {
    return detail::current_error(db_, "search index rebuild");
  }
}

}  // namespace chat::persistence
