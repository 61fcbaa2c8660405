// protocol/wire.hpp is the one description of the wire names: the serializer writes exactly the
// fields it lists, the spec's examples use no others, and protocol/fixture.json (read by other
// clients' tests) is what it produces.
#include <simdjson.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "protocol/fixture.hpp"
#include "protocol/wire.hpp"
#include "samples.hpp"
#include "test_util.hpp"

using namespace chat::protocol;
namespace dom = simdjson::dom;

namespace {

std::span<const std::string_view> fields_of(std::span<const wire::shape> table,
                                            std::string_view name) {
  for (const auto& s : table)
    if (s.name == name) return s.fields;
  FAIL_CHECK("no wire shape named " << name);
  return {};
}

/// Checks that `o` has only fields of `shape` (in the table's order), recursing into nested
/// objects by field name; records every key seen per shape in `seen`.
void check_object(dom::object o, std::string_view shape, std::span<const std::string_view> fields,
                  std::map<std::string, std::set<std::string>>& seen, bool ordered) {
  std::size_t at = 0;
  for (auto [key, value] : o) {
    INFO(shape << "." << key);
    seen[std::string(shape)].insert(std::string(key));
    // Listed; the serializer also keeps the table's order (JSON readers need not).
    std::size_t i = ordered ? at : 0;
    while (i < fields.size() && fields[i] != key) ++i;
    CHECK(i < fields.size());
    if (i < fields.size()) at = i + 1;
    auto nested = [&](std::string_view name, dom::element el) {
      dom::object child;
      if (el.get_object().get(child) == simdjson::SUCCESS)
        check_object(child, name, fields_of(wire::objects, name), seen, ordered);
    };
    dom::array arr;
    const bool is_array = value.get_array().get(arr) == simdjson::SUCCESS;
    if (key == "user" || key == "sender" || key == "subject") nested("user", value);
    if (key == "last_event") nested("event", value);
    if (key == "conversation" && !is_array) nested("conversation", value);
    if (is_array) {
      std::string_view element = key == "positions"       ? "position"
                                 : key == "events"        ? "event"
                                 : key == "conversations" ? "conversation"
                                 : key == "hits"          ? "hit"
                                 : key == "reactions"     ? "reaction"
                                 : key == "attachments"   ? "attachment"
                                                          : "user";  // users, members, mentions
      for (dom::element el : arr) nested(element, el);
    }
  }
}

struct checker {
  bool ordered = true;
  dom::parser json;
  std::map<std::string, std::set<std::string>> seen;

  void frame(const std::string& text) { check(text, wire::server_frames, "frame:"); }
  void request(const std::string& text) { check(text, wire::requests, "request:"); }

  void check(const std::string& text, std::span<const wire::shape> table, const char* prefix) {
    INFO(text);
    dom::object o;
    REQUIRE(json.parse(text).get_object().get(o) == simdjson::SUCCESS);
    std::string_view type;
    REQUIRE(o["type"].get_string().get(type) == simdjson::SUCCESS);
    check_object(o, prefix + std::string(type), fields_of(table, type), seen, ordered);
  }
};

std::string read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("The serializer writes exactly the fields protocol/wire.hpp lists", "[protocol]") {
  checker c;
  for (const auto& f : test::sample_frames()) c.frame(serialize(f));
  for (const auto& r : test::sample_requests()) c.request(serialize(r));
  // Every listed field is written by some sample: nothing in the table is dead.
  for (const auto& s : wire::server_frames)
    for (auto f : s.fields) CHECK(c.seen["frame:" + std::string(s.name)].count(std::string(f)));
  for (const auto& s : wire::requests)
    for (auto f : s.fields) CHECK(c.seen["request:" + std::string(s.name)].count(std::string(f)));
  for (const auto& s : wire::objects)
    for (auto f : s.fields) CHECK(c.seen[std::string(s.name)].count(std::string(f)));
}

TEST_CASE("The spec's examples use only the fields protocol/wire.hpp lists", "[protocol]") {
  checker c;
  c.ordered = false;
  parser p;
  const auto blocks = test::json_blocks(CHAT_PROTOCOL_DOC);
  for (const auto& block : blocks) {
    if (std::holds_alternative<request>(p.parse(block)))
      c.request(block);
    else
      c.frame(block);
  }
  CHECK(blocks.size() >= 28);
}

TEST_CASE("protocol/fixture.json is what protocol/wire.hpp produces", "[protocol]") {
  const std::string committed = read_file(CHAT_PROTOCOL_FIXTURE);
  INFO("regenerate it: build/apps/protocol_fixture > protocol/fixture.json");
  CHECK(committed == wire_fixture_json());
  dom::parser json;
  dom::element root;
  REQUIRE(json.parse(committed).get(root) == simdjson::SUCCESS);  // valid JSON
}
