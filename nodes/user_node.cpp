// The user node: the user service over its own RocksDB, published over BASP.

#include "actors/defaults.hpp"
#include "actors/errc.hpp"
#include "actors/user_service.hpp"
#include "nodes/node_main.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>
#include <chrono>
#include <iostream>

namespace {

using namespace microshop;

class user_node_config : public nodes::store_node_config {
public:
  uint64_t hash_ops = 2;
  size_t hash_mem_kib = size_t{19} * 1024;
  size_t hash_workers = 2;
  size_t hash_queue = 16;
  caf::timespan hash_max_wait = std::chrono::seconds(4);

  user_node_config()
      : store_node_config("var/data/users", actors::defaults::user_node_port,
                          "users-1") {
    opt_group{custom_options_, "global"}
        .add(hash_ops, "hash-ops", "Argon2id passes (t)")
        .add(hash_mem_kib, "hash-mem-kib", "Argon2id memory in KiB (m)")
        .add(hash_workers, "hash-workers", "passwords hashed at once")
        .add(hash_queue, "hash-queue",
             "creates that may wait for a hash worker (more: 503 at once)")
        .add(hash_max_wait, "hash-max-wait",
             "a create waiting longer for a hash worker is refused unhashed "
             "(keep below the edge's request timeout)");
  }
};

} // namespace

int main(int argc, char** argv) {
  nodes::block_shutdown_signals();
  user_node_config cfg;
  if (auto rc = nodes::parse_args(cfg, argc, argv))
    return *rc;
  // The map, the name and the peers first: a misconfigured node exits before
  // it opens (and locks) its store.
  if (auto why = cfg.check_store_flags("user_node"))
    return nodes::fail("user_node", *why);
  auto map = nodes::load_shard_map(cfg.shard_map);
  if (!map)
    return nodes::fail("user_node", actors::error_text(map.error()));
  if (auto why =
          nodes::check_node_name(*map, actors::service::users, cfg.node_name))
    return nodes::fail("user_node", *why);
  auto peers = nodes::user_node_addresses(*map, cfg.user_nodes, cfg.node_name);
  if (!peers)
    return nodes::fail("user_node", actors::error_text(peers.error()));
  std::vector<std::string> hosts{cfg.host};
  for (auto& p : *peers)
    hosts.push_back(p.host);
  auto links = nodes::choose_links(cfg, cfg.links, cfg.node_name, hosts);
  if (!links)
    return nodes::fail("user_node", actors::error_text(links.error()));
  nodes::print_shard_map("user_node", cfg.node_name, *map);
  cfg.log_start("user_node", cfg.node_name);
  auto store = persistence::user_store::open(cfg.data_dir, cfg.store_options());
  if (!store)
    return nodes::fail("user_node", store.error().detail);
  caf::actor_system sys{cfg};
  actors::user_service_config svc_cfg;
  svc_cfg.map = std::move(*map);
  svc_cfg.node_name = cfg.node_name;
  svc_cfg.peers = std::move(*peers);
  svc_cfg.cost = {cfg.hash_ops, cfg.hash_mem_kib * 1024};
  svc_cfg.hash_workers = cfg.hash_workers;
  svc_cfg.hash_queue = cfg.hash_queue;
  svc_cfg.hash_max_wait = cfg.hash_max_wait;
  svc_cfg.make_connector = nodes::link_connectors(*links);
  auto shared_store =
      std::make_shared<persistence::user_store>(std::move(*store));
  std::weak_ptr<const void> store_alive = shared_store;
  auto svc = actors::spawn_user_service(sys, std::move(shared_store), svc_cfg);
  return nodes::publish_and_serve(sys, svc, cfg, *links, "user_node",
                                  std::move(store_alive));
}
