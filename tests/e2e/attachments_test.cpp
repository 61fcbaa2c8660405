// Attachments over real sockets against a real chatd: upload, sniffing, thumbnails, sending them
// in a message, member-only download, limits and a full disk.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/e2e/harness.hpp"
#include "tests/support/test_images.hpp"

using namespace chat;
using namespace chat::e2e;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

using chat::test::make_image;

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

/// One raw HTTP exchange on its own socket: `head` (request line and headers, without the blank
/// line), then `pieces` written one by one (a write the server refused ends them: it may answer
/// early), then everything the server sends until it closes. For bodies http_request cannot
/// send: chunked, cut short, or with a Content-Length that lies.
/// With `await_continue`, the pieces wait for the interim answer to "Expect: 100-continue" (kept
/// in `interim`; empty when none came within 3 s), as curl does.
struct raw_answer {
  int status = 0;
  std::string text;
  std::string interim;
};
raw_answer raw_http(std::uint16_t port, const std::string& head,
                    const std::vector<std::string>& pieces, bool then_hang_up = false,
                    bool await_continue = false) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  auto send_all = [fd](std::string_view s) {
    while (!s.empty()) {
      ssize_t n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      s.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  };
  raw_answer out;
  const bool sent = send_all(head + "\r\n\r\n");
  if (sent && await_continue) {
    timeval wait{3, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    char c;
    while (out.interim.find("\r\n\r\n") == std::string::npos && ::recv(fd, &c, 1, 0) == 1)
      out.interim += c;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  if (sent)
    for (const auto& p : pieces)
      if (!send_all(p)) break;
  if (then_hang_up) {
    ::close(fd);
    return out;
  }
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (out.text.rfind("HTTP/1.1 ", 0) == 0) out.status = std::atoi(out.text.c_str() + 9);
  return out;
}

std::string chunked(const std::string& bytes, std::size_t piece) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += piece) {
    auto part = bytes.substr(i, piece);
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", part.size());
    out += size + part + "\r\n";
  }
  return out + "0\r\n\r\n";
}

std::string upload_head(std::uint16_t port, const account& who, const std::string& more) {
  return "POST /api/attachments?name=streamed.bin HTTP/1.1\r\nHost: 127.0.0.1:" +
         std::to_string(port) + "\r\nCookie: chatd_session=" + who.cookie + "\r\n" + more;
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

  // Text that claims to be a PNG is text; a JPEG gets a thumbnail too; a PNG signature without
  // a PNG header is no image to libmagic: a plain file (truncated images: attachments_undecodable).
  auto text = body_of(upload(port, alice, "notes.txt", "just some notes\nline two\n"));
  CHECK(text["content_type"] == "text/plain");
  CHECK(text["thumbnail"] == false);
  auto jpg = body_of(upload(port, alice, "pic.jpg", make_image(200, 900, ".jpg")));
  CHECK(jpg["content_type"] == "image/jpeg");
  CHECK(jpg["thumbnail"] == true);
  std::string broken = png.substr(0, 8) + std::string(500, '\x07');
  auto bad = upload(port, alice, "broken.png", broken);
  REQUIRE(bad.status == 201);
  CHECK(body_of(bad)["content_type"] == "application/octet-stream");
  CHECK(body_of(bad)["thumbnail"] == false);

  // Sent in a message: every member sees the attachments in the event.
  protocol::send_req send{a->next_id(), conv,         "att-1",
                          "",           std::nullopt, {photo_id, text["id"].get<std::string>()}};
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

CHAT_E2E_CASE(attachments_undecodable,
              "Images that cannot be decoded whole are refused with 415 and leave no file", "") {
  chatd_server srv(kind);
  const auto port = srv.port();
  const fs::path dir = fs::path(srv.data_dir()) / "attachments";
  auto alice = register_user(port, "alice");
  for (const char* suffix : {".png", ".jpg", ".gif", ".webp"}) {
    const auto whole = make_image(300, 200, suffix);
    INFO(suffix << ", " << whole.size() << " bytes");
    const auto before = files_under(dir);
    // Cut halfway (a download that stopped), and a valid header followed by garbage.
    std::string garbage = whole;
    for (std::size_t i = 64; i < garbage.size(); ++i) garbage[i] = static_cast<char>(i * 31);
    for (const auto& bad : {whole.substr(0, whole.size() / 2), garbage}) {
      auto r = upload(port, alice, std::string("bad") + suffix, bad);
      CHECK(r.status == 415);
      auto j = body_of(r);
      CHECK(j["error"] == "unsupported_media_type");
      CHECK(j["message"].get<std::string>().find("cannot be decoded") != std::string::npos);
    }
    CHECK(files_under(dir) == before);
    // The whole file uploads, with its thumbnail (2 more files).
    auto ok = upload(port, alice, std::string("good") + suffix, whole);
    REQUIRE(ok.status == 201);
    CHECK(body_of(ok)["thumbnail"] == true);
    CHECK(files_under(dir) == before + 2);
  }
}

CHAT_E2E_CASE(
    attachments_streamed,
    "Uploads stream to a bounded temporary file, chunked or not, and leave nothing on failure",
    "") {
  chatd_server srv(kind, {"--max-attachment-bytes", "300000", "--http-timeout", "2s"});
  const auto port = srv.port();
  const fs::path dir = fs::path(srv.data_dir()) / "attachments";
  auto alice = register_user(port, "alice");
  std::string bytes;
  for (int i = 0; i < 250'000; ++i) bytes += static_cast<char>('a' + (i * 7) % 26);

  // Chunked (no Content-Length), in 7 KiB pieces written one by one: stored whole.
  std::vector<std::string> pieces;
  const auto body = chunked(bytes, 7 * 1024);
  for (std::size_t i = 0; i < body.size(); i += 10'000) pieces.push_back(body.substr(i, 10'000));
  auto up = raw_http(
      port, upload_head(port, alice, "Transfer-Encoding: chunked\r\nConnection: close"), pieces);
  INFO(up.text.substr(0, 400));
  REQUIRE(up.status == 201);
  const auto j = json::parse(up.text.substr(up.text.find("\r\n\r\n") + 4));
  CHECK(j["size"] == bytes.size());
  auto got = http_request(port, "GET", "/api/attachments/" + j["id"].get<std::string>(), {},
                          cookie(alice));
  CHECK(got.status == 200);
  CHECK(got.body == bytes);
  const auto stored = files_under(dir);

  // Chunked past the limit: 413 while it streams (the client still reads the answer).
  auto big =
      raw_http(port, upload_head(port, alice, "Transfer-Encoding: chunked\r\nConnection: close"),
               {chunked(bytes + bytes, 16 * 1024)});
  INFO(big.text.substr(0, 400));
  CHECK(big.status == 413);
  CHECK(big.text.find("body_too_large") != std::string::npos);

  // A Content-Length over the limit: 413 from the header.
  auto claimed = raw_http(port, upload_head(port, alice, "Content-Length: 300001"), {bytes});
  CHECK(claimed.status == 413);

  // A Content-Length that promises more than comes: the read times out (--http-timeout 2s);
  // a client that hangs up halfway. Neither leaves a temporary file.
  auto short_body =
      raw_http(port, upload_head(port, alice, "Content-Length: 200000"), {bytes.substr(0, 1000)});
  CHECK(short_body.status == 0);
  raw_http(port, upload_head(port, alice, "Content-Length: 200000"), {bytes.substr(0, 50'000)},
           true);
  // "Expect: 100-continue" (curl, for bodies over 1 MiB) is told to go on once the session and
  // the size pass; a refused one gets its final answer instead, and sends no body.
  auto asked = raw_http(port,
                        upload_head(port, alice,
                                    "Expect: 100-continue\r\nContent-Length: 250000\r\n"
                                    "Connection: close"),
                        {bytes}, false, true);
  CHECK(asked.interim.rfind("HTTP/1.1 100 Continue\r\n", 0) == 0);
  CHECK(asked.status == 201);
  auto refused = raw_http(port,
                          "POST /api/attachments?name=x HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Expect: 100-continue\r\nContent-Length: 5",
                          {}, false, true);
  CHECK(refused.interim.rfind("HTTP/1.1 401", 0) == 0);

  // An empty body, by Content-Length or by having none: a prompt 400, never a wait for bytes.
  for (const char* head : {"Content-Length: 0\r\nConnection: close", "Connection: close"}) {
    auto empty = raw_http(port, upload_head(port, alice, head), {});
    INFO(head << ": " << empty.text.substr(0, 400));
    CHECK(empty.status == 400);
    CHECK(empty.text.find("empty") != std::string::npos);
  }
  // Without a session nothing is written at all: 401 before the body is read.
  auto anon = raw_http(port,
                       "POST /api/attachments?name=x HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Content-Length: 5",
                       {"hello"});
  CHECK(anon.status == 401);
  for (int i = 0; i < 50 && files_under(dir / "tmp") > 0; ++i) std::this_thread::sleep_for(100ms);
  CHECK(files_under(dir / "tmp") == 0);
  CHECK(files_under(dir) == stored);
}

CHAT_E2E_CASE(attachments_swept,
              "Files no message references are removed after the grace, shared ones kept", "") {
  chatd_server srv(kind, {"--attachment-grace", "1s", "--attachment-sweep-interval", "200ms"});
  const auto port = srv.port();
  const fs::path dir = fs::path(srv.data_dir()) / "attachments";
  auto alice = register_user(port, "alice");
  auto bob = register_user(port, "bob");
  auto a = chat_client::open(port, alice);
  auto conv = a->open_direct("bob");
  auto id_of = [&](const std::string& bytes) {
    auto r = upload(port, alice, "f.txt", bytes);
    REQUIRE(r.status == 201);
    return body_of(r)["id"].get<std::string>();
  };
  const auto never_sent = id_of("never sent");
  const auto kept = id_of("sent and kept");
  const auto dropped = id_of("sent, then deleted");
  auto send = [&](const std::string& id, const std::string& cmid) {
    protocol::send_req s{a->next_id(), conv, cmid, "", std::nullopt, {id}};
    a->send(s);
    return a->expect<protocol::ack_frame>(
        [&](const protocol::ack_frame& f) { return f.ref == s.id; });
  };
  send(kept, "k-1");
  auto gone = send(dropped, "d-1");
  protocol::delete_message_req del{a->next_id(), conv, "del-1", gone.seq};
  a->send(del);
  a->expect<protocol::ack_frame>([&](const protocol::ack_frame& f) { return f.ref == del.id; });
  CHECK(files_under(dir) == 3);
  // Past the grace, the sweep (every 200 ms) removes the two nobody references.
  for (int i = 0; i < 150 && files_under(dir) > 1; ++i) std::this_thread::sleep_for(100ms);
  CHECK(files_under(dir) == 1);
  CHECK(http_request(port, "GET", "/api/attachments/" + never_sent, {}, cookie(alice)).status ==
        404);
  CHECK(http_request(port, "GET", "/api/attachments/" + dropped, {}, cookie(alice)).status == 404);
  auto still = http_request(port, "GET", "/api/attachments/" + kept, {}, cookie(bob));
  CHECK(still.status == 200);
  CHECK(still.body == "sent and kept");
  // The same bytes uploaded again after their first copy went: stored anew.
  const auto again = id_of("never sent");
  CHECK(http_request(port, "GET", "/api/attachments/" + again, {}, cookie(alice)).body ==
        "never sent");
}
