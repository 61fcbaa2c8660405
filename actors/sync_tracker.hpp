#pragma once
// A connection's delivery bookkeeping, apart from its actor: which seqs of each conversation the
// connection has written, which live events wait behind a sync replay, and which syncs are still
// running. No CAF, no database: the connection actor feeds it events and writes what it returns,
// so that each conversation's events reach the client once each, in seq order
// (docs/protocol.md §10).
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "persistence/types.hpp"
#include "protocol/messages.hpp"

namespace chat::actors {

class sync_tracker {
 public:
  using frame = std::shared_ptr<const std::string>;
  using conversation_id = persistence::conversation_id;
  using seq_t = persistence::seq_t;

  /// Most live events held between welcome and the first request; beyond that they are released
  /// (a client this far behind gets them before its replay rather than not at all).
  static constexpr std::size_t held_capacity = 4096;

  /// One conversation to replay: every event after `after`, page by page.
  struct replay {
    conversation_id conversation = 0;
    seq_t after = 0;
  };

  /// What a sync request starts: its replays, or (nothing to replay) its answer right away.
  struct sync_start {
    int op = 0;
    std::vector<replay> replays;
    std::optional<protocol::sync_done_frame> done;
  };

  /// After welcome: hold live events until the client's first request (or release()), so that a
  /// sync sent after the welcome replays its gap before them.
  void hold();
  bool holding() const { return holding_; }
  /// The client's first request was not a sync, or the hold expired: write what was held.
  void release(std::vector<frame>& out);

  /// A live event (seq > 0) or an unsequenced frame (seq == 0: typing, read receipts).
  void on_live(conversation_id conv, seq_t seq, frame f, std::vector<frame>& out);

  /// A sync request. Ends the hold: held events of the listed conversations wait for their
  /// replay, the others are written now. A conversation already being replayed, or listed twice,
  /// is left to the replay that runs.
  sync_start begin_sync(const protocol::sync_req& req, std::vector<frame>& out);
  /// An event of a running replay: whether to write it (false: this connection sent it already).
  bool on_replayed(conversation_id conv, seq_t seq);
  /// The replay of `conv` (started from `from`) ended; `reached` is false when it was refused
  /// (not a member, no such conversation, storage trouble). Writes the live events that waited
  /// behind it; returns the sync_done frame once every replay of `op` ended.
  std::optional<protocol::sync_done_frame> end_replay(int op, conversation_id conv, seq_t from,
                                                      bool reached, std::vector<frame>& out);

  /// The seqs this connection has written of `conv`: [first_sent, sent_upto] (0, 0 if none).
  std::pair<seq_t, seq_t> sent(conversation_id conv) const;

  /// What chatctl inspect connection shows of the sync state.
  struct summary {
    std::int64_t streamed = 0, syncing = 0, buffered = 0, syncs_running = 0, held = 0;
    std::int64_t memory_bytes = 0;  ///< estimate of the buffers
  };
  summary summarize() const;

 private:
  struct live_event {
    seq_t seq = 0;
    frame f;
  };
  /// Everything written of one conversation is the contiguous range [first_sent, sent_upto]
  /// (live delivery is in order; replays start where the client was).
  struct stream {
    seq_t first_sent = 0;
    seq_t sent_upto = 0;
    bool syncing = false;
    seq_t skip_lo = 1, skip_hi = 0;    ///< range already written when the sync started
    std::vector<live_event> buffered;  ///< live events that arrived during the replay
  };
  struct sync_op {
    std::string ref;
    std::vector<protocol::sync_position> reached;
    std::size_t left = 0;
  };

  struct held_event {
    conversation_id conversation = 0;
    live_event event;
  };

  static void deliver(stream& s, live_event& e, std::vector<frame>& out);

  bool holding_ = false;
  std::vector<held_event> held_;  ///< in arrival order (each conversation's in seq order)
  std::unordered_map<conversation_id, stream> streams_;
  std::unordered_map<int, sync_op> syncs_;
  int next_op_ = 0;
};

}  // namespace chat::actors
