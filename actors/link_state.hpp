#pragma once

// What a node reports of its own links to its peer nodes (`links_atom`): the
// edge's /readyz shows them, so that a node cut from a peer is seen from
// outside.

#include <caf/meta/type_name.hpp>
#include <string>

namespace microshop::actors {

/// One of a node's links to a peer node, as the node sees it now.
struct link_state {
  /// The peer's node name, e.g. "users-2".
  std::string name;
  /// Whether the node holds a live handle to the peer (its hello accepted).
  bool connected = false;
  /// Why the peer last refused the node's hello; empty if it did not.
  std::string refusal;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, link_state& x) {
  return f(caf::meta::type_name("microshop::link_state"), x.name, x.connected,
           x.refusal);
}

} // namespace microshop::actors
