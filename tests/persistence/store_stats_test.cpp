// The statistics a real store reports for GET /metrics (RocksDB's own
// properties), and the samples a node makes of them.

#include "actors/node_metrics.hpp"
#include "persistence/key_records.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>
#include <map>
#include <string>

using namespace microshop;
using namespace microshop::persistence;
using namespace microshop::testing::key_records;
using microshop::testing::temp_dir;

namespace {

std::map<std::string, family_stats> by_family(const store_stats& s) {
  std::map<std::string, family_stats> out;
  for (auto& f : s.families)
    out[f.family] = f;
  return out;
}

void check_healthy(const store_stats& s) {
  BOOST_CHECK_EQUAL(s.write_stalls, 0u);
  BOOST_CHECK(!s.writes_stopped);
  BOOST_CHECK_EQUAL(s.errors, 0u);
}

} // namespace

BOOST_AUTO_TEST_SUITE(store_stats_suite)

BOOST_AUTO_TEST_CASE(user_store_keys_and_sizes_grow_in_both_families) {
  temp_dir dir;
  auto store = open_users(dir / "users");
  auto before = by_family(store.stats());
  BOOST_REQUIRE_EQUAL(before.size(), 2u);
  BOOST_REQUIRE(before.count("default") && before.count("idempotency"));
  BOOST_CHECK_EQUAL(before["default"].keys, 0u);
  BOOST_CHECK_EQUAL(before["idempotency"].keys, 0u);
  check_healthy(store.stats());

  for (int i = 0; i < 50; ++i)
    BOOST_REQUIRE(!store.insert(make_user("stats" + std::to_string(i))));
  auto users = by_family(store.stats());
  // Each user is a record and its unique entries: at least 50 keys.
  BOOST_CHECK_GE(users["default"].keys, 50u);
  BOOST_CHECK_GT(users["default"].size_bytes, before["default"].size_bytes);
  BOOST_CHECK_EQUAL(users["idempotency"].keys, 0u);

  for (int i = 0; i < 20; ++i)
    BOOST_REQUIRE(!store.put_key(
        {{}, "key-" + std::to_string(i), refused(1, "invalid")}));
  auto keyed = by_family(store.stats());
  BOOST_CHECK_GE(keyed["idempotency"].keys, 20u);
  BOOST_CHECK_GT(keyed["idempotency"].size_bytes,
                 users["idempotency"].size_bytes);
  BOOST_CHECK_EQUAL(keyed["default"].keys, users["default"].keys);
  check_healthy(store.stats());

  // Flushed to SST files, the data is still counted.
  BOOST_REQUIRE(!store.compact());
  auto compacted = by_family(store.stats());
  BOOST_CHECK_GE(compacted["default"].keys, 50u);
  BOOST_CHECK_GT(compacted["default"].size_bytes, 0u);
  BOOST_CHECK_GE(compacted["idempotency"].keys, 20u);
}

BOOST_AUTO_TEST_CASE(order_store_keys_and_sizes_grow_in_both_families) {
  temp_dir dir;
  auto store = open_orders(dir / "orders");
  auto before = by_family(store.stats());
  BOOST_REQUIRE_EQUAL(before.size(), 2u);
  BOOST_CHECK_EQUAL(before["default"].keys, 0u);
  BOOST_CHECK_EQUAL(before["idempotency"].keys, 0u);

  std::vector<order_record> orders;
  std::vector<key_entry> keys;
  for (int i = 0; i < 30; ++i) {
    auto id = "order-" + std::to_string(1000 + i);
    orders.push_back(make_order(id, "user-1"));
    if (i % 3 == 0)
      keys.push_back({"user-1", "k" + std::to_string(i), created(id)});
  }
  BOOST_REQUIRE(!store.insert_all(orders, keys));
  auto after = by_family(store.stats());
  // A record and a by-user index entry per order.
  BOOST_CHECK_GE(after["default"].keys, 30u);
  BOOST_CHECK_GT(after["default"].size_bytes, before["default"].size_bytes);
  BOOST_CHECK_GE(after["idempotency"].keys, 10u);
  BOOST_CHECK_GT(after["idempotency"].size_bytes,
                 before["idempotency"].size_bytes);
  check_healthy(store.stats());
}

BOOST_AUTO_TEST_CASE(a_node_reports_a_real_store_as_samples) {
  temp_dir dir;
  auto store = open_users(dir / "users");
  for (int i = 0; i < 5; ++i)
    BOOST_REQUIRE(!store.insert(make_user("sample" + std::to_string(i))));
  actors::metric_samples out;
  actors::add_store_samples(out, store.stats());
  std::map<std::string, double> got;
  for (auto& s : out)
    got[s.name + '{' + s.labels + '}'] = s.value;
  BOOST_CHECK_EQUAL(got.size(), out.size()); // no sample twice
  BOOST_CHECK_GE(got["microshop_store_keys{family=\"default\"}"], 5.0);
  BOOST_CHECK_GT(got["microshop_store_size_bytes{family=\"default\"}"], 0.0);
  BOOST_CHECK(got.count("microshop_store_keys{family=\"idempotency\"}"));
  BOOST_CHECK(got.count("microshop_store_size_bytes{family=\"idempotency\"}"));
  BOOST_CHECK(got.count("microshop_store_write_stalls_total{}"));
  BOOST_CHECK(got.count("microshop_store_writes_stopped{}"));
  BOOST_CHECK(got.count("microshop_store_errors_total{}"));
}

BOOST_AUTO_TEST_SUITE_END()
