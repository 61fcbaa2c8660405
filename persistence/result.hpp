#pragma once
// A small expected-like result: SOCI exceptions are caught inside persistence/ and come out as
// values.
#include <string>
#include <utility>
#include <variant>

namespace chat::persistence {

/// What went wrong, in terms a caller can act on.
enum class errc {
  duplicate,     ///< unique (conversation, sender, client_msg_id) or unique username/identity hit
  seq_conflict,  ///< primary key (conversation, seq) hit: another writer got there first; retry
  not_found,     ///< no such row
  unavailable,   ///< database unreachable / connection lost: retry later
  bad_config,    ///< malformed connection string, unknown backend
  migration_mismatch,  ///< an applied migration's file changed (checksum differs)
  internal,            ///< anything else (SQL error); message says what
};

const char* to_string(errc code) noexcept;

struct error {
  errc code;
  std::string message;  ///< one line, names what is wrong, never contains secrets
};

template <class T>
class result {
 public:
  result(T value) : v_(std::move(value)) {}
  result(error err) : v_(std::move(err)) {}
  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const error& err() const { return std::get<1>(v_); }

 private:
  std::variant<T, error> v_;
};

struct ok_t {};
using status = result<ok_t>;
inline status success() {
  return ok_t{};
}

}  // namespace chat::persistence
