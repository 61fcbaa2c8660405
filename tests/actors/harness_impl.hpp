#pragma once
// Template parts of harness.hpp.
#include <catch2/catch.hpp>

namespace chat::actors::test {

template <class T>
T as(const protocol::server_frame& f) {
  if (auto* e = std::get_if<protocol::error_frame>(&f))
    FAIL("got error " << protocol::to_string(e->code) << ": " << e->message);
  REQUIRE(std::holds_alternative<T>(f));
  return std::get<T>(f);
}

template <class T>
T client::expect(const std::function<bool(const T&)>& pred, std::chrono::milliseconds t) {
  std::optional<T> found;
  sink_->wait(
      [&](const std::vector<std::string>& frames) {
        for (auto& text : frames) {
          auto f = parse(text);
          if (auto* x = std::get_if<T>(&f); x && (!pred || pred(*x))) {
            found = *x;
            return true;
          }
        }
        return false;
      },
      t);
  if (!found) {
    auto frames = sink_->frames();
    std::string last = frames.empty() ? "(none)" : frames.back();
    FAIL("expected frame not received; " << frames.size() << " frames, last: " << last);
  }
  return *found;
}

}  // namespace chat::actors::test
