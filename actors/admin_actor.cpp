#include "actors/admin_actor.hpp"

#include <array>
#include <deque>
#include <memory>
#include <unordered_map>

#include "actors/messages.hpp"
#include "actors/observed_actor.hpp"

namespace chat::actors {

namespace {

using clock_type = std::chrono::steady_clock;
/// An actor that has not answered an inspection by then is left out, never waited for longer.
constexpr auto inspect_timeout = std::chrono::seconds(2);
constexpr std::size_t window_samples = 61;  ///< one a second: the last minute

struct sample {
  clock_type::time_point at;
  std::int64_t events = 0, frames_out = 0;
  std::vector<std::uint64_t> ack, commit;  ///< the registry's cumulative bucket counts
};

/// The previous look at one actor.
struct look {
  std::int64_t handled = 0;
  clock_type::time_point at;
  double rate = 0;
};

struct admin_state {
  runtime_ptr rt;
  std::deque<sample> samples;
  std::unordered_map<caf::actor_id, look> seen;  ///< for messages/s
  static inline const char* name = "admin";
};

using self_ptr = observed_pointer<admin_actor, admin_state>;
using reports = std::vector<actor_report>;

sample take_sample(const runtime& rt) {
  sample s;
  s.at = clock_type::now();
  const auto& m = *rt.metrics;
  s.events = static_cast<std::int64_t>(chat::metrics::registry::sum_count(m.log_batch_size).first);
  s.frames_out = static_cast<std::int64_t>(m.frames_out.Value());
  s.ack = chat::metrics::registry::bucket_counts(m.ack_seconds);
  s.commit = chat::metrics::registry::bucket_counts(m.commit_seconds);
  return s;
}

/// The answers of one fan-out; `finish` runs once every request answered, failed or timed out.
struct gather {
  reports got;
  std::size_t left = 1;  ///< the starter's own share, released by start_done()
  std::function<void(reports&)> finish;
  void one_done() {
    if (--left > 0) return;
    auto f = std::move(finish);  // handlers hold this gather: never let it hold them back
    f(got);
  }
};

/// Asks each target for its report (never waiting on any one: a request per actor, each with a
/// timeout), then runs g->finish.
void ask_all(self_ptr self, const std::vector<caf::actor>& targets,
             const std::shared_ptr<gather>& g) {
  g->left += targets.size();
  for (const auto& t : targets)
    self->request(t, inspect_timeout, inspect_atom_v)
        .then(
            [g](actor_report& r) {
              g->got.push_back(std::move(r));
              g->one_done();
            },
            [g](caf::error&) { g->one_done(); });
  g->one_done();
}

/// Every actor the runtime holds a handle of (the shards' children come from the shards).
std::vector<caf::actor> known_actors(runtime& rt) {
  std::vector<caf::actor> out;
  for (auto& s : rt.shards) out.push_back(caf::actor_cast<caf::actor>(s));
  out.push_back(caf::actor_cast<caf::actor>(rt.log_writer));
  if (rt.indexer) out.push_back(caf::actor_cast<caf::actor>(rt.indexer));
  for (auto& w : rt.db_workers) out.push_back(w);
  std::lock_guard<std::mutex> guard{rt.connections_mu};
  for (auto& [id, c] : rt.connections) out.push_back(caf::actor_cast<caf::actor>(c));
  return out;
}

/// messages/s of each actor since the admin last looked at it (since its start the first time).
/// Looks less than half a second apart (status and actors from one top refresh) reuse the
/// previous rate, so two quick calls cannot make a tiny interval look like a burst.
void add_rates(admin_state& st, reports& rs) {
  auto now = clock_type::now();
  decltype(st.seen) next;
  for (auto& r : rs) {
    auto it = st.seen.find(r.actor);
    if (it != st.seen.end() && now - it->second.at < std::chrono::milliseconds(500)) {
      r.rate = it->second.rate;
      next.emplace(r.actor, it->second);
      continue;
    }
    if (it != st.seen.end()) {
      std::chrono::duration<double> dt = now - it->second.at;
      r.rate = static_cast<double>(r.handled - it->second.handled) / dt.count();
    } else if (r.age_ms >= 1000) {  // first look: the average since start, once it means much
      r.rate = static_cast<double>(r.handled) * 1000.0 / static_cast<double>(r.age_ms);
    }
    next.emplace(r.actor, look{r.handled, now, r.rate});
  }
  st.seen = std::move(next);  // actors that are gone are forgotten
}

actor_report self_report(self_ptr self) {
  auto& st = self->state;
  auto r = make_report(self, "admin", static_cast<std::int64_t>(self->id()));
  r.memory_bytes = static_cast<std::int64_t>(
      sizeof(admin_state) + st.samples.size() * sizeof(sample) + st.seen.size() * 48);
  r.numbers = {{"samples", static_cast<std::int64_t>(st.samples.size())}};
  return r;
}

live_status status_of(const admin_state& st) {
  using reg = chat::metrics::registry;
  live_status out;
  if (st.samples.size() < 2) return out;
  const auto& a = st.samples.front();
  const auto& b = st.samples.back();
  std::chrono::duration<double> dt = b.at - a.at;
  out.window_s = dt.count();
  if (out.window_s <= 0) return out;
  out.messages_per_s = static_cast<double>(b.events - a.events) / out.window_s;
  out.deliveries_per_s = static_cast<double>(b.frames_out - a.frames_out) / out.window_s;
  const auto& m = *st.rt->metrics;
  out.ack_p50_us = reg::quantile(m.ack_seconds, a.ack, b.ack, 0.5) * 1e6;
  out.ack_p99_us = reg::quantile(m.ack_seconds, a.ack, b.ack, 0.99) * 1e6;
  out.commit_p50_us = reg::quantile(m.commit_seconds, a.commit, b.commit, 0.5) * 1e6;
  out.commit_p99_us = reg::quantile(m.commit_seconds, a.commit, b.commit, 0.99) * 1e6;
  return out;
}

/// The live actor of one conversation or user, found through its shard's child list.
void find_child(self_ptr self, const directory_shard& shard, std::string kind, std::int64_t id,
                caf::typed_response_promise<reports> rp) {
  self->request(shard, inspect_timeout, list_atom_v)
      .then(
          [self, kind, id, rp](std::vector<caf::strong_actor_ptr>& kids) mutable {
            auto g = std::make_shared<gather>();
            g->finish = [self, kind, id, rp](reports& got) mutable {
              reports out;
              for (auto& r : got)
                if (r.kind == kind && r.id == id) out.push_back(std::move(r));
              if (kind != "user" || out.empty()) {
                rp.deliver(std::move(out));
                return;
              }
              // A user: its connections too.
              std::vector<caf::actor> conns;
              {
                auto& rt = *self->state.rt;
                std::lock_guard<std::mutex> guard{rt.connections_mu};
                for (auto& [cid, c] : rt.connections)
                  for (auto& [name, ids] : out.front().lists)
                    if (name == "connections" &&
                        std::find(ids.begin(), ids.end(), static_cast<std::int64_t>(cid)) !=
                            ids.end())
                      conns.push_back(caf::actor_cast<caf::actor>(c));
              }
              auto g2 = std::make_shared<gather>();
              g2->got = std::move(out);
              g2->finish = [rp](reports& all) mutable { rp.deliver(std::move(all)); };
              ask_all(self, conns, g2);
            };
            std::vector<caf::actor> targets;
            for (auto& k : kids) targets.push_back(caf::actor_cast<caf::actor>(k));
            ask_all(self, targets, g);
          },
          [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
}

admin_actor::behavior_type admin(self_ptr self, runtime_ptr rt) {
  self->state.rt = std::move(rt);
  self->state.samples.push_back(take_sample(*self->state.rt));
  self->delayed_send(self, std::chrono::seconds(1), tick_atom_v);
  return {
      [self](tick_atom) {
        auto& st = self->state;
        st.samples.push_back(take_sample(*st.rt));
        if (st.samples.size() > window_samples) st.samples.pop_front();
        self->delayed_send(self, std::chrono::seconds(1), tick_atom_v);
      },
      [self](inspect_atom) { return self_report(self); },
      [self](status_atom) { return status_of(self->state); },
      [self](list_atom) -> caf::result<reports> {
        // First the shards name their children, then every actor is asked at once.
        auto rp = self->make_response_promise<reports>();
        auto targets = std::make_shared<std::vector<caf::actor>>(known_actors(*self->state.rt));
        auto listing = std::make_shared<gather>();
        listing->finish = [self, rp, targets](reports&) mutable {
          auto g = std::make_shared<gather>();
          g->got.push_back(self_report(self));
          g->finish = [self, rp](reports& got) mutable {
            add_rates(self->state, got);
            rp.deliver(std::move(got));
          };
          ask_all(self, *targets, g);
        };
        listing->left += self->state.rt->shards.size();
        for (auto& s : self->state.rt->shards)
          self->request(s, inspect_timeout, list_atom_v)
              .then(
                  [targets, listing](std::vector<caf::strong_actor_ptr>& kids) {
                    for (auto& k : kids) targets->push_back(caf::actor_cast<caf::actor>(k));
                    listing->one_done();
                  },
                  [listing](caf::error&) { listing->one_done(); });
        listing->one_done();
        return rp;
      },
      [self](inspect_atom, std::string& kind, std::int64_t id) -> caf::result<reports> {
        auto rp = self->make_response_promise<reports>();
        auto& rt = *self->state.rt;
        if (kind == "conversation") {
          find_child(self, rt.shard_of_conversation(id), kind, id, rp);
        } else if (kind == "user") {
          find_child(self, rt.shard_of_user(id), kind, id, rp);
        } else if (kind == "connection") {
          std::vector<caf::actor> one;
          {
            std::lock_guard<std::mutex> guard{rt.connections_mu};
            auto it = rt.connections.find(static_cast<caf::actor_id>(id));
            if (it != rt.connections.end()) one.push_back(caf::actor_cast<caf::actor>(it->second));
          }
          auto g = std::make_shared<gather>();
          g->finish = [rp](reports& got) mutable { rp.deliver(std::move(got)); };
          ask_all(self, one, g);
        } else {
          rp.deliver(reports{});
        }
        return rp;
      },
      [self](passivate_atom, persistence::conversation_id id) -> caf::result<bool> {
        auto rp = self->make_response_promise<bool>();
        self->request(self->state.rt->shard_of_conversation(id), caf::infinite, passivate_atom_v,
                      id)
            .then([rp](bool was_live) mutable { rp.deliver(was_live); },
                  [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
        return rp;
      },
      [self](kick_atom, persistence::user_id user, std::uint16_t code,
             std::string& reason) -> caf::result<std::int64_t> {
        auto rp = self->make_response_promise<std::int64_t>();
        self->request(self->state.rt->shard_of_user(user), inspect_timeout, kick_atom_v, user, code,
                      std::move(reason))
            .then([rp](std::int64_t n) mutable { rp.deliver(n); },
                  [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
        return rp;
      },
  };
}

}  // namespace

admin_actor spawn_admin(caf::actor_system& sys, runtime_ptr rt) {
  return sys.spawn(admin, std::move(rt));
}

}  // namespace chat::actors
