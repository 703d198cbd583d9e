#pragma once

#include "support/process.hpp"

#include <map>
#include <string>
#include <vector>

namespace microshop::testing {

/// Network namespaces on a private bridge for one test cluster, made and
/// removed with scripts/netns_lib.sh (as `cluster.sh` does with
/// MICROSHOP_NETNS=1): a namespace per name with its own address in a /24 of
/// 10.215.0.0/16 that no other link of the machine uses, the bridge in a
/// namespace of its own, and this machine at `.1` on it. No default route,
/// no NAT. Names carry the test process's pid ("mt<pid>-<k>-..."), so test
/// processes never share one, and what a test process that died left behind
/// is removed by the next one. Needs root.
class netns_net {
public:
  /// Makes a namespace for each of `names`, in order at .2, .3, ...; fails
  /// the test without root or when a command fails.
  explicit netns_net(const std::vector<std::string>& names);

  /// Stops every process still in the namespaces and removes them.
  ~netns_net();

  netns_net(const netns_net&) = delete;
  netns_net& operator=(const netns_net&) = delete;

  /// The address of `name` on the bridge; fails the test for another name.
  std::string address(const std::string& name) const;

  /// The namespace of `name`; fails the test for another name.
  std::string netns(const std::string& name) const;

  /// The namespace that holds the bridge (br0) and the nodes' veth ends
  /// ("v-<name>").
  std::string bridge_netns() const {
    return prefix_ + "-net";
  }

  /// This machine's address on the bridge (its link is "<prefix>-h").
  std::string host_address() const {
    return base_ + ".1";
  }

  /// `argv` inside the namespace of `name`.
  command_result run_in(const std::string& name,
                        const std::vector<std::string>& argv) const;

  /// `ip netns exec <namespace of name>`, to put before a command.
  std::vector<std::string> exec_prefix(const std::string& name) const;

private:
  std::string prefix_;
  std::string base_;
  std::map<std::string, std::string> addresses_;
};

/// Runs FUNCTION of scripts/netns_lib.sh with `args`; its result.
command_result netns_lib(const std::string& function,
                         const std::vector<std::string>& args);

/// The path of the `ip` tool of iproute2.
std::string ip_tool();

} // namespace microshop::testing
