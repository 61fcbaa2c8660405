#pragma once
// What the admin surface answers: one function per command (docs/admin.md), run on the
// listener's threads. Store-backed commands use their own database connections; live ones ask
// the actor system through actors::server.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "admin/listener.hpp"

namespace chat::actors {
class server;
}

namespace chat::admin {

struct context {
  std::string db_url;
  std::string version;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  actors::server* actors = nullptr;  ///< null in tests of the store commands alone
};

/// The listener's handler over `ctx` (kept alive by the handler).
handler make_handler(std::shared_ptr<context> ctx);

}  // namespace chat::admin
