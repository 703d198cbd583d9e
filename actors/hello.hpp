#pragma once

// The handshake every link starts with: the caller says which node it wants
// and which shard map it runs; a node that is another one, or runs another
// map, refuses with `errc::misconfigured` saying why.

#include <caf/meta/type_name.hpp>
#include <string>

namespace microshop::actors {

/// What a caller sends first on a new link.
struct hello {
  /// Who asks, e.g. "edge" or "orders-2" (for the node's log).
  std::string caller;
  /// The node name the caller expects at this address, e.g. "users-2".
  std::string expected_node;
  /// The digest of the caller's shard map (`shard_map::digest`).
  std::string map_digest;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hello& x) {
  return f(caf::meta::type_name("microshop::hello"), x.caller, x.expected_node,
           x.map_digest);
}

} // namespace microshop::actors
