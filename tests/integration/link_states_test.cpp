// What user and order nodes report of their own links to their peer nodes
// (`links_atom`), as real processes over BASP: a link goes down when the
// peer's process dies and comes back when it restarts; a refused hello is
// reported with its reason.

#include "actors/link_state.hpp"
#include "actors/order_api.hpp"
#include "actors/shard_map.hpp"
#include "actors/user_api.hpp"
#include "support/caf_client.hpp"
#include "support/cluster.hpp"

#include <boost/test/unit_test.hpp>
#include <sstream>

using namespace microshop;
using namespace microshop::actors;
using namespace microshop::testing;
using namespace std::chrono_literals;

namespace {

/// "users-1:up users-2:down(why)" for a readable comparison and message.
std::string text(const caf::expected<std::vector<link_state>>& links) {
  if (!links)
    return "error";
  std::ostringstream out;
  for (auto& l : *links) {
    out << (out.tellp() > 0 ? " " : "") << l.name << ':'
        << (l.connected ? "up" : "down");
    if (!l.refusal.empty())
      out << '(' << l.refusal << ')';
  }
  return out.str();
}

/// A 2x1 cluster of real user and order node processes (no edge), each
/// reached over BASP from this process.
struct two_by_one {
  cluster nodes{shape{2, 1}};
  caf_client client;

  template <class Handle> Handle connect(node n) {
    auto h = client.connect<Handle>(nodes.port(n));
    BOOST_REQUIRE_MESSAGE(h, to_string(n) << ": " << client.why(h));
    return *h;
  }

  template <class Handle> std::string links_of(const Handle& h) {
    return text(client.ask<std::vector<link_state>>(h, 5s, links_atom_v));
  }

  /// Waits until `h` reports `expected`; fails the test with what it
  /// reported last if it does not within 15 s.
  template <class Handle>
  void expect_links(const Handle& h, const std::string& who,
                    const std::string& expected) {
    std::string last;
    auto ok = wait_until(
        [&] {
          last = links_of(h);
          return last == expected;
        },
        15s);
    BOOST_CHECK_MESSAGE(ok, who << " reports \"" << last << "\", expected \""
                                << expected << "\"");
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(node_link_states, two_by_one)

BOOST_AUTO_TEST_CASE(
    a_link_goes_down_when_the_peer_process_dies_and_up_when_it_restarts) {
  for (auto n : {node::user(1), node::user(2), node::order(1)})
    nodes.start(n);
  auto users_1 = connect<user_actor>(node::user(1));
  auto users_2 = connect<user_actor>(node::user(2));
  auto orders_1 = connect<order_actor>(node::order(1));
  // Each node names its peers in map order, never itself.
  expect_links(users_1, "users-1", "users-2:up");
  expect_links(users_2, "users-2", "users-1:up");
  expect_links(orders_1, "orders-1", "users-1:up users-2:up");

  nodes.kill9(node::user(2));
  auto t0 = std::chrono::steady_clock::now();
  expect_links(users_1, "users-1", "users-2:down");
  expect_links(orders_1, "orders-1", "users-1:up users-2:down");
  BOOST_CHECK_MESSAGE(std::chrono::steady_clock::now() - t0 < 5s,
                      "the links went down only after a timeout");

  nodes.start(node::user(2));
  users_2 = connect<user_actor>(node::user(2));
  expect_links(users_1, "users-1", "users-2:up");
  expect_links(users_2, "users-2", "users-1:up");
  expect_links(orders_1, "orders-1", "users-1:up users-2:up");
}

BOOST_AUTO_TEST_CASE(a_link_whose_hello_is_refused_is_down_and_says_why) {
  nodes.use_map(node::user(2), shard_map::even(64, 2, 1).text());
  for (auto n : {node::user(1), node::user(2), node::order(1)})
    nodes.start(n);
  auto orders_1 = connect<order_actor>(node::order(1));
  std::string last;
  BOOST_CHECK(wait_until(
      [&] {
        last = links_of(orders_1);
        return last.rfind("users-1:up users-2:down(", 0) == 0 &&
               last.find("shard map") != std::string::npos;
      },
      15s));
  BOOST_TEST_MESSAGE("orders-1 reports " << last);
  BOOST_CHECK_MESSAGE(last.find("shard map") != std::string::npos, last);
}

BOOST_AUTO_TEST_SUITE_END()
