#pragma once

// Idempotency-Key: the rules of a key, the fingerprint of a request, and what
// a node does with a key it meets (see docs/idempotency.md). Plain functions:
// the services call them around their creates.

#include "actors/order_api.hpp"
#include "actors/shard_map.hpp"
#include "actors/user_api.hpp"
#include "persistence/records.hpp"

#include <caf/error.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace microshop::actors {

/// The most characters an Idempotency-Key may have.
constexpr size_t max_idempotency_key = 255;

/// Whether `key` is 1 to `max_idempotency_key` printable ASCII characters
/// (space through tilde).
bool is_valid_idempotency_key(std::string_view key);

/// `errc::invalid` "Idempotency-Key must be 1-255 printable ASCII
/// characters": the answer to a key that breaks the rule.
caf::error idempotency_key_rule();

/// `errc::key_reused` "Idempotency-Key reused with a different request".
caf::error key_reused();

/// `errc::key_in_progress` "A request with this Idempotency-Key is in
/// progress".
caf::error key_in_progress();

/// The digest (BLAKE2b, 32 bytes) of a create as parsed: its username and
/// email, and whether its password keeps the password rule. The password
/// itself is never compared: a fast digest of it on disk would make it
/// cheap to guess, and any comparison would answer whether a password is
/// right to anyone holding the key.
std::string fingerprint(const new_user& x);

/// The digest (BLAKE2b, 32 bytes) of an order as parsed: its user id and
/// every product line (id, quantity, price in cents), in order.
std::string fingerprint(const new_order& x);

/// What a node does with a request that carries a key.
enum class key_verdict : uint8_t {
  /// No outcome is stored and none is being decided: process it.
  fresh,
  /// Its first request is still being processed: `key_in_progress`.
  in_progress,
  /// The stored outcome belongs to the same request: answer it again.
  replay,
  /// The stored outcome belongs to another request: `key_reused`.
  mismatch,
};

/// The verdict for a request with fingerprint `fp` whose key has the
/// outcome `stored` (nothing: none or expired) and is `in_progress` or not.
key_verdict decide_key(const std::optional<persistence::key_record>& stored,
                       std::string_view fp, bool in_progress);

/// Whether the refusal `err` is stored as a key's outcome: a rule
/// (`errc::invalid`), a taken value (`errc::duplicate`) or an unknown user
/// (`errc::user_not_found`) is what the node decided; anything else
/// (unavailable, overloaded, storage, timeouts) was never decided, and a
/// retry runs again.
bool is_stored_refusal(const caf::error& err);

/// The key record of a request with fingerprint `fp` that created the record
/// with id `id`, stored now.
persistence::key_record created_outcome(std::string fp, std::string id);

/// The key record of a request with fingerprint `fp` refused with `err`
/// (one `is_stored_refusal` accepts), stored now.
persistence::key_record refused_outcome(std::string fp, const caf::error& err);

/// The refusal a key record holds, as the domain error the first request
/// got; none when it holds a created record.
caf::error stored_refusal(const persistence::key_record& rec);

/// The index (into `map.nodes(service::users)`) of the user node that owns
/// the user key `key`: where a create with that key goes, and where its
/// outcome is stored with the user it creates.
size_t key_node(const shard_map& map, std::string_view key);

} // namespace microshop::actors
