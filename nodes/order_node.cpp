// The order node: the order service over its own RocksDB, published over
// BASP; it verifies users with the user node.

#include "actors/defaults.hpp"
#include "actors/errc.hpp"
#include "actors/order_service.hpp"
#include "nodes/node_main.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>
#include <iostream>

namespace {

using namespace microshop;

class order_node_config : public nodes::store_node_config {
public:
  std::string users_host{actors::defaults::host};
  uint16_t users_port = actors::defaults::user_node_port;
  caf::timespan verify_timeout = std::chrono::seconds(2);

  order_node_config()
      : store_node_config("var/data/orders", actors::defaults::order_node_port,
                          "orders-1") {
    opt_group{custom_options_, "global"}
        .add(users_host, "users-host",
             "host of the user node (a map with one user node, without "
             "--user-nodes)")
        .add(users_port, "users-port", "port of the user node (likewise)")
        .add(verify_timeout, "verify-timeout",
             "how long the user node may take to verify a user");
  }
};

} // namespace

int main(int argc, char** argv) {
  nodes::block_shutdown_signals();
  order_node_config cfg;
  if (auto rc = nodes::parse_args(cfg, argc, argv))
    return *rc;
  // The map, the name and the user nodes first: a misconfigured node exits
  // before it opens (and locks) its store.
  if (auto why = cfg.check_store_flags("order_node"))
    return nodes::fail("order_node", *why);
  auto map = nodes::load_shard_map(cfg.shard_map);
  if (!map)
    return nodes::fail("order_node", actors::error_text(map.error()));
  if (auto why =
          nodes::check_node_name(*map, actors::service::orders, cfg.node_name))
    return nodes::fail("order_node", *why);
  std::vector<actors::named_address> users;
  const auto& user_names = map->nodes(actors::service::users);
  if (!cfg.user_nodes.empty()) {
    auto addrs = nodes::user_node_addresses(*map, cfg.user_nodes);
    if (!addrs)
      return nodes::fail("order_node", actors::error_text(addrs.error()));
    users = std::move(*addrs);
  } else if (user_names.size() == 1) {
    users.push_back({user_names[0], cfg.users_host, cfg.users_port});
  } else {
    return nodes::fail("order_node",
                       "--user-nodes: the shard map has " +
                           std::to_string(user_names.size()) +
                           " user nodes; give the address of each");
  }
  std::vector<std::string> hosts{cfg.host};
  for (auto& u : users)
    hosts.push_back(u.host);
  auto links = nodes::choose_links(cfg, cfg.links, cfg.node_name, hosts);
  if (!links)
    return nodes::fail("order_node", actors::error_text(links.error()));
  nodes::print_shard_map("order_node", cfg.node_name, *map);
  cfg.log_start("order_node", cfg.node_name);
  auto store =
      persistence::order_store::open(cfg.data_dir, cfg.store_options());
  if (!store)
    return nodes::fail("order_node", store.error().detail);
  caf::actor_system sys{cfg};
  actors::order_service_config svc_cfg;
  svc_cfg.map = std::move(*map);
  svc_cfg.node_name = cfg.node_name;
  svc_cfg.user_nodes = std::move(users);
  svc_cfg.verify_timeout = cfg.verify_timeout;
  svc_cfg.make_connector = nodes::link_connectors(*links);
  auto shared_store =
      std::make_shared<persistence::order_store>(std::move(*store));
  std::weak_ptr<const void> store_alive = shared_store;
  // A write that waits for the disk must not hold the middleman's thread.
  auto home = cfg.sync_writes ? actors::order_home::detached
                              : actors::order_home::middleman;
  auto svc =
      actors::spawn_order_service(sys, std::move(shared_store), svc_cfg, home);
  return nodes::publish_and_serve(sys, svc, cfg, *links, "order_node",
                                  std::move(store_alive));
}
