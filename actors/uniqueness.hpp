#pragma once

// Uniqueness across user nodes (Vitess-style consistent lookup, see
// docs/sharding.md): the entry of a username or email lives on the user
// node that owns the key's shard and points at the id of its owner; a create
// claims both entries before it hashes, and an entry whose owner will never
// exist is taken over by compare-and-set. Plain functions: the user service's
// actors route the steps between nodes.

#include "actors/ids.hpp"
#include "actors/shard_map.hpp"
#include "actors/user_api.hpp"
#include "persistence/user_store.hpp"

#include <array>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace microshop::actors {

/// "username" or "email".
std::string_view to_string(unique_field f);

/// The store's name of the entry kind `f`.
persistence::unique_key to_store(unique_field f);

/// `errc::duplicate` "<field> already taken": the answer to a create whose
/// username or email another user holds.
caf::error duplicate_error(unique_field f);

/// The claims of a create of `x` as the user with id `owner`: its username,
/// then its email, each in ASCII lower case.
std::array<unique_claim, 2> claims_of(const new_user& x,
                                      const std::string& owner);

/// The index (into `map.nodes(service::users)`) of the user node that owns
/// the entry `c` claims.
size_t entry_node(const shard_map& map, const unique_claim& c);

/// The positions of `ids` grouped by the node of `s` that owns each one's
/// shard: one group per node of `map.nodes(s)`, in that order, each holding
/// its positions in ascending order.
std::vector<std::vector<size_t>>
split_by_node(const shard_map& map, service s,
              const std::vector<std::string>& ids);

/// The shard bytes of the ids a node makes: its own shards in turn
/// (round-robin), so that every id it makes lives on it. Plain data.
class shard_cycle {
public:
  shard_cycle() = default;

  /// Cycles over `shards`, which must not be empty and all below 256.
  explicit shard_cycle(std::vector<uint32_t> shards);

  /// The next shard byte.
  uint8_t next();

private:
  std::vector<uint32_t> shards_;
  size_t next_ = 0;
};

/// What the entry node does with a claim at a step.
enum class claim_verdict : uint8_t {
  /// The entry points at the claimant: the claim holds.
  held,
  /// The entry points at another owner: ask its user node about it.
  ask_owner,
  /// The other owner exists or is being created: `errc::duplicate`.
  refused,
  /// The other owner never will exist: compare-and-set the entry to the
  /// claimant.
  take_over,
};

/// The verdict once the entry was read (or written, when it was free):
/// `held` when it points at `claimant`, else `ask_owner`.
claim_verdict decide_claim(std::string_view entry_owner,
                           std::string_view claimant);

/// The verdict once the other owner's node said `other`: `refused` when it
/// is committed or in flight, `take_over` when it is absent.
claim_verdict decide_claim(id_state other);

/// Where a claim stands at the entry node: held, or waiting for what the
/// node of `other` knows of it.
struct claim_step {
  bool held = false;
  std::string other;
};

/// The first step of `c` at its entry node: a free entry is written to point
/// at `c.owner` (durably) and held; one that points at `c.owner` is held;
/// else the other owner to ask about. A storage failure is `errc::storage`.
caf::expected<claim_step> begin_claim(persistence::user_store& store,
                                      const unique_claim& c);

/// The next step of `c` after the node of `other` said `state`: a duplicate
/// error naming the field when `other` is committed or in flight; else a
/// compare-and-set from `other` to `c.owner`, held when it won; when the
/// entry changed meanwhile, `begin_claim` decides again.
caf::expected<claim_step> continue_claim(persistence::user_store& store,
                                         const unique_claim& c,
                                         const std::string& other,
                                         id_state state);

/// Deletes `c`'s entry if it points at `c.owner`; whether it did.
caf::expected<bool> release_claim(persistence::user_store& store,
                                  const unique_claim& c);

/// What this node (the node at `self` of `map`'s user nodes) knows of `id`:
/// `in_flight` when `ids` holds it (asked first), else `committed` when the
/// store holds it, else `absent`; `errc::misconfigured` when the id's shard
/// is not this node's.
caf::expected<id_state> lookup_id(const persistence::user_store& store,
                                  const pending_ids& ids, const shard_map& map,
                                  size_t self, const std::string& id);

/// `errc::invalid` when `c` cannot come from a create (an owner that is not
/// an id, an empty key), `errc::misconfigured` when its entry is not on this
/// node (the node at `self`); else none.
caf::error check_claim(const unique_claim& c, const shard_map& map,
                       size_t self);

/// Claims `c` on a node that holds every shard (one user node): every lookup
/// is answered by `store` and `ids`. Held, or the refusal.
caf::error claim_here(persistence::user_store& store, const pending_ids& ids,
                      const unique_claim& c);

} // namespace microshop::actors
