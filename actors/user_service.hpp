#pragma once

#include "actors/password.hpp"
#include "actors/user_api.hpp"
#include "persistence/user_store.hpp"

#include <caf/fwd.hpp>
#include <cstddef>
#include <memory>

namespace microshop::actors {

struct user_service_config {
  pwhash_cost cost;
  /// Creates hashing at once; each holds `cost.mem_bytes` while it hashes.
  size_t hash_workers = 2;
};

/// The user service over `store`: a front on a thread of its own that answers
/// reads and verifications itself and hands each create to a bounded pool of
/// hashing workers, also on threads of their own. Neither Argon2 nor RocksDB
/// blocks CAF's cooperative scheduler, and reads keep flowing while creates
/// hash.
user_actor spawn_user_service(caf::actor_system& sys,
                              std::shared_ptr<persistence::user_store> store,
                              const user_service_config& cfg);

} // namespace microshop::actors
