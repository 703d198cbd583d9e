#pragma once

#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace microshop::testing {

/// The nodes of a cluster.
enum class node { users, orders, edge };

/// Real node processes on loopback ports over one temp directory. A node
/// starts with `--port=0` and keeps the port it printed across restarts, so
/// peers started after it know where to find it again; a peer that a node
/// needs before the peer first started gets a port held closed for it (see
/// `held_port`), released only right before it starts. Each node keeps its
/// data directory. Everything still running is killed when the cluster goes
/// away.
class cluster {
public:
  /// Extra flags per node, e.g. a shorter verify timeout.
  std::map<node, std::vector<std::string>> extra_args;

  /// The port of `n`: the one it printed when it first started, the one held
  /// for it since a peer needed it, or the one given to `use_port`; fails the
  /// test when `n` has none yet.
  uint16_t port(node n) const;

  /// Makes the nodes started later find `n` at `port`, e.g. a fake in its
  /// place; `n` itself must not be started then.
  void use_port(node n, uint16_t port);

  /// Starts `n` and waits until it prints where it listens; fails the test
  /// with the node's output if it does not within 20 s, or if a restarted
  /// node listens on another port than before.
  void start(node n);

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

  std::vector<std::string> args(node n);

  std::filesystem::path log_path(node n) const;

  temp_dir dir_;
  std::map<node, uint16_t> ports_;
  std::map<node, std::unique_ptr<held_port>> held_;
  std::map<node, std::unique_ptr<child_process>> procs_;
};

std::string to_string(node n);

} // namespace microshop::testing
