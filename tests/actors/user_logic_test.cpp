#include "actors/ids.hpp"
#include "actors/order_logic.hpp"
#include "actors/user_logic.hpp"
#include "persistence/errc.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

using namespace microshop;
using namespace microshop::actors;
using persistence::errc;
using persistence::is;

BOOST_AUTO_TEST_SUITE(service_logic)

BOOST_AUTO_TEST_CASE(creating_a_user_stores_only_a_hash_of_the_password) {
  testing::temp_dir dir;
  auto store = persistence::user_store::open(dir / "users");
  BOOST_REQUIRE(store);
  auto u = create_user(*store, {"alice", "alice@example.com", "s3cret-pass"},
                       pwhash_cost::minimum());
  BOOST_REQUIRE(u);
  BOOST_CHECK(is_valid_id(u->id));
  BOOST_CHECK_EQUAL(u->created_ms, id_time_ms(u->id));
  auto rec = store->get(u->id);
  BOOST_REQUIRE(rec);
  BOOST_CHECK(rec->password_hash.find("s3cret-pass") == std::string::npos);
  BOOST_CHECK(verify_password(rec->password_hash, "s3cret-pass"));
  BOOST_CHECK(*user_exists(*store, u->id));
  BOOST_CHECK(!*user_exists(*store, "nope"));
  BOOST_CHECK(is(find_user(*store, "nope").error(), errc::user_not_found));
}

BOOST_AUTO_TEST_CASE(a_duplicate_or_invalid_user_is_refused_and_not_stored) {
  testing::temp_dir dir;
  auto store = persistence::user_store::open(dir / "users");
  BOOST_REQUIRE(store);
  auto cost = pwhash_cost::minimum();
  BOOST_REQUIRE(
      create_user(*store, {"alice", "a@example.com", "password1"}, cost));
  auto dup = create_user(*store, {"ALICE", "b@example.com", "password1"}, cost);
  BOOST_CHECK(is(dup.error(), errc::duplicate));
  auto bad = create_user(*store, {"bob", "b@example", "password1"}, cost);
  BOOST_CHECK(is(bad.error(), errc::invalid));
  BOOST_CHECK_EQUAL(list_users(*store, {})->items.size(), 1u);
}

BOOST_AUTO_TEST_CASE(an_accepted_order_is_pending_with_an_exact_total) {
  auto o = make_order({new_id(), {{"a", 3, 10}, {"b", 2, 1999}}});
  BOOST_REQUIRE(o);
  BOOST_CHECK_EQUAL(o->status, "pending");
  BOOST_CHECK_EQUAL(o->total_cents, 30u + 3998u);
  BOOST_CHECK(is_valid_id(o->id));
  BOOST_CHECK(is(make_order({new_id(), {}}).error(), errc::invalid));
}

BOOST_AUTO_TEST_CASE(batched_reads_answer_each_id_in_order) {
  testing::temp_dir dir;
  auto store = persistence::user_store::open(dir / "users");
  BOOST_REQUIRE(store);
  auto u = create_user(*store, {"alice", "alice@example.com", "s3cret-pass"},
                       pwhash_cost::minimum());
  BOOST_REQUIRE(u);
  std::vector<std::string> ids{new_id(), u->id, "nope", u->id};
  auto found = find_users(*store, ids);
  BOOST_REQUIRE_EQUAL(found.size(), 4u);
  BOOST_CHECK(is(found[0].err, errc::user_not_found));
  BOOST_CHECK(!found[1].err);
  BOOST_CHECK_EQUAL(found[1].value.email, "alice@example.com");
  BOOST_CHECK(is(found[2].err, errc::user_not_found));
  BOOST_CHECK_EQUAL(found[3].value.id, u->id);
  auto exist = users_exist(*store, ids);
  BOOST_REQUIRE(exist);
  BOOST_CHECK((*exist == std::vector<bool>{false, true, false, true}));
  BOOST_CHECK(find_users(*store, {}).empty());
}

BOOST_AUTO_TEST_CASE(storing_a_batch_keeps_each_orders_own_outcome) {
  testing::temp_dir dir;
  auto store = persistence::order_store::open(dir / "orders");
  BOOST_REQUIRE(store);
  auto uid = new_id();
  std::vector<new_order> xs{{uid, {{"a", 1, 250}}},
                            {uid, {{"b", 0, 250}}}, // quantity 0: invalid
                            {uid, {{"c", 2, 1}}}};
  auto results = store_orders(*store, xs);
  BOOST_REQUIRE_EQUAL(results.size(), 3u);
  BOOST_CHECK(!results[0].err);
  BOOST_CHECK_EQUAL(results[0].value.total_cents, 250u);
  BOOST_CHECK(is(results[1].err, errc::invalid));
  BOOST_CHECK(!results[2].err);
  BOOST_CHECK_EQUAL(results[2].value.total_cents, 2u);
  BOOST_CHECK(results[0].value.id < results[2].value.id);
  auto mine = store->list_by_user(uid, {"", 10});
  BOOST_REQUIRE(mine);
  BOOST_REQUIRE_EQUAL(mine->items.size(), 2u);
  BOOST_CHECK_EQUAL(mine->items[0].id, results[0].value.id);
  BOOST_CHECK_EQUAL(mine->items[1].id, results[2].value.id);
}

BOOST_AUTO_TEST_SUITE_END()
