#pragma once

#include "actors/defaults.hpp"
#include "actors/peer_link.hpp"
#include "actors/shard_map.hpp"
#include "http_edge/connection.hpp"
#include "http_edge/request_parser.hpp"
#include "http_edge/static_files.hpp"

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/timespan.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace microshop::http_edge {

struct edge_config {
  /// Where the HTTP API listens.
  std::string host{actors::defaults::host};
  uint16_t port = actors::defaults::http_port;
  /// The cluster's shard map, and where each of its user and order nodes
  /// publishes its actor: one address per node of `map.nodes(service)`, in
  /// that order (at most `max_nodes_per_service` each).
  actors::shard_map map = actors::shard_map::even(actors::default_shards, 1, 1);
  std::vector<actors::named_address> user_nodes{
      {"users-1", std::string{actors::defaults::host},
       actors::defaults::user_node_port}};
  std::vector<actors::named_address> order_nodes{
      {"orders-1", std::string{actors::defaults::host},
       actors::defaults::order_node_port}};
  /// How long a node may take to answer one request (then 504).
  caf::timespan request_timeout = std::chrono::seconds(5);
  /// How long one connect attempt to a node may take.
  caf::timespan connect_timeout = std::chrono::seconds(2);
  /// What the links to other nodes connect through (empty: CAF's own
  /// middleman actor, plaintext).
  actors::connector_factory make_connector;
  /// How long a node may take to report its links for `GET /readyz` (then
  /// the node counts as not ready).
  caf::timespan links_timeout = std::chrono::seconds(1);
  /// How long what the nodes reported of their links answers `GET /readyz`
  /// before they are asked again.
  caf::timespan links_max_age = std::chrono::milliseconds(200);
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
  /// Log one `access` line per answered request (`--access-log`).
  bool access_log = false;
  /// Count requests and serve `GET /metrics` (off with `--no-metrics`: 404, and
  /// nothing is counted per request).
  bool metrics = true;
  /// How long a node may take to report its metrics for `GET /metrics`
  /// (then its samples are left out and `microshop_node_report_ok` is 0).
  caf::timespan metrics_timeout = std::chrono::seconds(1);
  /// Where `GET /docs/<file>` finds Redoc's bundle.
  std::filesystem::path docs_dir = default_docs_dir();
};

/// Nodes per service the edge can address.
constexpr size_t max_nodes_per_service = 127;

/// The HTTP edge: a CAF broker that serves API.md on `cfg.host:cfg.port` and
/// talks to the user and order nodes of `cfg.map` only through typed
/// requests with `cfg.request_timeout`, reconnecting to each after it
/// restarts. Returns the broker and the bound port, or why it cannot listen
/// (`errc::invalid` when the addresses do not match the map's nodes).
caf::expected<std::pair<caf::actor, uint16_t>>
start_edge(caf::actor_system& sys, edge_config cfg);

} // namespace microshop::http_edge
