#pragma once

#include "actors/defaults.hpp"
#include "actors/peer_link.hpp"
#include "http_edge/connection.hpp"
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
  std::string host{actors::defaults::host};
  uint16_t port = actors::defaults::http_port;
  /// Where the user and order nodes publish their actors.
  actors::peer_address users;
  actors::peer_address orders;
  /// How long a node may take to answer one request (then 504).
  caf::timespan request_timeout = std::chrono::seconds(5);
  /// How long one connect attempt to a node may take.
  caf::timespan connect_timeout = std::chrono::seconds(2);
  /// Per connection: pipelining and output limits, header/body deadlines,
  /// the idle timeout.
  connection_limits conn_limits;
  /// Connections served at once; past it a new client gets 503 and is
  /// closed (lowered to the open-file limit less 64 when that is smaller).
  size_t max_connections = 10000;
  /// Bytes of requests and unsent answers held for all connections; a
  /// connection that would pass it gets 503 and is closed.
  size_t max_buffered_bytes = size_t{256} << 20;
  request_limits limits;
};

/// The HTTP edge: a CAF broker that serves API.md on `cfg.host:cfg.port` and
/// talks to the user and order nodes only through typed requests with
/// `cfg.request_timeout`, reconnecting to each after it restarts. Returns the
/// broker and the bound port, or why it cannot listen.
caf::expected<std::pair<caf::actor, uint16_t>>
start_edge(caf::actor_system& sys, edge_config cfg);

} // namespace microshop::http_edge
