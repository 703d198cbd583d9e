#include "actors/ids.hpp"
#include "actors/shard_map.hpp"
#include "http_edge/node_slots.hpp"

#include <boost/test/unit_test.hpp>
#include <set>
#include <string>
#include <vector>

using namespace microshop;
using namespace microshop::http_edge;
using actors::service;

BOOST_AUTO_TEST_SUITE(edge_routing)

BOOST_AUTO_TEST_CASE(an_id_goes_to_the_node_that_owns_its_shard) {
  auto map = actors::shard_map::even(128, 3, 2);
  std::set<size_t> users_hit;
  for (int b = 0; b < 256; ++b) {
    auto byte = static_cast<uint8_t>(b);
    auto id = actors::new_id(byte);
    auto shard = static_cast<size_t>(b % 128);
    BOOST_CHECK_EQUAL(actors::node_of_id(map, service::users, id), shard % 3);
    BOOST_CHECK_EQUAL(actors::node_of_id(map, service::orders, id), shard % 2);
    BOOST_CHECK_EQUAL(
        map.nodes(service::users)[actors::node_of_id(map, service::users, id)],
        "users-" + std::to_string(shard % 3 + 1));
    // An order copies its user's shard byte: it lives where its user's
    // orders are listed.
    auto order_id = actors::new_id(actors::shard_byte_of(id));
    BOOST_CHECK_EQUAL(actors::node_of_id(map, service::orders, order_id),
                      actors::node_of_id(map, service::orders, id));
    users_hit.insert(actors::node_of_id(map, service::users, id));
  }
  BOOST_CHECK_EQUAL(users_hit.size(), 3u);
}

BOOST_AUTO_TEST_CASE(any_text_goes_to_some_node) {
  auto map = actors::shard_map::even(128, 3, 2);
  for (std::string text : {"", "x", "not-a-uuid-at-all-but-36-chars-long!",
                           "0190a5b2-7c3e-7d4f-8e9a-0b1c2d3e4f5g"}) {
    BOOST_CHECK_LT(actors::node_of_id(map, service::users, text), 3u);
    BOOST_CHECK_LT(actors::node_of_id(map, service::orders, text), 2u);
  }
}

BOOST_AUTO_TEST_CASE(with_one_node_everything_goes_to_it) {
  auto map = actors::shard_map::even(128, 1, 1);
  for (int b = 0; b < 256; b += 7) {
    auto id = actors::new_id(static_cast<uint8_t>(b));
    BOOST_CHECK_EQUAL(actors::node_of_id(map, service::users, id), 0u);
    BOOST_CHECK_EQUAL(actors::node_of_id(map, service::orders, id), 0u);
  }
}

BOOST_AUTO_TEST_CASE(creates_go_round_robin_over_the_usable_nodes) {
  size_t next = 0;
  std::vector<bool> up{true, false, true};
  auto usable = [&](size_t i) { return static_cast<bool>(up[i]); };
  std::vector<size_t> picked;
  for (int k = 0; k < 4; ++k)
    picked.push_back(*round_robin(next, 3, usable));
  BOOST_CHECK(picked == (std::vector<size_t>{0, 2, 0, 2}));
  up = {false, false, false};
  BOOST_CHECK(!round_robin(next, 3, usable));
  up = {false, true, false};
  BOOST_CHECK_EQUAL(*round_robin(next, 3, usable), 1u);
  BOOST_CHECK_EQUAL(*round_robin(next, 3, usable), 1u);
}

BOOST_AUTO_TEST_CASE(tags_tell_every_node_apart) {
  std::set<uint8_t> tags;
  for (size_t i = 0; i < max_nodes_per_service; ++i) {
    tags.insert(user_tag(i));
    tags.insert(order_tag(i));
  }
  BOOST_CHECK_EQUAL(tags.size(), 2 * max_nodes_per_service);
  BOOST_CHECK(!tags.count(0)); // 0 tags no node
  BOOST_CHECK_EQUAL(user_tag(0), 1);
  BOOST_CHECK_EQUAL(order_tag(0), 128);
}

BOOST_AUTO_TEST_SUITE_END()
