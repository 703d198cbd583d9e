#pragma once

#include "actors/defaults.hpp"
#include "actors/log.hpp"
#include "actors/shard_map.hpp"
#include "nodes/transport.hpp"
#include "persistence/records.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace microshop::nodes {

/// Options every node has, and the defaults that make a cluster detect a
/// silent peer (BASP heartbeats every second, a peer silent for 5 s is lost).
class node_config : public caf::actor_system_config {
public:
  /// Listen address and port; port 0 picks a free one (printed at start).
  std::string host{actors::defaults::host};
  uint16_t port = 0;
  /// `--insecure`, `--connect-timeout` (see `choose_links`).
  link_flags links;
  /// `--log-level`: debug, info, warn or error (see `actors::log_line`).
  std::string log_level = "info";

  node_config();

  /// Names this node in every log line from now on (call before the actor
  /// system starts) and logs `start` with the effective configuration of
  /// `program`: this node's own flags and the TLS file paths, never the
  /// passphrase.
  void log_start(const std::string& program, const std::string& node) const;
};

/// Options of a node that owns a RocksDB store: one node of a sharded
/// service (users or orders).
class store_node_config : public node_config {
public:
  std::string data_dir;
  bool sync_writes = false;
  size_t cache_mib = 256;
  size_t write_buffer_mib = 64;
  bool salvage_wal = false;
  /// How long Idempotency-Key outcomes are kept at least (see `parse_ttl`).
  std::string idempotency_ttl = "24h";
  /// The shard map file; empty: `even(default_shards, 1, 1)`.
  std::string shard_map;
  /// This node's name in the map.
  std::string node_name;
  /// "name=host:port,..." of the user nodes (see `actors::parse_addresses`).
  std::string user_nodes;

  store_node_config(std::string default_data_dir, uint16_t default_port,
                    std::string default_node_name);

  /// The store options these flags ask for.
  persistence::store_options store_options() const;

  /// Why these flags cannot run a node (a TTL that `parse_ttl` refuses);
  /// nothing when they can. Warns on stderr, naming `node`, about a TTL below
  /// the 24 hours API.md promises.
  std::optional<std::string> check_store_flags(const std::string& node) const;
};

/// The duration `text` names: a whole number of 1 to 10 digits and one
/// unit of ms, s, min, h or d (e.g. "24h"), positive and at most 3650 days;
/// nothing otherwise.
std::optional<std::chrono::milliseconds> parse_ttl(std::string_view text);

/// Blocks SIGINT and SIGTERM in this thread and every thread it starts; call
/// first in main, before any thread exists.
void block_shutdown_signals();

/// Waits until SIGINT or SIGTERM arrives.
void wait_for_shutdown_signal();

/// Parses the command line and `--config-file` into `cfg`; returns an exit code
/// when the process should stop now (0 after --help, 1 after a bad flag,
/// with a one-line reason on stderr).
std::optional<int> parse_args(node_config& cfg, int argc, char** argv);

/// The map in the file at `path`, or `even(default_shards, 1, 1)` when
/// `path` is empty; the error says why not.
caf::expected<actors::shard_map> load_shard_map(const std::string& path);

/// Why `name` cannot run as a node of `s` under `map` (it is none of its
/// nodes); nothing when it can.
std::optional<std::string> check_node_name(const actors::shard_map& map,
                                           actors::service s,
                                           const std::string& name);

/// The addresses of the user nodes of `map` but `self` (empty: all of them),
/// in map order, from `list` ("name=host:port,..."; `self`'s entry is
/// ignored); the error names the node without one or the entry that is not
/// a user node of the map.
caf::expected<std::vector<actors::named_address>>
user_node_addresses(const actors::shard_map& map, const std::string& list,
                    const std::string& self = {});

/// Prints "<node>: <name>, shard map <digest> (<S> shards, <N> user nodes,
/// <M> order nodes)" to stdout.
void print_shard_map(const std::string& node, const std::string& name,
                     const actors::shard_map& map);

/// Logs "<node>: <text>" as a `start_failed` error and returns 1.
int fail(const std::string& node, const std::string& text);

/// The exit code of a node whose main actor died unasked (EX_SOFTWARE).
constexpr int main_actor_died_exit_code = 70;

/// Records that main is shutting the node down, so that the main actor's
/// termination from now on is expected (see `exit_when_main_actor_dies`).
void begin_shutdown();

/// Whether `begin_shutdown` has been called.
bool shutdown_begun();

/// Prints "<node>: main actor exited (<reason>), exiting with code 70" to
/// stderr and ends the process with `main_actor_died_exit_code` without
/// destroying the actor system (see `shut_down`). It does not return.
[[noreturn]] void main_actor_died(caf::actor_system& sys,
                                  const std::string& node,
                                  const caf::error& reason);

/// Ends the process through `main_actor_died` as soon as `main_actor`
/// terminates for any reason unless `begin_shutdown` was called before; a
/// node whose main actor is gone serves nothing and must not look alive.
template <class Handle>
void exit_when_main_actor_dies(caf::actor_system& sys, const Handle& main_actor,
                               const std::string& node) {
  auto ptr = caf::actor_cast<caf::strong_actor_ptr>(main_actor);
  // Runs on the thread where the actor terminates; `sys` outlives it because
  // nodes never destroy their actor system while actors run.
  ptr->get()->attach_functor([&sys, node](const caf::error& reason) {
    if (!shutdown_begun())
      main_actor_died(sys, node, reason);
  });
}

/// Stops `svc`, waits until every actor is done and `store` is released
/// (RocksDB closed), and ends the process with exit code 0 — or 1 when the
/// store is still held after 10 s. It does not return.
///
/// It leaves without destroying the actor system on purpose: CAF 0.17.6 can
/// deadlock in ~actor_system waiting for the thread of a detached actor that
/// has already finished (actor-framework#1196, fixed in 0.18); by then all
/// work is done and the store is closed.
template <class Handle>
[[noreturn]] void shut_down(caf::actor_system& sys, const Handle& svc,
                            const std::weak_ptr<const void>& store,
                            const std::string& node) {
  begin_shutdown();
  caf::anon_send_exit(svc, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();
  for (int i = 0; i < 1000 && !store.expired(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  int rc = store.expired() ? 0 : 1;
  if (rc != 0) {
    actors::log_line{actors::log_level::error, "shutdown"}
        .field("message", node + ": store still open at exit")
        .field("exit_code", rc);
  } else {
    actors::log_line{actors::log_level::info, "shutdown"}
        .field("message", node + " stopped, store closed")
        .field("exit_code", rc);
    std::cout << node << " stopped, store closed" << std::endl;
  }
  std::cout.flush();
  std::cerr.flush();
  std::_Exit(rc);
}

/// Publishes `svc` on `cfg.host:cfg.port` over BASP with links as `links`
/// says, prints where, serves until SIGTERM or SIGINT and then shuts down
/// (see `shut_down`); returns only with exit code 1 and a one-line reason
/// when the port cannot be opened.
template <class Handle>
int publish_and_serve(caf::actor_system& sys, const Handle& svc,
                      const node_config& cfg, const link_settings& links,
                      const std::string& node,
                      std::weak_ptr<const void> store) {
  auto port = publish_links(sys, caf::actor_cast<caf::strong_actor_ptr>(svc),
                            sys.message_types(svc), cfg.host, cfg.port, links);
  if (!port) {
    begin_shutdown();
    caf::anon_send_exit(svc, caf::exit_reason::user_shutdown);
    return fail(node, "cannot listen on " + cfg.host + ":" +
                          std::to_string(cfg.port) + ": " +
                          sys.render(port.error()));
  }
  exit_when_main_actor_dies(sys, svc, node);
  std::cout << node << " listening on " << cfg.host << ":" << port->port
            << std::endl;
  actors::log_line{actors::log_level::info, "listening"}
      .field("address", cfg.host + ":" + std::to_string(port->port))
      .field("protocol", "basp");
  wait_for_shutdown_signal();
  std::cout << node << " shutting down" << std::endl;
  actors::log_line{actors::log_level::info, "shutting_down"};
  shut_down(sys, svc, store, node);
}

} // namespace microshop::nodes
