// The order service with Idempotency-Keys: replays, refusals stored or not,
// keys in progress, scopes (fixture in keyed_orders.hpp).

#include "keyed_orders.hpp"

#include <boost/test/unit_test.hpp>

using namespace std::chrono_literals;
using namespace microshop;
using namespace microshop::actors;
using namespace microshop::actors::fakes;
using microshop::actors::errc;

BOOST_FIXTURE_TEST_SUITE(keyed_orders, keyed_orders_fixture)

BOOST_AUTO_TEST_CASE(a_retry_gets_the_same_order_and_nothing_more_is_stored) {
  auto uid = known_user();
  auto first = create(keyed(uid, "k1", 3));
  BOOST_REQUIRE_MESSAGE(!first.err, to_string(first.err));
  BOOST_CHECK(!first.replayed);
  BOOST_CHECK(key_stored(uid, "k1"));
  auto again = create(keyed(uid, "k1", 3));
  BOOST_REQUIRE_MESSAGE(!again.err, to_string(again.err));
  BOOST_CHECK(again.replayed);
  BOOST_CHECK_EQUAL(again.value.id, first.value.id);
  BOOST_CHECK_EQUAL(again.value.total_cents, 3u * 1999u);
  BOOST_CHECK_EQUAL(again.value.created_ms, first.value.created_ms);
  // A replay asks no user service.
  BOOST_CHECK_EQUAL(fake->verifies.size(), 1u);
  BOOST_CHECK_EQUAL(stored().size(), 1u);
  // The one-order message replays too (without the flag, which it lacks).
  auto one = std::make_shared<std::optional<caf::expected<order>>>();
  clients.push_back(sys.spawn(
      [=](caf::event_based_actor* self, const order_actor& service) {
        self->request(service, caf::infinite, create_atom_v,
                      keyed(uid, "k1", 3))
            .then([=](order& o) { *one = std::move(o); },
                  [=](caf::error& err) { *one = caf::expected<order>{err}; });
      },
      orders));
  sched.run();
  BOOST_REQUIRE(one->has_value() && **one);
  BOOST_CHECK_EQUAL((**one)->id, first.value.id);
  BOOST_CHECK_EQUAL(stored().size(), 1u);
}

BOOST_AUTO_TEST_CASE(a_replay_outlives_the_service_that_stored_it) {
  auto uid = known_user();
  auto first = create(keyed(uid, "k"));
  auto stranger = new_id();
  auto refused = create(keyed(stranger, "k"));
  BOOST_REQUIRE(!first.err);
  BOOST_REQUIRE(is_error(refused, errc::user_not_found));
  caf::anon_send_exit(orders, caf::exit_reason::kill);
  sched.run();
  orders = spawn_order_service(sys, store, svc_cfg, order_home::scheduler);
  sched.run();
  auto again = create(keyed(uid, "k"));
  BOOST_CHECK(again.replayed);
  BOOST_CHECK_EQUAL(again.value.id, first.value.id);
  BOOST_CHECK(is_error(create(keyed(uid, "k", 2)), errc::key_reused));
  auto refusal = create(keyed(stranger, "k"));
  BOOST_CHECK(is_error(refusal, errc::user_not_found));
  BOOST_CHECK(refusal.replayed);
  BOOST_CHECK_EQUAL(stored().size(), 1u);
}

BOOST_AUTO_TEST_CASE(the_key_with_other_products_is_refused_as_reused) {
  auto uid = known_user();
  auto first = create(keyed(uid, "k", 1));
  BOOST_REQUIRE(!first.err);
  auto other = create(keyed(uid, "k", 2));
  BOOST_CHECK(is_error(other, errc::key_reused));
  BOOST_CHECK(!other.replayed);
  BOOST_CHECK_EQUAL(error_text(other.err),
                    "Idempotency-Key reused with a different request");
  BOOST_CHECK_EQUAL(stored().size(), 1u);
  // The first request still replays.
  BOOST_CHECK_EQUAL(create(keyed(uid, "k", 1)).value.id, first.value.id);
}

BOOST_AUTO_TEST_CASE(the_same_key_of_another_user_makes_another_order) {
  auto alice = known_user();
  auto bob = known_user();
  auto a = create(keyed(alice, "shared"));
  auto b = create(keyed(bob, "shared"));
  BOOST_REQUIRE(!a.err && !b.err);
  BOOST_CHECK(!b.replayed);
  BOOST_CHECK_NE(a.value.id, b.value.id);
  BOOST_CHECK_EQUAL(b.value.user_id, bob);
  BOOST_CHECK_EQUAL(stored().size(), 2u);
  // And unkeyed orders are never replayed.
  auto c = create(keyed(alice, ""));
  auto d = create(keyed(alice, ""));
  BOOST_CHECK(!c.err && !d.err && !c.replayed && !d.replayed);
  BOOST_CHECK_NE(c.value.id, d.value.id);
  BOOST_CHECK_EQUAL(stored().size(), 4u);
}

BOOST_AUTO_TEST_CASE(the_second_order_with_a_key_in_one_batch_is_in_progress) {
  auto uid = known_user();
  auto rs = create({keyed(uid, "k"), keyed(uid, "k"), keyed(uid, "k2")});
  BOOST_REQUIRE_MESSAGE(!rs[0].err, to_string(rs[0].err));
  BOOST_CHECK(is_error(rs[1], errc::key_in_progress));
  BOOST_CHECK_EQUAL(error_text(rs[1].err),
                    "A request with this Idempotency-Key is in progress");
  BOOST_CHECK(!rs[2].err);
  BOOST_CHECK_EQUAL(stored().size(), 2u);
  // Once the batch is stored, the key is free again: a retry replays.
  auto again = create(keyed(uid, "k"));
  BOOST_CHECK(again.replayed);
  BOOST_CHECK_EQUAL(again.value.id, rs[0].value.id);
}

BOOST_AUTO_TEST_CASE(a_key_is_in_progress_while_its_user_is_being_verified) {
  auto uid = known_user();
  fake->silent = true;
  auto first = send({keyed(uid, "k")});
  sched.run();
  BOOST_REQUIRE_EQUAL(fake->held.size(), 1u);
  auto second = create(keyed(uid, "k"));
  BOOST_CHECK(is_error(second, errc::key_in_progress));
  BOOST_CHECK(!first->has_value());
  caf::anon_send(fake_actor, answer_atom::value, true);
  sched.run();
  BOOST_REQUIRE(first->has_value());
  BOOST_CHECK(!(**first)[0].err);
  BOOST_CHECK_EQUAL(stored().size(), 1u);
}

BOOST_AUTO_TEST_CASE(
    user_not_found_is_stored_and_replayed_after_the_user_appears) {
  auto uid = new_id();
  auto first = create(keyed(uid, "k"));
  BOOST_CHECK(is_error(first, errc::user_not_found));
  BOOST_CHECK(!first.replayed);
  BOOST_CHECK(key_stored(uid, "k"));
  fake->known.insert(uid);
  auto again = create(keyed(uid, "k"));
  BOOST_CHECK(is_error(again, errc::user_not_found));
  BOOST_CHECK_EQUAL(error_text(again.err), "User not found");
  BOOST_CHECK(again.replayed);
  BOOST_CHECK_EQUAL(fake->verifies.size(), 1u);
  BOOST_CHECK(stored().empty());
  // Another key for the now known user creates the order.
  BOOST_CHECK(!create(keyed(uid, "k-new")).err);
  BOOST_CHECK_EQUAL(stored().size(), 1u);
}

BOOST_AUTO_TEST_CASE(a_refusal_by_a_rule_is_stored_and_replayed_with_its_text) {
  auto uid = known_user();
  auto first = create(keyed(uid, "k", 0));
  BOOST_REQUIRE(is_error(first, errc::invalid));
  auto text = error_text(first.err);
  BOOST_CHECK(text.find("quantity") != std::string::npos);
  auto again = create(keyed(uid, "k", 0));
  BOOST_CHECK(is_error(again, errc::invalid));
  BOOST_CHECK(again.replayed);
  BOOST_CHECK_EQUAL(error_text(again.err), text);
  // Fixing the request under the same key is another request.
  BOOST_CHECK(is_error(create(keyed(uid, "k", 1)), errc::key_reused));
  BOOST_CHECK(fake->verifies.empty());
  BOOST_CHECK(stored().empty());
}

BOOST_AUTO_TEST_CASE(a_key_against_its_rule_is_refused_and_not_stored) {
  auto uid = known_user();
  auto r = create(keyed(uid, std::string(256, 'k')));
  BOOST_CHECK(is_error(r, errc::invalid));
  BOOST_CHECK_EQUAL(error_text(r.err),
                    "Idempotency-Key must be 1-255 printable ASCII characters");
  BOOST_CHECK(is_error(create(keyed(uid, "caf\xc3\xa9")), errc::invalid));
  BOOST_CHECK(fake->verifies.empty());
  BOOST_CHECK(stored().empty());
}

BOOST_AUTO_TEST_CASE(
    no_answer_from_the_user_service_is_not_stored_a_retry_creates) {
  auto uid = known_user();
  fake->silent = true;
  auto first = send({keyed(uid, "k")});
  sched.run();
  sched.advance_time(svc_cfg.verify_timeout);
  sched.run();
  BOOST_REQUIRE(first->has_value());
  BOOST_CHECK(is_error((**first)[0], errc::unavailable));
  BOOST_CHECK(!(**first)[0].replayed);
  BOOST_CHECK(!key_stored(uid, "k"));
  BOOST_CHECK(stored().empty());
  fake->silent = false;
  auto retry = create(keyed(uid, "k"));
  BOOST_REQUIRE_MESSAGE(!retry.err, to_string(retry.err));
  BOOST_CHECK(!retry.replayed);
  BOOST_CHECK_EQUAL(stored().size(), 1u);
  BOOST_CHECK(create(keyed(uid, "k")).replayed);
}

BOOST_AUTO_TEST_CASE(a_user_service_that_went_down_stores_no_outcome) {
  auto uid = known_user();
  fake->silent = true;
  auto first = send({keyed(uid, "k")});
  sched.run();
  BOOST_REQUIRE_EQUAL(fake->held.size(), 1u);
  caf::anon_send_exit(users, caf::exit_reason::kill);
  sched.run();
  BOOST_REQUIRE(first->has_value());
  BOOST_CHECK(is_error((**first)[0], errc::unavailable));
  // The key is neither stored nor left in progress: a retry runs again
  // (and fails again, the user service being gone).
  BOOST_CHECK(!key_stored(uid, "k"));
  BOOST_CHECK(is_error(create(keyed(uid, "k")), errc::unavailable));
  BOOST_CHECK(!key_stored(uid, "k"));
  BOOST_CHECK(stored().empty());
}

BOOST_AUTO_TEST_SUITE_END()
