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

/// Real node processes on free loopback ports over one temp directory; each
/// node keeps its data directory and port across restarts. Everything still
/// running is killed when the cluster goes away.
class cluster {
public:
  /// Extra flags per node, e.g. a shorter verify timeout.
  std::map<node, std::vector<std::string>> extra_args;

  cluster();

  uint16_t port(node n) const;

  /// Starts `n` and waits until it accepts connections; fails the test with
  /// the node's output if it does not within 20 s.
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
  std::vector<std::string> args(node n) const;

  temp_dir dir_;
  std::map<node, uint16_t> ports_;
  std::map<node, std::unique_ptr<child_process>> procs_;
};

std::string to_string(node n);

} // namespace microshop::testing
