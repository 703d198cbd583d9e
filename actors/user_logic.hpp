#pragma once

#include "actors/password.hpp"
#include "actors/user_api.hpp"
#include "persistence/user_store.hpp"

#include <caf/expected.hpp>
#include <string>
#include <vector>

namespace microshop::actors {

/// The public view of a stored user: everything but the hash.
user public_view(const persistence::user_record& rec);

/// Validates `x`, rejects taken names before paying for a hash, hashes the
/// password, and stores the user; the stored user, or the first error.
caf::expected<user> create_user(persistence::user_store& store,
                                const new_user& x, const pwhash_cost& cost);

/// The stored user with `id`; `errc::user_not_found` also for ids that cannot
/// exist.
caf::expected<user> find_user(const persistence::user_store& store,
                              const std::string& id);

/// A page of users, oldest first.
caf::expected<user_page> list_users(const persistence::user_store& store,
                                    const page& p);

/// Whether a user with `id` exists (false for ids that cannot exist).
caf::expected<bool> user_exists(const persistence::user_store& store,
                                const std::string& id);

/// The users with `ids`: one result per id, in order; a failed read fails
/// only its own id.
std::vector<user_result> find_users(const persistence::user_store& store,
                                    const std::vector<std::string>& ids);

/// Whether users with `ids` exist: one answer per id, in order; or the first
/// storage error, which fails them all.
caf::expected<std::vector<bool>>
users_exist(const persistence::user_store& store,
            const std::vector<std::string>& ids);

} // namespace microshop::actors
