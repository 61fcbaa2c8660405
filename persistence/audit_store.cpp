#include "persistence/audit_store.hpp"

#include <fmt/format.h>
#include <soci/soci.h>
#include <limits>

#include "persistence/sql_error.hpp"

namespace chat::persistence {

namespace {

/// "" or " AND conversation_id = :only" (bound by the caller when set).
std::string filter(std::optional<conversation_id> only, std::string_view glue) {
  return only ? fmt::format(" {} conversation_id = :only", glue) : std::string();
}

/// Every (conversation_id, user_id, <seq column>) row of one table, ordered, optionally of one
/// conversation: memberships and read positions have this shape. Throws SOCI's errors.
template <class Row>
std::vector<Row> user_seq_rows(database& db, std::string_view table, std::string_view seq_column,
                               seq_t Row::*seq, std::optional<conversation_id> only) {
  std::vector<Row> out;
  Row r;
  const std::string q =
      fmt::format("SELECT conversation_id, user_id, {} FROM {}{} ORDER BY conversation_id, user_id",
                  seq_column, table, filter(only, "WHERE"));
  conversation_id c = only.value_or(0);
  soci::statement st(db.sql());
  if (only)
    st = (db.sql().prepare << q, soci::use(c), soci::into(r.conversation), soci::into(r.user),
          soci::into(r.*seq));
  else
    st =
        (db.sql().prepare << q, soci::into(r.conversation), soci::into(r.user), soci::into(r.*seq));
  st.execute();
  while (st.fetch()) out.push_back(r);
  return out;
}

}  // namespace

status audit_store::for_each_event(std::optional<conversation_id> only, bool with_payload,
                                   const std::function<bool(const event&)>& fn, int page) {
  try {
    // Keyset paging on the primary key: each query is bounded and MySQL never buffers the
    // whole log client-side.
    conversation_id after_c = only ? *only : std::numeric_limits<conversation_id>::min();
    seq_t after_s = std::numeric_limits<seq_t>::min();
    const std::string q = fmt::format(
        "SELECT conversation_id, seq, event_id, type, sender_id, client_msg_id, subject_id, {}, "
        "created_at FROM conversation_events WHERE {} ORDER BY conversation_id, seq LIMIT :l",
        with_payload ? "payload" : "''",
        only ? "conversation_id = :c AND seq > :s"
             : "(conversation_id > :c OR (conversation_id = :c2 AND seq > :s))");
    while (true) {
      event row;
      soci::indicator msg_ind = soci::i_ok;
      std::vector<event> rows;
      soci::statement st(db_.sql());
      if (only) {
        st = (db_.sql().prepare << q, soci::use(after_c), soci::use(after_s), soci::use(page),
              soci::into(row.conversation), soci::into(row.seq), soci::into(row.event_id),
              soci::into(row.type), soci::into(row.sender), soci::into(row.client_msg_id, msg_ind),
              soci::into(row.subject), soci::into(row.payload), soci::into(row.created_at_ms));
      } else {
        st = (db_.sql().prepare << q, soci::use(after_c), soci::use(after_c), soci::use(after_s),
              soci::use(page), soci::into(row.conversation), soci::into(row.seq),
              soci::into(row.event_id), soci::into(row.type), soci::into(row.sender),
              soci::into(row.client_msg_id, msg_ind), soci::into(row.subject),
              soci::into(row.payload), soci::into(row.created_at_ms));
      }
      st.execute();
      while (st.fetch()) {
        if (msg_ind != soci::i_ok) row.client_msg_id.clear();
        rows.push_back(row);
      }
      for (const auto& e : rows)
        if (!fn(e)) return success();
      if (rows.size() < static_cast<std::size_t>(page)) return success();
      after_c = rows.back().conversation;
      after_s = rows.back().seq;
    }
  } catch (...) {
    return detail::current_error(db_, "scan events");
  }
}

result<std::vector<membership_row>> audit_store::memberships(std::optional<conversation_id> only) {
  try {
    return user_seq_rows<membership_row>(db_, "memberships", "joined_seq",
                                         &membership_row::joined_seq, only);
  } catch (...) {
    return detail::current_error(db_, "read memberships");
  }
}

result<std::vector<read_position_row>> audit_store::read_positions(
    std::optional<conversation_id> only) {
  try {
    return user_seq_rows<read_position_row>(db_, "read_positions", "seq", &read_position_row::seq,
                                            only);
  } catch (...) {
    return detail::current_error(db_, "read read_positions");
  }
}

status audit_store::ping() {
  try {
    int one = 0;
    db_.sql() << "SELECT 1", soci::into(one);
    return success();
  } catch (...) {
    return detail::current_error(db_, "ping");
  }
}

result<std::vector<conversation_id>> audit_store::conversation_ids(
    std::optional<conversation_id> only) {
  try {
    std::vector<conversation_id> out;
    conversation_id id = 0;
    conversation_id c = only.value_or(0);
    soci::statement st(db_.sql());
    if (only)
      st = (db_.sql().prepare << "SELECT id FROM conversations WHERE id = :c", soci::use(c),
            soci::into(id));
    else
      st = (db_.sql().prepare << "SELECT id FROM conversations ORDER BY id", soci::into(id));
    st.execute();
    while (st.fetch()) out.push_back(id);
    return out;
  } catch (...) {
    return detail::current_error(db_, "read conversations");
  }
}

}  // namespace chat::persistence
