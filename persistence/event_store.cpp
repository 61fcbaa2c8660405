#include "persistence/event_store.hpp"

#include <fmt/format.h>
#include <soci/soci.h>

#include <algorithm>
#include <set>
#include <tuple>
#include <unordered_map>

#include "persistence/event_row.hpp"
#include "persistence/kinds.hpp"
#include "persistence/sql_error.hpp"

namespace chat::persistence {

namespace {

using detail::event_columns;
using detail::event_row;

// One multi-row INSERT per chunk (TOOLCHAIN.md: SOCI's vector use() is no faster on MySQL); chunks
// keep the statement under max_allowed_packet and SQLite's bound-variable limit.
constexpr size_t max_rows_per_insert = 500;
constexpr size_t max_bytes_per_insert = 4 << 20;

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

bool is_membership_add(std::string_view type) {
  return type == "member_added";
}
bool is_membership_drop(std::string_view type) {
  return type == "member_removed" || type == "member_left";
}

void insert_chunk(database& db, std::span<const event> rows) {
  std::string q = fmt::format("INSERT INTO conversation_events ({}) VALUES ", event_columns);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i) q += ", ";
    q += fmt::format(
        "(:c{0}, :s{0}, :e{0}, :t{0}, :u{0}, :m{0}, :j{0}, :p{0}, :a{0}, :g{0}, :r{0}, :n{0}, "
        ":f{0})",
        i);
  }
  // Indicators must outlive execute(); the values are bound by reference from `rows`.
  std::vector<soci::indicator> msg_ind(rows.size());
  std::vector<std::string> mention_text(rows.size());
  soci::statement st(db.sql());
  for (size_t i = 0; i < rows.size(); ++i) {
    const event& e = rows[i];
    msg_ind[i] = e.client_msg_id.empty() ? soci::i_null : soci::i_ok;
    st.exchange(soci::use(e.conversation));
    st.exchange(soci::use(e.seq));
    st.exchange(soci::use(e.event_id));
    st.exchange(soci::use(e.type));
    st.exchange(soci::use(e.sender));
    st.exchange(soci::use(e.client_msg_id, msg_ind[i]));
    st.exchange(soci::use(e.subject));
    st.exchange(soci::use(e.payload));
    st.exchange(soci::use(e.created_at_ms));
    st.exchange(soci::use(e.target));
    st.exchange(soci::use(e.reply_to));
    mention_text[i] = encode_ids(e.mentions);
    st.exchange(soci::use(mention_text[i]));
    st.exchange(soci::use(e.attachments));
  }
  st.alloc();
  st.prepare(q);
  st.define_and_bind();
  st.execute(true);
}

// SQLite is in-process: one prepared single-row INSERT re-executed per event is its fast path (a
// statement with thousands of placeholders costs more to prepare than the rows cost to insert).
void insert_each(database& db, std::span<const event> rows) {
  event row;
  std::string mention_text;
  soci::indicator msg_ind = soci::i_ok;
  soci::statement st =
      (db.sql().prepare << fmt::format("INSERT INTO conversation_events ({}) VALUES (:c, :s, :e, "
                                       ":t, :u, :m, :j, :p, :a, :g, :r, :n, :f)",
                                       event_columns),
       soci::use(row.conversation), soci::use(row.seq), soci::use(row.event_id),
       soci::use(row.type), soci::use(row.sender), soci::use(row.client_msg_id, msg_ind),
       soci::use(row.subject), soci::use(row.payload), soci::use(row.created_at_ms),
       soci::use(row.target), soci::use(row.reply_to), soci::use(mention_text),
       soci::use(row.attachments));
  for (const auto& e : rows) {
    row = e;
    mention_text = encode_ids(e.mentions);
    msg_ind = e.client_msg_id.empty() ? soci::i_null : soci::i_ok;
    st.execute(true);
  }
}

void apply_membership(database& db, const event& e) {
  user_id who = e.subject != 0 ? e.subject : e.sender;
  if (is_membership_add(e.type)) {
    // The payload names the role; anything else (older events carry "") means member.
    std::string role =
        e.payload == "owner" || e.payload == "admin" ? e.payload : std::string("member");
    // A direct conversation's rows exist from its creation: the event changes nothing then.
    if (db.kind() == backend::sqlite)
      db.sql() << "INSERT INTO memberships (conversation_id, user_id, joined_seq, role) "
                  "VALUES (:c, :u, :s, :r) ON CONFLICT (conversation_id, user_id) DO NOTHING",
          soci::use(e.conversation), soci::use(who), soci::use(e.seq), soci::use(role);
    else
      db.sql() << "INSERT INTO memberships (conversation_id, user_id, joined_seq, role) "
                  "VALUES (:c, :u, :s, :r) ON DUPLICATE KEY UPDATE joined_seq = joined_seq",
          soci::use(e.conversation), soci::use(who), soci::use(e.seq), soci::use(role);
  } else if (is_membership_drop(e.type)) {
    db.sql() << "DELETE FROM memberships WHERE conversation_id = :c AND user_id = :u",
        soci::use(e.conversation), soci::use(who);
  }
}

void insert_mentions(database& db, conversation_id c, seq_t seq, const std::vector<user_id>& who) {
  for (auto u : who)
    db.sql() << "INSERT INTO mentions (conversation_id, user_id, seq) VALUES (:c, :u, :s)",
        soci::use(c), soci::use(u), soci::use(seq);
}

/// The projections an event drives besides memberships: roles, the conversation row, mentions
/// and the redaction of a deleted message.
void apply_projection(database& db, const event& e) {
  if (e.type == kind::message) {
    insert_mentions(db, e.conversation, e.seq, e.mentions);
  } else if (e.type == kind::message_edited) {
    db.sql() << "DELETE FROM mentions WHERE conversation_id = :c AND seq = :s",
        soci::use(e.conversation), soci::use(e.target);
    insert_mentions(db, e.conversation, e.target, e.mentions);
  } else if (e.type == kind::message_deleted) {
    // Delete means gone: the text of the message and of every edit of it is blanked in the log
    // (the one write to an existing event row); the events themselves stay, so seqs never move.
    std::string edited(kind::message_edited);
    db.sql()
        << "UPDATE conversation_events SET payload = '', mentions = '', attachments = '' WHERE "
           "conversation_id = :c AND (seq = :s OR (target_seq = :t AND type = :k))",
        soci::use(e.conversation), soci::use(e.target), soci::use(e.target), soci::use(edited);
    db.sql() << "DELETE FROM mentions WHERE conversation_id = :c AND seq = :s",
        soci::use(e.conversation), soci::use(e.target);
    // Its files go with it: nobody fetches them through this message any more.
    db.sql() << "DELETE FROM message_attachments WHERE conversation_id = :c AND seq = :s",
        soci::use(e.conversation), soci::use(e.target);
  } else if (e.type == kind::role_changed) {
    db.sql() << "UPDATE memberships SET role = :r WHERE conversation_id = :c AND user_id = :u",
        soci::use(e.payload), soci::use(e.conversation), soci::use(e.subject);
  } else if (e.type == kind::renamed) {
    db.sql() << "UPDATE conversations SET title = :t WHERE id = :c", soci::use(e.payload),
        soci::use(e.conversation);
  } else if (e.type == kind::description_changed) {
    db.sql() << "UPDATE conversations SET description = :t WHERE id = :c", soci::use(e.payload),
        soci::use(e.conversation);
  } else if (e.type == kind::avatar_color_changed) {
    db.sql() << "UPDATE conversations SET avatar_color = :t WHERE id = :c", soci::use(e.payload),
        soci::use(e.conversation);
  } else if (e.type == kind::avatar_changed) {
    db.sql() << "UPDATE conversations SET avatar = :t WHERE id = :c", soci::use(e.payload),
        soci::use(e.conversation);
  }
}

// The conversation list's order (memberships.last_activity, migration 0006): each conversation
// now last active at the given time, for every member row (those the batch added included). One
// statement however many conversations.
void touch_activity(database& db, std::span<const activity> newest) {
  // Chunks keep the statement under SQLite's bound-variable limit whatever --max-batch says.
  constexpr size_t per_statement = 1000;
  for (size_t begin = 0; begin < newest.size(); begin += per_statement) {
    auto chunk = std::span(newest).subspan(begin, std::min(per_statement, newest.size() - begin));
    std::string cases, in;
    for (size_t i = 0; i < chunk.size(); ++i) {
      cases += fmt::format(" WHEN :w{0} THEN :t{0}", i);
      in += fmt::format("{}:i{}", i ? ", " : "", i);
    }
    soci::statement st(db.sql());
    for (const auto& n : chunk) {
      st.exchange(soci::use(n.conversation));
      st.exchange(soci::use(n.at_ms));
    }
    for (const auto& n : chunk) st.exchange(soci::use(n.conversation));
    st.alloc();
    st.prepare(fmt::format(
        "UPDATE memberships SET last_activity = CASE conversation_id{} END WHERE conversation_id "
        "IN ({})",
        cases, in));
    st.define_and_bind();
    st.execute(true);
  }
}

// Who may fetch an attachment follows from the messages that reference it.
void link_attachments(database& db, std::span<const event> batch) {
  for (const auto& e : batch)
    for (const auto& id : e.attachment_ids)
      db.sql() << "INSERT INTO message_attachments (attachment_id, conversation_id, seq) VALUES "
                  "(:a, :c, :s)",
          soci::use(id), soci::use(e.conversation), soci::use(e.seq);
}

std::string shorten(std::string_view s) {
  return s.size() <= 64 ? std::string(s) : std::string(s.substr(0, 64)) + "...";
}

/// Every event `SELECT event_columns FROM conversation_events WHERE <where>` finds, `values`
/// bound to its placeholders in order (`where` may end in ORDER BY and LIMIT). The one reader
/// of event rows: SOCI errors propagate to the caller.
template <class... Values>
std::vector<event> select_events(database& db, std::string_view where, const Values&... values) {
  std::vector<event> out;
  event_row row;
  soci::statement st(db.sql());
  (st.exchange(soci::use(values)), ...);
  row.bind(st);
  st.alloc();
  st.prepare(fmt::format("SELECT {} FROM conversation_events WHERE {}", event_columns, where));
  st.define_and_bind();
  st.execute();
  while (st.fetch()) out.push_back(row.get());
  return out;
}

enum class page_direction { after, before };

/// Up to `limit` events on one side of `bound`, ascending either way (the newest ones below a
/// `before` bound, read descending and turned around). SOCI errors propagate to the caller.
std::vector<event> read_page(database& db, conversation_id c, seq_t bound, int limit,
                             page_direction dir) {
  const bool after = dir == page_direction::after;
  auto out = select_events(db,
                           after ? "conversation_id = :c AND seq > :b ORDER BY seq ASC LIMIT :l"
                                 : "conversation_id = :c AND seq < :b ORDER BY seq DESC LIMIT :l",
                           c, bound, limit);
  if (!after) std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<activity> newest_activity(std::span<const event> batch) {
  std::vector<activity> newest;
  std::unordered_map<conversation_id, size_t> at;
  for (const auto& e : batch) {
    auto [it, fresh] = at.emplace(e.conversation, newest.size());
    if (fresh)
      newest.push_back({e.conversation, e.created_at_ms});
    else
      newest[it->second].at_ms = std::max(newest[it->second].at_ms, e.created_at_ms);
  }
  return newest;
}

status event_store::append(std::span<const event> batch) {
  return append(batch, newest_activity(batch));
}

status event_store::append(std::span<const event> batch, std::span<const activity> touched) {
  if (batch.empty()) return success();
  try {
    detail::transaction tx(db_);
    size_t begin = db_.kind() == backend::sqlite ? batch.size() : 0;
    if (db_.kind() == backend::sqlite) insert_each(db_, batch);
    while (begin < batch.size()) {
      size_t end = begin, bytes = 0;
      while (end < batch.size() && end - begin < max_rows_per_insert &&
             (end == begin || bytes + batch[end].payload.size() < max_bytes_per_insert)) {
        bytes += batch[end].payload.size() + batch[end].client_msg_id.size() + 64;
        ++end;
      }
      insert_chunk(db_, batch.subspan(begin, end - begin));
      begin = end;
    }
    for (const auto& e : batch) {
      if (is_membership_add(e.type) || is_membership_drop(e.type)) apply_membership(db_, e);
      apply_projection(db_, e);
    }
    link_attachments(db_, batch);
    touch_activity(db_, touched);  // last: the member rows stay locked only until the commit
    tx.commit();
    return success();
  } catch (...) {
    auto err = detail::current_error(db_, "append");
    if (err.code == errc::unavailable &&
        (contains(err.message, "Deadlock") || contains(err.message, "Lock wait")))
      return error{errc::seq_conflict,
                   fmt::format("append: lost a race with another writer ({}); retry", err.message)};
    if (err.code != errc::duplicate) return err;
    // The transaction is rolled back by now: tell the caller which key was hit.
    bool client_key =
        contains(err.message, "uq_events_client_msg") || contains(err.message, "client_msg_id");
    if (!client_key) {
      return error{errc::seq_conflict,
                   fmt::format("append: seq {} of conversation {} is already taken; retry with "
                               "the current last seq",
                               batch.front().seq, batch.front().conversation)};
    }
    std::set<std::tuple<conversation_id, user_id, std::string_view>> seen;
    for (const auto& e : batch) {
      if (e.client_msg_id.empty()) continue;
      bool dup = !seen.emplace(e.conversation, e.sender, e.client_msg_id).second;
      if (!dup) {
        auto found = find_by_client_msg_id(e.conversation, e.sender, e.client_msg_id);
        dup = found.ok() && found->has_value();
      }
      if (dup)
        return error{errc::duplicate,
                     fmt::format("append: duplicate client_msg_id '{}' from sender {} in "
                                 "conversation {}",
                                 shorten(e.client_msg_id), e.sender, e.conversation)};
    }
    return error{errc::duplicate, fmt::format("append: duplicate client_msg_id ({})", err.message)};
  }
}

status event_store::touch(std::span<const activity> touched) {
  if (touched.empty()) return success();
  try {
    detail::transaction tx(db_);
    touch_activity(db_, touched);
    tx.commit();
    return success();
  } catch (...) {
    return detail::current_error(db_, "touch");
  }
}

result<std::vector<event>> event_store::read_after(conversation_id c, seq_t after, int limit) {
  if (limit <= 0) return std::vector<event>{};
  try {
    return read_page(db_, c, after, limit, page_direction::after);
  } catch (...) {
    return detail::current_error(db_, "read_after");
  }
}

result<std::vector<event>> event_store::read_before(conversation_id c, seq_t before, int limit) {
  if (limit <= 0) return std::vector<event>{};
  try {
    return read_page(db_, c, before, limit, page_direction::before);
  } catch (...) {
    return detail::current_error(db_, "read_before");
  }
}

result<seq_t> event_store::last_seq(conversation_id c) {
  try {
    seq_t last = 0;
    db_.sql() << "SELECT COALESCE(MAX(seq), 0) FROM conversation_events WHERE conversation_id = :c",
        soci::use(c), soci::into(last);
    return last;
  } catch (...) {
    return detail::current_error(db_, "last_seq");
  }
}

result<std::optional<event>> event_store::find_by_client_msg_id(conversation_id c, user_id sender,
                                                                std::string_view client_msg_id) {
  if (client_msg_id.empty()) return std::optional<event>{};
  try {
    // At most one: (conversation, sender, client_msg_id) is a unique key.
    auto found =
        select_events(db_, "conversation_id = :c AND sender_id = :u AND client_msg_id = :m", c,
                      sender, std::string(client_msg_id));
    if (found.empty()) return std::optional<event>{};
    return std::optional<event>{std::move(found.front())};
  } catch (...) {
    return detail::current_error(db_, "find_by_client_msg_id");
  }
}

}  // namespace chat::persistence

namespace chat::persistence {

result<std::vector<event>> event_store::changes_of(conversation_id c, seq_t lo, seq_t hi) {
  if (lo > hi) return std::vector<event>{};
  try {
    // target_seq is 0 for every other kind, so the range alone selects the changes.
    return select_events(
        db_, "conversation_id = :c AND target_seq >= :lo AND target_seq <= :hi ORDER BY seq", c, lo,
        hi);
  } catch (...) {
    return detail::current_error(db_, "changes_of");
  }
}

std::string encode_ids(const std::vector<user_id>& ids) {
  std::string out;
  for (auto id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(id);
  }
  return out;
}

std::vector<user_id> decode_ids(std::string_view text) {
  std::vector<user_id> out;
  user_id v = 0;
  bool any = false;
  for (char ch : text) {
    if (ch >= '0' && ch <= '9') {
      v = v * 10 + (ch - '0');
      any = true;
    } else {
      if (any) out.push_back(v);
      v = 0;
      any = false;
    }
  }
  if (any) out.push_back(v);
  return out;
}

}  // namespace chat::persistence
