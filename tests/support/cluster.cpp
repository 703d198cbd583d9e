#include "support/cluster.hpp"

#include <boost/test/unit_test.hpp>
#include <csignal>
#include <fstream>
#include <sstream>

namespace microshop::testing {

std::string to_string(node n) {
  switch (n) {
  case node::users:
    return "users";
  case node::orders:
    return "orders";
  case node::edge:
    return "edge";
  }
  return "?";
}

uint16_t cluster::port(node n) const {
  auto i = ports_.find(n);
  BOOST_REQUIRE_MESSAGE(i != ports_.end(),
                        to_string(n) << " has no port yet: start it first");
  return i->second;
}

void cluster::use_port(node n, uint16_t port) {
  held_.erase(n);
  ports_[n] = port;
}

uint16_t cluster::peer_port(node x) {
  if (auto i = ports_.find(x); i != ports_.end())
    return i->second;
  auto& held = held_[x];
  held = std::make_unique<held_port>();
  return ports_[x] = held->port();
}

std::vector<std::string> cluster::args(node n) {
  auto data = [&](const char* name) {
    return "--data-dir=" + (dir_ / name).string();
  };
  auto peer = [&](const char* flag, node x) {
    return std::string{flag} + "=" + std::to_string(peer_port(x));
  };
  auto i = ports_.find(n);
  std::vector<std::string> out{
      "--port=" + std::to_string(i == ports_.end() ? 0 : i->second)};
  switch (n) {
  case node::users:
    out.insert(out.end(), {data("users"), "--hash-ops=1", "--hash-mem-kib=8"});
    break;
  case node::orders:
    out.insert(out.end(), {data("orders"), peer("--users-port", node::users)});
    break;
  case node::edge:
    out.insert(out.end(), {peer("--users-port", node::users),
                           peer("--orders-port", node::orders)});
    break;
  }
  if (auto j = extra_args.find(n); j != extra_args.end())
    out.insert(out.end(), j->second.begin(), j->second.end());
  return out;
}

std::filesystem::path cluster::log_path(node n) const {
  return dir_ / (to_string(n) + ".log");
}

void cluster::start(node n) {
  static const std::map<node, std::string> exes{{node::users, "user_node"},
                                                {node::orders, "order_node"},
                                                {node::edge, "edge_node"}};
  auto argv = args(n);
  // A port held for `n` (its peers know it) is released only now; between
  // here and the node's bind another process could take it, which a start
  // in dependency order (users, orders, edge) never risks.
  held_.erase(n);
  auto from = file_size_or_0(log_path(n));
  auto& proc = procs_[n];
  proc = std::make_unique<child_process>(bin_dir() / exes.at(n),
                                         std::move(argv), log_path(n));
  auto printed = wait_for_listening_port(*proc, log_path(n), from,
                                         std::chrono::seconds(20));
  BOOST_REQUIRE_MESSAGE(printed != 0 && proc->running(),
                        to_string(n) << " did not start:\n"
                                     << log(n));
  auto [known, fresh] = ports_.emplace(n, printed);
  BOOST_REQUIRE_MESSAGE(known->second == printed,
                        to_string(n) << " listens on " << printed
                                     << " instead of " << known->second);
}

void cluster::kill9(node n) {
  procs_.at(n)->kill9();
}

int cluster::stop(node n) {
  auto& proc = *procs_.at(n);
  proc.signal(SIGTERM);
  return proc.wait(std::chrono::seconds(10));
}

child_process& cluster::process(node n) {
  return *procs_.at(n);
}

std::string cluster::log(node n) const {
  std::ifstream in{log_path(n)};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace microshop::testing
