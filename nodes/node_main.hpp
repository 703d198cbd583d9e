#pragma once

#include <caf/actor_system_config.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace microshop::nodes {

/// Options every node has, and the defaults that make a cluster detect a
/// silent peer (BASP heartbeats every second, a peer silent for 5 s is lost).
class node_config : public caf::actor_system_config {
public:
  /// Listen address and port; port 0 picks a free one (printed at start).
  std::string host = "127.0.0.1";
  uint16_t port = 0;

  node_config();
};

/// Blocks SIGINT and SIGTERM in this thread and every thread it starts; call
/// first in main, before any thread exists.
void block_shutdown_signals();

/// Waits until SIGINT or SIGTERM arrives.
void wait_for_shutdown_signal();

/// Parses the command line and `--config-file` into `cfg`; returns an exit code
/// when the process should stop now (0 after --help, 1 after a bad flag,
/// with a one-line reason on stderr).
std::optional<int> parse_args(node_config& cfg, int argc, char** argv);

/// Prints "<node>: <text>" to stderr and returns 1.
int fail(const std::string& node, const std::string& text);

} // namespace microshop::nodes
