#pragma once

// Private to the user service: the front actor's state and the steps of a
// create that its handlers share (user_service.cpp, user_create.cpp).

#include "actors/peer_group.hpp"
#include "actors/uniqueness.hpp"
#include "actors/user_logic.hpp"
#include "actors/user_service.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_response_promise.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace microshop::actors {

/// The published interface plus the front's own timer.
using user_front_actor = user_actor::extend<caf::reacts_to<tick_atom>>;

/// Hashes a create's password and stores its record under the given id
/// (with the key record of its Idempotency-Key and fingerprint, when the key
/// is not empty), on a thread of its own.
using hash_worker_actor =
    caf::typed_actor<caf::replies_to<create_atom, new_user, std::string,
                                     std::string, std::string>::with<user>>;

/// Receives the outcome of a create.
using create_answer = std::function<void(user_result)>;

/// A create whose claims hold, and where its answer goes.
struct pending_create {
  new_user x;
  /// Its id, in flight until the create ends.
  std::string id;
  /// Its Idempotency-Key (empty: none) and the request's fingerprint.
  std::string key;
  std::string fingerprint;
  create_answer answer;
};

struct user_front_state {
  std::shared_ptr<persistence::user_store> store;
  user_service_config cfg;
  /// This node's index in `cfg.map.nodes(service::users)`.
  size_t self_index = 0;
  /// The shards this node makes ids in, in turn.
  shard_cycle shards;
  /// Hash workers with nothing to do; each hashes one create at a time.
  std::vector<hash_worker_actor> idle;
  hash_queue<pending_create> queue{0, {}};
  std::shared_ptr<pending_ids> ids = std::make_shared<pending_ids>();
  /// Links to the other user nodes, by their index in the map (this node's
  /// own link is never used).
  peer_group<user_actor> peers;
  /// The Idempotency-Keys of the creates this node is running.
  std::unordered_set<std::string> keys_in_progress;
};

using front_pointer = user_front_actor::stateful_pointer<user_front_state>;

/// What a claim, release or lookup came to: none when it held / was done.
using claim_done = std::function<void(caf::error)>;

/// `errc::unavailable` "User service unavailable".
caf::error peer_unavailable();

/// Runs `c` at this node, which owns its entry: `begin_claim`, asking the
/// other owner's node (itself at once, another with half the peer timeout)
/// and `continue_claim` until it holds or is refused.
void claim_at_entry(front_pointer self, unique_claim c, claim_done done);

/// What this node knows of `id`, or what the node that owns its shard says
/// (within `timeout`); `done` gets it or the failure (`errc::unavailable`
/// for a node that cannot be asked or did not answer).
void lookup_anywhere(front_pointer self, const std::string& id,
                     caf::timespan timeout,
                     std::function<void(caf::expected<id_state>)> done);

/// Deletes `c`'s entry if it points at its owner, here or on its node; best
/// effort (a lost release leaves the entry dangling, which the next claim
/// takes over).
void release_anywhere(front_pointer self, const unique_claim& c);

/// Creates `x` (valid): an id in one of this node's shards, both claims in
/// turn, then a hash worker (or the bounded queue); answers `answer`. With a
/// `key` (which this node holds in progress), its outcome is stored: with
/// the user, or alone for a refusal by a rule or a taken value.
void start_create(front_pointer self, new_user x, create_answer answer,
                  std::string key = {}, std::string fingerprint = {});

/// Runs a create with the Idempotency-Key `key` (see `user_actor`): an
/// invalid key, a key of another node, one in progress or reused are
/// refused; a stored outcome is answered again (a created user whatever the
/// password: a replay never tells whether a password is right); else
/// `start_create`.
void start_keyed_create(front_pointer self, new_user x, std::string key,
                        create_answer answer);

/// Spawns the hash workers of `self` (linked, detached).
void spawn_hash_workers(front_pointer self);

} // namespace microshop::actors
