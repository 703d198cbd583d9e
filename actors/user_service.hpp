#pragma once

#include "actors/password.hpp"
#include "actors/peer_link.hpp"
#include "actors/shard_map.hpp"
#include "actors/user_api.hpp"
#include "persistence/user_store.hpp"

#include <caf/fwd.hpp>
#include <caf/timespan.hpp>
#include <chrono>
#include <cstddef>
#include <memory>

namespace microshop::actors {

struct user_service_config {
  pwhash_cost cost;
  /// Creates hashing at once; each holds `cost.mem_bytes` while it hashes.
  size_t hash_workers = 2;
  /// Creates that may wait for a free hash worker; past them a create is
  /// refused at once with `errc::overloaded`.
  size_t hash_queue = 16;
  /// A create that waited longer for a hash worker is refused with
  /// `errc::overloaded`, unhashed and unstored; keep it below the edge's
  /// request timeout (5 s), which has answered the client by then.
  caf::timespan hash_max_wait = std::chrono::seconds(4);
  /// The cluster's shard map and this node's name in it.
  shard_map map = shard_map::even(default_shards, 1, 1);
  std::string node_name = "users-1";
  /// Where the other user nodes of `map` publish their actors (this node's
  /// own entry, if any, is ignored).
  std::vector<named_address> peers;
  /// How long a claim, release or lookup on another user node may take.
  caf::timespan peer_timeout = std::chrono::seconds(2);
  caf::timespan connect_timeout = std::chrono::seconds(2);
  /// What the links to other nodes connect through (empty: CAF's own
  /// middleman actor, plaintext).
  connector_factory make_connector;
};

/// The user service over `store`: a front on a thread of its own that answers
/// reads, verifications, lookups, claims and releases itself, gives each
/// create an id in one of its shards and claims its username and email at
/// their entry nodes (itself with a call, the others over links it polls),
/// refusing invalid and duplicate creates before they cost a hash, and hands
/// the others to a bounded pool of hashing workers, also on threads of their
/// own, through a bounded queue (`cfg.hash_queue`, `cfg.hash_max_wait`). A
/// lost link to another user node fails the claims and lookups waiting on it
/// at once with `errc::unavailable`. Neither Argon2 nor RocksDB blocks
/// CAF's cooperative scheduler, and reads keep flowing while creates hash.
/// Lists never show a user whose id is above one still being stored. With a
/// middleman, the returned actor is a reader on its thread
/// (`spawn_user_reader`) that answers point reads and verifications itself,
/// where BASP delivers them, and delegates the rest to the front.
user_actor spawn_user_service(caf::actor_system& sys,
                              std::shared_ptr<persistence::user_store> store,
                              const user_service_config& cfg);

} // namespace microshop::actors
