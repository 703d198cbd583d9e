// Sharded user and order nodes as real processes: the flags of the shard
// map, refusals before the store opens, and two user nodes that keep a
// username unique between them.

#include "actors/errc.hpp"
#include "actors/order_api.hpp"
#include "actors/shard_map.hpp"
#include "actors/uniqueness.hpp"
#include "actors/user_api.hpp"
#include "support/caf_client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>
#include <fstream>

using namespace microshop;
using namespace microshop::actors;
using namespace microshop::testing;
using namespace std::chrono_literals;

namespace {

struct sharded_run {
  temp_dir dir;
  int runs = 0;

  std::filesystem::path log_of(int run) const {
    return dir / ("out" + std::to_string(run) + ".log");
  }

  /// Starts `exe` with `args`; its output goes to `log_of(runs)`.
  std::unique_ptr<child_process> run(const std::string& exe,
                                     std::vector<std::string> args) {
    return std::make_unique<child_process>(bin_dir() / exe, std::move(args),
                                           log_of(++runs));
  }

  std::string output(int run) const {
    std::ifstream in{log_of(run)};
    return {std::istreambuf_iterator<char>{in}, {}};
  }

  /// Writes `map` to a file and returns the flag that names it.
  std::string map_flag(const shard_map& map) {
    auto path = dir / "shard-map.txt";
    std::ofstream{path} << map.text();
    return "--shard-map=" + path.string();
  }

  /// Runs `exe` expecting exit 1 with one line containing `why`, and no
  /// store opened in `data`.
  void expect_refusal(const std::string& exe, std::vector<std::string> args,
                      const std::string& why) {
    auto data = dir / ("data" + std::to_string(runs + 1));
    args.push_back("--data-dir=" + data.string());
    args.push_back("--port=0");
    auto p = run(exe, std::move(args));
    BOOST_CHECK_EQUAL(p->wait(10s), 1);
    auto out = output(runs);
    BOOST_CHECK_MESSAGE(out.find(why) != std::string::npos, out);
    BOOST_CHECK_EQUAL(std::count(out.begin(), out.end(), '\n'), 1);
    BOOST_CHECK(!std::filesystem::exists(data));
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(sharded_node_processes, sharded_run)

BOOST_AUTO_TEST_CASE(
    a_node_whose_name_is_not_in_the_map_exits_1_before_its_store) {
  expect_refusal("user_node", {"--node-name=users-9"},
                 "node name users-9 is not a node of users");
  expect_refusal("order_node", {"--node-name=users-1"},
                 "node name users-1 is not a node of orders");
}

BOOST_AUTO_TEST_CASE(
    a_node_without_the_address_of_a_user_node_it_needs_exits_1) {
  auto flag = map_flag(shard_map::even(16, 2, 1));
  expect_refusal("user_node", {flag, "--node-name=users-1"},
                 "no address for users-2");
  expect_refusal("user_node",
                 {flag, "--node-name=users-2",
                  "--user-nodes=users-1=127.0.0.1:1,users-7=127.0.0.1:2"},
                 "users-7 is not a user node of the shard map");
  expect_refusal("order_node", {flag}, "the shard map has 2 user nodes");
}

BOOST_AUTO_TEST_CASE(a_node_prints_its_name_and_the_digest_of_its_map) {
  auto p =
      run("order_node", {"--port=0", "--data-dir=" + (dir / "o").string()});
  auto port = wait_for_listening_port(*p, log_of(runs), 0, 10s);
  BOOST_REQUIRE_MESSAGE(port != 0, output(runs));
  auto digest = shard_map::even(default_shards, 1, 1).digest();
  BOOST_CHECK_MESSAGE(output(runs).find("order_node: orders-1, shard map " +
                                        digest) != std::string::npos,
                      output(runs));
}

BOOST_AUTO_TEST_CASE(
    two_user_nodes_and_an_order_node_keep_names_unique_and_place_by_shard) {
  auto map = shard_map::even(16, 2, 1);
  auto flag = map_flag(map);
  std::vector<std::unique_ptr<held_port>> held;
  std::vector<uint16_t> ports;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::make_unique<held_port>());
    ports.push_back(held.back()->port());
  }
  auto list = "--user-nodes=users-1=127.0.0.1:" + std::to_string(ports[0]) +
              ",users-2=127.0.0.1:" + std::to_string(ports[1]);
  std::vector<std::unique_ptr<child_process>> users;
  for (int i = 0; i < 2; ++i) {
    auto name = "users-" + std::to_string(i + 1);
    auto args = std::vector<std::string>{flag,
                                         "--node-name=" + name,
                                         list,
                                         "--port=" + std::to_string(ports[i]),
                                         "--hash-ops=1",
                                         "--hash-mem-kib=64",
                                         "--data-dir=" + (dir / name).string()};
    held[i].reset(); // released only now that the node binds it
    users.push_back(run("user_node", std::move(args)));
    BOOST_REQUIRE_MESSAGE(wait_for_listening_port(*users.back(), log_of(runs),
                                                  0, 10s) == ports[i],
                          output(runs));
  }
  auto orders = run("order_node", {flag, list, "--port=0",
                                   "--data-dir=" + (dir / "orders").string()});
  auto order_port = wait_for_listening_port(*orders, log_of(runs), 0, 10s);
  BOOST_REQUIRE_MESSAGE(order_port != 0, output(runs));
  caf_client client;
  std::vector<user_actor> svc;
  for (auto port : ports) {
    auto u = client.connect<user_actor>(port);
    BOOST_REQUIRE_MESSAGE(u, client.why(u));
    svc.push_back(*u);
  }
  auto o = client.connect<order_actor>(order_port);
  BOOST_REQUIRE_MESSAGE(o, client.why(o));
  // Names whose entries live on the other node than the create's.
  auto name_on = [&](size_t node, std::string prefix) {
    for (int k = 0;; ++k)
      if (entry_node(
              map, {unique_field::username, prefix + std::to_string(k), {}}) ==
          node)
        return prefix + std::to_string(k);
  };
  auto first = name_on(1, "pat");
  caf::expected<user> created{caf::sec::unexpected_response};
  BOOST_REQUIRE(wait_until(
      [&] {
        created =
            client.ask<user>(svc[0], 10s, create_atom_v,
                             new_user{first, first + "@x.io", "pw-12345"});
        return created || !is(created.error(), errc::unavailable);
      },
      10000ms));
  BOOST_REQUIRE_MESSAGE(created, client.why(created));
  BOOST_CHECK_EQUAL(node_of_id(map, service::users, created->id), 0u);
  auto dup = client.ask<user>(svc[1], 10s, create_atom_v,
                              new_user{first, "other@x.io", "pw-12345"});
  BOOST_REQUIRE(!dup);
  BOOST_CHECK(is(dup.error(), errc::duplicate));
  caf::expected<user> second{caf::sec::unexpected_response};
  BOOST_REQUIRE(wait_until(
      [&] {
        second = client.ask<user>(svc[1], 10s, create_atom_v,
                                  new_user{"quinn", "quinn@x.io", "pw-12345"});
        return second || !is(second.error(), errc::unavailable);
      },
      10000ms));
  BOOST_REQUIRE_MESSAGE(second, client.why(second));
  BOOST_CHECK_EQUAL(node_of_id(map, service::users, second->id), 1u);
  // The order node verifies each user at its own node.
  for (auto& uid : {created->id, second->id}) {
    caf::expected<order> placed{caf::sec::unexpected_response};
    BOOST_REQUIRE(wait_until(
        [&] {
          placed = client.ask<order>(*o, 10s, create_atom_v,
                                     new_order{uid, {{"sku", 1, 100}}});
          return placed || !is(placed.error(), errc::unavailable);
        },
        10000ms));
    BOOST_REQUIRE_MESSAGE(placed, client.why(placed));
    BOOST_CHECK_EQUAL(shard_byte_of(placed->id), shard_byte_of(uid));
  }
}

BOOST_AUTO_TEST_SUITE_END()
