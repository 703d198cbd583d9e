// --idempotency-ttl: a whole number and a unit, in range, never wrapped.

#include "nodes/node_main.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>

using namespace std::chrono_literals;
using microshop::nodes::parse_ttl;

BOOST_AUTO_TEST_SUITE(ttl_flag)

BOOST_AUTO_TEST_CASE(takes_a_whole_number_and_one_unit) {
  BOOST_CHECK(parse_ttl("24h") == std::chrono::milliseconds{24h});
  BOOST_CHECK(parse_ttl("90min") == std::chrono::milliseconds{90min});
  BOOST_CHECK(parse_ttl("7d") == std::chrono::milliseconds{168h});
  BOOST_CHECK(parse_ttl("2s") == std::chrono::milliseconds{2s});
  BOOST_CHECK(parse_ttl("250ms") == 250ms);
  BOOST_CHECK(parse_ttl("3650d") == std::chrono::milliseconds{3650 * 24h});
}

BOOST_AUTO_TEST_CASE(refuses_anything_else) {
  for (auto bad : {"", "h", "24", "0h", "-1s", "1.5h", "24 h", " 24h", "24H",
                   "1w", "3651d", "87601h", "5124120h", "99999999999ms",
                   "12345678901s", "2s ", "garbage"})
    BOOST_CHECK_MESSAGE(!parse_ttl(bad), "accepted \"" << bad << "\"");
}

BOOST_AUTO_TEST_SUITE_END()
