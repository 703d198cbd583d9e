#pragma once

#include "actors/order_api.hpp"
#include "actors/order_logic.hpp"
#include "actors/peer_link.hpp"
#include "actors/shard_map.hpp"
#include "actors/user_api.hpp"
#include "persistence/order_store.hpp"

#include <caf/fwd.hpp>
#include <caf/timespan.hpp>
#include <chrono>
#include <cstddef>
#include <memory>

namespace microshop::actors {

struct order_service_config {
  /// The cluster's shard map and this node's name in it.
  shard_map map = shard_map::even(default_shards, 1, 1);
  std::string node_name = "orders-1";
  /// Where each user node of `map` publishes the user actor, in the order of
  /// `map.nodes(service::users)` (see `addresses_for`).
  std::vector<named_address> user_nodes;
  /// When not empty, the user services to ask instead of connecting to
  /// `user_nodes`, one per user node of `map` in its order (e.g. fakes in the
  /// same actor system): monitored, never reconnected.
  std::vector<user_actor> fixed_users;
  /// How long to wait for the user service to confirm a user.
  caf::timespan verify_timeout = std::chrono::seconds(2);
  /// How long one connect attempt to the user node may take.
  caf::timespan connect_timeout = std::chrono::seconds(2);
  /// What the links to other nodes connect through (empty: CAF's own
  /// middleman actor, plaintext).
  connector_factory make_connector;
  /// The most one list answer holds, by estimated wire size (at least one
  /// order; a cut page links to the rest).
  size_t list_budget = default_list_budget;
  /// When the heap holds this much free memory at a tick (every 100 ms), it
  /// is given back to the OS (`malloc_trim`).
  size_t trim_free_bytes = size_t{32} << 20;
};

/// Where the order service runs.
enum class order_home {
  /// In the middleman's thread, as a broker (without a middleman: detached):
  /// a batch arrives, is verified and stored, and is answered where BASP
  /// runs, with no hop to another thread. RocksDB writes then hold that
  /// thread while they run: choose `detached` when writes wait for the disk.
  middleman,
  /// On a thread of its own.
  detached,
  /// On CAF's scheduler (for tests under CAF's deterministic test scheduler,
  /// which cannot drive a thread).
  scheduler,
};

/// The order service over `store`, one actor that never blocks CAF's
/// cooperative scheduler (see `order_home`): connects to every
/// user node (reconnecting after one restarts), splits each order or batch
/// of orders by the user node that owns each user's shard, asks each node to
/// verify its users with one request and a finite timeout, and only then
/// stores the verified orders, a batch in one write. An order whose user node
/// is away fails fast with `errc::unavailable` and is not stored; the others
/// and reads keep working. An order's id carries the shard of its user.
order_actor spawn_order_service(caf::actor_system& sys,
                                std::shared_ptr<persistence::order_store> store,
                                const order_service_config& cfg,
                                order_home home = order_home::middleman);

} // namespace microshop::actors
