// A stored event as SELECT reads it: the column list and its into() bindings in one place, for
// every store that reads conversation_events (internal to the persistence library).
#pragma once

#include <soci/soci.h>

#include <string>
#include <string_view>

#include "persistence/event_store.hpp"

namespace chat::persistence::detail {

inline constexpr std::string_view event_columns =
    "conversation_id, seq, event_id, type, sender_id, client_msg_id, subject_id, payload, "
    "created_at, target_seq, reply_to, mentions, attachments";

/// `event_columns` qualified by a table alias, for joins ("e" gives "e.conversation_id, ...").
inline std::string event_columns_of(std::string_view alias) {
  std::string out;
  std::string_view rest = event_columns;
  while (!rest.empty()) {
    auto comma = rest.find(", ");
    if (!out.empty()) out += ", ";
    out.append(alias).append(".").append(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 2);
  }
  return out;
}

/// A row selected with `event_columns`: bind() adds its into() elements (first, in column order).
struct event_row {
  event e;
  soci::indicator msg_ind = soci::i_ok;
  std::string mention_text;
  void bind(soci::statement& st) {
    st.exchange(soci::into(e.conversation));
    st.exchange(soci::into(e.seq));
    st.exchange(soci::into(e.event_id));
    st.exchange(soci::into(e.type));
    st.exchange(soci::into(e.sender));
    st.exchange(soci::into(e.client_msg_id, msg_ind));
    st.exchange(soci::into(e.subject));
    st.exchange(soci::into(e.payload));
    st.exchange(soci::into(e.created_at_ms));
    st.exchange(soci::into(e.target));
    st.exchange(soci::into(e.reply_to));
    st.exchange(soci::into(mention_text));
    st.exchange(soci::into(e.attachments));
  }
  event get() const {
    event out = e;
    if (msg_ind != soci::i_ok) out.client_msg_id.clear();
    out.mentions = decode_ids(mention_text);
    return out;
  }
};

}  // namespace chat::persistence::detail
