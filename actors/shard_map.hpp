#pragma once

// Where records live: a fixed number of virtual shards, each owned by one
// user node and one order node. Every node and the edge load the same map and
// compare digests when they connect (see docs/sharding.md).

#include "actors/hello.hpp"

#include <caf/expected.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace microshop::actors {

/// The virtual shards of a cluster that was never given a map: fixed for the
/// life of its data (about ten per node a service may ever have).
constexpr uint32_t default_shards = 128;

/// The most virtual shards a map may have: an id keeps its shard in one byte.
constexpr uint32_t max_shards = 256;

/// The two sharded services.
enum class service : uint8_t { users, orders };

/// "users" or "orders".
std::string_view to_string(service s);

/// Which node owns each virtual shard, per service. Plain data; copyable.
class shard_map {
public:
  /// The map of `user_nodes` user nodes named users-1..N and `order_nodes`
  /// order nodes named orders-1..M over `shards` virtual shards: shard s
  /// lives on node (s mod N) + 1, resp. (s mod M) + 1.
  static shard_map even(uint32_t shards, size_t user_nodes, size_t order_nodes);

  /// The map in `text` (the form `text()` writes: "shards S", then one line
  /// "users <shard> <node>" and one "orders <shard> <node>" per shard, in any
  /// order; '#' starts a comment); `errc::invalid` naming the line and the
  /// rule when it is not one (every shard exactly once per service, S from 1
  /// to `max_shards`, node names of 1-64 characters `A-Z a-z 0-9 - _ .`).
  static caf::expected<shard_map> parse(std::string_view text);

  /// The map in the file at `path` (see `parse`); `errc::invalid` naming the
  /// path when it cannot be read.
  static caf::expected<shard_map> load(const std::string& path);

  /// The canonical text: "shards S", then users 0..S-1, then orders 0..S-1.
  std::string text() const;

  /// 16 hex digits of a hash of `text()`: equal for equal maps.
  const std::string& digest() const {
    return digest_;
  }

  /// The number of virtual shards.
  uint32_t shards() const {
    return static_cast<uint32_t>(users_.size());
  }

  /// The distinct nodes of `s`, by name in natural order (users-2 before
  /// users-10).
  const std::vector<std::string>& nodes(service s) const {
    return s == service::users ? user_nodes_ : order_nodes_;
  }

  /// The index (into `nodes(s)`) of the node that owns `shard`; `shard` must
  /// be below `shards()`.
  size_t owner(service s, uint32_t shard) const {
    return s == service::users ? users_[shard] : orders_[shard];
  }

  /// The index of the node named `name` in `nodes(s)`, if it is one.
  std::optional<size_t> index_of(service s, std::string_view name) const;

  /// The shards owned by the node at `index` of `nodes(s)`, ascending.
  std::vector<uint32_t> shards_of(service s, size_t index) const;

private:
  void finish();

  std::vector<uint32_t> users_;
  std::vector<uint32_t> orders_;
  std::vector<std::string> user_nodes_;
  std::vector<std::string> order_nodes_;
  std::string digest_;
};

/// The virtual shard of an id (its 10th byte, text positions 21-22, modulo
/// `shards`); any 36-character text maps to some shard.
uint32_t shard_of_id(std::string_view id, uint32_t shards);

/// The index (into `map.nodes(s)`) of the node of `s` that owns the shard of
/// `id`; any text maps to some node (0 when `s` has one node).
size_t node_of_id(const shard_map& map, service s, std::string_view id);

/// The virtual shard of a uniqueness key (a lower-cased username or email):
/// a stable 64-bit FNV-1a hash of `field` and `key`, modulo `shards`.
uint32_t shard_of_key(std::string_view field, std::string_view key,
                      uint32_t shards);

/// One node's name and where it publishes its actor.
struct named_address {
  std::string name;
  std::string host;
  uint16_t port = 0;
};

/// The addresses in `text`: "name=host:port" separated by commas;
/// `errc::invalid` naming the entry that is not one.
caf::expected<std::vector<named_address>>
parse_addresses(std::string_view text);

/// For each node of `map.nodes(s)`, in order, its address from `addrs`;
/// `errc::invalid` naming the node without one, or the address naming no
/// node of the map.
caf::expected<std::vector<named_address>>
addresses_for(const shard_map& map, service s,
              const std::vector<named_address>& addrs);

/// A node's answer to `h`: its name `self` when `h` asks for it and runs
/// `map`; else `errc::misconfigured` saying which differs (both digests).
caf::expected<std::string> answer_hello(const hello& h, const std::string& self,
                                        const shard_map& map);

} // namespace microshop::actors
