#include "actors/frames.hpp"

#include <algorithm>
#include <chrono>
#include <random>

#include "persistence/kinds.hpp"
#include "protocol/parser.hpp"
#include "protocol/serializer.hpp"

namespace chat::actors {

namespace {

protocol::user_ref ref_of(persistence::user_id id, const name_map& names) {
  auto i = names.find(id);
  return {id, i == names.end() ? std::string{} : i->second};
}

}  // namespace

protocol::event_frame to_event_frame(const persistence::event& e, const name_map& names) {
  protocol::event_frame f;
  f.conversation = e.conversation;
  f.seq = e.seq;
  f.event_id = e.event_id;
  f.type = e.type;
  f.sender = ref_of(e.sender, names);
  f.client_msg_id = e.client_msg_id;
  if (e.subject != 0) f.subject = ref_of(e.subject, names);
  f.body = e.payload;
  f.ts = e.created_at_ms;
  namespace kind = persistence::kind;
  if (e.target != 0) f.target = e.target;
  if (e.reply_to != 0) f.reply_to = e.reply_to;
  for (auto u : e.mentions) f.mentions.push_back(ref_of(u, names));
  if (e.type == kind::reaction_added || e.type == kind::reaction_removed) {
    f.emoji = e.payload;
    f.body.clear();
  } else if (e.type == kind::member_added || e.type == kind::role_changed) {
    f.role = e.payload.empty() ? std::string("member") : e.payload;
    f.body.clear();
  }
  f.attachments = protocol::parse_attachments(e.attachments);
  return f;
}

void apply_state(protocol::event_frame& f, const message_state& s, const name_map& names) {
  f.body = s.deleted ? std::string{} : s.body;
  f.deleted = s.deleted;
  if (s.deleted) f.attachments.clear();  // its files went with it (event_store unlinks them)
  f.mentions.clear();
  for (auto u : s.mentions) f.mentions.push_back(ref_of(u, names));
  if (s.edited_at != 0) f.edited_ts = s.edited_at;
  f.reactions.clear();
  for (const auto& r : s.reactions) {
    auto it = std::find_if(f.reactions.begin(), f.reactions.end(),
                           [&](const protocol::reaction_info& x) { return x.emoji == r.emoji; });
    if (it == f.reactions.end()) it = f.reactions.insert(f.reactions.end(), {r.emoji, 0, {}});
    ++it->count;
    it->users.push_back(ref_of(r.user, names));
  }
}

shared_frame share(const protocol::server_frame& f) {
  return std::make_shared<const std::string>(protocol::serialize(f));
}

protocol::error_frame make_error_frame(protocol::error_code code, std::string message,
                                       std::string ref) {
  protocol::error_frame f;
  f.code = code;
  f.message = std::move(message);
  f.ref = std::move(ref);
  return f;
}

std::string random_event_id() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int half = 0; half < 2; ++half) {
    auto v = gen();
    for (int i = 0; i < 16; ++i) out[half * 16 + i] = hex[(v >> (i * 4)) & 0xf];
  }
  return out;
}

const char* kind_name(persistence::conversation_kind k) {
  return k == persistence::conversation_kind::direct ? "direct" : "group";
}

}  // namespace chat::actors
