// The order node: the order service over its own RocksDB, published over
// BASP; it verifies users with the user node.

#include "actors/defaults.hpp"
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
      : store_node_config("var/data/orders",
                          actors::defaults::order_node_port) {
    opt_group{custom_options_, "global"}
        .add(users_host, "users-host", "host of the user node")
        .add(users_port, "users-port", "port of the user node")
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
  auto store =
      persistence::order_store::open(cfg.data_dir, cfg.store_options());
  if (!store)
    return nodes::fail("order_node", store.error().detail);
  caf::actor_system sys{cfg};
  actors::order_service_config svc_cfg;
  svc_cfg.users = {cfg.users_host, cfg.users_port};
  svc_cfg.verify_timeout = cfg.verify_timeout;
  auto shared_store =
      std::make_shared<persistence::order_store>(std::move(*store));
  std::weak_ptr<const void> store_alive = shared_store;
  auto svc = actors::spawn_order_service(sys, std::move(shared_store), svc_cfg);
  return nodes::publish_and_serve(sys, svc, cfg, "order_node",
                                  std::move(store_alive));
}
