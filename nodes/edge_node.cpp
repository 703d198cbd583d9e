// The edge node: serves the HTTP API and reaches the user and order nodes
// only through CAF messages.

#include "actors/defaults.hpp"
#include "http_edge/edge.hpp"
#include "nodes/node_main.hpp"

#include <algorithm>
#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <iostream>

namespace {

using namespace microshop;

class edge_node_config : public nodes::node_config {
public:
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

  edge_node_config() {
    port = actors::defaults::http_port;
    opt_group{custom_options_, "global"}
        .add(users_host, "users-host", "host of the user node")
        .add(users_port, "users-port", "port of the user node")
        .add(orders_host, "orders-host", "host of the order node")
        .add(orders_port, "orders-port", "port of the order node")
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
             "more");
  }
};

} // namespace

int main(int argc, char** argv) {
  nodes::block_shutdown_signals();
  edge_node_config cfg;
  if (auto rc = nodes::parse_args(cfg, argc, argv))
    return *rc;
  caf::actor_system sys{cfg};
  http_edge::edge_config edge_cfg;
  edge_cfg.host = cfg.host;
  edge_cfg.port = cfg.port;
  edge_cfg.users = {cfg.users_host, cfg.users_port};
  edge_cfg.orders = {cfg.orders_host, cfg.orders_port};
  edge_cfg.request_timeout = cfg.request_timeout;
  edge_cfg.conn_limits.idle_timeout = cfg.idle_timeout;
  edge_cfg.conn_limits.header_timeout = cfg.header_timeout;
  edge_cfg.conn_limits.body_timeout = cfg.body_timeout;
  edge_cfg.conn_limits.max_unanswered = std::max<size_t>(1, cfg.max_pipelined);
  edge_cfg.conn_limits.max_unsent_bytes = cfg.max_unsent_kib << 10;
  edge_cfg.max_connections = cfg.max_connections;
  edge_cfg.max_buffered_bytes = cfg.max_buffered_mib << 20;
  auto edge = http_edge::start_edge(sys, edge_cfg);
  if (!edge)
    return nodes::fail("edge_node", "cannot listen on " + cfg.host + ":" +
                                        std::to_string(cfg.port) + ": " +
                                        sys.render(edge.error()));
  nodes::exit_when_main_actor_dies(sys, edge->first, "edge_node");
  std::cout << "edge_node listening on http://" << cfg.host << ":"
            << edge->second << std::endl;
  nodes::wait_for_shutdown_signal();
  std::cout << "edge_node shutting down" << std::endl;
  nodes::begin_shutdown();
  caf::anon_send_exit(edge->first, caf::exit_reason::user_shutdown);
  return 0;
}
