#pragma once

// Several user services in one process, each in an actor system of its own
// with its own store, published on loopback ports that their peers know
// before they start: actor-level tests of the uniqueness protocol.

#include "actors/errc.hpp"
#include "actors/ids.hpp"
#include "actors/type_ids.hpp"
#include "actors/uniqueness.hpp"
#include "actors/user_service.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace microshop::testing {

using namespace microshop::actors;
using namespace std::chrono_literals;
using actors::errc;

struct user_node_config : caf::actor_system_config {
  user_node_config() {
    set("scheduler.max-threads", size_t{2});
    set("middleman.workers", size_t{0});
    set("logger.file-verbosity", caf::atom("quiet"));
    actors::add_message_types(*this);
    load<caf::io::middleman>();
  }
};

/// One user service in an actor system of its own; stopped (its store
/// released) before the system goes away.
struct user_node {
  user_node_config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<persistence::user_store> store;
  user_actor svc;

  user_node() = default;
  user_node(const user_node&) = delete;
  user_node& operator=(const user_node&) = delete;

  ~user_node() {
    if (svc)
      caf::anon_send_exit(svc, caf::exit_reason::user_shutdown);
    sys.await_all_actors_done();
  }
};

/// `n` user services under `shard_map::even(shards, n, 1)`, each published on
/// a loopback port that its peers know before it starts.
struct user_nodes {
  temp_dir dir;
  shard_map map;
  std::vector<std::unique_ptr<held_port>> held;
  std::vector<named_address> addrs;
  std::vector<std::unique_ptr<user_node>> nodes;

  explicit user_nodes(size_t n, user_service_config base = {},
                      uint32_t shards = 16)
      : map(shard_map::even(shards, n, 1)) {
    for (size_t i = 0; i < n; ++i) {
      held.push_back(std::make_unique<held_port>());
      addrs.push_back(
          {map.nodes(service::users)[i], "127.0.0.1", held.back()->port()});
    }
    for (size_t i = 0; i < n; ++i)
      start(i, base);
  }

  void start(size_t i, user_service_config svc_cfg) {
    auto node = std::make_unique<user_node>();
    auto store = persistence::user_store::open(dir / addrs[i].name);
    BOOST_REQUIRE(store);
    node->store = std::make_shared<persistence::user_store>(std::move(*store));
    svc_cfg.map = map;
    svc_cfg.node_name = addrs[i].name;
    svc_cfg.peers = addrs;
    node->svc = spawn_user_service(node->sys, node->store, svc_cfg);
    held[i].reset(); // released only now that the node binds it
    auto port = node->sys.middleman().publish(node->svc, addrs[i].port,
                                              "127.0.0.1", true);
    BOOST_REQUIRE_MESSAGE(port, "cannot publish " << addrs[i].name);
    nodes.push_back(std::move(node));
  }

  /// The answer of node `i` to a create of `x`: the user or the error.
  caf::expected<user> create(size_t i, const new_user& x) {
    caf::scoped_actor self{nodes[i]->sys};
    caf::expected<user> out{caf::sec::unexpected_response};
    self->request(nodes[i]->svc, 20s, create_atom_v, x)
        .receive([&](user& u) { out = std::move(u); },
                 [&](caf::error& err) { out = std::move(err); });
    return out;
  }

  /// What node `i` says of `id`.
  caf::expected<id_state> lookup(size_t i, const std::string& id) {
    caf::scoped_actor self{nodes[i]->sys};
    caf::expected<id_state> out{caf::sec::unexpected_response};
    self->request(nodes[i]->svc, 5s, lookup_atom_v, id)
        .receive([&](id_state s) { out = s; },
                 [&](caf::error& err) { out = std::move(err); });
    return out;
  }

  /// A username whose entry lives on node `j`.
  std::string name_on(size_t j, const std::string& prefix) {
    for (int k = 0;; ++k) {
      auto name = prefix + std::to_string(k);
      if (entry_node(map, {unique_field::username, name, {}}) == j)
        return name;
    }
  }

  /// The owner of the entry of `key`, read from the store of its node.
  std::string entry_owner(unique_field f, const std::string& key) {
    auto j = entry_node(map, {f, key, {}});
    auto o = nodes[j]->store->entry_owner(to_store(f), key);
    BOOST_REQUIRE(o);
    return *o;
  }

  /// Waits until every node reaches every other: a create on `i` whose
  /// username lives on `j` stops being `unavailable`.
  void wait_connected() {
    for (size_t i = 0; i < nodes.size(); ++i)
      for (size_t j = 0; j < nodes.size(); ++j) {
        if (i == j)
          continue;
        auto name = name_on(j, "warm" + std::to_string(i) + "x");
        auto ok = wait_until(
            [&] {
              auto u = create(i, {name, name + "@example.com", "password1"});
              return u || !is(u.error(), errc::unavailable);
            },
            15000ms);
        BOOST_REQUIRE_MESSAGE(ok, "node " << i << " never reached " << j);
      }
  }
};

inline user_service_config fast_config() {
  user_service_config cfg;
  cfg.cost = pwhash_cost::minimum();
  cfg.hash_workers = 2;
  cfg.hash_queue = 256;
  cfg.hash_max_wait = 30s;
  return cfg;
}

} // namespace microshop::testing
