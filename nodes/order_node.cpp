// The order node: the order service over its own RocksDB, published over
// BASP; it verifies users with the user node.

#include "actors/order_service.hpp"
#include "nodes/node_main.hpp"
#include "persistence/errc.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>
#include <iostream>

namespace {

using namespace microshop;

class order_node_config : public nodes::node_config {
public:
  std::string data_dir = "var/data/orders";
  bool sync_writes = false;
  std::string users_host = "127.0.0.1";
  uint16_t users_port = 7101;
  caf::timespan verify_timeout = std::chrono::seconds(2);
  size_t store_workers = 2;

  order_node_config() {
    port = 7102;
    opt_group{custom_options_, "global"}
        .add(data_dir, "data-dir", "RocksDB directory of the order store")
        .add(sync_writes, "sync-writes", "fsync every write (power-loss safe)")
        .add(users_host, "users-host", "host of the user node")
        .add(users_port, "users-port", "port of the user node")
        .add(verify_timeout, "verify-timeout",
             "how long the user node may take to verify a user")
        .add(store_workers, "store-workers", "workers writing and reading");
  }
};

} // namespace

int main(int argc, char** argv) {
  nodes::block_shutdown_signals();
  order_node_config cfg;
  if (auto rc = nodes::parse_args(cfg, argc, argv))
    return *rc;
  persistence::store_options opts;
  opts.sync_writes = cfg.sync_writes;
  auto store = persistence::order_store::open(cfg.data_dir, opts);
  if (!store)
    return nodes::fail("order_node", persistence::error_text(store.error()));
  caf::actor_system sys{cfg};
  actors::order_service_config svc_cfg;
  svc_cfg.users = {cfg.users_host, cfg.users_port};
  svc_cfg.verify_timeout = cfg.verify_timeout;
  svc_cfg.store_workers = cfg.store_workers;
  auto svc = actors::spawn_order_service(
      sys, std::make_shared<persistence::order_store>(std::move(*store)),
      svc_cfg);
  auto port = sys.middleman().publish(svc, cfg.port, cfg.host.c_str(), true);
  if (!port) {
    caf::anon_send_exit(svc, caf::exit_reason::user_shutdown);
    return nodes::fail("order_node", "cannot listen on " + cfg.host + ":" +
                                         std::to_string(cfg.port) + ": " +
                                         sys.render(port.error()));
  }
  std::cout << "order_node listening on " << cfg.host << ":" << *port
            << std::endl;
  nodes::wait_for_shutdown_signal();
  std::cout << "order_node shutting down" << std::endl;
  caf::anon_send_exit(svc, caf::exit_reason::user_shutdown);
  return 0;
}
