// Every node and the edge run one shard map: a node on another map is
// refused, cluster.sh writes the map the nodes expect, and a 1x1 cluster from
// before sharding keeps working, flags and data.

#include "actors/shard_map.hpp"
#include "sharding/sharding.hpp"

#include <cstdio>
#include <thread>

using namespace microshop::testing;
using namespace std::chrono_literals;

namespace {

/// What `cmd` printed on stdout.
std::string run(const std::string& cmd) {
  std::string out;
  auto* p = ::popen(cmd.c_str(), "r");
  BOOST_REQUIRE(p);
  char buf[4096];
  while (auto n = std::fread(buf, 1, sizeof(buf), p))
    out.append(buf, n);
  BOOST_CHECK_EQUAL(::pclose(p), 0);
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(shard_maps)

BOOST_AUTO_TEST_CASE(
    a_node_started_with_another_map_is_refused_and_the_edge_says_why) {
  e2e_fixture f{false, shape{2, 1}};
  auto odd = node::user(2);
  f.nodes.use_map(odd, microshop::actors::shard_map::even(64, 2, 1).text());
  f.nodes.start_all();
  f.http = f.nodes.port(node::edge);
  auto refused = [&] {
    auto r = f.get("/readyz");
    auto j = r.json();
    return r.status == 503 &&
           j["nodes"][to_string(odd)]["connected"] == false &&
           j["nodes"]["users-1"]["connected"] == true &&
           j["nodes"]["orders-1"]["connected"] == true;
  };
  BOOST_REQUIRE(wait_until(refused, 15s));
  auto entry = f.get("/readyz").json()["nodes"][to_string(odd)];
  BOOST_CHECK_MESSAGE(entry.contains("error") &&
                          entry["error"].get<std::string>().find("shard map") !=
                              std::string::npos,
                      entry.dump());
  // It stays refused: the edge keeps trying and keeps being told why.
  std::this_thread::sleep_for(1500ms);
  BOOST_CHECK(refused());
  auto log = f.nodes.log(node::edge);
  BOOST_CHECK_MESSAGE(
      log.find("node users-2 runs shard map") != std::string::npos, log);
  // Once it runs the cluster's map it is let in.
  BOOST_REQUIRE_EQUAL(f.nodes.stop(odd), 0);
  f.nodes.use_map(odd, f.nodes.map_text());
  f.nodes.start(odd);
  f.wait_ready();
  BOOST_CHECK_EQUAL(f.get("/api/users").status, 200);
}

BOOST_AUTO_TEST_CASE(cluster_sh_writes_the_even_map_of_its_shape) {
  temp_dir home;
  for (auto [n, m] : {std::pair{1, 1}, {3, 2}, {4, 4}, {7, 5}}) {
    auto cmd = "MICROSHOP_HOME='" + home.path().string() +
               "' MICROSHOP_USER_NODES=" + std::to_string(n) +
               " MICROSHOP_ORDER_NODES=" + std::to_string(m) + " bash '" +
               MICROSHOP_SOURCE_DIR + "/scripts/cluster.sh' map";
    BOOST_CHECK_MESSAGE(
        run(cmd) == microshop::actors::shard_map::even(128, n, m).text(),
        n << "x" << m);
  }
}

BOOST_AUTO_TEST_CASE(
    a_1x1_cluster_from_before_sharding_keeps_its_flags_and_data) {
  e2e_fixture f{false, shape{1, 1}};
  f.nodes.flags_before_sharding = true;
  f.start_all();
  auto alice = f.make_user("alice")["id"].get<std::string>();
  BOOST_REQUIRE_EQUAL(f.place(alice).status, 201);
  auto ready = f.get("/readyz").json();
  BOOST_CHECK_EQUAL(ready["nodes"].size(), 2u);
  BOOST_CHECK_EQUAL(ready["nodes"]["users-1"]["connected"], true);
  BOOST_CHECK_EQUAL(ready["nodes"]["orders-1"]["connected"], true);
  auto all = f.nodes.all();
  for (auto n = all.rbegin(); n != all.rend(); ++n)
    BOOST_REQUIRE_EQUAL(f.nodes.stop(*n), 0);
  // The same data directories under the flags of a sharded cluster.
  f.nodes.flags_before_sharding = false;
  f.start_all();
  BOOST_CHECK_EQUAL(f.get("/api/users/" + alice).status, 200);
  auto again = f.post("/api/users", user_body("ALICE", "other@example.com"));
  BOOST_CHECK_EQUAL(again.status, 409);
  auto same_mail =
      f.post("/api/users", user_body("alice2", "alice@example.com"));
  BOOST_CHECK_EQUAL(same_mail.status, 409);
  BOOST_CHECK_EQUAL(f.make_user("bob")["username"], "bob");
  BOOST_CHECK_EQUAL(f.get("/api/orders?userId=" + alice).json().size(), 1u);
  BOOST_CHECK_EQUAL(f.place(alice).status, 201);
  BOOST_CHECK_EQUAL(f.get_list("/api/users").json().size(), 2u);
  BOOST_CHECK_EQUAL(f.get_list("/api/orders").json().size(), 2u);
}

BOOST_AUTO_TEST_SUITE_END()
