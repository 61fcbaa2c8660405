// Attachments over real sockets against a real chatd: upload, sniffing, thumbnails, sending them
// in a message, member-only download, limits and a full disk.
#include <sys/mount.h>
#include <vips/vips.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "tests/e2e/harness.hpp"

using namespace chat;
using namespace chat::e2e;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

/// A real image encoded by libvips: a gradient, `suffix` ".png" or ".jpg".
std::string make_image(int w, int h, const char* suffix) {
  static bool ready = VIPS_INIT("e2e") == 0;
  REQUIRE(ready);
  std::vector<unsigned char> px(static_cast<std::size_t>(w * h * 3));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      auto* p = &px[static_cast<std::size_t>((y * w + x) * 3)];
      p[0] = static_cast<unsigned char>(x * 255 / w);
      p[1] = static_cast<unsigned char>(y * 255 / h);
      p[2] = 128;
    }
  VipsImage* img = vips_image_new_from_memory(px.data(), px.size(), w, h, 3, VIPS_FORMAT_UCHAR);
  REQUIRE(img != nullptr);
  void* buf = nullptr;
  size_t len = 0;
  REQUIRE(vips_image_write_to_buffer(img, suffix, &buf, &len, nullptr) == 0);
  std::string out(static_cast<const char*>(buf), len);
  g_free(buf);
  g_object_unref(img);
  return out;
}

headers cookie(const account& a, headers more = {}) {
  more.emplace_back("Cookie", "chatd_session=" + a.cookie);
  return more;
}

http_response upload(std::uint16_t port, const account& who, const std::string& name,
                     std::string bytes, headers more = {}) {
  more.emplace_back("Content-Type", "image/png");  // a claim the server must not believe
  return http_request(port, "POST", "/api/attachments?name=" + name, std::move(bytes),
                      cookie(who, std::move(more)), 30s);
}

json body_of(const http_response& r) {
  INFO(r.status << " " << r.body << " " << r.error);
  auto j = json::parse(r.body, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

std::size_t files_under(const fs::path& dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file()) ++n;
  return n;
}

}  // namespace

CHAT_E2E_CASE(attachments_round_trip,
              "Attachments upload, go into a message and download for members only", "") {
  chatd_server srv(kind, {"--max-attachment-bytes", "300000"});
  const auto port = srv.port();
  auto alice = register_user(port, "alice");
  auto bob = register_user(port, "bob");
  auto carol = register_user(port, "carol");
  auto a = chat_client::open(port, alice);
  auto b = chat_client::open(port, bob);
  auto c = chat_client::open(port, carol);
  auto conv = a->open_direct("bob");

  // A PNG claimed as anything: sniffed from its bytes, thumbnailed.
  const auto png = make_image(640, 480, ".png");
  auto up = upload(port, alice, "photo%20%E6%9D%B1%E4%BA%AC.png", png);
  REQUIRE(up.status == 201);
  auto photo = body_of(up);
  CHECK(photo["content_type"] == "image/png");
  CHECK(photo["name"] == "photo 東京.png");
  CHECK(photo["size"] == png.size());
  CHECK(photo["thumbnail"] == true);
  CHECK(photo["width"] == 640);
  CHECK(photo["height"] == 480);
  const std::string photo_id = photo["id"];
  CHECK(photo_id.size() == 32);

  // Text that claims to be a PNG is text; a JPEG gets a thumbnail too; a broken image uploads
  // without one.
  auto text = body_of(upload(port, alice, "notes.txt", "just some notes\nline two\n"));
  CHECK(text["content_type"] == "text/plain");
  CHECK(text["thumbnail"] == false);
  auto jpg = body_of(upload(port, alice, "pic.jpg", make_image(200, 900, ".jpg")));
  CHECK(jpg["content_type"] == "image/jpeg");
  CHECK(jpg["thumbnail"] == true);
  // A PNG signature and then junk: no image library can read it.
  std::string broken = png.substr(0, 8) + std::string(500, '\x07');
  auto bad = upload(port, alice, "broken.png", broken);
  REQUIRE(bad.status == 201);
  CHECK(body_of(bad)["thumbnail"] == false);

  // Sent in a message: every member sees the attachments in the event.
  protocol::send_req send{
      a->next_id(), conv, "att-1", "", std::nullopt, {photo_id, text["id"].get<std::string>()}};
  a->send(send);
  auto ack = a->expect<protocol::ack_frame>();
  auto ev = b->expect<protocol::event_frame>(
      [&](const protocol::event_frame& e) { return e.seq == ack.seq; });
  REQUIRE(ev.attachments.size() == 2);
  CHECK(ev.attachments[0].id == photo_id);
  CHECK(ev.attachments[0].name == "photo 東京.png");
  CHECK(ev.attachments[0].content_type == "image/png");
  CHECK(ev.attachments[0].thumbnail);
  CHECK(ev.attachments[0].width == 640);
  CHECK(ev.attachments[1].content_type == "text/plain");
  // History shows them too.
  auto h = b->history(conv, std::nullopt, std::nullopt, 10);
  REQUIRE_FALSE(h.events.empty());
  CHECK(h.events.back().attachments == ev.attachments);

  // Bob (a member) downloads it whole, with its name; the thumbnail is a smaller JPEG.
  auto got = http_request(port, "GET", "/api/attachments/" + photo_id, {}, cookie(bob));
  REQUIRE(got.status == 200);
  CHECK(got.body == png);
  CHECK(got.header("Content-Type") == "image/png");
  CHECK(got.header("X-Content-Type-Options") == "nosniff");
  CHECK(got.header("Content-Disposition").find("filename*=UTF-8''photo%20%E6%9D%B1%E4%BA%AC.png") !=
        std::string::npos);
  auto thumb =
      http_request(port, "GET", "/api/attachments/" + photo_id + "/thumbnail", {}, cookie(bob));
  REQUIRE(thumb.status == 200);
  CHECK(thumb.header("Content-Type") == "image/jpeg");
  REQUIRE(thumb.body.size() > 3);
  CHECK(thumb.body.substr(0, 3) == "\xFF\xD8\xFF");
  CHECK(thumb.body.size() < png.size());
  auto txt = http_request(port, "GET", "/api/attachments/" + text["id"].get<std::string>(), {},
                          cookie(bob));
  REQUIRE(txt.status == 200);
  CHECK(txt.header("Content-Disposition").rfind("attachment;", 0) == 0);

  // Carol is in no conversation with it: refused. No session: 401. Unknown id: 404.
  auto refused = http_request(port, "GET", "/api/attachments/" + photo_id, {}, cookie(carol));
  CHECK(refused.status == 403);
  CHECK(body_of(refused)["error"] == "forbidden");
  CHECK(http_request(port, "GET", "/api/attachments/" + photo_id).status == 401);
  CHECK(http_request(port, "GET", "/api/attachments/" + std::string(32, 'a'), {}, cookie(bob))
            .status == 404);
  // The uploader may fetch what she has not sent yet; nobody else may.
  const std::string jpg_id = jpg["id"];
  CHECK(http_request(port, "GET", "/api/attachments/" + jpg_id, {}, cookie(alice)).status == 200);
  CHECK(http_request(port, "GET", "/api/attachments/" + jpg_id, {}, cookie(bob)).status == 403);

  // Carol cannot put Alice's attachment into her own message (she may not fetch it).
  auto cb = c->open_direct("bob");
  protocol::send_req steal{c->next_id(), cb, "steal-1", "look", std::nullopt, {photo_id}};
  c->send(steal);
  CHECK(c->expect_error(steal.id).code == protocol::error_code::not_found);

  // Limits: too large, and an upload from another site's page.
  auto big = upload(port, alice, "big.bin", std::string(300001, 'x'));
  CHECK(big.status == 413);
  CHECK(body_of(big)["error"] == "body_too_large");
  auto cross = upload(port, alice, "x.txt", "hello", {{"Origin", "http://evil.example"}});
  CHECK(cross.status == 403);
  CHECK(body_of(cross)["error"] == "forbidden_origin");
  CHECK(upload(port, alice, "x.txt", "hello",
               {{"Origin", "http://127.0.0.1:" + std::to_string(port)}})
            .status == 201);
}

TEST_CASE("A full disk answers 507 and leaves no partial file", "[e2e][attachments]") {
  temp_dir root;
  const fs::path dir = fs::path(root.path()) / "small";
  fs::create_directories(dir);
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=256k,mode=0700") != 0) {
    WARN("cannot mount a small tmpfs here (" << std::strerror(errno) << "): skipped");
    return;
  }
  struct unmount {
    std::string path;
    ~unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } guard{dir.string()};
  chatd_server srv(db_kind::sqlite, {"--attachments-dir", dir.string()});
  auto alice = register_user(srv.port(), "alice");
  auto full = upload(srv.port(), alice, "huge.bin", std::string(1 << 20, 'z'));
  CHECK(full.status == 507);
  CHECK(body_of(full)["error"] == "insufficient_storage");
  CHECK(files_under(dir) == 0);
  // What fits still works afterwards.
  auto small = upload(srv.port(), alice, "small.txt", "fits");
  CHECK(small.status == 201);
  CHECK(files_under(dir) == 1);
}
