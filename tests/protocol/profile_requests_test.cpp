// Profiles and avatars (docs/protocol.md, "Profiles and avatars"): the value rules, and
// set_profile, get_profiles and update_group's avatar refusing with their documented codes.
#include <catch2/catch.hpp>

#include <string>

#include "protocol/profile_rules.hpp"
#include "test_util.hpp"

using namespace chat::protocol;
using namespace chat::protocol::test;

namespace {
const std::string image = "0123456789abcdef0123456789abcdef";
}

TEST_CASE("avatar colours are #rrggbb in either case, or empty", "[protocol][unit]") {
  CHECK(is_avatar_color(""));
  CHECK(is_avatar_color("#3366cc"));
  CHECK(is_avatar_color("#A0b1C2"));
  CHECK_FALSE(is_avatar_color("3366cc"));
  CHECK_FALSE(is_avatar_color("#36c"));
  CHECK_FALSE(is_avatar_color("#3366cc0"));
  CHECK_FALSE(is_avatar_color("#12345g"));
  CHECK_FALSE(is_avatar_color("red"));
}

TEST_CASE("avatar ids are 32 lower-case hex digits; values may also be empty", "[protocol][unit]") {
  CHECK(is_avatar_id(image));
  CHECK_FALSE(is_avatar_id(""));
  CHECK_FALSE(is_avatar_id(image.substr(1)));
  CHECK_FALSE(is_avatar_id(image + "0"));
  CHECK_FALSE(is_avatar_id("0123456789ABCDEF0123456789ABCDEF"));
  CHECK_FALSE(is_avatar_id("../../../../etc/passwd/../../../"));
  CHECK(is_avatar_value(""));
  CHECK(is_avatar_value(image));
  CHECK_FALSE(is_avatar_value("x"));
}

TEST_CASE("set_profile takes a colour, an image or both; at least one, each checked",
          "[protocol][unit]") {
  auto r = std::get<set_profile_req>(parse_ok(
      R"({"type":"set_profile","id":"1","avatar_color":"#aa3377","avatar":")" + image + "\"}"));
  CHECK(r.avatar_color == "#aa3377");
  CHECK(r.avatar == image);
  auto cleared = std::get<set_profile_req>(
      parse_ok(R"({"type":"set_profile","id":"1","avatar_color":"","avatar":""})"));
  CHECK(cleared.avatar_color == "");
  CHECK(cleared.avatar == "");
  auto colour_only =
      std::get<set_profile_req>(parse_ok(R"({"type":"set_profile","id":"1","avatar_color":""})"));
  CHECK_FALSE(colour_only.avatar.has_value());
  CHECK(parse_err(R"({"type":"set_profile","id":"1"})").code == error_code::missing_field);
  CHECK(parse_err(R"({"type":"set_profile","id":"1","avatar_color":"blue"})").code ==
        error_code::bad_field);
  CHECK(parse_err(R"({"type":"set_profile","id":"1","avatar":"abc"})").code ==
        error_code::bad_field);
  CHECK(parse_err(R"({"type":"set_profile","id":"1","avatar":7})").code == error_code::bad_field);
  CHECK(parse_err(R"({"type":"set_profile","id":"1","avatar":")" + image + image + "\"}").code ==
        error_code::bad_field);
}

TEST_CASE("get_profiles takes an optional conversation", "[protocol][unit]") {
  CHECK(std::get<get_profiles_req>(parse_ok(R"({"type":"get_profiles","id":"1"})")).conversation ==
        0);
  CHECK(
      std::get<get_profiles_req>(parse_ok(R"({"type":"get_profiles","id":"1","conversation":31})"))
          .conversation == 31);
  CHECK(parse_err(R"({"type":"get_profiles","id":"1","conversation":0})").code ==
        error_code::number_out_of_range);
  CHECK(parse_err(R"({"type":"get_profiles","id":"1","conversation":"31"})").code ==
        error_code::bad_field);
}

TEST_CASE("update_group takes an avatar image id or empty to remove it", "[protocol][unit]") {
  auto r = std::get<update_group_req>(
      parse_ok(R"({"type":"update_group","id":"1","conversation":4,"avatar":")" + image + "\"}"));
  CHECK(r.avatar == image);
  CHECK_FALSE(r.avatar_color.has_value());
  CHECK(std::get<update_group_req>(
            parse_ok(R"({"type":"update_group","id":"1","conversation":4,"avatar":""})"))
            .avatar == "");
  CHECK(parse_err(R"({"type":"update_group","id":"1","conversation":4,"avatar":"nope"})").code ==
        error_code::bad_field);
}
