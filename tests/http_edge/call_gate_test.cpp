#include "http_edge/call_gate.hpp"

#include <boost/test/unit_test.hpp>
#include <vector>

using namespace microshop::http_edge;
using namespace std::chrono_literals;

namespace {

struct fixture {
  call_gate::clock::time_point t0 = call_gate::clock::time_point{} + 1000s;
  call_gate gate{2, 5s};
  std::vector<uint64_t> ran;

  call_gate::pending call(uint64_t seq, call_gate::clock::time_point at,
                          uint64_t conn = 1) {
    return {slot_ref{{}, conn, seq},
            [this, seq](uint64_t) { ran.push_back(seq); }, at};
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(node_call_gate, fixture)

BOOST_AUTO_TEST_CASE(lets_limit_calls_through_and_holds_the_rest) {
  auto a = gate.enter();
  auto b = gate.enter();
  BOOST_REQUIRE(a && b);
  BOOST_CHECK(!gate.enter());
  gate.wait(call(3, t0));
  gate.wait(call(4, t0));
  BOOST_CHECK_EQUAL(gate.waiting(), 2u);
  auto next = gate.leave(*a);
  BOOST_REQUIRE(next);
  next->second.run(next->first);
  BOOST_CHECK(ran == std::vector<uint64_t>{3});
  BOOST_CHECK_EQUAL(gate.in_flight(), 2u);
}

BOOST_AUTO_TEST_CASE(waiting_calls_go_out_in_turn_by_connection) {
  auto a = gate.enter();
  gate.enter();
  // Connection 1 pipelines three calls, then connection 2 sends one.
  gate.wait(call(10, t0, 1));
  gate.wait(call(11, t0, 1));
  gate.wait(call(12, t0, 1));
  gate.wait(call(20, t0, 2));
  auto ticket = *a;
  for (int i = 0; i < 4; ++i) {
    auto next = gate.leave(ticket);
    BOOST_REQUIRE(next);
    ticket = next->first;
    next->second.run(ticket);
  }
  BOOST_CHECK((ran == std::vector<uint64_t>{10, 20, 11, 12}));
  BOOST_CHECK_EQUAL(gate.waiting(), 0u);
}

BOOST_AUTO_TEST_CASE(an_unknown_ticket_frees_nothing) {
  auto a = gate.enter();
  gate.enter();
  gate.wait(call(3, t0));
  BOOST_CHECK(!gate.leave(*a + 100));
  BOOST_CHECK_EQUAL(gate.in_flight(), 2u);
  BOOST_CHECK(gate.leave(*a));
  BOOST_CHECK(!gate.leave(*a)); // twice: nothing more
}

BOOST_AUTO_TEST_CASE(calls_that_waited_too_long_expire_oldest_first) {
  gate.enter();
  gate.enter();
  gate.wait(call(3, t0));
  gate.wait(call(4, t0 + 2s));
  BOOST_CHECK(gate.expire(t0 + 4s).empty());
  auto gone = gate.expire(t0 + 5s);
  BOOST_REQUIRE_EQUAL(gone.size(), 1u);
  BOOST_CHECK_EQUAL(gone[0].seq, 3u);
  BOOST_CHECK_EQUAL(gate.waiting(), 1u);
}

BOOST_AUTO_TEST_CASE(a_lost_node_forgets_its_calls_and_returns_the_waiting) {
  auto a = gate.enter();
  gate.enter();
  gate.wait(call(3, t0));
  auto dropped = gate.reset();
  BOOST_CHECK_EQUAL(dropped.size(), 1u);
  BOOST_CHECK_EQUAL(gate.in_flight(), 0u);
  BOOST_CHECK(!gate.leave(*a)); // a late answer from the lost node
  BOOST_CHECK(gate.enter());
}

BOOST_AUTO_TEST_SUITE_END()
