// The plain functions of sharding on the user and order side: claim
// decisions, the claim steps over a real store, placement of ids and keys,
// splitting a batch by node.

#include "actors/errc.hpp"
#include "actors/ids.hpp"
#include "actors/order_logic.hpp"
#include "actors/uniqueness.hpp"
#include "actors/user_logic.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>
#include <map>
#include <set>

using namespace microshop;
using namespace microshop::actors;
using actors::errc;
using actors::is;
using persistence::unique_key;

namespace {

struct store_fixture {
  testing::temp_dir dir;
  std::shared_ptr<persistence::user_store> store;

  store_fixture() {
    auto s = persistence::user_store::open(dir / "users");
    BOOST_REQUIRE(s);
    store = std::make_shared<persistence::user_store>(std::move(*s));
  }

  std::string owner_of(unique_key k, const std::string& value) {
    auto o = store->entry_owner(k, value);
    BOOST_REQUIRE(o);
    return *o;
  }

  /// Stores a user record with `id` (no entries).
  void commit(const std::string& id, const std::string& name) {
    BOOST_REQUIRE(!store->put_record(
        {id, name, name + "@example.com", "h", id_time_ms(id)}));
  }
};

unique_claim name_claim(const std::string& key, const std::string& owner) {
  return {unique_field::username, key, owner};
}

} // namespace

BOOST_AUTO_TEST_SUITE(claim_decisions)

BOOST_AUTO_TEST_CASE(
    an_entry_pointing_at_the_claimant_holds_any_other_is_asked) {
  auto x = new_id();
  BOOST_CHECK(decide_claim(x, x) == claim_verdict::held);
  BOOST_CHECK(decide_claim(new_id(), x) == claim_verdict::ask_owner);
}

BOOST_AUTO_TEST_CASE(
    an_owner_that_exists_or_is_in_flight_refuses_an_absent_one_is_taken_over) {
  BOOST_CHECK(decide_claim(id_state::committed) == claim_verdict::refused);
  BOOST_CHECK(decide_claim(id_state::in_flight) == claim_verdict::refused);
  BOOST_CHECK(decide_claim(id_state::absent) == claim_verdict::take_over);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(claim_steps, store_fixture)

BOOST_AUTO_TEST_CASE(a_free_entry_is_written_and_held_at_once) {
  auto x = new_id();
  auto step = begin_claim(*store, name_claim("alice", x));
  BOOST_REQUIRE(step);
  BOOST_CHECK(step->held);
  BOOST_CHECK_EQUAL(owner_of(unique_key::username, "alice"), x);
  // Claimed again by the same owner (a retried request): still held.
  BOOST_CHECK(begin_claim(*store, name_claim("alice", x))->held);
}

BOOST_AUTO_TEST_CASE(
    an_entry_of_another_owner_asks_about_it_and_is_left_alone) {
  auto o = new_id();
  auto x = new_id();
  BOOST_REQUIRE(begin_claim(*store, name_claim("bob", o))->held);
  auto step = begin_claim(*store, name_claim("bob", x));
  BOOST_REQUIRE(step);
  BOOST_CHECK(!step->held);
  BOOST_CHECK_EQUAL(step->other, o);
  BOOST_CHECK_EQUAL(owner_of(unique_key::username, "bob"), o);
}

BOOST_AUTO_TEST_CASE(a_committed_or_in_flight_owner_refuses_naming_the_field) {
  auto o = new_id();
  BOOST_REQUIRE(begin_claim(*store, {unique_field::email, "c@x.io", o})->held);
  for (auto state : {id_state::committed, id_state::in_flight}) {
    auto x = new_id();
    auto step =
        continue_claim(*store, {unique_field::email, "c@x.io", x}, o, state);
    BOOST_REQUIRE(!step);
    BOOST_CHECK(is(step.error(), errc::duplicate));
    BOOST_CHECK_EQUAL(error_text(step.error()), "email already taken");
    BOOST_CHECK_EQUAL(owner_of(unique_key::email, "c@x.io"), o);
  }
}

BOOST_AUTO_TEST_CASE(a_dangling_entry_whose_owner_is_absent_is_taken_over) {
  auto dangling = new_id(); // claimed, then its node crashed before the record
  auto x = new_id();
  BOOST_REQUIRE(begin_claim(*store, name_claim("dora", dangling))->held);
  auto step = begin_claim(*store, name_claim("dora", x));
  BOOST_REQUIRE(step && !step->held);
  auto next = continue_claim(*store, name_claim("dora", x), step->other,
                             id_state::absent);
  BOOST_REQUIRE(next);
  BOOST_CHECK(next->held);
  BOOST_CHECK_EQUAL(owner_of(unique_key::username, "dora"), x);
}

BOOST_AUTO_TEST_CASE(
    of_two_claims_taking_over_one_dangling_entry_the_compare_and_set_picks_one) {
  auto dangling = new_id();
  auto x = new_id();
  auto y = new_id();
  BOOST_REQUIRE(begin_claim(*store, name_claim("eve", dangling))->held);
  // Both read the entry and both learn that its owner is absent.
  auto sx = begin_claim(*store, name_claim("eve", x));
  auto sy = begin_claim(*store, name_claim("eve", y));
  BOOST_REQUIRE(sx && sy);
  BOOST_REQUIRE_EQUAL(sx->other, dangling);
  BOOST_REQUIRE_EQUAL(sy->other, dangling);
  auto won =
      continue_claim(*store, name_claim("eve", x), dangling, id_state::absent);
  auto lost =
      continue_claim(*store, name_claim("eve", y), dangling, id_state::absent);
  BOOST_REQUIRE(won && lost);
  BOOST_CHECK(won->held);
  // The loser decides again: the entry now points at x, to be asked about.
  BOOST_CHECK(!lost->held);
  BOOST_CHECK_EQUAL(lost->other, x);
  auto refused =
      continue_claim(*store, name_claim("eve", y), x, id_state::in_flight);
  BOOST_CHECK(is(refused.error(), errc::duplicate));
  BOOST_CHECK_EQUAL(owner_of(unique_key::username, "eve"), x);
}

BOOST_AUTO_TEST_CASE(a_release_deletes_only_the_claimants_own_entry) {
  auto x = new_id();
  BOOST_REQUIRE(begin_claim(*store, name_claim("finn", x))->held);
  BOOST_CHECK(!*release_claim(*store, name_claim("finn", new_id())));
  BOOST_CHECK_EQUAL(owner_of(unique_key::username, "finn"), x);
  BOOST_CHECK(*release_claim(*store, name_claim("finn", x)));
  BOOST_CHECK_EQUAL(owner_of(unique_key::username, "finn"), "");
}

BOOST_AUTO_TEST_CASE(
    claims_on_one_node_take_over_only_owners_that_never_will_exist) {
  pending_ids ids;
  auto committed = new_id();
  commit(committed, "gus");
  BOOST_REQUIRE(begin_claim(*store, name_claim("gus", committed))->held);
  auto in_flight = ids.assign();
  BOOST_REQUIRE(begin_claim(*store, name_claim("hal", in_flight))->held);
  auto dangling = new_id();
  BOOST_REQUIRE(begin_claim(*store, name_claim("ida", dangling))->held);
  auto x = ids.assign();
  BOOST_CHECK(
      is(claim_here(*store, ids, name_claim("gus", x)), errc::duplicate));
  BOOST_CHECK(
      is(claim_here(*store, ids, name_claim("hal", x)), errc::duplicate));
  BOOST_CHECK(!claim_here(*store, ids, name_claim("ida", x)));
  BOOST_CHECK_EQUAL(owner_of(unique_key::username, "ida"), x);
  // Once the in-flight owner is abandoned, its entry is taken over too.
  ids.settle(in_flight);
  BOOST_CHECK(!claim_here(*store, ids, name_claim("hal", x)));
}

BOOST_AUTO_TEST_CASE(a_create_refused_for_its_email_releases_its_username) {
  auto cost = pwhash_cost::minimum();
  BOOST_REQUIRE(
      create_user(*store, {"joe", "joe@example.com", "password1"}, cost));
  auto refused =
      create_user(*store, {"kim", "JOE@example.com", "password1"}, cost);
  BOOST_REQUIRE(!refused);
  BOOST_CHECK(is(refused.error(), errc::duplicate));
  BOOST_CHECK_EQUAL(error_text(refused.error()), "email already taken");
  BOOST_CHECK_EQUAL(owner_of(unique_key::username, "kim"), "");
  BOOST_CHECK(
      create_user(*store, {"Kim", "kim@example.com", "password1"}, cost));
}

BOOST_AUTO_TEST_CASE(a_lookup_says_in_flight_first_then_what_the_store_holds) {
  pending_ids ids;
  auto map = shard_map::even(4, 2, 1);
  auto mine = ids.assign(2); // shard 2: users-1 (index 0)
  BOOST_CHECK(*lookup_id(*store, ids, map, 0, mine) == id_state::in_flight);
  commit(mine, "lou");
  // Stored but not yet settled: still in flight.
  BOOST_CHECK(*lookup_id(*store, ids, map, 0, mine) == id_state::in_flight);
  ids.settle(mine);
  BOOST_CHECK(*lookup_id(*store, ids, map, 0, mine) == id_state::committed);
  BOOST_CHECK(*lookup_id(*store, ids, map, 0, new_id(0)) == id_state::absent);
  // An id of another node's shard is not this node's to answer.
  auto other = lookup_id(*store, ids, map, 0, new_id(1));
  BOOST_REQUIRE(!other);
  BOOST_CHECK(is(other.error(), errc::misconfigured));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(placement)

BOOST_AUTO_TEST_CASE(a_claim_is_checked_for_its_owner_and_its_node) {
  auto map = shard_map::even(16, 3, 1);
  unique_claim c{unique_field::username, "mia", new_id()};
  auto node = entry_node(map, c);
  BOOST_CHECK_EQUAL(
      node, map.owner(service::users, shard_of_key("username", "mia", 16)));
  BOOST_CHECK(!check_claim(c, map, node));
  BOOST_CHECK(is(check_claim(c, map, (node + 1) % 3), errc::misconfigured));
  BOOST_CHECK(
      is(check_claim({c.field, "mia", "not-an-id"}, map, node), errc::invalid));
  BOOST_CHECK(
      is(check_claim({c.field, "", c.owner}, map, node), errc::invalid));
}

BOOST_AUTO_TEST_CASE(a_creates_claims_are_its_lowercased_username_and_email) {
  auto cs = claims_of({"Ned", "Ned@Example.COM", "pw"}, "x");
  BOOST_CHECK(cs[0].field == unique_field::username);
  BOOST_CHECK_EQUAL(cs[0].key, "ned");
  BOOST_CHECK(cs[1].field == unique_field::email);
  BOOST_CHECK_EQUAL(cs[1].key, "ned@example.com");
  BOOST_CHECK_EQUAL(cs[1].owner, "x");
}

BOOST_AUTO_TEST_CASE(every_id_a_node_makes_is_in_its_shards_round_robin) {
  auto map = shard_map::even(10, 3, 2);
  for (size_t node = 0; node < 3; ++node) {
    auto own = map.shards_of(service::users, node);
    shard_cycle cycle{own};
    std::map<uint32_t, int> seen;
    for (size_t i = 0; i < own.size() * 5; ++i) {
      auto id = new_id(cycle.next());
      BOOST_REQUIRE(is_valid_id(id));
      BOOST_CHECK_EQUAL(node_of_id(map, service::users, id), node);
      ++seen[shard_of_id(id, map.shards())];
    }
    BOOST_CHECK_EQUAL(seen.size(), own.size());
    for (auto& [shard, n] : seen)
      BOOST_CHECK_EQUAL(n, 5);
  }
}

BOOST_AUTO_TEST_CASE(an_order_id_shares_the_shard_of_its_user) {
  auto map = shard_map::even(128, 3, 2);
  for (uint8_t b : {0, 1, 77, 127, 200, 255}) {
    auto user_id = new_id(b);
    auto o = make_order({user_id, {{"sku", 1, 100}}});
    BOOST_CHECK_EQUAL(shard_byte_of(o.id), b);
    BOOST_CHECK_EQUAL(shard_of_id(o.id, 128), shard_of_id(user_id, 128));
    BOOST_CHECK_EQUAL(node_of_id(map, service::orders, o.id),
                      node_of_id(map, service::orders, user_id));
  }
}

BOOST_AUTO_TEST_CASE(a_batch_splits_by_the_node_owning_each_ids_shard) {
  auto map = shard_map::even(6, 3, 1);
  std::vector<std::string> ids{new_id(0),   new_id(4), new_id(3),
                               "not-an-id", new_id(2), new_id(5)};
  auto groups = split_by_node(map, service::users, ids);
  BOOST_REQUIRE_EQUAL(groups.size(), 3u);
  // Shards 0,3 -> users-1; 1,4 -> users-2; 2,5 -> users-3; junk -> shard 0.
  BOOST_CHECK((groups[0] == std::vector<size_t>{0, 2, 3}));
  BOOST_CHECK((groups[1] == std::vector<size_t>{1}));
  BOOST_CHECK((groups[2] == std::vector<size_t>{4, 5}));
  auto one = split_by_node(shard_map::even(128, 1, 1), service::users, ids);
  BOOST_REQUIRE_EQUAL(one.size(), 1u);
  BOOST_CHECK_EQUAL(one[0].size(), ids.size());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(list_bounds)

BOOST_AUTO_TEST_CASE(a_user_page_is_full_only_when_it_stopped_at_its_limit) {
  persistence::page_of<persistence::user_record> recs;
  for (int i = 0; i < 3; ++i)
    recs.items.push_back({new_id(), "u" + std::to_string(i), "e", "h", 0});
  recs.more = true;
  BOOST_CHECK(page_below(recs, {new_id(), false}).full);
  // Cut below the watermark: complete below it, not through the last item.
  BOOST_CHECK(!page_below(recs, {recs.items[2].id, true}).full);
  recs.more = false;
  BOOST_CHECK(!page_below(recs, {new_id(), false}).full);
}

BOOST_AUTO_TEST_CASE(an_order_page_has_a_watermark_above_every_stored_order) {
  testing::temp_dir dir;
  auto store = persistence::order_store::open(dir / "orders");
  BOOST_REQUIRE(store);
  auto user_id = new_id();
  std::vector<new_order> xs(3, new_order{user_id, {{"sku", 1, 100}}});
  auto stored = store_orders(*store, xs);
  BOOST_REQUIRE(!stored[2].err);
  auto all = list_orders(*store, {});
  BOOST_REQUIRE(all);
  BOOST_CHECK_EQUAL(all->items.size(), 3u);
  BOOST_CHECK(!all->full);
  BOOST_CHECK(all->watermark > stored[2].value.id);
  BOOST_CHECK(is_valid_id(all->watermark));
  auto two = list_orders(*store, {{}, {"", 2}});
  BOOST_REQUIRE(two);
  BOOST_CHECK_EQUAL(two->items.size(), 2u);
  BOOST_CHECK(two->full && two->more);
  auto mine = list_orders(*store, {user_id, {"", 2}});
  BOOST_REQUIRE(mine);
  BOOST_CHECK(mine->full);
  BOOST_CHECK(mine->watermark > stored[2].value.id);
}

BOOST_AUTO_TEST_SUITE_END()
