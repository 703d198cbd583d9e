// Key records over time: absent once their TTL passed, purged by
// compactions after it, and never torn from their record by a kill -9.

#include "key_records.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <csignal>
#include <set>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace microshop::persistence;
using namespace microshop::testing::key_records;
using microshop::testing::temp_dir;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(key_records_lifetime)

BOOST_AUTO_TEST_CASE(a_key_record_is_absent_once_its_ttl_passed) {
  temp_dir dir;
  store_options opts;
  opts.key_ttl = 300ms;
  auto users = open_users(dir / "users", opts);
  auto orders = open_orders(dir / "orders", opts);
  auto u = make_user("cid");
  BOOST_REQUIRE(!users.put_record(u, {{}, "k", created(u.id)}));
  BOOST_REQUIRE(!orders.insert_all({}, {{"cid", "k", refused(1, "x")}}));
  BOOST_CHECK(user_key(users, "k"));
  BOOST_CHECK(order_key(orders, "cid", "k"));
  std::this_thread::sleep_for(400ms);
  BOOST_CHECK(!user_key(users, "k"));
  BOOST_CHECK(!order_key(orders, "cid", "k"));
  // Only the key record expires, never the user.
  BOOST_CHECK(users.get(u.id));
  // A new outcome for the key is stored and read again.
  BOOST_REQUIRE(!users.put_key({{}, "k", refused(3, "taken")}));
  BOOST_REQUIRE(user_key(users, "k"));
  BOOST_CHECK_EQUAL(user_key(users, "k")->code, 3);
}

BOOST_AUTO_TEST_CASE(a_compaction_purges_expired_key_records_and_keeps_fresh) {
  temp_dir dir;
  store_options opts;
  opts.key_ttl = 10min;
  auto old = now_ms() - 11 * 60 * 1000;
  {
    auto store = open_users(dir / "users", opts);
    auto u = make_user("dan");
    auto v = make_user("eve");
    BOOST_REQUIRE(!store.put_record(u, {{}, "old-1", created(u.id, old)}));
    BOOST_REQUIRE(!store.put_record(v, {{}, "fresh-1", created(v.id)}));
    BOOST_REQUIRE(!store.put_key({{}, "old-2", created("x", old)}));
    BOOST_REQUIRE(!store.put_key({{}, "fresh-2", refused(3, "taken")}));
    BOOST_CHECK(!user_key(store, "old-1"));
    BOOST_CHECK(user_key(store, "fresh-1"));
  }
  // Read as absent, but still on disk until a compaction meets them.
  BOOST_CHECK_EQUAL(count_key_records(dir / "users"), 4u);
  {
    auto store = open_users(dir / "users", opts);
    BOOST_REQUIRE(!store.compact());
    BOOST_CHECK(user_key(store, "fresh-1"));
    BOOST_CHECK(user_key(store, "fresh-2"));
    BOOST_CHECK_EQUAL(all_users(store).size(), 2u);
  }
  auto left = read_family(dir / "users", "idempotency");
  BOOST_REQUIRE(left);
  BOOST_CHECK_EQUAL(left->size(), 2u);
  BOOST_CHECK(left->count(detail::scoped_key("", "fresh-1")) == 1);
  BOOST_CHECK(left->count(detail::scoped_key("", "fresh-2")) == 1);
  // The order store's family is filtered the same way.
  {
    auto store = open_orders(dir / "orders", opts);
    BOOST_REQUIRE(!store.insert_all(
        {make_order("order-1", "u")},
        {{"u", "old", created("order-0", old)}, {"u", "new", created("o1")}}));
    BOOST_REQUIRE(!store.compact());
    BOOST_CHECK(store.get("order-1"));
  }
  auto orders_left = read_family(dir / "orders", "idempotency");
  BOOST_REQUIRE(orders_left);
  BOOST_CHECK_EQUAL(orders_left->size(), 1u);
  BOOST_CHECK(orders_left->count(detail::scoped_key("u", "new")) == 1);
}

BOOST_AUTO_TEST_CASE(a_key_record_that_expired_in_real_time_is_compacted_away) {
  temp_dir dir;
  store_options opts;
  opts.key_ttl = 300ms;
  auto u = make_user("fay");
  {
    auto store = open_users(dir / "users", opts);
    BOOST_REQUIRE(!store.put_record(u, {{}, "k", created(u.id)}));
    std::this_thread::sleep_for(400ms);
    BOOST_REQUIRE(!store.compact());
    BOOST_CHECK(store.get(u.id));
  }
  BOOST_CHECK_EQUAL(count_key_records(dir / "users"), 0u);
  // The user record stays: the filter runs on the key records only.
  auto store = open_users(dir / "users", opts);
  BOOST_CHECK(store.get(u.id));
}
BOOST_AUTO_TEST_CASE(after_kill9_mid_writes_every_user_has_its_key_and_back) {
  temp_dir dir;
  auto path = dir / "users";
  size_t killed_rounds = 0;
  for (int round = 0; round < 3; ++round) {
    int ready[2];
    BOOST_REQUIRE(::pipe(ready) == 0);
    auto child = ::fork();
    BOOST_REQUIRE(child >= 0);
    if (child == 0) {
      ::close(ready[0]);
      auto store = user_store::open(path);
      if (!store)
        ::_exit(3);
      // Writes until killed (bounded well below a memtable, so that no
      // flush is needed: a forked child has no RocksDB background threads).
      for (int i = 0; i < 40000; ++i) {
        auto name = "w" + std::to_string(round) + "-" + std::to_string(i);
        user_record u{"id-" + name, name, name + "@example.com", "h", now_ms()};
        if (store->put_record(u, {{}, "k-" + name, created(u.id)}))
          ::_exit(4);
        if (i == 200) {
          char c = 'y';
          (void)!::write(ready[1], &c, 1);
        }
      }
      ::_exit(0);
    }
    ::close(ready[1]);
    char c = 0;
    BOOST_REQUIRE_MESSAGE(::read(ready[0], &c, 1) == 1,
                          "the writer died before its 200th write");
    ::close(ready[0]);
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + 7 * round));
    ::kill(child, SIGKILL);
    int status = 0;
    BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      ++killed_rounds;
    else
      BOOST_TEST_MESSAGE("round " << round << ": the writer ended first");
  }
  BOOST_CHECK_MESSAGE(killed_rounds > 0, "no writer was killed mid-run");
  // Reopened by the store (WAL recovery), then read back both ways.
  std::set<std::string> user_ids;
  {
    auto store = open_users(path);
    auto users = all_users(store);
    BOOST_TEST_MESSAGE(users.size()
                       << " users survived " << killed_rounds << " kill -9");
    BOOST_CHECK_GE(users.size(), 3u * 200u);
    for (auto& u : users) {
      user_ids.insert(u.id);
      auto key = user_key(store, "k-" + u.username);
      BOOST_REQUIRE_MESSAGE(key, "user " << u.id << " without its key record");
      BOOST_CHECK_EQUAL(key->text, u.id);
    }
  }
  auto keys = read_family(path, "idempotency");
  BOOST_REQUIRE(keys);
  BOOST_CHECK_EQUAL(keys->size(), user_ids.size());
  for (auto& [k, v] : *keys) {
    auto rec = detail::decode_key(v);
    BOOST_REQUIRE(rec);
    BOOST_CHECK_MESSAGE(user_ids.count(rec->text) == 1,
                        "key record for " << rec->text << " without its user");
  }
}

BOOST_AUTO_TEST_SUITE_END()
