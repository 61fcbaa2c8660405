#include "admin/wire.hpp"

#include <fmt/format.h>

namespace chat::admin {

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

parsed_request parse_request(std::string_view line) {
  parsed_request out;
  if (line.size() > max_request_bytes) {
    out.error = error_line(codes::bad_request, "request too large");
    return out;
  }
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    out.error = error_line(codes::bad_request, "a request is one JSON object per line");
    return out;
  }
  request r;
  auto cmd = j.find("cmd");
  if (cmd == j.end() || !cmd->is_string() || cmd->get_ref<const std::string&>().empty()) {
    out.error = error_line(codes::bad_request, "\"cmd\" must be a non-empty string");
    return out;
  }
  r.cmd = cmd->get<std::string>();
  if (auto a = j.find("args"); a != j.end() && !a->is_null()) {
    if (!a->is_object()) {
      out.error = error_line(codes::bad_request, "\"args\" must be an object");
      return out;
    }
    r.args = *a;
  }
  if (auto t = j.find("token"); t != j.end() && t->is_string()) r.token = t->get<std::string>();
  out.req = std::move(r);
  return out;
}

std::string request_line(const request& r) {
  json j{{"cmd", r.cmd}, {"args", r.args}};
  if (!r.token.empty()) j["token"] = r.token;
  return dump(j);
}

std::string item_line(const json& item) {
  return dump(json{{"item", item}});
}

std::string ok_line(const json& result) {
  return dump(json{{"ok", true}, {"result", result}});
}

std::string error_line(std::string_view code, std::string_view message) {
  return dump(json{{"ok", false}, {"error", {{"code", code}, {"message", message}}}});
}

std::string arg_string(const json& args, const char* key, std::optional<std::string> fallback) {
  auto it = args.find(key);
  if (it == args.end() || it->is_null()) {
    if (fallback) return *fallback;
    throw bad_argument{fmt::format("missing argument \"{}\"", key)};
  }
  if (!it->is_string()) throw bad_argument{fmt::format("argument \"{}\" must be a string", key)};
  auto s = it->get<std::string>();
  if (s.size() > 1024) throw bad_argument{fmt::format("argument \"{}\" is too long", key)};
  return s;
}

std::int64_t arg_int(const json& args, const char* key, std::int64_t lo, std::int64_t hi,
                     std::optional<std::int64_t> fallback) {
  auto it = args.find(key);
  if (it == args.end() || it->is_null()) {
    if (fallback) return *fallback;
    throw bad_argument{fmt::format("missing argument \"{}\"", key)};
  }
  if (!it->is_number_integer())
    throw bad_argument{fmt::format("argument \"{}\" must be an integer", key)};
  auto v = it->get<std::int64_t>();
  if (v < lo || v > hi)
    throw bad_argument{fmt::format("argument \"{}\" must be from {} to {}", key, lo, hi)};
  return v;
}

}  // namespace chat::admin
