#pragma once

#include "actors/peer_link.hpp"
#include "http_edge/request_parser.hpp"

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/timespan.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

namespace microshop::http_edge {

struct edge_config {
  /// Where the HTTP API listens.
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  /// Where the user and order nodes publish their actors.
  actors::peer_address users;
  actors::peer_address orders;
  /// How long a node may take to answer one request (then 504).
  caf::timespan request_timeout = std::chrono::seconds(5);
  /// How long one connect attempt to a node may take.
  caf::timespan connect_timeout = std::chrono::seconds(2);
  /// A connection that sends nothing this long (with nothing pending) closes.
  caf::timespan idle_timeout = std::chrono::seconds(30);
  request_limits limits;
};

/// The HTTP edge: a CAF broker that serves API.md on `cfg.host:cfg.port` and
/// talks to the user and order nodes only through typed requests with
/// `cfg.request_timeout`, reconnecting to each after it restarts. Returns the
/// broker and the bound port, or why it cannot listen.
caf::expected<std::pair<caf::actor, uint16_t>>
start_edge(caf::actor_system& sys, const edge_config& cfg);

} // namespace microshop::http_edge
