#pragma once
// Shard placement: which of `shards` owns an id (conversation or user). Computed only here, so
// every sender agrees on where an id lives.
#include <cstddef>
#include <cstdint>

namespace chat::util {

/// The shard of `id` among `shards` (> 0).
constexpr std::size_t shard_of(std::int64_t id, std::size_t shards) {
  return static_cast<std::size_t>(id) % shards;
}

}  // namespace chat::util
