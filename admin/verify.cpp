#include "admin/verify.hpp"

#include <fmt/format.h>

namespace chat::admin {

void log_verifier::add(std::string kind, persistence::conversation_id c, std::string detail) {
  ++count_;
  if (findings_.size() < max_findings) findings_.push_back({std::move(kind), c, std::move(detail)});
}

void log_verifier::on_event(const persistence::event& e) {
  ++events_;
  // Events come grouped by conversation: the key sets of the previous one are no longer needed.
  if (e.conversation != current_ && replay_.count(current_)) {
    auto& prev = replay_[current_];
    prev.client_ids = {};
    prev.event_ids = {};
  }
  current_ = e.conversation;
  auto& r = replay_[e.conversation];
  if (e.seq != r.last + 1) {
    if (e.seq <= r.last)
      add("seq_out_of_order", e.conversation, fmt::format("seq {} follows seq {}", e.seq, r.last));
    else if (r.last == 0)
      add("seq_gap", e.conversation, fmt::format("the log starts at seq {}, not 1", e.seq));
    else
      add("seq_gap", e.conversation,
          fmt::format("seqs {}..{} are missing (seq {} follows seq {})", r.last + 1, e.seq - 1,
                      e.seq, r.last));
  }
  r.last = std::max(r.last, e.seq);
  if (!e.client_msg_id.empty()) {
    auto key = std::to_string(e.sender) + '\x1f' + e.client_msg_id;
    auto [it, fresh] = r.client_ids.emplace(std::move(key), e.seq);
    if (!fresh)
      add("duplicate_client_msg_id", e.conversation,
          fmt::format("sender {} client_msg_id '{}' at seq {} and seq {}", e.sender,
                      e.client_msg_id.substr(0, 128), it->second, e.seq));
  }
  if (!r.event_ids.insert(e.event_id).second)
    add("duplicate_event_id", e.conversation,
        fmt::format("event_id {} appears twice (again at seq {})", e.event_id, e.seq));
  // The same rule as the store's projection (event_store::append): subject, else sender.
  auto who = e.subject != 0 ? e.subject : e.sender;
  if (e.type == "member_added") {
    r.members.emplace(who, e.seq);
    r.ever_members.insert(who);
  } else if (e.type == "member_removed" || e.type == "member_left") {
    r.members.erase(who);
  }
}

void log_verifier::check_tables(const std::vector<persistence::conversation_id>& conversations,
                                const std::vector<persistence::membership_row>& memberships,
                                const std::vector<persistence::read_position_row>& reads) {
  std::set<persistence::conversation_id> known(conversations.begin(), conversations.end());
  for (auto& [c, r] : replay_)
    if (!known.count(c))
      add("events_without_conversation", c,
          fmt::format("{} has events up to seq {} but no row in conversations", c, r.last));

  // Conversations whose log has not begun (a direct conversation is created with both members
  // before its first event) are compared only once they have events.
  std::map<persistence::conversation_id, std::map<persistence::user_id, persistence::seq_t>> table;
  for (const auto& m : memberships) {
    if (!known.count(m.conversation)) {
      add("membership_without_conversation", m.conversation,
          fmt::format("user {} is a member of conversation {}, which does not exist", m.user,
                      m.conversation));
      continue;
    }
    table[m.conversation][m.user] = m.joined_seq;
  }
  for (auto& [c, r] : replay_) {
    if (!known.count(c)) continue;
    const auto& rows = table[c];
    for (auto& [u, joined] : r.members) {
      auto it = rows.find(u);
      if (it == rows.end())
        add("membership_missing", c,
            fmt::format("the log makes user {} a member (seq {}) but memberships has no row", u,
                        joined));
      else if (it->second != 0 && it->second != joined)
        add("membership_joined_seq", c,
            fmt::format("user {}: memberships.joined_seq {} but the log adds them at seq {}", u,
                        it->second, joined));
    }
    for (auto& [u, joined] : rows)
      if (!r.members.count(u))
        add("membership_extra", c,
            fmt::format("memberships lists user {} (joined_seq {}) but the log says not a member",
                        u, joined));
  }
  for (const auto& p : reads) {
    auto it = replay_.find(p.conversation);
    persistence::seq_t last = it == replay_.end() ? 0 : it->second.last;
    if (p.seq > last)
      add("read_position_beyond_log", p.conversation,
          fmt::format("user {} has read up to seq {} but the log ends at seq {}", p.user, p.seq,
                      last));
    if (it != replay_.end() && !it->second.ever_members.count(p.user))
      add("read_position_not_member", p.conversation,
          fmt::format("user {} has a read position but the log never made them a member", p.user));
  }
}

}  // namespace chat::admin
