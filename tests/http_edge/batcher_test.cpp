#include "http_edge/batcher.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

using namespace microshop::http_edge;
using namespace std::chrono_literals;

namespace {

using clock_type = std::chrono::steady_clock;

struct fixture {
  clock_type::time_point t0 = clock_type::time_point{} + 1000s;
  batch_limits limits = [] {
    batch_limits x;
    x.max_items = 3;
    x.max_in_flight = 1;
    x.stall_after = 100ms;
    x.max_outstanding = 2;
    x.max_wait = 5s;
    x.answer_within = 5s;
    return x;
  }();
  batcher<std::string> b{limits};

  void add(int n, clock_type::time_point at) {
    for (int i = 0; i < n; ++i)
      b.add("x" + std::to_string(i), slot_ref{{}, 1, next_seq++}, at);
  }

  uint64_t next_seq = 0;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(request_batcher, fixture)

BOOST_AUTO_TEST_CASE(sends_nothing_until_something_is_gathered) {
  BOOST_CHECK(!b.next(t0));
}

BOOST_AUTO_TEST_CASE(puts_at_most_max_items_in_one_message_oldest_first) {
  add(5, t0);
  auto m = b.next(t0);
  BOOST_REQUIRE(m);
  BOOST_CHECK_EQUAL(m->items.size(), 3u);
  BOOST_CHECK_EQUAL(m->slots.front().seq, 0u);
  BOOST_CHECK_EQUAL(m->slots.back().seq, 2u);
  BOOST_CHECK_EQUAL(b.waiting(), 2u);
}

BOOST_AUTO_TEST_CASE(gathers_behind_a_message_in_flight_until_it_is_answered) {
  add(1, t0);
  auto first = b.next(t0);
  BOOST_REQUIRE(first);
  add(2, t0 + 1ms);
  BOOST_CHECK(!b.next(t0 + 2ms)); // max_in_flight = 1
  BOOST_CHECK(b.on_reply(first->ticket));
  auto second = b.next(t0 + 3ms);
  BOOST_REQUIRE(second);
  BOOST_CHECK_EQUAL(second->items.size(), 2u); // the batch grew
}

BOOST_AUTO_TEST_CASE(a_stalled_message_stops_holding_back_the_next) {
  add(1, t0);
  auto first = b.next(t0);
  add(1, t0 + 10ms);
  b.on_tick(t0 + 50ms);
  BOOST_CHECK(!b.next(t0 + 50ms));
  b.on_tick(t0 + 100ms);
  BOOST_CHECK_EQUAL(b.in_flight(), 0u);
  BOOST_CHECK_EQUAL(b.outstanding(), 1u);
  BOOST_CHECK(b.next(t0 + 100ms));
  // Its late answer frees its place once, and only once.
  BOOST_CHECK(b.on_reply(first->ticket));
  BOOST_CHECK(!b.on_reply(first->ticket));
  BOOST_CHECK_EQUAL(b.in_flight(), 1u);
}

BOOST_AUTO_TEST_CASE(a_hung_node_gets_no_more_than_max_outstanding_messages) {
  auto now = t0;
  size_t sent = 0;
  for (int round = 0; round < 10; ++round) {
    add(1, now);
    b.on_tick(now);
    while (b.next(now))
      ++sent;
    now += 200ms;
  }
  BOOST_CHECK_EQUAL(sent, 2u);
  BOOST_CHECK_EQUAL(b.outstanding(), 2u);
  BOOST_CHECK_EQUAL(b.waiting(), 8u);
}

BOOST_AUTO_TEST_CASE(gives_up_requests_that_waited_max_wait_unsent) {
  add(1, t0);
  auto first = b.next(t0); // never answered
  add(2, t0 + 1s);
  BOOST_CHECK(b.on_tick(t0 + 4s).empty());
  // The sent message is given up at answer_within...
  auto unanswered = b.on_tick(t0 + 5s);
  BOOST_CHECK_EQUAL(unanswered.size(), 1u);
  // ...and the two gathered behind it at max_wait.
  auto expired = b.on_tick(t0 + 6s);
  BOOST_CHECK_EQUAL(expired.size(), 2u);
  BOOST_CHECK_EQUAL(b.waiting(), 0u);
}

BOOST_AUTO_TEST_CASE(gives_up_a_message_unanswered_for_answer_within) {
  add(3, t0);
  auto first = b.next(t0);
  BOOST_REQUIRE(first);
  add(1, t0 + 1s);
  BOOST_CHECK(b.on_tick(t0 + 4999ms).empty());
  auto given_up = b.on_tick(t0 + 5s);
  BOOST_REQUIRE_EQUAL(given_up.size(), 3u);
  for (size_t i = 0; i < 3; ++i)
    BOOST_CHECK_EQUAL(given_up[i].seq, first->slots[i].seq);
  BOOST_CHECK_EQUAL(b.outstanding(), 0u);
  BOOST_CHECK_EQUAL(b.in_flight(), 0u);
  BOOST_CHECK(!b.on_reply(first->ticket)); // its late answer is ignored
  auto second = b.next(t0 + 5s);           // and it holds nothing back
  BOOST_REQUIRE(second);
  BOOST_CHECK_EQUAL(second->items.size(), 1u);
}

BOOST_AUTO_TEST_CASE(a_lost_node_drops_what_was_gathered_and_in_flight) {
  add(4, t0);
  auto first = b.next(t0);
  BOOST_REQUIRE(first);
  auto dropped = b.on_node_lost();
  BOOST_CHECK_EQUAL(dropped.size(), 1u);
  BOOST_CHECK_EQUAL(b.outstanding(), 0u);
  BOOST_CHECK(!b.on_reply(first->ticket)); // a late answer is ignored
  add(1, t0 + 1ms);
  BOOST_CHECK(b.next(t0 + 1ms)); // a new link sends at once
}

BOOST_AUTO_TEST_SUITE_END()
