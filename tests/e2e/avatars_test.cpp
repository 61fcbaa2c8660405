// Profiles and avatars over real sockets against a real chatd (docs/protocol.md, "Profiles and
// avatars"): uploads re-encoded or refused, who may set and fetch them, live pushes and events,
// idempotent retries, and the state after a restart.
#include <vips/vips.h>
#include <nlohmann/json.hpp>

#include "protocol/parser.hpp"
#include "tests/e2e/harness.hpp"
#include "tests/support/test_images.hpp"

using namespace chat;
using namespace chat::e2e;
using json = nlohmann::json;

namespace {

using chat::test::make_image;

/// Width and height of an encoded image (0, 0 when libvips cannot read it).
std::pair<int, int> size_of(const std::string& bytes) {
  VipsImage* img = vips_image_new_from_buffer(bytes.data(), bytes.size(), "", nullptr);
  if (!img) return {0, 0};
  std::pair<int, int> r{vips_image_get_width(img), vips_image_get_height(img)};
  g_object_unref(img);
  return r;
}

headers cookie(const account& a) {
  return {{"Cookie", "chatd_session=" + a.cookie}, {"Content-Type", "image/gif"}};
}

http_response upload_avatar(std::uint16_t port, const account& who, std::string bytes) {
  return http_request(port, "POST", "/api/avatars", std::move(bytes), cookie(who), 30s);
}

http_response fetch_avatar(std::uint16_t port, const account& who, const std::string& id) {
  return http_request(port, "GET", "/api/avatars/" + id, {}, cookie(who));
}

json body_of(const http_response& r) {
  INFO(r.status << " " << r.body << " " << r.error);
  auto j = json::parse(r.body, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

/// Uploads an image and returns its avatar id (REQUIRE 201).
std::string uploaded(std::uint16_t port, const account& who, std::string bytes) {
  auto r = upload_avatar(port, who, std::move(bytes));
  INFO(r.body);
  REQUIRE(r.status == 201);
  return body_of(r)["avatar"];
}

protocol::users_frame ask_users(chat_client& c, const protocol::request& r) {
  c.send(r);
  const auto ref = protocol::request_id(r);
  return c.expect<protocol::users_frame>(
      [&](const protocol::users_frame& f) { return f.ref == ref; });
}

protocol::user_ref set_profile(chat_client& c, std::optional<std::string> color,
                               std::optional<std::string> avatar) {
  auto f =
      ask_users(c, protocol::set_profile_req{c.next_id(), std::move(color), std::move(avatar)});
  REQUIRE(f.users.size() == 1);
  return f.users.front();
}

std::optional<protocol::user_ref> find_user(const std::vector<protocol::user_ref>& users,
                                            std::int64_t id) {
  for (const auto& u : users)
    if (u.id == id) return u;
  return std::nullopt;
}

bool has_profile_push(const std::vector<protocol::server_frame>& frames) {
  for (const auto& f : frames)
    if (std::holds_alternative<protocol::profile_frame>(f)) return true;
  return false;
}

protocol::conversation_frame update_group(chat_client& c, protocol::id_t conv,
                                          std::optional<std::string> color,
                                          std::optional<std::string> avatar) {
  protocol::update_group_req r{c.next_id(),      conv, std::nullopt, std::nullopt, std::move(color),
                               std::move(avatar)};
  c.send(r);
  return c.expect<protocol::conversation_frame>(
      [&](const protocol::conversation_frame& f) { return f.ref == r.id; });
}

}  // namespace

CHAT_E2E_CASE(avatar_profiles, "A user's avatar colour and image reach their contacts only", "") {
  chatd_server srv(kind);
  const auto port = srv.port();
  auto alice = register_user(port, "alice");
  auto bob = register_user(port, "bob");
  auto carol = register_user(port, "carol");  // shares no conversation with alice
  auto a = chat_client::open(port, alice);
  auto b = chat_client::open(port, bob);
  auto c = chat_client::open(port, carol);
  CHECK(a->welcome().user.avatar.empty());
  CHECK(a->welcome().user.avatar_color.empty());
  a->open_direct("bob");
  b->drain(300ms);

  // An RGB JPEG of any size comes back as a 256 x 256 JPEG of the server's own making.
  const auto photo = make_image(900, 500, ".jpg");
  auto up = upload_avatar(port, alice, photo);
  REQUIRE(up.status == 201);
  auto meta = body_of(up);
  const std::string image = meta["avatar"];
  CHECK(image.size() == 32);
  CHECK(meta["content_type"] == "image/jpeg");
  CHECK(meta["width"] == 256);
  CHECK(meta["height"] == 256);
  // Transparency stays: an RGBA PNG is stored as PNG.
  auto clear = body_of(upload_avatar(port, alice, make_image(64, 64, ".png", 4)));
  CHECK(clear["content_type"] == "image/png");

  // Before it is on her profile, only Alice (the uploader) may fetch it.
  CHECK(fetch_avatar(port, alice, image).status == 200);
  CHECK(fetch_avatar(port, bob, image).status == 403);

  auto me = set_profile(*a, "#aa3377", image);
  CHECK(me.id == alice.id);
  CHECK(me.avatar_color == "#aa3377");
  CHECK(me.avatar == image);
  // Live: Bob (a contact) and Alice's own connection hear of it; Carol does not.
  auto pushed = b->expect<protocol::profile_frame>();
  CHECK(pushed.user == me);
  CHECK(a->expect<protocol::profile_frame>().user == me);
  CHECK_FALSE(has_profile_push(c->drain(500ms)));

  // Bob sees the image; Carol, a stranger who knows the id, does not; nobody signed out does.
  auto got = fetch_avatar(port, bob, image);
  REQUIRE(got.status == 200);
  CHECK(got.header("Content-Type") == "image/jpeg");
  CHECK(got.header("X-Content-Type-Options") == "nosniff");
  CHECK(got.body != photo);
  CHECK(size_of(got.body) == std::pair{256, 256});
  auto refused = fetch_avatar(port, carol, image);
  CHECK(refused.status == 403);
  CHECK(body_of(refused)["error"] == "forbidden");
  CHECK(http_request(port, "GET", "/api/avatars/" + image).status == 401);
  CHECK(fetch_avatar(port, bob, std::string(32, 'a')).status == 404);
  CHECK(fetch_avatar(port, bob, "not-an-id").status == 404);

  // The same values again: the same answer, no push (a retry is safe).
  CHECK(set_profile(*a, "#aa3377", image) == me);
  CHECK_FALSE(has_profile_push(b->drain(500ms)));

  // Someone else's image cannot go on your profile; bad values are refused by the parser.
  const auto bobs = uploaded(port, bob, make_image(40, 40, ".png"));
  protocol::set_profile_req steal{a->next_id(), std::nullopt, bobs};
  a->send(steal);
  CHECK(a->expect_error(steal.id).code == protocol::error_code::not_found);
  a->send_raw(R"({"type":"set_profile","id":"p1","avatar_color":"purple"})");
  CHECK(a->expect_error("p1").code == protocol::error_code::bad_field);
  a->send_raw(R"({"type":"set_profile","id":"p2","avatar":"../../etc/passwd"})");
  CHECK(a->expect_error("p2").code == protocol::error_code::bad_field);
  a->send_raw(R"({"type":"set_profile","id":"p3"})");
  CHECK(a->expect_error("p3").code == protocol::error_code::missing_field);

  // Undecodable images are refused with a clear error, and so is what is no image at all.
  std::string broken = photo.substr(0, photo.size() / 2);  // a JPEG cut in half
  auto bad = upload_avatar(port, alice, broken);
  CHECK(bad.status == 415);
  CHECK(body_of(bad)["error"] == "unsupported_media_type");
  auto junk = upload_avatar(port, alice,
                            make_image(30, 30, ".png").substr(0, 8) + std::string(300, '\x07'));
  CHECK(junk.status == 415);
  auto text = upload_avatar(port, alice, "just text, claimed to be a GIF\n");
  CHECK(text.status == 415);
  CHECK(body_of(text)["message"].get<std::string>().find("text/plain") != std::string::npos);
  CHECK(upload_avatar(port, alice, std::string(5 * 1024 * 1024 + 1, 'x')).status == 413);
  CHECK(upload_avatar(port, alice, "").status == 400);  // an empty body is answered, not awaited

  // get_profiles: contacts (Carol is not one of Alice's), one conversation's members.
  auto contacts = ask_users(*b, protocol::get_profiles_req{b->next_id(), 0});
  REQUIRE(find_user(contacts.users, alice.id));
  CHECK(*find_user(contacts.users, alice.id) == me);
  CHECK_FALSE(find_user(contacts.users, carol.id));
  auto none = ask_users(*c, protocol::get_profiles_req{c->next_id(), 0});
  CHECK_FALSE(find_user(none.users, alice.id));

  // Removing the image keeps the colour; then the old image is Alice's alone again.
  auto plain = set_profile(*a, std::nullopt, "");
  CHECK(plain.avatar.empty());
  CHECK(plain.avatar_color == "#aa3377");
  CHECK(b->expect<protocol::profile_frame>().user == plain);
  CHECK(fetch_avatar(port, bob, image).status == 403);
  set_profile(*a, std::nullopt, image);

  // After a restart: the welcome carries Alice's profile, get_profiles Bob's view of her.
  a.reset();
  b.reset();
  c.reset();
  srv.restart();
  auto a2 = chat_client::open(srv.port(), alice);
  CHECK(a2->welcome().user.avatar == image);
  CHECK(a2->welcome().user.avatar_color == "#aa3377");
  auto b2 = chat_client::open(srv.port(), bob);
  auto after = ask_users(*b2, protocol::get_profiles_req{b2->next_id(), 0});
  REQUIRE(find_user(after.users, alice.id));
  CHECK(find_user(after.users, alice.id)->avatar == image);
  CHECK(fetch_avatar(srv.port(), bob, image).status == 200);
}

CHAT_E2E_CASE(avatar_groups, "A group's avatar image is an admin's event, for members' eyes only",
              "") {
  chatd_server srv(kind);
  const auto port = srv.port();
  auto alice = register_user(port, "alice");
  auto bob = register_user(port, "bob");
  auto carol = register_user(port, "carol");
  auto a = chat_client::open(port, alice);
  auto b = chat_client::open(port, bob);
  auto c = chat_client::open(port, carol);
  auto group = a->create_group("Lunch", {"bob"});
  b->drain(300ms);

  // Bob is a plain member: he may upload an image, not put it on the group.
  const auto bobs = uploaded(port, bob, make_image(300, 300, ".png"));
  protocol::update_group_req denied{b->next_id(), group,        std::nullopt,
                                    std::nullopt, std::nullopt, bobs};
  b->send(denied);
  CHECK(b->expect_error(denied.id).code == protocol::error_code::forbidden);
  // Alice (the owner) may not use Bob's upload either.
  protocol::update_group_req borrowed{a->next_id(), group,        std::nullopt,
                                      std::nullopt, std::nullopt, bobs};
  a->send(borrowed);
  CHECK(a->expect_error(borrowed.id).code == protocol::error_code::not_found);

  const auto image = uploaded(port, alice, make_image(640, 480, ".png"));
  auto set = update_group(*a, group, "#3366cc", image);
  CHECK(set.conversation.avatar == image);
  CHECK(set.conversation.avatar_color == "#3366cc");
  const auto seq = set.conversation.last_seq;
  // Every member gets the change as events of the log.
  auto ev = b->expect<protocol::event_frame>(
      [](const protocol::event_frame& e) { return e.type == "avatar_changed"; });
  CHECK(ev.body == image);
  CHECK(ev.sender.id == alice.id);
  CHECK(ev.seq == seq);

  // Members fetch it; a non-member who knows the id does not.
  CHECK(fetch_avatar(port, bob, image).status == 200);
  CHECK(fetch_avatar(port, carol, image).status == 403);
  protocol::get_profiles_req peek{c->next_id(), group};
  c->send(peek);
  CHECK(c->expect_error(peek.id).code == protocol::error_code::not_member);
  auto members = ask_users(*b, protocol::get_profiles_req{b->next_id(), group});
  CHECK(members.users.size() == 2);

  // A retry changes nothing: no new event.
  auto again = update_group(*a, group, "#3366cc", image);
  CHECK(again.conversation.last_seq == seq);
  CHECK(again.conversation.avatar == image);

  // Removed, then set again: two more events, in the log for history and sync.
  CHECK(update_group(*a, group, std::nullopt, "").conversation.avatar.empty());
  CHECK(fetch_avatar(port, bob, image).status == 403);  // no group shows it now
  CHECK(update_group(*a, group, std::nullopt, image).conversation.last_seq == seq + 2);
  auto h = a->history(group, std::nullopt, std::nullopt, 50);
  std::vector<std::string> changes;
  for (const auto& e : h.events)
    if (e.type == "avatar_changed") changes.push_back(e.body);
  CHECK(changes == std::vector<std::string>{image, "", image});

  // After a restart the conversation list shows the image and members still fetch it.
  a.reset();
  b.reset();
  c.reset();
  srv.restart();
  auto b2 = chat_client::open(srv.port(), bob);
  protocol::list_conversations_req list{b2->next_id(), 50, std::nullopt};
  b2->send(list);
  auto convs = b2->expect<protocol::conversations_frame>(
      [&](const protocol::conversations_frame& f) { return f.ref == list.id; });
  REQUIRE(convs.conversations.size() == 1);
  CHECK(convs.conversations[0].avatar == image);
  CHECK(convs.conversations[0].avatar_color == "#3366cc");
  CHECK(fetch_avatar(srv.port(), bob, image).status == 200);
  CHECK(fetch_avatar(srv.port(), carol, image).status == 403);
}
