#pragma once

#include "support/netns.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <chrono>
#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace microshop::actors {
class shard_map;
} // namespace microshop::actors

namespace microshop::testing {

/// What a node is: a user node, an order node or the edge.
enum class node_kind { users, orders, edge };

/// One node of a cluster: its kind and its 1-based index within its kind
/// (users-2 is {users, 2}; the edge is {edge, 1}).
struct node {
  node_kind kind = node_kind::edge;
  int index = 1;

  /// users-1, orders-1 and the edge: the nodes of a 1x1 cluster.
  static const node users;
  static const node orders;
  static const node edge;

  /// users-`i`.
  static node user(int i) {
    return {node_kind::users, i};
  }

  /// orders-`j`.
  static node order(int j) {
    return {node_kind::orders, j};
  }

  auto operator<=>(const node&) const = default;
};

inline const node node::users{node_kind::users, 1};
inline const node node::orders{node_kind::orders, 1};
inline const node node::edge{node_kind::edge, 1};

/// "users-2", "orders-1", "edge": the node's name in the shard map.
std::string to_string(node n);

/// How many user and order nodes a cluster has.
struct shape {
  int users = 1;
  int orders = 1;
};

/// The shape in MICROSHOP_TEST_SHAPE ("NxM", e.g. "3x2"), 1x1 when unset;
/// fails the test when it is not one.
shape test_shape();

/// How the nodes of a cluster are reached and how their links are secured.
struct cluster_mode {
  /// Mutual TLS on every BASP link, with certificates that
  /// scripts/certs.sh makes in the cluster's temp dir; else plaintext
  /// (`--insecure` when the nodes are off loopback).
  bool tls = false;
  /// Every node, the edge included, in its own network namespace with its
  /// own address on a private bridge (see `netns_net`; needs root); else
  /// every node on 127.0.0.1.
  bool netns = false;
};

/// The mode in MICROSHOP_TEST_TLS and MICROSHOP_TEST_NETNS ("1" turns each
/// on; unset or "0" off); fails the test on another value.
cluster_mode test_mode();

/// Real node processes over one temp directory, in any shape and mode (on
/// loopback ports, or in namespaces of their own; plaintext or TLS), over the
/// even shard map of that shape (written to the temp dir and given to every
/// node with `--shard-map`; each node gets its `--node-name` and the addresses
/// of the nodes it needs with `--user-nodes` and
/// `--order-nodes`). A node starts with `--port=0` (a user node, one of its
/// own `--user-nodes`, on a port held for it) and keeps the port it printed
/// across restarts, so peers started after it know where to find it again; a
/// peer that a node needs before the peer first started gets a port
/// held closed for it (see `held_port`), released only right before it
/// starts. In netns mode every node has its own address and a fixed port
/// (7101, the edge 8080) from the start, and a node not started is refused
/// there. Each node keeps its data directory. Everything still running is
/// killed when the cluster goes away, and its namespaces removed.
class cluster {
public:
  explicit cluster(shape s = {}, cluster_mode m = test_mode());
  ~cluster();
  cluster(const cluster&) = delete;
  cluster& operator=(const cluster&) = delete;

  const cluster_mode& mode() const {
    return mode_;
  }

  /// Extra flags per node, e.g. a shorter verify timeout; after `kind_args`.
  std::map<node, std::vector<std::string>> extra_args;

  /// Extra flags for every node of a kind.
  std::map<node_kind, std::vector<std::string>> kind_args;

  /// Start the nodes of a 1x1 cluster with the flags from before sharding:
  /// no map, no names, `--users-port` and `--orders-port`.
  bool flags_before_sharding = false;

  /// The nodes of `k` in index order (the edge alone for `node_kind::edge`).
  std::vector<node> nodes(node_kind k) const;

  /// Every node: the user nodes, the order nodes, then the edge.
  std::vector<node> all() const;

  /// The map file every node gets unless `use_map` gave it another.
  const std::filesystem::path& map_file() const {
    return map_;
  }

  /// The text of the cluster's map (`shard_map::even(128, N, M).text()`).
  const std::string& map_text() const {
    return map_text_;
  }

  /// The node of `k` (users or orders) that owns the shard of `id`.
  node owner(node_kind k, std::string_view id) const;

  /// The user node that owns the uniqueness entry of `field` ("username" or
  /// "email") for `value` (compared lower-cased).
  node entry_owner(std::string_view field, std::string_view value) const;

  /// Makes `n` start with the map in `text` instead of the cluster's.
  void use_map(node n, const std::string& text);

  /// The port of `n`: the one it printed when it first started, the one held
  /// for it since a peer needed it, or the one given to `use_port`; fails the
  /// test when `n` has none yet.
  uint16_t port(node n) const;

  /// Makes the nodes started later find `n` at `port`, e.g. a fake in its
  /// place; `n` itself must not be started then. (In netns mode the fake
  /// must listen at `address(n)`, i.e. inside `n`'s namespace.)
  void use_port(node n, uint16_t port);

  /// The address `n` listens on and its peers reach it at: 127.0.0.1, or
  /// its own address on the bridge in netns mode.
  std::string address(node n) const;

  /// The network namespace of `n`; fails the test unless in netns mode.
  std::string netns(node n) const;

  /// Runs `argv` inside the namespace of `n` (e.g. `nft ...` to cut a link);
  /// fails the test unless in netns mode.
  command_result run_in(node n, const std::vector<std::string>& argv) const;

  /// The namespaces and the bridge; fails the test unless in netns mode.
  const netns_net& net() const;

  /// The cluster's temp dir: data, logs, the map, `certs/` in TLS mode.
  const std::filesystem::path& dir() const {
    return dir_.path();
  }

  /// Starts `n` and waits until it prints where it listens; fails the test
  /// with the node's output if it does not within 20 s, or if a restarted
  /// node listens on another port than before.
  void start(node n);

  /// Starts every node of `all()` in that order.
  void start_all();

  /// Sends SIGKILL to `n` and reaps it.
  void kill9(node n);

  /// Sends SIGTERM to `n`; its exit code, or -1 if it did not exit in 10 s.
  int stop(node n);

  /// The running process of `n`.
  child_process& process(node n);

  /// Everything `n` printed over all its runs.
  std::string log(node n) const;

private:
  /// The port peers use to reach `x`; holds one for `x` if it has none yet.
  uint16_t peer_port(node x);

  /// "users-1=127.0.0.1:P,..." for every node of `k`.
  std::string addresses(node_kind k);

  /// The flags that secure the links of `n` (or allow plaintext).
  std::vector<std::string> transport_args(node n) const;

  /// Makes every node's key and certificate with scripts/certs.sh.
  void make_certs() const;

  /// Makes the namespaces and gives every node its fixed port.
  void make_net();

  std::vector<std::string> args(node n);

  std::vector<std::string> sharded_args(node n);

  std::vector<std::string> args_before_sharding(node n);

  /// What the files of `n` are called: "users" and "orders" for the only
  /// node of its kind (as before sharding), else its name.
  std::string stem(node n) const;

  std::filesystem::path log_path(node n) const;

  testing::shape shape_;
  cluster_mode mode_;
  temp_dir dir_;
  std::unique_ptr<netns_net> net_;
  std::filesystem::path map_;
  std::string map_text_;
  std::shared_ptr<const actors::shard_map> shard_map_;
  std::map<node, std::filesystem::path> own_maps_;
  std::map<node, uint16_t> ports_;
  std::map<node, std::unique_ptr<held_port>> held_;
  std::map<node, std::unique_ptr<child_process>> procs_;
};

} // namespace microshop::testing
