// Key records (Idempotency-Key outcomes): stored in the same write as what
// they created, scoped, kept across a reopen, in a column family that stores
// made before it gain on open.

#include "key_records.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>
#include <set>
#include <string>

using namespace microshop::persistence;
using namespace microshop::testing::key_records;
using microshop::testing::temp_dir;

BOOST_AUTO_TEST_SUITE(key_records_suite)

BOOST_AUTO_TEST_CASE(a_user_and_its_key_record_are_stored_together) {
  temp_dir dir;
  auto store = open_users(dir / "users");
  auto u = make_user("ann");
  auto rec = created(u.id);
  BOOST_CHECK(!user_key(store, "k-ann"));
  BOOST_REQUIRE(!store.put_record(u, {{}, "k-ann", rec}));
  auto got = store.get(u.id);
  BOOST_REQUIRE_MESSAGE(got, why(got));
  BOOST_CHECK_EQUAL(got->username, "ann");
  auto key = user_key(store, "k-ann");
  BOOST_REQUIRE(key);
  BOOST_CHECK_EQUAL(key->stored_ms, rec.stored_ms);
  BOOST_CHECK_EQUAL(key->fingerprint, rec.fingerprint);
  BOOST_CHECK_EQUAL(key->code, 0);
  BOOST_CHECK_EQUAL(key->text, u.id);
  // A user's key belongs to the endpoint: the entry's scope is ignored.
  auto v = make_user("bea");
  BOOST_REQUIRE(!store.put_record(v, {"some-scope", "k-bea", created(v.id)}));
  BOOST_REQUIRE(user_key(store, "k-bea"));
  BOOST_CHECK_EQUAL(user_key(store, "k-bea")->text, v.id);
  // Neither write touched the uniqueness entries.
  BOOST_CHECK(!store.check_unique("ann", "ann@example.com"));
}

BOOST_AUTO_TEST_CASE(a_refusal_is_stored_as_a_key_record_alone) {
  temp_dir dir;
  auto store = open_users(dir / "users");
  BOOST_REQUIRE(!store.put_key({{}, "k-dup", refused(3, "username taken")}));
  auto key = user_key(store, "k-dup");
  BOOST_REQUIRE(key);
  BOOST_CHECK_EQUAL(key->code, 3);
  BOOST_CHECK_EQUAL(key->text, "username taken");
  BOOST_CHECK(all_users(store).empty());
  // Overwriting is the caller's business: the last write wins.
  BOOST_REQUIRE(!store.put_key({{}, "k-dup", refused(4, "email invalid")}));
  BOOST_CHECK_EQUAL(user_key(store, "k-dup")->code, 4);
}

BOOST_AUTO_TEST_CASE(orders_and_their_key_records_are_stored_in_one_write) {
  temp_dir dir;
  auto store = open_orders(dir / "orders");
  auto a = make_order("order-1", "alice");
  auto b = make_order("order-2", "bob");
  BOOST_REQUIRE(!store.insert_all(
      {a, b}, {{"alice", "k1", created(a.id)},
               {"bob", "k1", created(b.id)},
               {"carl", "k1", refused(1, "User not found")}}));
  BOOST_REQUIRE(store.get("order-1"));
  BOOST_REQUIRE(store.get("order-2"));
  BOOST_CHECK_EQUAL(order_key(store, "alice", "k1")->text, "order-1");
  BOOST_CHECK_EQUAL(order_key(store, "bob", "k1")->text, "order-2");
  auto carl = order_key(store, "carl", "k1");
  BOOST_REQUIRE(carl);
  BOOST_CHECK_EQUAL(carl->code, 1);
  BOOST_CHECK_EQUAL(carl->text, "User not found");
  auto listed = store.list_by_user("carl", {});
  BOOST_REQUIRE(listed);
  BOOST_CHECK(listed->items.empty());
}

BOOST_AUTO_TEST_CASE(a_batch_of_refusals_only_stores_their_key_records) {
  temp_dir dir;
  auto store = open_orders(dir / "orders");
  BOOST_REQUIRE(!store.insert_all(
      {}, {{"u1", "k-a", refused(4, "products[0].quantity must be ...")},
           {"u2", "k-b", refused(1, "User not found")}}));
  BOOST_CHECK_EQUAL(order_key(store, "u1", "k-a")->code, 4);
  BOOST_CHECK_EQUAL(order_key(store, "u2", "k-b")->text, "User not found");
  auto all = store.list({});
  BOOST_REQUIRE(all);
  BOOST_CHECK(all->items.empty());
  // Nothing at all is a no-op, not an error.
  BOOST_CHECK(!store.insert_all({}, {}));
}

BOOST_AUTO_TEST_CASE(the_same_key_of_another_user_is_another_key) {
  temp_dir dir;
  auto store = open_orders(dir / "orders");
  BOOST_REQUIRE(!store.insert_all({}, {{"alice", "k", refused(1, "x")}}));
  BOOST_CHECK(order_key(store, "alice", "k"));
  BOOST_CHECK(!order_key(store, "bob", "k"));
  BOOST_CHECK(!order_key(store, "", "k"));
  BOOST_CHECK(!order_key(store, "alice", "K"));
  BOOST_CHECK(!order_key(store, "alic", "ek"));
}

BOOST_AUTO_TEST_CASE(no_two_scope_and_key_pairs_share_a_storage_key) {
  using detail::scoped_key;
  BOOST_CHECK(scoped_key("a/b", "c") != scoped_key("a", "b/c"));
  BOOST_CHECK(scoped_key("a", "bc") != scoped_key("ab", "c"));
  BOOST_CHECK(scoped_key("ab", "") != scoped_key("a", "b"));
  BOOST_CHECK(scoped_key("", "ab") != scoped_key("a", "b"));
  // A scope whose bytes look like a length prefix, and long scopes whose
  // length takes two varint bytes.
  BOOST_CHECK(scoped_key("\x01", "a") != scoped_key("", "\x01\x01a"));
  std::string s127(127, 's'), s128(128, 's');
  BOOST_CHECK(scoped_key(s128, "k") != scoped_key(s127, "sk"));
  // Every split of a few strings into (scope, key) gives its own key.
  std::set<std::string> seen;
  size_t pairs = 0;
  for (std::string text : {std::string{"abc/de"}, std::string{"\x02xy\x01z"},
                           std::string(130, 'q') + "/k"}) {
    for (size_t cut = 0; cut <= text.size(); ++cut) {
      seen.insert(scoped_key(text.substr(0, cut), text.substr(cut)));
      ++pairs;
    }
  }
  BOOST_CHECK_EQUAL(seen.size(), pairs);
  // And through a store: scopes that are prefixes of each other.
  temp_dir dir;
  auto store = open_orders(dir / "orders");
  BOOST_REQUIRE(!store.insert_all(
      {}, {{"user", "x", refused(1, "a")}, {"user-1", "x", refused(1, "b")}}));
  BOOST_CHECK_EQUAL(order_key(store, "user", "x")->text, "a");
  BOOST_CHECK_EQUAL(order_key(store, "user-1", "x")->text, "b");
  BOOST_CHECK(!order_key(store, "user", "-1x"));
  BOOST_CHECK(!order_key(store, "use", "rx"));
}
BOOST_AUTO_TEST_CASE(key_records_survive_a_reopen) {
  temp_dir dir;
  auto u = make_user("gil");
  {
    auto users = open_users(dir / "users");
    auto orders = open_orders(dir / "orders");
    BOOST_REQUIRE(!users.put_record(u, {{}, "k-u", created(u.id)}));
    BOOST_REQUIRE(!users.put_key({{}, "k-r", refused(4, "email invalid")}));
    BOOST_REQUIRE(!orders.insert_all({make_order("order-9", u.id)},
                                     {{u.id, "k-o", created("order-9")}}));
  }
  auto users = open_users(dir / "users");
  auto orders = open_orders(dir / "orders");
  BOOST_REQUIRE(user_key(users, "k-u"));
  BOOST_CHECK_EQUAL(user_key(users, "k-u")->text, u.id);
  BOOST_REQUIRE(user_key(users, "k-r"));
  BOOST_CHECK_EQUAL(user_key(users, "k-r")->text, "email invalid");
  BOOST_REQUIRE(order_key(orders, u.id, "k-o"));
  BOOST_CHECK_EQUAL(order_key(orders, u.id, "k-o")->text, "order-9");
  BOOST_CHECK(orders.get("order-9"));
}

BOOST_AUTO_TEST_CASE(a_store_made_before_key_records_opens_and_gains_them) {
  temp_dir dir;
  auto path = dir / "users";
  auto u = make_user("hal");
  {
    // The directory as a store without key records left it: plain RocksDB,
    // the default column family only.
    rocksdb::Options opts;
    opts.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    auto st = rocksdb::DB::Open(opts, path.string(), &raw);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.ToString());
    std::unique_ptr<rocksdb::DB> db{raw};
    BOOST_REQUIRE(db->Put({}, "u" + u.id, detail::encode(u)).ok());
    BOOST_REQUIRE(db->Close().ok());
  }
  BOOST_REQUIRE(!read_family(path, "idempotency"));
  {
    auto store = open_users(path);
    auto got = store.get(u.id);
    BOOST_REQUIRE_MESSAGE(got, why(got));
    BOOST_CHECK_EQUAL(got->username, "hal");
    BOOST_CHECK(!user_key(store, "k"));
    BOOST_REQUIRE(!store.put_key({{}, "k", refused(3, "taken")}));
  }
  auto keys = read_family(path, "idempotency");
  BOOST_REQUIRE(keys);
  BOOST_CHECK_EQUAL(keys->size(), 1u);
  auto store = open_users(path);
  BOOST_CHECK(store.get(u.id));
  BOOST_REQUIRE(user_key(store, "k"));
  BOOST_CHECK_EQUAL(user_key(store, "k")->code, 3);
}

BOOST_AUTO_TEST_SUITE_END()
