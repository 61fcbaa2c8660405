#pragma once
// chatctl verify: replays the event log and checks what the design promises (docs/admin.md):
// seqs gapless from 1 per conversation, one event per (sender, client_msg_id), and memberships
// and read positions in the tables equal to what the log replays to. Pure: fed rows, gives
// findings; the admin command does the reading.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "persistence/audit_store.hpp"
#include "persistence/types.hpp"

namespace chat::admin {

struct finding {
  std::string kind;  ///< e.g. "seq_gap", "duplicate_client_msg_id" (docs/admin.md lists them)
  persistence::conversation_id conversation = 0;
  std::string detail;  ///< one line naming the rows
};

class log_verifier {
 public:
  /// Most findings kept (the count goes on); a badly broken log should not exhaust memory.
  static constexpr std::size_t max_findings = 1000;

  /// Events in (conversation, seq) order, as audit_store::for_each_event yields them.
  void on_event(const persistence::event& e);
  /// After the last event: compare the projections and the conversations table with the replay.
  void check_tables(const std::vector<persistence::conversation_id>& conversations,
                    const std::vector<persistence::membership_row>& memberships,
                    const std::vector<persistence::read_position_row>& reads);

  const std::vector<finding>& findings() const { return findings_; }
  std::size_t finding_count() const { return count_; }
  std::size_t events_checked() const { return events_; }
  std::size_t conversations_checked() const { return replay_.size(); }

 private:
  struct replayed {
    persistence::seq_t last = 0;
    std::map<persistence::user_id, persistence::seq_t> members;  ///< -> seq of the join
    std::set<persistence::user_id> ever_members;
    std::unordered_map<std::string, persistence::seq_t> client_ids;  ///< sender\x1fid -> seq
    std::unordered_set<std::string> event_ids;
  };
  void add(std::string kind, persistence::conversation_id c, std::string detail);

  std::map<persistence::conversation_id, replayed> replay_;
  std::vector<finding> findings_;
  std::size_t count_ = 0;
  std::size_t events_ = 0;
  persistence::conversation_id current_ = 0;
};

}  // namespace chat::admin
