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

cluster::cluster() {
  // Distinct free ports: ask until all three differ.
  for (auto n : {node::users, node::orders, node::edge}) {
    uint16_t p = 0;
    do
      p = free_port();
    while (p == ports_[node::users] || p == ports_[node::orders]);
    ports_[n] = p;
  }
}

uint16_t cluster::port(node n) const {
  return ports_.at(n);
}

std::vector<std::string> cluster::args(node n) const {
  auto data = [&](const char* name) {
    return "--data-dir=" + (dir_ / name).string();
  };
  auto port_of = [&](const char* flag, node x) {
    return std::string{flag} + "=" + std::to_string(ports_.at(x));
  };
  std::vector<std::string> out;
  switch (n) {
  case node::users:
    out = {port_of("--port", n), data("users"), "--hash-ops=1",
           "--hash-mem-kib=8"};
    break;
  case node::orders:
    out = {port_of("--port", n), data("orders"),
           port_of("--users-port", node::users)};
    break;
  case node::edge:
    out = {port_of("--port", n), port_of("--users-port", node::users),
           port_of("--orders-port", node::orders)};
    break;
  }
  if (auto i = extra_args.find(n); i != extra_args.end())
    out.insert(out.end(), i->second.begin(), i->second.end());
  return out;
}

void cluster::start(node n) {
  static const std::map<node, std::string> exes{{node::users, "user_node"},
                                                {node::orders, "order_node"},
                                                {node::edge, "edge_node"}};
  auto& proc = procs_[n];
  proc = std::make_unique<child_process>(bin_dir() / exes.at(n), args(n),
                                         dir_ / (to_string(n) + ".log"));
  auto up = wait_until([&] { return port_open(ports_[n]) || !proc->running(); },
                       std::chrono::seconds(20));
  BOOST_REQUIRE_MESSAGE(up && proc->running(), to_string(n)
                                                   << " did not start:\n"
                                                   << log(n));
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
  std::ifstream in{dir_ / (to_string(n) + ".log")};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace microshop::testing
