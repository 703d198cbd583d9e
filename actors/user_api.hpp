#pragma once

// The user service's contract: what crosses the wire to and from the user node.

#include "actors/atoms.hpp"
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
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, new_user& x) {
  return f(caf::meta::type_name("microshop::new_user"), x.username, x.email,
           x.password);
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

/// One answer of a batch: `value` when `err` is empty, else why not.
struct user_result {
  caf::error err;
  user value;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_result& x) {
  return f(caf::meta::type_name("microshop::user_result"), x.err, x.value);
}

/// One page of users in creation order; `more` when users follow the last
/// or may still appear after it (some are being created). Every user with an
/// id below `watermark` that will ever exist was visible when the page was
/// read, so a page never holds a user at or above it: a poller that asks
/// again `after` the last id never misses a user.
struct user_page {
  std::vector<user> items;
  bool more = false;
  std::string watermark;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_page& x) {
  return f(caf::meta::type_name("microshop::user_page"), x.items, x.more,
           x.watermark);
}

/// The user service. Errors: `errc::invalid` (naming the field),
/// `errc::duplicate` (naming the field), `errc::user_not_found`,
/// `errc::storage`, `errc::overloaded` (a create refused at once: the hash
/// queue is full, or it waited too long for a hash worker).
using user_actor = caf::typed_actor<
    /// Creates a user; its password is stored only as an Argon2id hash.
    caf::replies_to<create_atom, new_user>::with<user>,
    /// The user with this id.
    caf::replies_to<get_atom, std::string>::with<user>,
    /// A page of users, oldest first.
    caf::replies_to<list_atom, page>::with<user_page>,
    /// Whether a user with this id exists.
    caf::replies_to<verify_atom, std::string>::with<bool>,
    /// The users with these ids: one result per id, in order.
    caf::replies_to<get_atom,
                    std::vector<std::string>>::with<std::vector<user_result>>,
    /// Whether users with these ids exist: one answer per id, in order.
    caf::replies_to<verify_atom,
                    std::vector<std::string>>::with<std::vector<bool>>>;

} // namespace microshop::actors
