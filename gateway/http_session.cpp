#include "gateway/http_session.hpp"

#include <fmt/format.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "gateway/routes.hpp"
#include "gateway/shared_state.hpp"
#include "gateway/static_files.hpp"
#include "gateway/websocket_session.hpp"
#include "metrics/registry.hpp"
#include "util/uri.hpp"

namespace chat::gateway {

namespace {

// For the Angular build: its inlined critical CSS (style-src 'unsafe-inline', also needed for
// component styles) and the one onload handler that switches the stylesheet's media
// (`this.media='all'`, allowed by its hash). connect-src 'self' covers ws(s):// to this host.
constexpr const char* content_security_policy =
    "default-src 'self'; script-src 'self' 'unsafe-hashes' "
    "'sha256-MhtPZXr7+LpJUY5qtMutB+qWfQtMaPccfe7QXtCcEYc='; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

// The answer to an attachment request whose session check failed; nullopt when it passed.
template <class Who>
std::optional<attachment_reply> refusal_of(const Who& who) {
  auto refuse = [](auth::http_error code, std::string_view message) {
    attachment_reply res;
    res.status = auth::status_of(code);
    res.body = auth::error_body(code, message);
    return res;
  };
  if (who.unavailable())
    return refuse(auth::http_error::unavailable, "cannot check the session now; retry later");
  if (!who)
    return refuse(auth::http_error::unauthenticated,
                  "sign in first (session cookie or Bearer token)");
  return std::nullopt;
}

}  // namespace

template <class Stream>
http_session<Stream>::http_session(Stream&& stream, shared_state& st, std::shared_ptr<void> slot,
                                   bool metrics_only)
    : stream_(std::move(stream)), st_(st), slot_(std::move(slot)), metrics_only_(metrics_only) {}

template <class Stream>
void http_session<Stream>::run() {
  net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
    if constexpr (is_tls) {
      self->do_handshake();
    } else {
      self->do_read();
    }
  });
}

template <class Stream>
void http_session<Stream>::do_handshake() {
  if constexpr (is_tls) {  // both streams are instantiated whole: the plain one has no handshake
    lowest().expires_after(st_.cfg.tls_handshake_timeout);
    stream_.async_handshake(net::ssl::stream_base::server,
                            [self = this->shared_from_this()](error_code ec) {
                              if (ec) return fail(ec, "tls handshake");
                              self->do_read();
                            });
  }
}

template <class Stream>
void http_session<Stream>::do_read() {
  parser_.emplace();
  // The header first: an attachment upload may have a larger body than other requests. Beast
  // checks Content-Length against the limit while it reads the header, so the larger limit
  // holds until the header says what the request is.
  parser_->body_limit(st_.attachments
                          ? std::max(st_.cfg.max_http_body, st_.attachments->max_bytes())
                          : st_.cfg.max_http_body);
  parser_->header_limit(static_cast<std::uint32_t>(st_.cfg.max_http_header));
  lowest().expires_after(st_.cfg.http_timeout);
  http::async_read_header(
      stream_, buffer_, *parser_, [self = this->shared_from_this()](error_code ec, std::size_t) {
        if (ec) return self->on_read(ec);
        const auto& h = self->parser_->get();
        if (self->st_.attachments &&
            attachment_service::is_upload(sv(h.method_string()), util::target_path(sv(h.target()))))
          return self->start_upload();
        self->parser_->body_limit(self->st_.cfg.max_http_body);
        http::async_read(self->stream_, self->buffer_, *self->parser_,
                         [self](error_code ec, std::size_t) { self->on_read(ec); });
      });
}

template <class Stream>
void http_session<Stream>::on_read(error_code ec) {
  if (ec == http::error::end_of_stream) return do_eof();
  if (ec == http::error::body_limit) {
    drain_on_close_ = true;  // the client may still be sending the body
    return send_error(auth::http_error::body_too_large, 11, "request body too large", false);
  }
  if (ec == http::error::header_limit)
    return send_error(auth::http_error::headers_too_large, 11, "request headers too large", false);
  if (ec && ec.category() == http::make_error_code(http::error::bad_version).category() &&
      ec != http::error::partial_message) {
    // Malformed (two lengths, Content-Length with Transfer-Encoding, HTTP/2.0 ...): say so.
    return send_error(auth::http_error::bad_request, 11,
                      fmt::format("malformed HTTP request: {}", ec.message()), false);
  }
  if (ec) return fail(ec, "http read");
  st_.stats.http_requests.Increment();
  auto req = parser_->release();
  request_facts facts;
  facts.method = sv(req.method_string());
  facts.path = util::target_path(sv(req.target()));
  facts.metrics_port = metrics_only_;
  facts.upgrade = websocket::is_upgrade(req);
  facts.accepting = st_.accepting;
  if (facts.upgrade && !metrics_only_)
    facts.origin_allowed =
        st_.origins.allows(sv(req[http::field::origin]), sv(req[http::field::host]),
                           request_is_tls(req, lowest().socket(), st_.cfg, is_tls));
  facts.auth_handles = st_.auth.handles(sv(req.target()));
  facts.has_web_root = !st_.cfg.web_root.empty();
  facts.attachments = st_.attachments && attachment_service::handles(facts.path);
  const auto to = route_of(facts);
  switch (to.kind) {
    case route_kind::healthz:
      return send_text(req, http::status::ok, "text/plain; charset=utf-8", "ok\n", "no-store");
    case route_kind::metrics:
      return send_text(req, http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
                       st_.stats.render(), "no-store");
    case route_kind::websocket:
      std::make_shared<websocket_session<ws_stream_of<Stream>>>(to_ws_stream(std::move(stream_)),
                                                                st_, std::move(slot_))
          ->run(std::move(req));
      return;
    case route_kind::auth:
      return handle_auth(std::move(req));
    case route_kind::attachments:
      return handle_attachment(std::move(req));
    case route_kind::static_file:
      return handle_static(req);
    case route_kind::refused:
      if (to.error == auth::http_error::forbidden_origin) st_.stats.ws_rejected_origin.Increment();
      return send_error(to.error, req.version(), to.message, !to.close && req.keep_alive());
  }
}

template <class Stream>
void http_session<Stream>::handle_auth(http_request&& req) {
  auto areq = to_auth_request(req, lowest().socket(), st_.cfg, is_tls);
  unsigned version = req.version();
  bool keep_alive = req.keep_alive();
  // These calls block on the database: run them on the pool, write the answer on our strand.
  // Password hashing (login, register) moves on to auth's own hashing threads, so it never
  // holds a pool thread that session checks need.
  net::post(
      *st_.pool, [self = this->shared_from_this(), areq = std::move(areq), version, keep_alive] {
        auto writer = [self, version, keep_alive](auth::http_response res) {
          self->write_auth_response(std::move(res), version, keep_alive);
        };
        auto waiting = self->st_.waiting_auth;
        auto id = waiting->hold(std::move(writer));
        self->st_.auth.handle_async(
            areq, [waiting, id](auth::http_response res) { waiting->answer(id, std::move(res)); });
      });
}

template <class Stream>
void http_session<Stream>::write_auth_response(auth::http_response res, unsigned version,
                                               bool keep_alive) {
  auto self = this->shared_from_this();
  net::post(stream_.get_executor(), [self, res = std::move(res), version, keep_alive] {
    http::response<http::string_body> out{static_cast<http::status>(res.status), version};
    out.set(http::field::server, "chatd");
    out.set(http::field::content_type, res.content_type);
    out.set(http::field::cache_control, "no-store");
    for (const auto& [name, value] : res.headers) out.insert(name, value);
    out.keep_alive(keep_alive);
    out.body() = res.body;
    out.prepare_payload();
    self->send(std::move(out));
  });
}

template <class Stream>
void http_session<Stream>::handle_attachment(http_request&& req) {
  // Uploads never get here (start_upload takes them after their header).
  const auto path = std::string(util::target_path(sv(req.target())));
  const unsigned version = req.version();
  const bool keep_alive = req.keep_alive();
  if (req.method() != http::verb::get || attachment_service::is_upload("POST", path))
    return send_error(auth::http_error::method_not_allowed, version,
                      "POST /api/attachments uploads, GET /api/attachments/<id> downloads",
                      keep_alive);
  auto areq = to_auth_request(req, lowest().socket(), st_.cfg, is_tls);
  st_.attachments->post([self = this->shared_from_this(), areq = std::move(areq), path, version,
                         keep_alive]() mutable {
    auto who = self->st_.auth.authenticate(areq);
    attachment_reply res = refusal_of(who).value_or(attachment_reply{});
    if (who) res = self->st_.attachments->download(who->user, path);
    net::post(self->stream_.get_executor(),
              [self, res = std::move(res), version, keep_alive]() mutable {
                self->send_attachment(std::move(res), version, keep_alive);
              });
  });
}

template <class Stream>
void http_session<Stream>::start_upload() {
  st_.stats.http_requests.Increment();
  const auto& h = parser_->get();
  const unsigned version = h.version();
  // A browser page of another site must not upload with the user's cookie (the same rule as
  // for /ws). The body is not read: the answer closes the connection.
  if (!st_.origins.allows(sv(h[http::field::origin]), sv(h[http::field::host]),
                          request_is_tls(h, lowest().socket(), st_.cfg, is_tls))) {
    drain_on_close_ = true;
    return send_error(auth::http_error::forbidden_origin, version,
                      "uploads from this Origin are refused", false);
  }
  expect_continue_ = beast::iequals(h[http::field::expect], "100-continue");
  auto areq = to_auth_request(h, lowest().socket(), st_.cfg, is_tls);
  // The header is in; the body comes in chunks of 64 KiB (Beast's body_limit, max_bytes, still
  // counts them, and so does the file: a missing or lying Content-Length cannot pass it).
  upload_parser_.emplace(std::move(*parser_));
  upload_parser_->body_limit(st_.attachments->max_bytes());
  parser_.reset();
  chunk_.resize(64 * 1024);
  st_.attachments->post([self = this->shared_from_this(), areq = std::move(areq)]() mutable {
    auto& svc = *self->st_.attachments;
    auto who = self->st_.auth.authenticate(areq);
    attachment_reply res = refusal_of(who).value_or(attachment_reply{});
    if (who) {
      auto begun = svc.begin_upload(who->user, areq.target);
      if (auto* up = std::get_if<pending_upload>(&begun)) {
        self->upload_ = std::make_shared<pending_upload>(std::move(*up));
        return net::post(self->stream_.get_executor(), [self] { self->begin_upload_body(); });
      }
      res = std::move(std::get<attachment_reply>(begun));
    }
    net::post(self->stream_.get_executor(),
              [self, res = std::move(res)]() mutable { self->end_upload(std::move(res)); });
  });
}

template <class Stream>
void http_session<Stream>::begin_upload_body() {
  // A client that sent "Expect: 100-continue" (curl does for bodies over 1 MiB) holds the body
  // back until told to go on, or for a second. Refusals (401, 413) are answered instead of it.
  if (!expect_continue_) return read_upload_chunk();
  expect_continue_ = false;
  auto go_on = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                  upload_parser_->get().version());
  lowest().expires_after(st_.cfg.http_timeout);
  http::async_write(stream_, *go_on,
                    [self = this->shared_from_this(), go_on](error_code ec, std::size_t) {
                      if (!ec) return self->read_upload_chunk();
                      self->st_.attachments->post([up = std::move(self->upload_)] {});
                      self->upload_parser_.reset();
                      fail(ec, "upload continue");
                    });
}

template <class Stream>
void http_session<Stream>::read_upload_chunk() {
  auto& body = upload_parser_->get().body();
  body.data = chunk_.data();
  body.size = chunk_.size();
  // An empty body (Content-Length: 0, or neither length nor chunking) is complete with the header;
  // reading on would wait for bytes that never come.
  if (upload_parser_->is_done()) return on_upload_chunk({});
  lowest().expires_after(st_.cfg.http_timeout);
  http::async_read_some(
      stream_, buffer_, *upload_parser_,
      [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_upload_chunk(ec); });
}

template <class Stream>
void http_session<Stream>::on_upload_chunk(error_code ec) {
  if (ec == http::error::need_buffer) ec = {};  // chunk_ is full: write it, then read on
  if (ec == http::error::body_limit) return end_upload(st_.attachments->too_large());
  if (ec) {
    // The client went away or stalled: its temporary file goes (on the pool: unlink blocks).
    st_.attachments->post([up = std::move(upload_)] {});
    upload_parser_.reset();
    return fail(ec, "upload read");
  }
  const std::size_t got = chunk_.size() - upload_parser_->get().body().size;
  const bool done = upload_parser_->is_done();
  if (got == 0 && !done) return read_upload_chunk();  // e.g. only a chunk header came
  st_.attachments->post([self = this->shared_from_this(), got, done] {
    auto& svc = *self->st_.attachments;
    std::optional<attachment_reply> res;
    if (got > 0) res = svc.append(*self->upload_, {self->chunk_.data(), got});
    if (!res && done) res = svc.finish_upload(std::move(*self->upload_));
    if (res) self->upload_.reset();
    net::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
      if (res) return self->end_upload(std::move(*res));
      self->read_upload_chunk();
    });
  });
}

template <class Stream>
void http_session<Stream>::end_upload(attachment_reply&& res) {
  const bool whole = upload_parser_ && upload_parser_->is_done();
  const unsigned version = upload_parser_ ? upload_parser_->get().version() : 11;
  const bool keep_alive = whole && upload_parser_->get().keep_alive();
  if (!whole) drain_on_close_ = true;
  upload_parser_.reset();
  if (upload_) st_.attachments->post([up = std::move(upload_)] {});
  if (keep_alive) chunk_ = {};  // the next request may be no upload
  send_attachment(std::move(res), version, keep_alive);
}

template <class Stream>
void http_session<Stream>::drain() {
  // At most one more max_bytes, for at most one http_timeout per read.
  const std::size_t limit = st_.attachments ? st_.attachments->max_bytes() : st_.cfg.max_http_body;
  if (drained_ > limit) return;
  if (chunk_.empty()) chunk_.resize(16 * 1024);
  lowest().expires_after(st_.cfg.http_timeout);
  lowest().async_read_some(net::buffer(chunk_),
                           [self = this->shared_from_this()](error_code ec, std::size_t n) {
                             if (ec) return;
                             self->drained_ += n;
                             self->drain();
                           });
}

template <class Stream>
void http_session<Stream>::send_attachment(attachment_reply&& res, unsigned version,
                                           bool keep_alive) {
  auto status = static_cast<http::status>(res.status);
  auto decorate = [&](auto& out) {
    out.set(http::field::server, "chatd");
    out.set(http::field::content_type, res.content_type);
    for (const auto& [name, value] : res.headers) out.set(name, value);
    if (res.file.empty()) out.set(http::field::cache_control, "no-store");
    out.keep_alive(keep_alive);
  };
  if (!res.file.empty()) {
    error_code ec;
    http::file_body::value_type file;
    file.open(res.file.c_str(), beast::file_mode::scan, ec);
    if (!ec) {
      http::response<http::file_body> out{std::piecewise_construct,
                                          std::make_tuple(std::move(file)),
                                          std::make_tuple(status, version)};
      decorate(out);
      out.prepare_payload();
      return send(std::move(out));
    }
    return send_error(auth::http_error::not_found, version, "the attachment's file is missing",
                      keep_alive);
  }
  http::response<http::string_body> out{status, version};
  decorate(out);
  out.body() = std::move(res.body);
  out.prepare_payload();
  send(std::move(out));
}

template <class Stream>
void http_session<Stream>::handle_static(const http_request& req) {
  auto found =
      resolve_static(st_.cfg.web_root, sv(req.target()), sv(req[http::field::accept_encoding]));
  using outcome = static_lookup::outcome;
  if (found.result == outcome::forbidden)
    return send_error(auth::http_error::bad_path, req.version(), "bad path", req.keep_alive());
  if (found.result == outcome::not_found)
    return send_error(auth::http_error::not_found, req.version(), "not found", req.keep_alive());
  error_code ec;
  http::file_body::value_type body;
  body.open(found.path.c_str(), beast::file_mode::scan, ec);
  if (ec)
    return send_error(auth::http_error::not_found, req.version(), "not found", req.keep_alive());
  auto size = body.size();
  auto decorate = [&](auto& res) {
    res.set(http::field::server, "chatd");
    res.set(http::field::content_type, found.content_type);
    res.set(http::field::cache_control, found.cache_control);
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "same-origin");
    if (found.content_type.starts_with("text/html")) {
      // The page may run only our own scripts, talk only to us, and never be framed.
      res.set("Content-Security-Policy", content_security_policy);
      res.set("X-Frame-Options", "DENY");
    }
    if (!found.content_encoding.empty())
      res.set(http::field::content_encoding, found.content_encoding);
    if (found.vary_accept_encoding) res.set(http::field::vary, "Accept-Encoding");
    res.content_length(size);
    res.keep_alive(req.keep_alive());
  };
  if (req.method() == http::verb::head) {
    http::response<http::empty_body> res{http::status::ok, req.version()};
    decorate(res);
    return send(std::move(res));
  }
  http::response<http::file_body> res{std::piecewise_construct, std::make_tuple(std::move(body)),
                                      std::make_tuple(http::status::ok, req.version())};
  decorate(res);
  send(std::move(res));
}

template <class Stream>
void http_session<Stream>::send_text(const http_request& req, http::status status,
                                     std::string_view type, std::string body,
                                     std::string_view cache) {
  http::response<http::string_body> res{status, req.version()};
  res.set(http::field::server, "chatd");
  res.set(http::field::content_type, bsv(type));
  res.set(http::field::cache_control, bsv(cache));
  res.keep_alive(req.keep_alive());
  bool head = req.method() == http::verb::head;
  res.body() = std::move(body);
  res.prepare_payload();
  if (head) res.body().clear();
  send(std::move(res));
}

template <class Stream>
void http_session<Stream>::send_error(auth::http_error code, unsigned version,
                                      std::string_view message, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(auth::status_of(code)), version};
  res.set(http::field::server, "chatd");
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(keep_alive);
  res.body() = auth::error_body(code, message);
  res.prepare_payload();
  send(std::move(res));
}

template <class Stream>
template <class Body>
void http_session<Stream>::send(http::response<Body>&& msg) {
  auto sp = std::make_shared<http::response<Body>>(std::move(msg));
  bool close = sp->need_eof();
  if constexpr (std::is_same_v<Body, http::string_body>) {
    // HEAD answers keep Content-Length but carry no body.
    if (sp->body().empty() && sp->has_content_length()) {
      http::response<http::empty_body> head{sp->result(), sp->version()};
      for (const auto& f : *sp) head.insert(f.name_string(), f.value());
      return write(std::make_shared<http::response<http::empty_body>>(std::move(head)), close);
    }
  }
  write(std::move(sp), close);
}

template <class Stream>
template <class Msg>
void http_session<Stream>::write(std::shared_ptr<Msg> sp, bool close) {
  lowest().expires_after(st_.cfg.http_timeout);
  http::async_write(stream_, *sp,
                    [self = this->shared_from_this(), sp, close](error_code ec, std::size_t) {
                      if (ec) return fail(ec, "http write");
                      if (close) return self->do_eof();
                      self->do_read();
                    });
}

template <class Stream>
void http_session<Stream>::do_eof() {
  if constexpr (is_tls) {
    lowest().expires_after(st_.cfg.tls_handshake_timeout);
    stream_.async_shutdown([self = this->shared_from_this()](error_code ec) {
      fail(ec, "tls shutdown");
      self->lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      if (self->drain_on_close_) self->drain();
    });
  } else {
    error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    if (drain_on_close_) drain();
  }
}

template class http_session<beast::tcp_stream>;
template class http_session<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace chat::gateway
