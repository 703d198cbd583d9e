#pragma once

#include "actors/user_api.hpp"
#include "persistence/user_store.hpp"

#include <caf/fwd.hpp>
#include <memory>
#include <vector>

namespace microshop::actors {

/// Puts a reader in front of `front` on the middleman's own thread, where
/// BASP runs: it answers reads and verifications (single and batched) from
/// `store` itself, so that a batch from the edge or an order node is read
/// and answered without leaving that thread (no wake-up of the front, no
/// pipe back to the multiplexer), and delegates every other message to
/// `front`, which answers its sender directly. Returns the reader, linked to
/// `front` (either going down takes the other); requires the middleman.
/// The users with the ids of `qs` (moved out of it): one result per query,
/// in order; each is logged at debug with its request id.
std::vector<user_result> read_batch(const persistence::user_store& store,
                                    std::vector<id_query>& qs);

/// Whether users with the ids of `qs` (moved out of it) exist: one answer per
/// query, in order, or the store's failure; logged like `read_batch`.
caf::expected<std::vector<bool>>
verify_batch(const persistence::user_store& store, std::vector<id_query>& qs);

user_actor spawn_user_reader(caf::actor_system& sys,
                             std::shared_ptr<persistence::user_store> store,
                             user_actor front);

} // namespace microshop::actors
