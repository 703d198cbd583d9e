// The edge node: serves the HTTP API and reaches the user and order nodes
// only through CAF messages.

#include "actors/defaults.hpp"
#include "actors/errc.hpp"
#include "actors/log.hpp"
#include "actors/shard_map.hpp"
#include "http_edge/edge.hpp"
#include "nodes/node_main.hpp"

#include <algorithm>
#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <iostream>
#include <string>
#include <vector>

namespace {

using namespace microshop;

class edge_node_config : public nodes::node_config {
public:
  std::string shard_map;
  std::string user_nodes;
  std::string order_nodes;
  std::string users_host{actors::defaults::host};
  uint16_t users_port = actors::defaults::user_node_port;
  std::string orders_host{actors::defaults::host};
  uint16_t orders_port = actors::defaults::order_node_port;
  caf::timespan request_timeout = std::chrono::seconds(5);
  caf::timespan idle_timeout = std::chrono::seconds(30);
  caf::timespan header_timeout = std::chrono::seconds(10);
  caf::timespan body_timeout = std::chrono::seconds(30);
  size_t max_connections = 10000;
  size_t max_buffered_mib = 256;
  size_t max_pipelined = 32;
  size_t max_unsent_kib = 256;
  bool access_log = false;
  bool no_metrics = false;
  std::string docs_dir = http_edge::default_docs_dir().string();

  edge_node_config() {
    port = actors::defaults::http_port;
    opt_group{custom_options_, "global"}
        .add(shard_map, "shard-map",
             "shard map file (default: 128 shards on users-1 and orders-1)")
        .add(user_nodes, "user-nodes",
             "addresses of the map's user nodes: name=host:port,...")
        .add(order_nodes, "order-nodes",
             "addresses of the map's order nodes: name=host:port,...")
        .add(users_host, "users-host",
             "host of the user node (a map with one user node, no "
             "--user-nodes)")
        .add(users_port, "users-port", "port of that user node")
        .add(orders_host, "orders-host",
             "host of the order node (a map with one order node, no "
             "--order-nodes)")
        .add(orders_port, "orders-port", "port of that order node")
        .add(request_timeout, "request-timeout",
             "how long a node may take to answer (then 504)")
        .add(idle_timeout, "idle-timeout",
             "close connections silent for this long")
        .add(header_timeout, "header-timeout",
             "time from a request's first byte to its last header (then 408)")
        .add(body_timeout, "body-timeout",
             "time from a request's headers to the end of its body (then 408)")
        .add(max_connections, "max-connections",
             "connections served at once (past it: 503 and close)")
        .add(max_buffered_mib, "max-buffered-mib",
             "MiB of requests and answers held for all connections (past "
             "it: 503 and close)")
        .add(max_pipelined, "max-pipelined",
             "unanswered requests per connection before it is read no more")
        .add(max_unsent_kib, "max-unsent-kib",
             "KiB of unsent answers per connection before it is read no "
             "more")
        .add(no_metrics, "no-metrics",
             "count nothing per request and answer GET /metrics with 404")
        .add(access_log, "access-log",
             "log one line per request: method, route, status, duration, "
             "request id")
        .add(docs_dir, "docs-dir",
             "where GET /docs/<file> finds Redoc's bundle (default: "
             "$MICROSHOP_NPM_CACHE/node_modules/redoc/bundles)");
  }
};

/// The addresses of the nodes of `s` in `map`, in map order: from `list`
/// when given, else `host:port` for the map's only node of `s`.
caf::expected<std::vector<actors::named_address>>
node_addresses(const actors::shard_map& map, actors::service s,
               const std::string& list, const std::string& host,
               uint16_t port) {
  std::vector<actors::named_address> addrs;
  if (!list.empty()) {
    auto parsed = actors::parse_addresses(list);
    if (!parsed)
      return std::move(parsed.error());
    addrs = std::move(*parsed);
  } else if (map.nodes(s).size() == 1) {
    addrs.push_back({map.nodes(s).front(), host, port});
  }
  return actors::addresses_for(map, s, addrs);
}

} // namespace

int main(int argc, char** argv) {
  nodes::block_shutdown_signals();
  edge_node_config cfg;
  if (auto rc = nodes::parse_args(cfg, argc, argv))
    return *rc;
  http_edge::edge_config edge_cfg;
  if (!cfg.shard_map.empty()) {
    auto map = actors::shard_map::load(cfg.shard_map);
    if (!map)
      return nodes::fail("edge_node", actors::error_text(map.error()));
    edge_cfg.map = std::move(*map);
  }
  auto users = node_addresses(edge_cfg.map, actors::service::users,
                              cfg.user_nodes, cfg.users_host, cfg.users_port);
  if (!users)
    return nodes::fail("edge_node", actors::error_text(users.error()));
  auto orders =
      node_addresses(edge_cfg.map, actors::service::orders, cfg.order_nodes,
                     cfg.orders_host, cfg.orders_port);
  if (!orders)
    return nodes::fail("edge_node", actors::error_text(orders.error()));
  edge_cfg.user_nodes = std::move(*users);
  edge_cfg.order_nodes = std::move(*orders);
  std::vector<std::string> hosts;
  for (auto* list : {&edge_cfg.user_nodes, &edge_cfg.order_nodes})
    for (auto& a : *list)
      hosts.push_back(a.host);
  auto links = nodes::choose_links(cfg, cfg.links, "edge", hosts);
  if (!links)
    return nodes::fail("edge_node", actors::error_text(links.error()));
  edge_cfg.make_connector = nodes::link_connectors(*links);
  for (auto s : {actors::service::users, actors::service::orders})
    if (edge_cfg.map.nodes(s).size() > http_edge::max_nodes_per_service)
      return nodes::fail(
          "edge_node", "the shard map has more than " +
                           std::to_string(http_edge::max_nodes_per_service) +
                           " " + std::string{actors::to_string(s)} + " nodes");
  std::cout << "edge_node: shard map " << edge_cfg.map.digest() << " ("
            << edge_cfg.map.shards() << " shards, "
            << edge_cfg.user_nodes.size() << " user nodes, "
            << edge_cfg.order_nodes.size() << " order nodes)" << std::endl;
  cfg.log_start("edge_node", "edge");
  caf::actor_system sys{cfg};
  edge_cfg.host = cfg.host;
  edge_cfg.port = cfg.port;
  edge_cfg.request_timeout = cfg.request_timeout;
  edge_cfg.conn_limits.idle_timeout = cfg.idle_timeout;
  edge_cfg.conn_limits.header_timeout = cfg.header_timeout;
  edge_cfg.conn_limits.body_timeout = cfg.body_timeout;
  edge_cfg.conn_limits.max_unanswered = std::max<size_t>(1, cfg.max_pipelined);
  edge_cfg.conn_limits.max_unsent_bytes = cfg.max_unsent_kib << 10;
  edge_cfg.max_connections = cfg.max_connections;
  edge_cfg.max_buffered_bytes = cfg.max_buffered_mib << 20;
  edge_cfg.access_log = cfg.access_log;
  edge_cfg.metrics = !cfg.no_metrics;
  edge_cfg.docs_dir = cfg.docs_dir;
  auto edge = http_edge::start_edge(sys, edge_cfg);
  if (!edge)
    return nodes::fail("edge_node", "cannot listen on " + cfg.host + ":" +
                                        std::to_string(cfg.port) + ": " +
                                        sys.render(edge.error()));
  nodes::exit_when_main_actor_dies(sys, edge->first, "edge_node");
  std::cout << "edge_node listening on http://" << cfg.host << ":"
            << edge->second << std::endl;
  actors::log_line{actors::log_level::info, "listening"}
      .field("address", cfg.host + ":" + std::to_string(edge->second))
      .field("protocol", "http");
  nodes::wait_for_shutdown_signal();
  std::cout << "edge_node shutting down" << std::endl;
  actors::log_line{actors::log_level::info, "shutting_down"};
  nodes::begin_shutdown();
  caf::anon_send_exit(edge->first, caf::exit_reason::user_shutdown);
  return 0;
}
