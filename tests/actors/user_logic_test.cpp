#include "actors/errc.hpp"
#include "actors/ids.hpp"
#include "actors/order_logic.hpp"
#include "actors/user_logic.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

using namespace microshop;
using namespace microshop::actors;
using actors::errc;
using actors::error_text;
using actors::is;

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
  BOOST_CHECK_EQUAL(o.status, "pending");
  BOOST_CHECK_EQUAL(o.total_cents, 30u + 3998u);
  BOOST_CHECK(is_valid_id(o.id));
  BOOST_CHECK_EQUAL(o.created_ms, id_time_ms(o.id));
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

BOOST_AUTO_TEST_CASE(storing_a_batch_answers_each_order_in_order) {
  testing::temp_dir dir;
  auto store = persistence::order_store::open(dir / "orders");
  BOOST_REQUIRE(store);
  auto uid = new_id();
  std::vector<new_order> xs{{uid, {{"a", 1, 250}}},
                            {new_id(), {{"b", 4, 250}}},
                            {uid, {{"c", 2, 1}}}};
  auto results = store_orders(*store, xs);
  BOOST_REQUIRE_EQUAL(results.size(), 3u);
  BOOST_CHECK(!results[0].err);
  BOOST_CHECK_EQUAL(results[0].value.total_cents, 250u);
  BOOST_CHECK(!results[1].err);
  BOOST_CHECK_EQUAL(results[1].value.total_cents, 1000u);
  BOOST_CHECK_EQUAL(results[1].value.products[0].product_id, "b");
  BOOST_CHECK(!results[2].err);
  BOOST_CHECK_EQUAL(results[2].value.total_cents, 2u);
  BOOST_CHECK(results[0].value.id < results[1].value.id);
  BOOST_CHECK(results[1].value.id < results[2].value.id);
  auto mine = store->list_by_user(uid, {"", 10});
  BOOST_REQUIRE(mine);
  BOOST_REQUIRE_EQUAL(mine->items.size(), 2u);
  BOOST_CHECK_EQUAL(mine->items[0].id, results[0].value.id);
  BOOST_CHECK_EQUAL(mine->items[1].id, results[2].value.id);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(wire_mapping)

BOOST_AUTO_TEST_CASE(a_store_failure_becomes_one_domain_error) {
  using persistence::store_errc;
  using persistence::store_error;
  BOOST_CHECK(!to_error(store_error{}));
  auto dup = to_error(store_error{store_errc::duplicate, "email"});
  BOOST_CHECK(is(dup, errc::duplicate));
  BOOST_CHECK_EQUAL(error_text(dup), "email already taken");
  auto user = to_error(store_error{store_errc::not_found, {}});
  BOOST_CHECK(is(user, errc::user_not_found));
  BOOST_CHECK_EQUAL(error_text(user), "User not found");
  auto order =
      to_error(store_error{store_errc::not_found, {}}, errc::order_not_found);
  BOOST_CHECK(is(order, errc::order_not_found));
  BOOST_CHECK_EQUAL(error_text(order), "Order not found");
  auto failed = to_error(store_error{store_errc::failure, "storage at /x: io"});
  BOOST_CHECK(is(failed, errc::storage));
  BOOST_CHECK_EQUAL(error_text(failed), "storage at /x: io");
}

BOOST_AUTO_TEST_CASE(an_order_crosses_between_record_and_wire_field_by_field) {
  order o;
  o.id = new_id();
  o.user_id = new_id();
  o.products = {{"a", 3, 10}, {"b", 2, 1999}};
  o.total_cents = 4028;
  o.status = "pending";
  o.created_ms = id_time_ms(o.id);
  auto rec = to_record(o);
  BOOST_CHECK_EQUAL(rec.id, o.id);
  BOOST_CHECK_EQUAL(rec.user_id, o.user_id);
  BOOST_REQUIRE_EQUAL(rec.products.size(), 2u);
  BOOST_CHECK_EQUAL(rec.products[1].product_id, "b");
  BOOST_CHECK_EQUAL(rec.products[1].quantity, 2);
  BOOST_CHECK_EQUAL(rec.products[1].price_cents, 1999);
  BOOST_CHECK_EQUAL(rec.total_cents, 4028u);
  BOOST_CHECK_EQUAL(rec.status, "pending");
  BOOST_CHECK_EQUAL(rec.created_ms, o.created_ms);
  auto back = to_wire(rec);
  BOOST_CHECK_EQUAL(back.id, o.id);
  BOOST_CHECK_EQUAL(back.user_id, o.user_id);
  BOOST_REQUIRE_EQUAL(back.products.size(), 2u);
  BOOST_CHECK_EQUAL(back.products[0].product_id, "a");
  BOOST_CHECK_EQUAL(back.products[0].quantity, 3);
  BOOST_CHECK_EQUAL(back.products[0].price_cents, 10);
  BOOST_CHECK_EQUAL(back.total_cents, 4028u);
  BOOST_CHECK_EQUAL(back.status, "pending");
  BOOST_CHECK_EQUAL(back.created_ms, o.created_ms);
  BOOST_CHECK_EQUAL(estimated_wire_size(back),
                    persistence::estimated_wire_size(rec));
}

BOOST_AUTO_TEST_CASE(a_user_on_the_wire_never_carries_the_hash) {
  persistence::user_record rec{new_id(), "alice", "a@example.com",
                               "$argon2id$x", 42};
  auto u = to_wire(rec);
  BOOST_CHECK_EQUAL(u.id, rec.id);
  BOOST_CHECK_EQUAL(u.username, "alice");
  BOOST_CHECK_EQUAL(u.email, "a@example.com");
  BOOST_CHECK_EQUAL(u.created_ms, 42);
}

BOOST_AUTO_TEST_SUITE_END()
