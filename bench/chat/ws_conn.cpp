#include "bench/chat/ws_conn.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>

#include <netinet/in.h>

namespace chat::bench {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = beast::error_code;

class conn final : public ws_conn, public std::enable_shared_from_this<conn> {
 public:
  explicit conn(net::io_context& ioc) : ws_(tcp::socket(ioc)) {}

  void open(const endpoint& to, const std::string& source_ip, const std::string& cookie) override {
    started = clock::now();
    host_ = to.host + ":" + std::to_string(to.port);
    path_ = to.path;
    cookie_ = cookie;
    auto& sock = ws_.next_layer();
    error_code ec;
    sock.open(tcp::v4(), ec);
    if (!ec && !source_ip.empty()) {
      // The port is chosen at connect, unique per destination: without this every bind searches
      // the address's whole port range, and at ~20,000 sockets a handshake cost ~2 ms of it.
      int on = 1;
      ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
      sock.bind({net::ip::make_address(source_ip, ec), 0}, ec);
    }
    if (ec) return fail_open("bind " + source_ip + ": " + ec.message());
    tcp::endpoint ep{net::ip::make_address(to.host, ec), to.port};
    sock.async_connect(ep, [self = shared_from_this()](error_code ec) {
      if (ec) return self->fail_open("connect: " + ec.message());
      self->ws_.next_layer().set_option(tcp::no_delay(true), ec);
      self->ws_.set_option(websocket::stream_base::decorator([c = self->cookie_](auto& req) {
        if (!c.empty()) req.set(beast::http::field::cookie, "chatd_session=" + c);
      }));
      self->ws_.async_handshake(self->host_, self->path_, [self](error_code ec) {
        if (ec) return self->fail_open("handshake: " + ec.message());
        self->opened = clock::now();
        self->is_open = true;
        if (self->on_open) self->on_open(*self, {});  // may send, and so start the write
        if (!self->queue_.empty() && !self->writing_) self->do_write();
        self->do_read();
      });
    });
  }

  void send(std::string text) override {
    if (is_closed) return;
    queue_.push_back(std::move(text));
    if (is_open && !writing_) do_write();  // one write in flight: it takes the rest in turn
  }

  void close() override {
    if (is_closed || !is_open) return;
    ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](error_code) {});
  }

  void pause_reading(bool paused) override {
    paused_ = paused;
    if (!paused_ && !reading_ && is_open && !is_closed) do_read();
  }

 private:
  void fail_open(const std::string& why) {
    is_closed = true;
    if (on_open) on_open(*this, why);
  }

  void do_read() {
    if (paused_ || is_closed) return;
    reading_ = true;
    ws_.async_read(buffer_, [self = shared_from_this()](error_code ec, std::size_t) {
      self->reading_ = false;
      if (ec) return self->ended(ec);
      auto data = self->buffer_.cdata();
      if (self->on_text) self->on_text(*self, {static_cast<const char*>(data.data()), data.size()});
      self->buffer_.consume(self->buffer_.size());
      self->do_read();
    });
  }

  void do_write() {
    writing_ = true;
    ws_.async_write(net::buffer(queue_.front()),
                    [self = shared_from_this()](error_code ec, std::size_t) {
                      self->writing_ = false;
                      if (ec) return self->ended(ec);
                      if (self->is_closed) return self->queue_.clear();
                      self->queue_.pop_front();
                      if (!self->queue_.empty()) self->do_write();
                    });
  }

  void ended(error_code) {
    if (is_closed) return;
    is_closed = true;
    close_code = ws_.reason().code;
    // A write in flight still reads the front frame: it lets go of the queue when it completes.
    if (!writing_) queue_.clear();
    if (on_closed) on_closed(*this, close_code);
  }

  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  std::string host_, path_, cookie_;
  bool paused_ = false, reading_ = false, writing_ = false;
};

}  // namespace

std::shared_ptr<ws_conn> ws_conn::create(net::io_context& ioc, int index) {
  auto c = std::make_shared<conn>(ioc);
  c->index = index;
  return c;
}

}  // namespace chat::bench
