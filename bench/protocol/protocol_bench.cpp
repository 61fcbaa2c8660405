// Parse + serialize of typical frames: chat_protocol (simdjson On Demand + hand-written writer)
// beside the same work done with nlohmann/json, in the same run. items_per_second = frames per
// second on one core (each benchmark runs on one thread).
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "protocol/parser.hpp"
#include "protocol/serializer.hpp"

namespace {
using namespace chat::protocol;
using nlohmann::json;

// A typical send request (short message, a UUID idempotency key, a little non-ASCII).
const std::string send_frame =
    R"({"type":"send","id":"1742","conversation":1234567,"client_msg_id":"5f0c3a8e-1b7e-4c1a-9d2a-0c6b1f2e9a10","body":"Hi Bob! Lunch at 12:30? Let's try the new ramen place 🍜"})";

const event_frame sample_event{
    1234567,         98765,
    "1234567-98765", "message",
    {4242, "alice"}, "5f0c3a8e-1b7e-4c1a-9d2a-0c6b1f2e9a10",
    std::nullopt,    "Hi Bob! Lunch at 12:30? Let's try the new ramen place 🍜",
    1764072000123};

const ack_frame sample_ack{"1742", 1234567,       "5f0c3a8e-1b7e-4c1a-9d2a-0c6b1f2e9a10",
                           98765,  1764072000123, false};

// ---- chat_protocol ----------------------------------------------------------------------------

void ours_parse_send(benchmark::State& state) {
  parser p;
  for (auto _ : state) {
    auto r = p.parse(send_frame);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(send_frame.size()));
}

void ours_serialize_event(benchmark::State& state) {
  const server_frame f = sample_event;
  for (auto _ : state) {
    auto s = serialize(f);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}

void ours_serialize_ack(benchmark::State& state) {
  const server_frame f = sample_ack;
  for (auto _ : state) {
    auto s = serialize(f);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}

/// What the server does per message: parse the send, write the ack and the event (once).
void ours_send_round(benchmark::State& state) {
  parser p;
  for (auto _ : state) {
    auto r = p.parse(send_frame);
    const auto& req = std::get<send_req>(std::get<request>(r));
    ack_frame a{req.id, req.conversation, req.client_msg_id, 98765, 1764072000123, false};
    event_frame e{req.conversation,  98765,        "1234567-98765", "message",    {4242, "alice"},
                  req.client_msg_id, std::nullopt, req.body,        1764072000123};
    auto s1 = serialize(server_frame{std::move(a)});
    auto s2 = serialize(server_frame{std::move(e)});
    benchmark::DoNotOptimize(s1);
    benchmark::DoNotOptimize(s2);
  }
  state.SetItemsProcessed(state.iterations());
}

// ---- nlohmann/json baseline: same fields, same checks where they are cheap ---------------------

std::optional<send_req> nlohmann_parse_send(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  auto type = j.find("type");
  if (type == j.end() || !type->is_string() || type->get_ref<const std::string&>() != "send")
    return std::nullopt;
  auto id = j.find("id");
  auto conv = j.find("conversation");
  auto cmid = j.find("client_msg_id");
  auto body = j.find("body");
  if (id == j.end() || !id->is_string() || conv == j.end() || !conv->is_number_integer() ||
      cmid == j.end() || !cmid->is_string() || body == j.end() || !body->is_string())
    return std::nullopt;
  send_req r;
  r.id = id->get<std::string>();
  r.conversation = conv->get<std::int64_t>();
  r.client_msg_id = cmid->get<std::string>();
  r.body = body->get<std::string>();
  return r;
}

json nlohmann_user(const user_ref& u) {
  return json{{"id", u.id}, {"username", u.username}};
}

std::string nlohmann_event(const event_frame& e) {
  json j = json::object();
  j["type"] = "event";
  j["conversation"] = e.conversation;
  j["seq"] = e.seq;
  j["event_id"] = e.event_id;
  j["kind"] = e.type;
  j["sender"] = nlohmann_user(e.sender);
  j["client_msg_id"] = e.client_msg_id;
  if (e.subject) j["subject"] = nlohmann_user(*e.subject);
  j["body"] = e.body;
  j["ts"] = e.ts;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string nlohmann_ack(const ack_frame& a) {
  json j = json::object();
  j["type"] = "ack";
  j["ref"] = a.ref;
  j["conversation"] = a.conversation;
  j["client_msg_id"] = a.client_msg_id;
  j["seq"] = a.seq;
  j["ts"] = a.ts;
  j["duplicate"] = a.duplicate;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

void nlohmann_parse_send_bm(benchmark::State& state) {
  for (auto _ : state) {
    auto r = nlohmann_parse_send(send_frame);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(send_frame.size()));
}

void nlohmann_serialize_event(benchmark::State& state) {
  for (auto _ : state) {
    auto s = nlohmann_event(sample_event);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}

void nlohmann_serialize_ack(benchmark::State& state) {
  for (auto _ : state) {
    auto s = nlohmann_ack(sample_ack);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}

void nlohmann_send_round(benchmark::State& state) {
  for (auto _ : state) {
    auto req = nlohmann_parse_send(send_frame);
    ack_frame a{req->id, req->conversation, req->client_msg_id, 98765, 1764072000123, false};
    event_frame e{req->conversation,  98765,        "1234567-98765", "message",    {4242, "alice"},
                  req->client_msg_id, std::nullopt, req->body,       1764072000123};
    auto s1 = nlohmann_ack(a);
    auto s2 = nlohmann_event(e);
    benchmark::DoNotOptimize(s1);
    benchmark::DoNotOptimize(s2);
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK(ours_parse_send);
BENCHMARK(nlohmann_parse_send_bm)->Name("nlohmann_parse_send");
BENCHMARK(ours_serialize_event);
BENCHMARK(nlohmann_serialize_event);
BENCHMARK(ours_serialize_ack);
BENCHMARK(nlohmann_serialize_ack);
BENCHMARK(ours_send_round);
BENCHMARK(nlohmann_send_round);

BENCHMARK_MAIN();
