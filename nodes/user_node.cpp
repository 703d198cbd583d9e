// The user node: the user service over its own RocksDB, published over BASP.

#include "actors/user_service.hpp"
#include "nodes/node_main.hpp"
#include "persistence/errc.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>
#include <iostream>

namespace {

using namespace microshop;

class user_node_config : public nodes::node_config {
public:
  std::string data_dir = "var/data/users";
  bool sync_writes = false;
  uint64_t hash_ops = 2;
  size_t hash_mem_kib = 19 * 1024;
  size_t hash_workers = 2;
  size_t read_workers = 2;

  user_node_config() {
    port = 7101;
    opt_group{custom_options_, "global"}
        .add(data_dir, "data-dir", "RocksDB directory of the user store")
        .add(sync_writes, "sync-writes", "fsync every write (power-loss safe)")
        .add(hash_ops, "hash-ops", "Argon2id passes (t)")
        .add(hash_mem_kib, "hash-mem-kib", "Argon2id memory in KiB (m)")
        .add(hash_workers, "hash-workers", "passwords hashed at once")
        .add(read_workers, "read-workers", "workers serving reads");
  }
};

} // namespace

int main(int argc, char** argv) {
  nodes::block_shutdown_signals();
  user_node_config cfg;
  if (auto rc = nodes::parse_args(cfg, argc, argv))
    return *rc;
  persistence::store_options opts;
  opts.sync_writes = cfg.sync_writes;
  auto store = persistence::user_store::open(cfg.data_dir, opts);
  if (!store)
    return nodes::fail("user_node", persistence::error_text(store.error()));
  caf::actor_system sys{cfg};
  actors::user_service_config svc_cfg;
  svc_cfg.cost = {cfg.hash_ops, cfg.hash_mem_kib * 1024};
  svc_cfg.hash_workers = cfg.hash_workers;
  svc_cfg.read_workers = cfg.read_workers;
  auto svc = actors::spawn_user_service(
      sys, std::make_shared<persistence::user_store>(std::move(*store)),
      svc_cfg);
  auto port = sys.middleman().publish(svc, cfg.port, cfg.host.c_str(), true);
  if (!port) {
    caf::anon_send_exit(svc, caf::exit_reason::user_shutdown);
    return nodes::fail("user_node", "cannot listen on " + cfg.host + ":" +
                                        std::to_string(cfg.port) + ": " +
                                        sys.render(port.error()));
  }
  std::cout << "user_node listening on " << cfg.host << ":" << *port
            << std::endl;
  nodes::wait_for_shutdown_signal();
  std::cout << "user_node shutting down" << std::endl;
  caf::anon_send_exit(svc, caf::exit_reason::user_shutdown);
  return 0;
}
