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

BOOST_AUTO_TEST_SUITE_END()
