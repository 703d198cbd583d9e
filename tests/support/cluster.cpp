#include "support/cluster.hpp"

#include "actors/ascii.hpp"
#include "actors/shard_map.hpp"

#include <boost/test/unit_test.hpp>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

namespace microshop::testing {

std::string to_string(node n) {
  switch (n.kind) {
  case node_kind::users:
    return "users-" + std::to_string(n.index);
  case node_kind::orders:
    return "orders-" + std::to_string(n.index);
  case node_kind::edge:
    return "edge";
  }
  return "?";
}

shape test_shape() {
  auto text = std::getenv("MICROSHOP_TEST_SHAPE");
  if (!text || !*text)
    return {};
  static const std::regex re{R"(([1-9][0-9]?)x([1-9][0-9]?))"};
  std::cmatch m;
  BOOST_REQUIRE_MESSAGE(std::regex_match(text, m, re),
                        "MICROSHOP_TEST_SHAPE=" << text << ": not NxM");
  return {std::stoi(m[1].str()), std::stoi(m[2].str())};
}

namespace {

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out << text;
  BOOST_REQUIRE_MESSAGE(out.good(), "cannot write " << path);
}

} // namespace

cluster::cluster(testing::shape s, cluster_mode m)
    : shape_(s), mode_(m), map_(dir_ / "shard-map.txt"),
      shard_map_(std::make_shared<actors::shard_map>(actors::shard_map::even(
          actors::default_shards, static_cast<size_t>(s.users),
          static_cast<size_t>(s.orders)))) {
  map_text_ = shard_map_->text();
  write_file(map_, map_text_);
  if (mode_.tls)
    make_certs();
  if (mode_.netns)
    make_net();
}

cluster::~cluster() {
  // The nodes first: removing a namespace stops what still runs in it, but
  // the processes are ours to reap.
  procs_.clear();
  if (net_) {
    net_.reset();
    set_http_host("127.0.0.1");
  }
}

std::vector<node> cluster::nodes(node_kind k) const {
  int count = k == node_kind::users    ? shape_.users
              : k == node_kind::orders ? shape_.orders
                                       : 1;
  std::vector<node> out;
  for (int i = 1; i <= count; ++i)
    out.push_back({k, i});
  return out;
}

std::vector<node> cluster::all() const {
  auto out = nodes(node_kind::users);
  for (auto n : nodes(node_kind::orders))
    out.push_back(n);
  out.push_back(node::edge);
  return out;
}

node cluster::owner(node_kind k, std::string_view id) const {
  auto svc =
      k == node_kind::users ? actors::service::users : actors::service::orders;
  auto shard = actors::shard_of_id(id, shard_map_->shards());
  return {k, static_cast<int>(shard_map_->owner(svc, shard)) + 1};
}

node cluster::entry_owner(std::string_view field,
                          std::string_view value) const {
  std::string lower{value};
  for (auto& c : lower)
    c = actors::to_lower(c);
  auto shard = actors::shard_of_key(field, lower, shard_map_->shards());
  return node::user(
      static_cast<int>(shard_map_->owner(actors::service::users, shard)) + 1);
}

void cluster::use_map(node n, const std::string& text) {
  auto path = dir_ / ("shard-map-" + to_string(n) + ".txt");
  write_file(path, text);
  own_maps_[n] = path;
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

std::string cluster::addresses(node_kind k) {
  std::string out;
  for (auto n : nodes(k)) {
    if (!out.empty())
      out += ',';
    out += to_string(n) + "=" + address(n) + ":" + std::to_string(peer_port(n));
  }
  return out;
}

std::string cluster::stem(node n) const {
  if (n.kind == node_kind::edge)
    return "edge";
  if (nodes(n.kind).size() == 1)
    return n.kind == node_kind::users ? "users" : "orders";
  return to_string(n);
}

std::vector<std::string> cluster::args_before_sharding(node n) {
  auto peer = [&](const char* flag, node x) {
    return std::string{flag} + "=" + std::to_string(peer_port(x));
  };
  auto i = ports_.find(n);
  std::vector<std::string> out{
      "--port=" + std::to_string(i == ports_.end() ? 0 : i->second)};
  auto data = "--data-dir=" + (dir_ / stem(n)).string();
  switch (n.kind) {
  case node_kind::users:
    out.insert(out.end(), {data, "--hash-ops=1", "--hash-mem-kib=8"});
    break;
  case node_kind::orders:
    out.insert(out.end(), {data, peer("--users-port", node::users)});
    break;
  case node_kind::edge:
    out.insert(out.end(), {peer("--users-port", node::users),
                           peer("--orders-port", node::orders)});
    break;
  }
  return out;
}

std::vector<std::string> cluster::args(node n) {
  BOOST_REQUIRE_MESSAGE(!flags_before_sharding ||
                            (shape_.users == 1 && shape_.orders == 1),
                        "the flags from before sharding name one node each");
  BOOST_REQUIRE_MESSAGE(!flags_before_sharding || !mode_.netns,
                        "the flags from before sharding name no hosts");
  auto out = flags_before_sharding ? args_before_sharding(n) : sharded_args(n);
  auto transport = transport_args(n);
  out.insert(out.end(), transport.begin(), transport.end());
  if (auto j = kind_args.find(n.kind); j != kind_args.end())
    out.insert(out.end(), j->second.begin(), j->second.end());
  if (auto j = extra_args.find(n); j != extra_args.end())
    out.insert(out.end(), j->second.begin(), j->second.end());
  return out;
}

std::vector<std::string> cluster::sharded_args(node n) {
  // A user node is one of its own --user-nodes: it needs its port first.
  if (n.kind == node_kind::users)
    peer_port(n);
  auto i = ports_.find(n);
  auto map = own_maps_.count(n) ? own_maps_.at(n) : map_;
  std::vector<std::string> out{
      "--port=" + std::to_string(i == ports_.end() ? 0 : i->second),
      "--shard-map=" + map.string()};
  if (mode_.netns)
    out.push_back("--host=" + address(n));
  auto data = "--data-dir=" + (dir_ / stem(n)).string();
  switch (n.kind) {
  case node_kind::users:
    out.insert(out.end(), {"--node-name=" + to_string(n), data,
                           "--user-nodes=" + addresses(node_kind::users),
                           "--hash-ops=1", "--hash-mem-kib=8"});
    break;
  case node_kind::orders:
    out.insert(out.end(), {"--node-name=" + to_string(n), data,
                           "--user-nodes=" + addresses(node_kind::users)});
    break;
  case node_kind::edge:
    out.insert(out.end(), {"--user-nodes=" + addresses(node_kind::users),
                           "--order-nodes=" + addresses(node_kind::orders)});
    break;
  }
  return out;
}

std::filesystem::path cluster::log_path(node n) const {
  return dir_ / (stem(n) + ".log");
}

void cluster::start(node n) {
  static const std::map<node_kind, std::string> exes{
      {node_kind::users, "user_node"},
      {node_kind::orders, "order_node"},
      {node_kind::edge, "edge_node"}};
  auto argv = args(n);
  auto exe = bin_dir() / exes.at(n.kind);
  if (net_) {
    // ip netns exec execs the node: the process is the node's own.
    auto in_ns = net_->exec_prefix(to_string(n));
    exe = in_ns.front();
    in_ns.erase(in_ns.begin());
    in_ns.push_back((bin_dir() / exes.at(n.kind)).string());
    argv.insert(argv.begin(), in_ns.begin(), in_ns.end());
  }
  // A port held for `n` (its peers know it) is released only now; between
  // here and the node's bind another process could take it, which a start
  // in dependency order (users, orders, edge) never risks.
  held_.erase(n);
  auto from = file_size_or_0(log_path(n));
  auto& proc = procs_[n];
  proc = std::make_unique<child_process>(exe, std::move(argv), log_path(n));
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

void cluster::start_all() {
  for (auto n : all())
    start(n);
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
