#pragma once

#include "nodes/link_scribe.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/timespan.hpp>
#include <chrono>

namespace microshop::nodes {

/// How a node's BASP links run.
struct link_settings {
  /// Mutual TLS through libcaf_openssl's sessions (the system must have
  /// loaded `caf::openssl::manager` with a certificate, key and CA file);
  /// plaintext otherwise.
  bool tls = false;
  /// The bound of one TCP connect attempt.
  caf::timespan connect_timeout = std::chrono::seconds(1);
  /// Accepted connections that have not spoken BASP yet (with TLS: not
  /// finished the handshake) are closed after this long, and at most this
  /// many are kept (see `handshake_watch`).
  caf::timespan handshake_timeout = std::chrono::seconds(10);
  size_t max_pending_handshakes = 64;
  link_limits limits;
};

/// Spawns a middleman actor (CAF's own, with its publish/connect interface
/// and the system's BASP broker) whose connections run as `s` says: TLS or
/// plaintext, the payload cap, connects bounded by `s.connect_timeout`.
/// A connection whose TLS session cannot be made (e.g. certificate files
/// being replaced) is refused with `sec::cannot_connect_to_node`, never a
/// crash. The actor is detached (a connect blocks only its own thread) and
/// hidden; it stops on an exit message.
caf::io::middleman_actor spawn_link_middleman(caf::actor_system& sys,
                                              const link_settings& s);

} // namespace microshop::nodes
