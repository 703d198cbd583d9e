#pragma once

// The user service's contract: what crosses the wire to and from the user node.

#include "actors/atoms.hpp"
#include "actors/hello.hpp"
#include "actors/id_query.hpp"
#include "actors/link_state.hpp"
#include "actors/metric_sample.hpp"
#include "actors/page.hpp"

#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace microshop::actors {

/// A user to create, as the client sent it.
struct new_user {
  std::string username;
  std::string email;
  std::string password;
  /// The X-Request-Id of the request that asks (for log lines; may be empty).
  std::string request_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, new_user& x) {
  return f(caf::meta::type_name("microshop::new_user"), x.username, x.email,
           x.password, x.request_id);
}

/// A user as everyone but the user node sees it: no password, no hash.
struct user {
  std::string id;
  std::string username;
  std::string email;
  int64_t created_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user& x) {
  return f(caf::meta::type_name("microshop::user"), x.id, x.username, x.email,
           x.created_ms);
}

/// One answer of a batch or of a create with an Idempotency-Key: `value`
/// when `err` is empty, else why not; `replayed` when it is the stored
/// outcome of an earlier create with the same key.
struct user_result {
  caf::error err;
  user value;
  bool replayed = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_result& x) {
  return f(caf::meta::type_name("microshop::user_result"), x.err, x.value,
           x.replayed);
}

/// One page of users in creation order; `more` when users follow the last
/// or may still appear after it (some are being created). Every user with an
/// id below `watermark` that will ever exist was visible when the page was
/// read, so a page never holds a user at or above it: a poller that asks
/// again `after` the last id never misses a user. `full` when the page
/// stopped at its last item for its limit: the node's answer is complete
/// through that item only; otherwise it is complete below `watermark`.
struct user_page {
  std::vector<user> items;
  bool more = false;
  std::string watermark;
  bool full = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_page& x) {
  return f(caf::meta::type_name("microshop::user_page"), x.items, x.more,
           x.watermark, x.full);
}

/// Which unique value a uniqueness entry guards.
enum class unique_field : uint8_t { username, email };

/// A claim on a uniqueness entry: the user node that owns the entry's
/// virtual shard (`shard_of_key`) makes `key` point at `owner`, the id of a
/// user being created, unless it points at another user that exists or is
/// being created.
struct unique_claim {
  unique_field field = unique_field::username;
  /// The value in ASCII lower case.
  std::string key;
  /// The id of the user being created.
  std::string owner;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, unique_claim& x) {
  return f(caf::meta::type_name("microshop::unique_claim"), x.field, x.key,
           x.owner);
}

/// What the user node that owns an id's shard knows of it.
enum class id_state : uint8_t {
  /// No user has it and none ever will (not in flight on this node).
  absent,
  /// A user with it is being created on this node.
  in_flight,
  /// A user with it is stored.
  committed,
};

/// The user service. Errors: `errc::invalid` (naming the field),
/// `errc::duplicate` (naming the field), `errc::user_not_found`,
/// `errc::storage`, `errc::overloaded` (a create refused at once: the hash
/// queue is full, or it waited too long for a hash worker),
/// `errc::unavailable` (a user node that a create needs cannot be reached),
/// `errc::misconfigured` (hello: not the node asked for, or another map),
/// and for creates with an Idempotency-Key `errc::key_reused` and
/// `errc::key_in_progress`.
using user_actor = caf::typed_actor<
    /// Answers the node's name when it is `expected_node` and runs the map
    /// with `map_digest`; else `errc::misconfigured` saying why.
    caf::replies_to<hello_atom, hello>::with<std::string>,
    /// This node's links to the other user nodes, in map order.
    caf::replies_to<links_atom>::with<std::vector<link_state>>,
    /// Makes the entry point at `owner` (see `unique_claim`); true when it
    /// does, else `errc::duplicate` naming the field, or `errc::unavailable`
    /// when the current owner's node cannot say whether it exists.
    caf::replies_to<claim_atom, unique_claim>::with<bool>,
    /// Deletes the entry if it points at `owner`; true when it did.
    caf::replies_to<release_atom, unique_claim>::with<bool>,
    /// What this node knows of the user id (it must own the id's shard).
    caf::replies_to<lookup_atom, std::string>::with<id_state>,
    /// Creates a user; its password is stored only as an Argon2id hash.
    caf::replies_to<create_atom, new_user>::with<user>,
    /// Creates a user with the Idempotency-Key (this node must own the
    /// key's shard, `key_node`): the outcome is stored with the user, or
    /// alone for a refusal, and a retry with the key gets it again
    /// (`replayed`). Every answer is a value; refusals and failures are in
    /// its `err`.
    caf::replies_to<create_atom, new_user, std::string>::with<user_result>,
    /// The user with this id.
    caf::replies_to<get_atom, std::string>::with<user>,
    /// A page of users, oldest first.
    caf::replies_to<list_atom, page>::with<user_page>,
    /// Whether a user with this id exists.
    caf::replies_to<verify_atom, std::string>::with<bool>,
    /// The users with these ids: one result per id, in order.
    caf::replies_to<get_atom,
                    std::vector<id_query>>::with<std::vector<user_result>>,
    /// Whether users with these ids exist: one answer per id, in order.
    caf::replies_to<verify_atom,
                    std::vector<id_query>>::with<std::vector<bool>>,
    /// What this node reports for GET /metrics (its store, hash queue and
    /// links), without the node label.
    caf::replies_to<metrics_atom>::with<metric_samples>>;

} // namespace microshop::actors
